"""The data of a connectivity report: each workload of the manifests against every other
endpoint, on each probe (port/protocol), both ways, with the rule that allowed each flow
or what denied it.

The workloads become pods, and endpoints are added so the policies have something to
speak about (each says why it was added):

* `kube-system/kube-dns` (k8s-app=kube-dns, dns 53/UDP, dns-tcp 53/TCP, metrics 9153/TCP);
* witnesses made from the policies (see `witness`): stand-ins for the pods a policy
  selects when the manifests have none, and for every rule a peer it admits and outsiders
  that differ in one label or in their namespace, an address in each ipBlock and one in
  its `except`;
* a label-less pod in the release namespace (`NS/neighbour`) and in another namespace
  (`elsewhere/pod`), and the outside address 1.1.1.1: what "anyone else" may do.

By default the probes are the ports the policies and containers mention, plus DNS and HTTPS.
Verdicts are the API's own reading unless a dataplane profile is named; under several, the
report is drawn for the first and the pairs they disagree on carry each one's verdict
(`profiles`).

The cluster's running pods that a `--with` dump brings are, past a few, reported by class
(`classes`): one endpoint per class of pods no policy tells apart, and never subjects.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterable, Mapping, Sequence

from ..net import KUBE_DNS, Cluster, Evaluator, NetworkPolicy, Pod
from ..net.cluster import add_kube_dns
from ..net.kinds.admintier import selects
from ..net.services import target_port
from ..net.dataplanes import Dataplane
from .classes import DumpPods, PodGroup, chart_policies, dump_pods, group_pods, listed_policies
from .cells import DEPENDENT, Cell, Checker, Part, ProfileVerdict, Row, cell_of
from .probe import Probe, cluster_probes
from .profiles import chosen_profiles, mark_dependent
from .witness import OUTSIDE_NAMESPACE, Witness, add_witnesses, copy_witnesses
from .words import describe_policy

# Row, Part, Cell and cell_of live in `cells`; they are named here too, where reports are built.
__all__ = ["DEPENDENT", "Cell", "Endpoint", "Part", "ProfileVerdict", "Report", "Row", "WorkloadReport", "build_cluster",
           "cell_of", "connectivity_report", "service_lines"]

STANDARD_EXTERNALS = ("1.1.1.1",)
OUTSIDE = ""  # the namespace of an address outside the cluster


@dataclass(frozen=True)
class Endpoint:
    id: str
    namespace: str  # OUTSIDE ("") for an address outside the cluster
    kind: str  # workload | stand-in | pods (a class of the cluster's running pods) | added | external
    why: str = ""  # for what the report added: why
    workload: str = ""  # the controller, "Deployment/web"
    hook: str = ""  # its helm.sh/hook ("test"): helm runs it, it is not one of the release's running pods
    name: str = ""  # for a class of running pods: "shop/web (12 pods)"; its id is the pod judged for all
    pods: int = 0  # for a class of running pods: how many it stands for

    @property
    def label(self) -> str:
        """The name in the matrix: the pod's name, marked "[hook: test]" for a Helm hook."""
        name = self.name or self.id
        name = name.split("/", 1)[1] if "/" in name else name
        return f"{name} [hook: {self.hook}]" if self.hook else name


@dataclass
class WorkloadReport:
    workload: str  # "ns/pod"
    egress_policies: tuple[str, ...]  # policies that isolate its egress
    ingress_policies: tuple[str, ...]
    outgoing: list[Row] = field(default_factory=list)  # workload -> peer
    incoming: list[Row] = field(default_factory=list)  # peer -> workload
    kind: str = "workload"  # or "stand-in"
    controller: str = ""
    admin_policies: tuple[str, ...] = ()  # admin policies whose subject it is: they may decide first
    hook: str = ""  # its helm.sh/hook ("test"), for a Helm hook's pod

    def isolation(self, direction: str) -> str:
        """Who isolates it in a direction, in words."""
        policies = self.egress_policies if direction == "egress" else self.ingress_policies
        if policies:
            return ", ".join(policies)
        if self.admin_policies:
            return f"no NetworkPolicy (admin policies that select it: {', '.join(self.admin_policies)})"
        return f"nothing (all {direction} allowed)"

    @property
    def title(self) -> str:
        """"ns/pod (Deployment/web)", or "(stand-in)" for a pod standing in for a policy's;
        a Helm hook's pod is marked "[hook: test]"."""
        what = f" ({self.controller})" if self.controller else " (stand-in)" if self.kind == "stand-in" else ""
        what += f" [hook: {self.hook}]" if self.hook else ""
        return self.workload + what


