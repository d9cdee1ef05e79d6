"""The data of a connectivity report: each workload of the manifests against every
other endpoint, on each probe (port/protocol), both ways, with the rule that allowed
each flow or what denied it.

The workloads become pods, and a few standard peers are added so the policies have
something to speak about:

* `kube-system/kube-dns` (k8s-app=kube-dns, dns 53/UDP, dns-tcp 53/TCP, metrics 9153/TCP);
* a label-less pod in the release namespace (`NS/neighbour`) and in another namespace
  (`elsewhere/pod`): what "any other pod" may do;
* a pod for each peer a policy names exactly (a namespace chosen by
  `kubernetes.io/metadata.name` plus matchLabels), when no pod matches it yet;
* the outside addresses 1.1.1.1, every /32 or /128 ipBlock in the policies, and any given.

By default the probes are the ports the policies and containers mention, plus DNS and HTTPS.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from ..net import KUBE_DNS, NAME_LABEL, PROTOCOLS, Cluster, Evaluator, SideVerdict, Verdict
from ..net.cluster import add_kube_dns
from ..net.services import target_port

STANDARD_EXTERNALS = ("1.1.1.1",)
OTHER_NAMESPACE = "elsewhere"
BASE_PROBES = ((53, "UDP"), (53, "TCP"), (443, "TCP"))


@dataclass(frozen=True, order=True)
class Probe:
    port: int
    protocol: str = "TCP"

    @classmethod
    def parse(cls, text: str | int, default_protocol: str = "TCP") -> "Probe":
        """"53", "53/UDP" or 53."""
        port_text, _, proto = str(text).partition("/")
        protocol = (proto or default_protocol).upper()
        port = int(port_text)
        if not 1 <= port <= 65535:
            raise ValueError(f"port must be 1..65535, not {port}")
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}, not {protocol!r}")
        return cls(port, protocol)

    def __str__(self) -> str:
        return f"{self.port}/{self.protocol}"


@dataclass(frozen=True)
class Row:
    """One verdict: `src` -> `dst` on a probe, and why."""

    src: str
    dst: str
    probe: Probe
    allowed: bool
    by: str  # the rules that allowed it, or which side denied it
    detail: str = ""  # for a denial: the closest miss
    caveat: str = ""  # what the model cannot vouch for (policies of other kinds, host network)


@dataclass(frozen=True)
class Group:
    """Rows with the same peer, verdict and reason, their probes merged (for display)."""

    peer: str
    probes: tuple[Probe, ...]
    allowed: bool
    by: str
    details: tuple[str, ...]
    caveat: str = ""

    @property
    def ports(self) -> str:
        return ", ".join(map(str, self.probes))


def grouped(rows: Iterable[Row], peer_attr: str) -> list[Group]:
    order: list[tuple[str, bool, str]] = []
    probes: dict[tuple[str, bool, str], list[Probe]] = {}
    details: dict[tuple[str, bool, str], list[str]] = {}
    caveats: dict[tuple[str, bool, str], str] = {}
    for r in rows:
        key = (getattr(r, peer_attr), r.allowed, r.by)
        caveats.setdefault(key, r.caveat)
        if key not in probes:
            order.append(key)
            probes[key], details[key] = [], []
        probes[key].append(r.probe)
        if r.detail and r.detail not in details[key]:
            details[key].append(r.detail)
    # Allowed first within a peer: that is what people look for.
    peers = list(dict.fromkeys(k[0] for k in order))
    order.sort(key=lambda k: (peers.index(k[0]), not k[1]))
    return [Group(k[0], tuple(probes[k]), k[1], k[2], tuple(details[k]), caveats[k]) for k in order]


@dataclass
class WorkloadReport:
    workload: str  # "ns/pod"
    egress_policies: tuple[str, ...]  # policies that isolate its egress
    ingress_policies: tuple[str, ...]
    outgoing: list[Row] = field(default_factory=list)  # workload -> peer
    incoming: list[Row] = field(default_factory=list)  # peer -> workload


@dataclass
class Report:
    title: str
    probes: tuple[Probe, ...]
    workloads: list[WorkloadReport]
    peers: list[str]  # every endpoint a workload was checked against
    added_peers: list[str]  # the subset the report added (not from the manifests)
    policies: list[str]
    ipblock_matches_pods: bool = True
    services: list[str] = field(default_factory=list)  # "svc:ns/web:80/TCP -> 8080 on ns/web"
    not_modelled: list[str] = field(default_factory=list)  # policies of kinds the evaluator does not read

    def edges(self) -> dict[tuple[str, str], list[Probe]]:
        """Allowed (src, dst) pairs with their probes, each pair once."""
        out: dict[tuple[str, str], list[Probe]] = {}
        for wl in self.workloads:
            for row in wl.outgoing + wl.incoming:
                if row.allowed:
                    probes = out.setdefault((row.src, row.dst), [])
                    if row.probe not in probes:
                        probes.append(row.probe)
        return {k: sorted(v) for k, v in out.items()}


# --------------------------------------------------------------------------- building


def demo_probes(objects: Iterable[Mapping[str, Any] | None]) -> list[Probe]:
    """The probes worth asking about: ports the policies and containers mention, DNS, HTTPS.

    Named policy ports are resolved against the containers (and kube-dns's); a range
    contributes both its ends.
    """
    objects = [o for o in objects if o]
    cluster = Cluster.from_manifests(objects)
    named: dict[tuple[str, str], set[int]] = {}
    probes = {Probe(p, proto) for p, proto in BASE_PROBES}
    for pod in cluster.pods + [KUBE_DNS]:
        for cp in pod.ports:
            if pod.namespace != "kube-system":
                probes.add(Probe(cp.port, cp.protocol))
            if cp.name:
                named.setdefault((cp.name, cp.protocol), set()).add(cp.port)
    for policy in cluster.policies:
        for rule in policy.ingress + policy.egress:
            for p in rule.ports:
                if isinstance(p.port, int):
                    probes.add(Probe(p.port, p.protocol))
                    if p.end_port is not None:
                        probes.add(Probe(p.end_port, p.protocol))
                elif isinstance(p.port, str):
                    probes.update(Probe(n, p.protocol) for n in named.get((p.port, p.protocol), ()))
    return sorted(probes)


def _host_addresses(cluster: Cluster) -> list[str]:
    """Single addresses named by ipBlocks (/32, /128), so the report shows those peers."""
    found: list[str] = []
    for policy in cluster.policies:
        for rule in policy.ingress + policy.egress:
            for peer in rule.peers:
                block = peer.ip_block
                if block is not None and block.network.num_addresses == 1:
                    ip = str(block.network.network_address)
                    if ip not in found:
                        found.append(ip)
    return found


def _named_peers(cluster: Cluster) -> list[tuple[str, dict[str, str], dict[str, str]]]:
    """(namespace, namespace labels, pod labels) of peers a policy names exactly.

    Only peers whose namespaceSelector names the namespace (kubernetes.io/metadata.name)
    and whose selectors are plain matchLabels: there the pod the rule means is clear.
    """
    out = []
    for policy in cluster.policies:
        for rule in policy.ingress + policy.egress:
            for peer in rule.peers:
                ns_sel, pod_sel = peer.namespace_selector, peer.pod_selector
                if ns_sel is None or ns_sel.match_expressions:
                    continue
                ns_labels = dict(ns_sel.match_labels)
                if NAME_LABEL not in ns_labels:
                    continue
                if pod_sel is not None and pod_sel.match_expressions:
                    continue
                pod_labels = dict(pod_sel.match_labels) if pod_sel is not None else {}
                if (ns_labels[NAME_LABEL], ns_labels, pod_labels) not in out:
                    out.append((ns_labels[NAME_LABEL], ns_labels, pod_labels))
    return out


def _pod_name_for(labels: Mapping[str, str]) -> str:
    if not labels:
        return "pod"
    key, value = sorted(labels.items())[0]
    base = value or key.rsplit("/", 1)[-1]
    return re.sub(r"[^a-z0-9-]+", "-", base.lower()).strip("-")[:50] or "pod"


def build_cluster(
    objects: Iterable[Mapping[str, Any] | None],
    *,
    namespace: str = "default",
    externals: Iterable[str] = (),
    standard_peers: bool = True,
) -> tuple[Cluster, list[str], list[str]]:
    """The rendered objects plus the standard peers: (cluster, workload ids, added peer ids)."""
    cluster = Cluster.from_manifests(objects, namespace)
    cluster.ensure_namespace(namespace)
    workloads = [p.id for p in cluster.pods]
    before = {p.id for p in cluster.pods} | {e.id for e in cluster.externals}
    if standard_peers:
        if cluster.pod("kube-system/kube-dns") is None:
            add_kube_dns(cluster)
        for ns, ns_labels, pod_labels in _named_peers(cluster):
            existing = cluster.namespace(ns)
            if existing is not None and any(
                p.namespace == ns and all(p.labels.get(k) == v for k, v in pod_labels.items()) for p in cluster.pods
            ):
                continue  # a pod the rule means is already there
            cluster.add_namespace(ns, {**(existing.labels if existing else {}), **ns_labels})
            name = _pod_name_for(pod_labels)
            while cluster.pod(f"{ns}/{name}") is not None:
                name += "-x"
            cluster.add_pod(ns, name, pod_labels)
        for ns, name in ((namespace, "neighbour"), (OTHER_NAMESPACE, "pod")):
            if cluster.pod(f"{ns}/{name}") is None:
                cluster.add_pod(ns, name, {})
        for ip in [*STANDARD_EXTERNALS, *_host_addresses(cluster)]:
            cluster.add_external(ip)
    for ip in externals:
        cluster.add_external(ip)
    added = [p.id for p in cluster.pods if p.id not in before] + [e.id for e in cluster.externals if e.id not in before]
    return cluster, workloads, added


def _side_text(side: SideVerdict) -> str:
    if not side.judged:
        return ""
    if not side.isolated:
        return f"{side.direction} open"
    if side.allowed_by:
        return f"{side.direction}: " + ", ".join(str(r) for r in side.allowed_by)
    return f"{side.direction} denied (isolated by {', '.join(side.policies)})"


def why(verdict: Verdict) -> tuple[str, str]:
    """(which rules allowed the connection or which side denied it, the closest miss if denied)."""
    if verdict.src == verdict.dst:
        return "same pod", ""
    sides = [verdict.egress, verdict.ingress]
    if verdict.allowed:
        return "; ".join(t for t in map(_side_text, sides) if t), ""
    by = "; ".join(_side_text(s) for s in sides if s.judged and not s.allowed)
    misses = verdict.closest_misses()
    return by, (f"closest: {misses[0]}" if misses else "")


def caveat_text(verdict: Verdict) -> str:
    return "; ".join(verdict.caveats)


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
) -> Report:
    """Verdicts for each workload against every other endpoint, on each probe, both ways.

    `workloads`: names or "ns/name" of the manifests' pods to report on (substring match);
    None: all of them. `probes`: None means `demo_probes(objects)`. `namespace`: where
    objects without one live (and the neighbour pod); None: the namespace most objects name.
    """
    objects = [o for o in objects if o]
    if namespace is None:
        namespace = _main_namespace(objects)
    chosen_probes = tuple(sorted({_probe(p) for p in (demo_probes(objects) if probes is None else probes)}))
    cluster, all_workloads, added = build_cluster(objects, namespace=namespace, externals=externals, standard_peers=standard_peers)
    if workloads:
        selected = [w for w in all_workloads if any(sel == w or sel in w.split("/", 1)[1] for sel in workloads)]
    else:
        selected = all_workloads
    ev = Evaluator(cluster, ipblock_matches_pods=ipblock_matches_pods)
    endpoints = [p.id for p in cluster.pods] + [e.id for e in cluster.externals]
    reports = []
    for wid in selected:
        i = ev.pod_index[wid]
        wl = WorkloadReport(
            wid,
            tuple(cp.policy.id for cp in ev.egress_of[i]),
            tuple(cp.policy.id for cp in ev.ingress_of[i]),
        )
        for peer in endpoints:
            if peer == wid:
                continue
            for probe in chosen_probes:
                out = ev.check(wid, peer, probe.port, probe.protocol)
                wl.outgoing.append(Row(wid, peer, probe, out.allowed, *why(out), caveat_text(out)))
                inc = ev.check(peer, wid, probe.port, probe.protocol)
                wl.incoming.append(Row(peer, wid, probe, inc.allowed, *why(inc), caveat_text(inc)))
        reports.append(wl)
    return Report(
        title=title,
        probes=chosen_probes,
        workloads=reports,
        peers=[e for e in endpoints],
        added_peers=added,
        policies=[p.id for p in cluster.policies],
        ipblock_matches_pods=ipblock_matches_pods,
        services=service_lines(cluster),
        not_modelled=[str(u) for u in cluster.unmodelled],
    )


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


def _probe(p: Probe | tuple[int, str] | str | int) -> Probe:
    if isinstance(p, Probe):
        return p
    if isinstance(p, tuple):
        return Probe.parse(p[0], p[1])
    return Probe.parse(p)
