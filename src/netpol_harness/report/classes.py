"""The cluster's running pods (a `--with` dump) in a report: grouped into classes of pods no
policy tells apart (`net.classes`), one endpoint per class, so a dump of 100,000 pods gives a
column per class, not per pod, and the chart's workloads stay the report's subjects.

The running pods are the Pod objects the caller passes as the cluster's, apart from the
render's; given everything merged (the API's older calls), a running pod is a Pod object with a
`status`: what the API server serves and `kubectl get pods -o yaml` writes, which a chart renders
none of.
A dump of up to GROUP_ABOVE running pods is reported pod by pod, as it always was: the pods'
own names say more than a class's, and so few columns fit a page. Above it every running pod
is grouped, and the verdict of a class is the verdict of its representative, which every
other pod of the class shares by construction. Columns are the classes of the chart's
namespaces, and of every namespace while the classes number at most MAX_CLASS_COLUMNS.

With the pods grouped, the policy list describes the chart's policies and the cluster's in the
namespaces of the report's endpoints; the others (a dump may hold tens of thousands) are counted
in one line: they are judged all the same, only not described.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Iterable, Mapping, Sequence

from ..net import Cluster, Evaluator, NetworkPolicy
from ..net.classes import PodClasses

GROUP_ABOVE = 50  # running pods: a dump with more is reported by classes of pods
MAX_CLASS_COLUMNS = 100  # classes: with more, only those of the chart's namespaces are columns
# Labels a controller stamps on every pod of a revision: they name no group anyone wrote.
_CONTROLLER_KEYS = {"pod-template-hash", "controller-revision-hash", "pod-template-generation",
                    "statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index"}


@dataclass(frozen=True)
class PodGroup:
    """A class of running pods: `rep` is judged for all of `pods`."""

    rep: str  # the representative's pod id: the endpoint's id
    namespace: str
    name: str  # "shop/web (12 pods)"
    pods: tuple[str, ...]


@dataclass
class DumpPods:
    """The running pods of the objects, by id, and the objects that are not the cluster's."""

    running: dict[str, Mapping[str, Any]]
    chart_objects: list[Mapping[str, Any]]
    groups: list[PodGroup] | None = None
    left_out: str = ""  # in words: the running pods no column stands for
    namespace: str = "default"  # where the chart's objects without one live

    @cached_property
    def chart_policies(self) -> list[NetworkPolicy]:
        """The chart's NetworkPolicies, read once for the policy list and the witnesses."""
        return Cluster.from_manifests(self.chart_objects, self.namespace).policies


def dump_pods(objects: Sequence[Mapping[str, Any]], namespace: str,
              cluster_objects: Sequence[Mapping[str, Any]] | None = None) -> DumpPods | None:
    """The running pods when they are more than GROUP_ABOVE, else None: the report as it was.
    `cluster_objects`: the cluster's objects apart from the render's `objects`, whose pods are
    the running ones; None: `objects` holds both, told apart by `status` and `uid`."""
    if cluster_objects is not None:
        running = {_pod_id(obj, namespace): obj for obj in cluster_objects if obj.get("kind") == "Pod"}
        return DumpPods(running, list(objects), namespace=namespace) if len(running) > GROUP_ABOVE else None
    running: dict[str, Mapping[str, Any]] = {}
    chart: list[Mapping[str, Any]] = []
    for obj in objects:
        if obj.get("kind") == "Pod" and obj.get("status"):
            running[_pod_id(obj, namespace)] = obj
        elif not (obj.get("metadata") or {}).get("uid"):  # the API server's objects carry a uid
            chart.append(obj)
    return DumpPods(running, chart, namespace=namespace) if len(running) > GROUP_ABOVE else None


def _pod_id(obj: Mapping[str, Any], namespace: str) -> str:
    meta = obj.get("metadata") or {}
    return f"{meta.get('namespace') or namespace}/{meta.get('name')}"


def listed_policies(dump: DumpPods | None, policies: Sequence[NetworkPolicy],
                    shown: Iterable[str]) -> tuple[list[NetworkPolicy], str]:
    """The policies the report describes, and in words the cluster's it leaves out: all of
    them without grouped pods; with them, the chart's and those in the `shown` namespaces (the
    endpoints'), since describing a dump's every policy buries the chart's in pages of text."""
    if dump is None:
        return list(policies), ""
    chart = {p.id for p in dump.chart_policies}
    keep = set(shown)
    listed, rest = [], []
    for p in policies:
        (listed if p.id in chart or p.namespace in keep else rest).append(p)
    if not rest:
        return listed, ""
    spaces = len({p.namespace for p in rest})
    return listed, (f"{len(rest)} {'policy' if len(rest) == 1 else 'policies'} of the cluster in {spaces} other "
                    f"{'namespace' if spaces == 1 else 'namespaces'}; they are judged all the same")