@dataclass
class Report:
    title: str
    probes: tuple[Probe, ...]
    workloads: list[WorkloadReport]
    endpoints: list[Endpoint]
    added: list[Witness]  # what the report added, in order, with why
    policies: list[str]
    policy_words: dict[str, list[str]] = field(default_factory=dict)
    ipblock_matches_pods: bool = True
    services: list[str] = field(default_factory=list)  # "svc:ns/web:80/TCP -> 8080 on ns/web"
    not_modelled: list[str] = field(default_factory=list)  # policies of kinds the evaluator does not read
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)  # every pair with a reported workload
    dataplane: str = "kubernetes"  # the profile the report is drawn for
    dataplanes: tuple[str, ...] = ()  # the profiles compared, the drawn one first; () when only one
    pod_groups: list[PodGroup] = field(default_factory=list)  # the classes of running pods that are endpoints
    pods_left_out: str = ""  # in words, the running pods no endpoint stands for
    policies_left_out: str = ""  # in words, the cluster's policies `policy_words` does not describe

    def name_of(self, endpoint: str) -> str:
        """How the report names an endpoint: a class of running pods by its name, others by id."""
        return self._group_names.get(endpoint, endpoint)

    @cached_property
    def _group_names(self) -> dict[str, str]:  # name_of runs per cell of the matrix and the text
        return {group.rep: group.name for group in self.pod_groups}

    @property
    def dependent(self) -> list[Cell]:
        """The cells on which the compared profiles disagree."""
        return [cell for cell in self.cells.values() if cell.dataplanes]

    @property
    def peers(self) -> list[str]:
        return [e.id for e in self.endpoints]

    @property
    def added_peers(self) -> list[str]:
        return [w.id for w in self.added]

    def edges(self) -> dict[tuple[str, str], list[Probe]]:
        """Allowed (src, dst) pairs with their probes, each pair once."""
        return {pair: list(cell.allowed_probes) for pair, cell in self.cells.items() if cell.allowed_probes}

    def row(self, src: str, dst: str, probe: Probe | str) -> Row:
        """The verdict on `src` -> `dst` on one probe; KeyError when the report did not judge it."""
        want = Probe.of(probe)
        for wl in self.workloads:
            if wl.workload in (src, dst):
                for row in wl.outgoing if wl.workload == src else wl.incoming:
                    if (row.src, row.dst, row.probe) == (src, dst, want):
                        return row
        raise KeyError(f"the report did not judge {src} -> {dst} on {want}")

    def cells_of(self, workload: str) -> tuple[list[Cell], list[Cell]]:
        """(outgoing, incoming) cells of one workload."""
        outgoing = [c for (s, _), c in self.cells.items() if s == workload]
        incoming = [c for (_, d), c in self.cells.items() if d == workload]
        return outgoing, incoming


# --------------------------------------------------------------------------- building


def build_cluster(
    objects: Iterable[Mapping[str, Any] | None],
    *,
    namespace: str = "default",
    externals: Iterable[str] = (),
    standard_peers: bool = True,
    witness_policies: Iterable[NetworkPolicy] | None = None,
    extra_witnesses: Iterable[Witness] = (),
    reserved: Iterable[str] = (),
) -> tuple[Cluster, list[str], list[Witness]]:
    """The rendered objects plus the added endpoints: (cluster, workload ids, what was added).

    `witness_policies`: the policies to make witnesses for, None: the cluster's (a diff
    gives both sides the witnesses of both, so they compare the same endpoints).
    `extra_witnesses`: endpoints another cluster's report added, added here too where
    missing; `reserved`: pod ids no witness may take. Stand-ins count as workloads.
    """
    objects = [o for o in objects if o]
    cluster = Cluster.from_manifests(objects, namespace)
    cluster.ensure_namespace(namespace)
    workloads = [p.id for p in cluster.pods]
    added: list[Witness] = []
    if standard_peers:
        if cluster.pod(KUBE_DNS.id) is None:
            add_kube_dns(cluster)
            added.append(Witness(KUBE_DNS.id, "the cluster DNS (kube-dns in kube-system, as kubeadm deploys it)"))
        # The internet first: an ipBlock that already holds 1.1.1.1 needs no made-up address.
        for ip in STANDARD_EXTERNALS:
            if cluster.external(ip) is None:
                added.append(Witness(cluster.add_external(ip).id, "an address on the internet"))
        witnesses = add_witnesses(cluster, witness_policies, reserved)
        witnesses += copy_witnesses(extra_witnesses, cluster)
        added += witnesses
        workloads += [w.id for w in witnesses if w.stand_in]
        for ns, name, why in ((namespace, "neighbour", f"a pod without labels in the release namespace {namespace}"),
                              (OUTSIDE_NAMESPACE, "pod", "a pod without labels in another namespace")):
            if cluster.pod(f"{ns}/{name}") is None:
                added.append(Witness(cluster.add_pod(ns, name, {}).id, why))
    for ip in externals:
        if cluster.external(ip) is None:
            added.append(Witness(cluster.add_external(ip).id, "asked for (--external)"))
    return cluster, workloads, added


