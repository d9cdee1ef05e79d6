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
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from ..net import KUBE_DNS, Cluster, Evaluator, NetworkPolicy, Pod
from ..net.cluster import add_kube_dns
from ..net.kinds.admintier import selects
from ..net.services import target_port
from .reasons import caveat_text, closest_miss, reason_of
from .probe import Probe, cluster_probes
from .witness import OUTSIDE_NAMESPACE, Witness, add_witnesses, copy_witnesses
from .words import collapse, describe_policy

STANDARD_EXTERNALS = ("1.1.1.1",)
OUTSIDE = ""  # the namespace of an address outside the cluster


@dataclass(frozen=True)
class Row:
    """One verdict: `src` -> `dst` on a probe, and why."""

    src: str
    dst: str
    probe: Probe
    allowed: bool
    by: str  # the rules that allowed it, or which side denied it
    detail: str = ""  # for a denial: the closest miss (on the first probe denied for this reason)
    caveat: str = ""  # what the model cannot vouch for (policies of other kinds, host network)


@dataclass(frozen=True)
class Part:
    """The probes of one pair that share a verdict and its reason."""

    probes: tuple[Probe, ...]
    allowed: bool
    by: str
    detail: str = ""  # the closest miss of the first denied probe: one line for all of them
    caveat: str = ""


@dataclass(frozen=True)
class Cell:
    """Everything the report says about `src` -> `dst`: its parts, allowed ones first."""

    src: str
    dst: str
    parts: tuple[Part, ...]

    @property
    def allowed_probes(self) -> tuple[Probe, ...]:
        return tuple(sorted(p for part in self.parts if part.allowed for p in part.probes))

    @property
    def state(self) -> str:
        """"allowed" on every probe, "denied" on every probe, or "partial"."""
        allowed = [part.allowed for part in self.parts]
        return "allowed" if all(allowed) else "denied" if not any(allowed) else "partial"

    def sentences(self, universe: Sequence[Probe]) -> list[str]:
        """One sentence per part: "allowed on 53/UDP: ...", "denied on every probed port but 53/UDP: ..."."""
        out = []
        for part in self.parts:
            word = "allowed" if part.allowed else "denied"
            text = f"{word} on {collapse(part.probes, universe)}: {part.by}"
            if part.detail:
                text += f" ({part.detail})"
            if part.caveat:
                text += f" [* {part.caveat}]"
            out.append(text)
        return out


def cell_of(src: str, dst: str, rows: Iterable[Row]) -> Cell:
    keys: list[tuple[bool, str, str]] = []
    probes: dict[tuple[bool, str, str], list[Probe]] = {}
    details: dict[tuple[bool, str, str], str] = {}
    for r in rows:
        key = (r.allowed, r.by, r.caveat)
        if key not in probes:
            keys.append(key)
            probes[key] = []
        probes[key].append(r.probe)
        details.setdefault(key, r.detail)
    keys.sort(key=lambda k: not k[0])  # allowed first: that is what people look for
    return Cell(src, dst, tuple(Part(tuple(probes[k]), k[0], k[1], details[k], k[2]) for k in keys))


@dataclass(frozen=True)
class Endpoint:
    id: str
    namespace: str  # OUTSIDE ("") for an address outside the cluster
    kind: str  # workload | stand-in | added | external
    why: str = ""  # for what the report added: why
    workload: str = ""  # the controller, "Deployment/web"

    @property
    def label(self) -> str:
        return self.id.split("/", 1)[1] if "/" in self.id else self.id


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
        """"ns/pod (Deployment/web)", or "(stand-in)" for a pod standing in for a policy's."""
        what = f" ({self.controller})" if self.controller else " (stand-in)" if self.kind == "stand-in" else ""
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


def _endpoints(cluster: Cluster, workloads: set[str], added: list[Witness]) -> list[Endpoint]:
    reasons = {w.id: w for w in added}
    out = []
    for pod in cluster.pods:
        witness = reasons.get(pod.id)
        kind = "stand-in" if witness and witness.stand_in else "workload" if pod.id in workloads else "added"
        out.append(Endpoint(pod.id, pod.namespace, kind, witness.why if witness else "", pod.workload))
    for ext in cluster.externals:
        witness = reasons.get(ext.id)
        out.append(Endpoint(ext.id, OUTSIDE, "external", witness.why if witness else ""))
    return out