def chart_policies(dump: DumpPods | None, policies: Iterable[NetworkPolicy] | None) -> Iterable[NetworkPolicy] | None:
    """The policies to make witnesses for: `policies` when given or without a dump, else the
    chart's alone: the cluster's pods are real, its policies need no made-up peers (and a
    dump's thousands of policies would add thousands of endpoints)."""
    if dump is None or policies is not None:
        return policies
    return dump.chart_policies


def group_pods(dump: DumpPods | None, evaluators: Sequence[Evaluator], namespace: str,
               workloads: Iterable[str]) -> DumpPods | None:
    """The running pods of the evaluators' cluster in classes (those every profile's class map
    puts together), the columns chosen: every class, or past MAX_CLASS_COLUMNS those of the
    release `namespace` and the `workloads`' namespaces. Each pod's class is read off the map;
    no verdict is worked out here."""
    if dump is None:
        return None
    cluster = evaluators[0].cluster
    maps = [PodClasses(cluster, ev.dataplane, ev.family).of for ev in evaluators]
    members: dict[tuple, list[str]] = {}
    for i, pod in enumerate(cluster.pods):
        if pod.id in dump.running:
            members.setdefault((pod.namespace, *(m[i] for m in maps)), []).append(pod.id)
    groups = [_group(dump, pods) for pods in members.values()]
    shown = {namespace, *(w.split("/", 1)[0] for w in workloads)}
    kept, hidden = groups, []
    if len(groups) > MAX_CLASS_COLUMNS:
        kept = [g for g in groups if g.namespace in shown]
        hidden = [g for g in groups if g.namespace not in shown]
    if hidden:
        dump.left_out = (f"{sum(len(g.pods) for g in hidden)} pods in {len(hidden)} classes of "
                         f"{len({g.namespace for g in hidden})} other namespaces")
    dump.groups = kept
    return dump


def _group(dump: DumpPods, pods: list[str]) -> PodGroup:
    namespace = pods[0].split("/", 1)[0]
    return PodGroup(pods[0], namespace, f"{namespace}/{_common_name(dump, pods)} ({_count(len(pods))})", tuple(pods))


def _count(n: int) -> str:
    return f"{n} pod" if n == 1 else f"{n} pods"


def _common_name(dump: DumpPods, pods: list[str]) -> str:
    """The pods' common owner ("web", the Deployment of their ReplicaSet), else the labels they
    share ("app=web"), else the first pod's name and how many more."""
    owners = {_owner(dump.running[p]) for p in pods}
    if len(owners) == 1 and "" not in owners:
        return owners.pop()
    shared: dict[str, str] | None = None
    for p in pods:
        labels = (dump.running[p].get("metadata") or {}).get("labels") or {}
        found = {k: str(v) for k, v in labels.items() if k not in _CONTROLLER_KEYS}
        shared = found if shared is None else {k: v for k, v in shared.items() if found.get(k) == v}
    if shared:
        return ",".join(f"{k}={v}" for k, v in sorted(shared.items()))
    first = pods[0].split("/", 1)[1]
    return first if len(pods) == 1 else f"{first} and {len(pods) - 1} more"


def _owner(obj: Mapping[str, Any]) -> str:
    """The controller's name; a ReplicaSet's Deployment (NAME-<pod-template-hash>) by its own."""
    meta = obj.get("metadata") or {}
    refs = [r for r in meta.get("ownerReferences") or () if isinstance(r, Mapping)]
    ref = next((r for r in refs if r.get("controller") is True), refs[0] if refs else None)
    if ref is None:
        return ""
    name = str(ref.get("name") or "")
    head, _, tail = name.rpartition("-")
    if ref.get("kind") == "ReplicaSet" and head and tail == str((meta.get("labels") or {}).get("pod-template-hash")):
        return head
    return name


def group_lines(groups: Sequence[PodGroup], left_out: str) -> list[str]:
    """What the text report says of the classes: each column stands for its pods."""
    if not groups and not left_out:
        return []
    lines = ["the cluster's running pods (--with), one endpoint per class of pods no policy tells apart; "
             "each stands for its N pods, judged on one of them (every pod of a class gets the same verdicts):"]
    lines += [f"  {g.name}: judged on {g.rep}" for g in groups]
    if left_out:
        lines.append(f"  not shown: {left_out}")
    return lines