def _endpoints(cluster: Cluster, workloads: set[str], added: list[Witness],
               dump: DumpPods | None = None) -> list[Endpoint]:
    """Every endpoint, in the cluster's order; of the running pods of a `dump`, one per class."""
    reasons = {w.id: w for w in added}
    groups = {g.rep: g for g in (dump.groups or [])} if dump is not None else {}
    out = []
    for pod in cluster.pods:
        if dump is not None and pod.id in dump.running:
            group = groups.get(pod.id)
            if group is not None:
                out.append(Endpoint(pod.id, pod.namespace, "pods", name=group.name, pods=len(group.pods)))
            continue
        witness = reasons.get(pod.id)
        kind = "stand-in" if witness and witness.stand_in else "workload" if pod.id in workloads else "added"
        out.append(Endpoint(pod.id, pod.namespace, kind, witness.why if witness else "", pod.workload, pod.hook))
    for ext in cluster.externals:
        witness = reasons.get(ext.id)
        out.append(Endpoint(ext.id, OUTSIDE, "external", witness.why if witness else ""))
    return out


def connectivity_report(
    objects: Iterable[Mapping[str, Any] | None],
    probes: Iterable[Probe | tuple[int, str] | str | int] | None = None,
    *,
    title: str = "connectivity",
    namespace: str | None = None,
    externals: Iterable[str] = (),
    workloads: Sequence[str] | None = None,
    standard_peers: bool = True,
    ipblock_matches_pods: bool = True,
    witness_policies: Iterable[NetworkPolicy] | None = None,
    extra_witnesses: Iterable[Witness] = (),
    reserved: Iterable[str] = (),
    subjects: Iterable[str] = (),
    dataplane: Dataplane | str = "kubernetes",
    dataplanes: Sequence[Dataplane | str] | None = None,
    cluster_objects: Iterable[Mapping[str, Any] | None] | None = None,
) -> Report:
    """Verdicts for each workload against every other endpoint, on each probe, both ways.

    `workloads`: names or "ns/name" of the workloads to report on (substring match);
    None: all of them. `probes`: None means `demo_probes(objects)`. `namespace`: where
    objects without one live (and the neighbour pod); None: the namespace most objects name.
    `subjects`: more pod ids to report on as workloads, where the cluster has them (a diff
    reports each side on the workloads of both). `dataplane`: the profile to judge as (`net.dataplanes`),
    by default the API's own reading. `dataplanes`: judge as each of these and draw the report for
    the first; a pair on which they disagree is marked "dataplane-dependent" and carries each
    profile's verdicts (`Cell.dataplanes`). `cluster_objects`: the cluster's objects (a `--with`
    dump) apart from the render's `objects`; its pods are the running ones (`classes`). None:
    `objects` holds both, and a Pod with a `status` is taken for a running one.
    """
    profiles = chosen_profiles(dataplane, dataplanes)  # a wrong name fails before the slow part
    objects, namespace, dump = _inputs(objects, cluster_objects, namespace)
    cluster, all_workloads, added = build_cluster(objects, namespace=namespace, externals=externals, standard_peers=standard_peers,
                                                  witness_policies=chart_policies(dump, witness_policies),
                                                  extra_witnesses=extra_witnesses, reserved=reserved)
    all_workloads = [w for w in all_workloads if dump is None or w not in dump.running]
    all_workloads += [pid for pid in subjects if cluster.pod(pid) is not None and pid not in all_workloads]
    chosen_probes = tuple(sorted({Probe.of(p) for p in (cluster_probes(cluster) if probes is None else probes)}))
    evaluators = [Evaluator(cluster, ipblock_matches_pods=ipblock_matches_pods, dataplane=p) for p in profiles]
    ev = evaluators[0]
    endpoints = _endpoints(cluster, set(all_workloads), added, group_pods(dump, evaluators, namespace, all_workloads))
    report = _empty_report(title, cluster, chosen_probes, endpoints, added, evaluators, dump)
    report.dataplane = profiles[0].name
    check = Checker(ev, chosen_probes)
    stand_ins = {w.id for w in added if w.stand_in}
    report.workloads = [_workload_report(ev, wid, "stand-in" if wid in stand_ins else "workload", endpoints, check,
                                         report.cells) for wid in _chosen(all_workloads, workloads, cluster)]
    mark_dependent(report.cells, evaluators, chosen_probes, [e.id for e in endpoints])
    return report