class _Checker:
    """Rows for (src, dst) on every probe, each pair computed once.

    The closest miss is worked out once per pair and reason, on the first probe denied
    for that reason: it is the slow part, and the report says it once for all of them.
    """

    def __init__(self, ev: Evaluator, probes: Sequence[Probe]) -> None:
        self.ev, self.probes = ev, probes
        self.rows: dict[tuple[str, str], list[Row]] = {}

    def __call__(self, src: str, dst: str) -> list[Row]:
        rows = self.rows.get((src, dst))
        if rows is None:
            rows = []
            explained: set[tuple[str, str]] = set()
            for probe in self.probes:
                verdict = self.ev.check(src, dst, probe.port, probe.protocol)
                by, caveat = reason_of(verdict), caveat_text(verdict)
                detail = ""
                if not verdict.allowed and (by, caveat) not in explained:
                    explained.add((by, caveat))
                    detail = closest_miss(verdict)
                rows.append(Row(src, dst, probe, verdict.allowed, by, detail, caveat))
            self.rows[(src, dst)] = rows
        return rows


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
) -> Report:
    """Verdicts for each workload against every other endpoint, on each probe, both ways.

    `workloads`: names or "ns/name" of the workloads to report on (substring match);
    None: all of them. `probes`: None means `demo_probes(objects)`. `namespace`: where
    objects without one live (and the neighbour pod); None: the namespace most objects name.
    `subjects`: more pod ids to report on as workloads, where the cluster has them (a diff
    reports each side on the workloads of both).
    """
    objects = [o for o in objects if o]
    namespace = _main_namespace(objects) if namespace is None else namespace
    cluster, all_workloads, added = build_cluster(objects, namespace=namespace, externals=externals, standard_peers=standard_peers,
                                                  witness_policies=witness_policies, extra_witnesses=extra_witnesses,
                                                  reserved=reserved)
    all_workloads += [pid for pid in subjects if cluster.pod(pid) is not None and pid not in all_workloads]
    chosen_probes = tuple(sorted({Probe.of(p) for p in (cluster_probes(cluster) if probes is None else probes)}))
    ev = Evaluator(cluster, ipblock_matches_pods=ipblock_matches_pods)
    endpoints = _endpoints(cluster, set(all_workloads), added)
    check = _Checker(ev, chosen_probes)
    stand_ins = {w.id for w in added if w.stand_in}
    cells: dict[tuple[str, str], Cell] = {}
    reports = [_workload_report(ev, wid, "stand-in" if wid in stand_ins else "workload", endpoints, check, cells)
               for wid in _chosen(all_workloads, workloads)]
    return Report(
        title=title,
        probes=chosen_probes,
        workloads=reports,
        endpoints=endpoints,
        added=added,
        policies=[p.id for p in cluster.policies],
        policy_words={p.id: describe_policy(p) for p in cluster.policies},
        ipblock_matches_pods=ipblock_matches_pods,
        services=service_lines(cluster),
        not_modelled=[str(u) for u in cluster.unmodelled],
        cells=cells,
    )


def _chosen(all_workloads: list[str], workloads: Sequence[str] | None) -> list[str]:
    """The workloads named by "ns/name" or a part of the name; all of them for none."""
    if not workloads:
        return all_workloads
    return [w for w in all_workloads if any(sel == w or sel in w.split("/", 1)[1] for sel in workloads)]


def _workload_report(ev: Evaluator, wid: str, kind: str, endpoints: list[Endpoint], check: _Checker,
                     cells: dict[tuple[str, str], Cell]) -> WorkloadReport:
    """One workload against every other endpoint, both ways; its cells go into `cells`."""
    i = ev.pod_index[wid]
    pod: Pod = ev.pods[i]
    ns = ev.cluster.namespace(pod.namespace)
    admin = tuple(p.id for p in ev.cluster.admin_policies if selects(p, pod, ns.labels if ns else {}))
    wl = WorkloadReport(wid, ev.isolating(wid, "egress"), ev.isolating(wid, "ingress"),
                        kind=kind, controller=pod.workload, admin_policies=admin)
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