def _inputs(objects: Iterable[Mapping[str, Any] | None], cluster_objects: Iterable[Mapping[str, Any] | None] | None,
            namespace: str | None) -> tuple[list[Mapping[str, Any]], str, DumpPods | None]:
    """The objects to model (the render's, then the cluster's), the release namespace, and the
    cluster's running pods: peers, by class, and never subjects (`classes.dump_pods`)."""
    objects = [o for o in objects if o]
    apart = None if cluster_objects is None else [o for o in cluster_objects if o]
    namespace = _main_namespace(objects or apart or []) if namespace is None else namespace
    dump = dump_pods(objects, namespace, apart)
    return (objects if apart is None else objects + apart), namespace, dump


def _empty_report(title: str, cluster: Cluster, probes: tuple[Probe, ...], endpoints: list[Endpoint],
                  added: list[Witness], evaluators: list[Evaluator], dump: DumpPods | None = None) -> Report:
    """The report before its workloads' verdicts: what the cluster and the profiles say."""
    shown = {e.namespace for e in endpoints if e.namespace != OUTSIDE}
    listed, left_out = listed_policies(dump, cluster.policies, shown)
    return Report(
        title=title,
        probes=probes,
        workloads=[],
        endpoints=endpoints,
        added=added,
        policies=[p.id for p in cluster.policies],
        policy_words={p.id: describe_policy(p) for p in listed},
        policies_left_out=left_out,
        ipblock_matches_pods=evaluators[0].ipblock_matches_pods,
        services=service_lines(cluster),
        not_modelled=[str(u) for u in cluster.unmodelled],
        dataplanes=tuple(ev.dataplane.name for ev in evaluators) if len(evaluators) > 1 else (),
        pod_groups=(dump.groups or []) if dump is not None else [],
        pods_left_out=dump.left_out if dump is not None else "",
    )


def _chosen(all_workloads: list[str], workloads: Sequence[str] | None, cluster: Cluster) -> list[str]:
    """The pods named by their id, their workload's name ("ns/NAME" or NAME: every pod of
    it, a StatefulSet's NAME-0 too) or a part of their name; all of them for none."""
    if not workloads:
        return all_workloads

    def names(pid: str) -> set[str]:
        pod = cluster.pod(pid)
        owner = pod.workload.split("/", 1)[-1] if pod is not None and pod.workload else ""
        return {pid, *((owner, f"{pod.namespace}/{owner}") if owner else ())}

    return [w for w in all_workloads if any(sel in names(w) or sel in w.split("/", 1)[1] for sel in workloads)]


def _workload_report(ev: Evaluator, wid: str, kind: str, endpoints: list[Endpoint], check: Checker,
                     cells: dict[tuple[str, str], Cell]) -> WorkloadReport:
    """One workload against every other endpoint, both ways; its cells go into `cells`."""
    i = ev.pod_index[wid]
    pod: Pod = ev.pods[i]
    ns = ev.cluster.namespace(pod.namespace)
    admin = tuple(p.id for p in ev.cluster.admin_policies if selects(p, pod, ns.labels if ns else {}))
    wl = WorkloadReport(wid, ev.isolating(wid, "egress"), ev.isolating(wid, "ingress"),
                        kind=kind, controller=pod.workload, admin_policies=admin, hook=pod.hook)
    for peer in endpoints:
        if peer.id == wid:
            continue
        wl.outgoing += check(wid, peer.id)
        wl.incoming += check(peer.id, wid)
        cells[(wid, peer.id)] = cell_of(wid, peer.id, check(wid, peer.id))
        cells[(peer.id, wid)] = cell_of(peer.id, wid, check(peer.id, wid))
    return wl


def service_lines(cluster: Cluster) -> list[str]:
    """Each Service port and the pod port it lands on: policies see only the latter."""
    lines = []
    for service in cluster.services:
        pods = cluster.service_pods(service)
        for port in service.ports:
            targets = []
            for pod in pods:
                number, _ = target_port(port, pod)
                targets.append(f"{pod.id}:{number}" if number is not None else f"{pod.id}:(no port {port.target})")
            lines.append(f"{service.id}:{port.port}/{port.protocol} -> {', '.join(targets) or 'no pod'}")
    return lines


def _main_namespace(objects: list[Mapping[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for o in objects:
        ns = (o.get("metadata") or {}).get("namespace")
        if ns:
            counts[ns] = counts.get(ns, 0) + 1
    return max(sorted(counts), key=counts.__getitem__) if counts else "default"
