"""`netpol report`: what each workload of a chart may reach, and what may reach it.

    scripts/netpol report CHART [--values FILE]... [--set k=v]... [--release R] [--namespace NS]
                          [--port 53/UDP]... [--protocol TCP] [--workload NAME]... [--external IP]...
                          [--out DIR]

The chart is rendered with the real `helm template`; its workloads become pods, and a
few standard peers are added so the policies have something to speak about:

* `kube-system/kube-dns` (k8s-app=kube-dns, dns 53/UDP, dns-tcp 53/TCP, metrics 9153/TCP);
* a label-less pod in the release namespace (`NS/neighbour`) and in another namespace
  (`elsewhere/pod`): what "any other pod" may do;
* a pod for each peer a policy names exactly (a namespace chosen by
  `kubernetes.io/metadata.name` plus matchLabels), when no pod matches it yet;
* the outside addresses 1.1.1.1, every /32 or /128 ipBlock in the policies, and `--external`.

For every workload, every peer and every probe (port/protocol; by default the ports the
policies and containers mention, plus DNS and HTTPS), the report gives the verdict in
both directions and the policy rule that allowed it, or what denied it. Output: a text
table and a Mermaid graph on stdout; with --out, a self-contained HTML page (inline CSS
and an inline SVG graph drawn here, no scripts, nothing fetched) and the Mermaid source.

`connectivity_report()`, `render_text()`, `render_html()`, `render_mermaid()` and
`demo_probes()` are pure functions for `netpol demo` and tests.
"""
from __future__ import annotations

import argparse
import html
import ipaddress
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from .cli_render import add_render_inputs, render_from
from .evaluate import Evaluator, SideVerdict, Verdict
from .model import KUBE_DNS, NAME_LABEL, PROTOCOLS, Cluster

STANDARD_EXTERNALS = ("1.1.1.1",)
OTHER_NAMESPACE = "elsewhere"
BASE_PROBES = ((53, "UDP"), (53, "TCP"), (443, "TCP"))


# --------------------------------------------------------------------------- data


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


@dataclass(frozen=True)
class Group:
    """Rows with the same peer, verdict and reason, their probes merged (for display)."""

    peer: str
    probes: tuple[Probe, ...]
    allowed: bool
    by: str
    details: tuple[str, ...]

    @property
    def ports(self) -> str:
        return ", ".join(map(str, self.probes))


def grouped(rows: Iterable[Row], peer_attr: str) -> list[Group]:
    order: list[tuple[str, bool, str]] = []
    probes: dict[tuple[str, bool, str], list[Probe]] = {}
    details: dict[tuple[str, bool, str], list[str]] = {}
    for r in rows:
        key = (getattr(r, peer_attr), r.allowed, r.by)
        if key not in probes:
            order.append(key)
            probes[key], details[key] = [], []
        probes[key].append(r.probe)
        if r.detail and r.detail not in details[key]:
            details[key].append(r.detail)
    # Allowed first within a peer: that is what people look for.
    peers = list(dict.fromkeys(k[0] for k in order))
    order.sort(key=lambda k: (peers.index(k[0]), not k[1]))
    return [Group(k[0], tuple(probes[k]), k[1], k[2], tuple(details[k])) for k in order]


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
            cluster.add_pod(KUBE_DNS.namespace, KUBE_DNS.name, KUBE_DNS.labels, ports=KUBE_DNS.ports)
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
                wl.outgoing.append(Row(wid, peer, probe, out.allowed, *why(out)))
                inc = ev.check(peer, wid, probe.port, probe.protocol)
                wl.incoming.append(Row(peer, wid, probe, inc.allowed, *why(inc)))
        reports.append(wl)
    return Report(
        title=title,
        probes=chosen_probes,
        workloads=reports,
        peers=[e for e in endpoints],
        added_peers=added,
        policies=[p.id for p in cluster.policies],
        ipblock_matches_pods=ipblock_matches_pods,
    )


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


# --------------------------------------------------------------------------- text and mermaid


def _table(rows: list[Row], peer_of: str, headers: tuple[str, ...]) -> list[str]:
    cells = [(g.peer, g.ports, "yes" if g.allowed else "no", g.by) for g in grouped(rows, peer_of)]
    widths = [max([len(h)] + [len(c[k]) for c in cells]) for k, h in enumerate(headers[:3])]
    lines = ["  " + "  ".join(h.ljust(w) for h, w in zip(headers[:3], widths)) + "  " + headers[3]]
    for c in cells:
        lines.append("  " + "  ".join(v.ljust(w) for v, w in zip(c[:3], widths)) + "  " + c[3])
    return lines


def render_text(report: Report) -> str:
    lines = [f"# {report.title}", f"probes: {', '.join(map(str, report.probes)) or 'none'}"]
    if report.added_peers:
        lines.append(f"added peers (not in the manifests): {', '.join(report.added_peers)}")
    if not report.workloads:
        lines.append("no workloads in the manifests")
    for wl in report.workloads:
        lines.append("")
        lines.append(f"## {wl.workload}")
        lines.append(f"  egress isolated by: {', '.join(wl.egress_policies) or 'nothing (all egress allowed)'}")
        lines.append(f"  ingress isolated by: {', '.join(wl.ingress_policies) or 'nothing (all ingress allowed)'}")
        lines.append(f"outgoing ({wl.workload} -> peer):")
        lines += _table(wl.outgoing, "dst", ("peer", "port", "allowed", "by"))
        lines.append(f"incoming (peer -> {wl.workload}):")
        lines += _table(wl.incoming, "src", ("peer", "port", "allowed", "by"))
    lines.append("")
    lines.append("```mermaid")
    lines.append(render_mermaid(report))
    lines.append("```")
    return "\n".join(lines)


def _node_ids(report: Report) -> dict[str, str]:
    names: list[str] = [w.workload for w in report.workloads]
    for src, dst in report.edges():
        for n in (src, dst):
            if n not in names:
                names.append(n)
    return {n: f"n{i}" for i, n in enumerate(names)}


def render_mermaid(report: Report) -> str:
    """A Mermaid flowchart: workloads and peers as nodes, one arrow per allowed pair."""
    ids = _node_ids(report)
    workloads = {w.workload for w in report.workloads}
    lines = ["flowchart LR"]
    for name, nid in ids.items():
        text = name.replace('"', "'")
        if name in workloads:
            lines.append(f'  {nid}["{text}"]')
        elif name.startswith("ip:"):
            lines.append(f'  {nid}(["{text}"])')
        else:
            lines.append(f'  {nid}("{text}")')
    for (src, dst), probes in report.edges().items():
        lines.append(f'  {ids[src]} -->|"{", ".join(map(str, probes))}"| {ids[dst]}')
    if workloads:
        lines.append(f"  classDef workload fill:#dbeafe,stroke:#1d4ed8")
        lines.append(f"  class {','.join(ids[w] for w in sorted(workloads))} workload")
    return "\n".join(lines)


# --------------------------------------------------------------------------- HTML and SVG

CHAR_W = 7.2  # average glyph width of 12px sans-serif, for layout without a browser
ROW_H = 64


@dataclass
class _Node:
    name: str
    x: float
    y: float
    w: float
    kind: str  # workload | pod | external


def _layout(report: Report) -> tuple[list[_Node], float, float]:
    """Three columns: peers that only send to workloads, the workloads, all other peers."""
    edges = report.edges()
    workloads = [w.workload for w in report.workloads]
    wset = set(workloads)
    senders = {s for (s, d) in edges if s not in wset}
    receivers = {d for (s, d) in edges if d not in wset}
    left = sorted(senders - receivers)
    right = sorted(receivers)  # peers that receive (and maybe also send) sit on the right
    columns = [left, workloads, right]
    widths = [max([len(n) * CHAR_W + 24 for n in col] + [0]) for col in columns]
    gap = 220.0
    # Edges between workloads bulge left when they go up: keep room for them.
    xs, x = [], 20.0 + (90.0 if not left and len(workloads) > 1 else 0.0)
    for w in widths:
        xs.append(x)
        x += w + (gap if w else 0)
    height = max(len(c) for c in columns) * ROW_H + 40 if any(columns) else 80
    nodes = []
    for col, x0, w in zip(columns, xs, widths):
        offset = (height - len(col) * ROW_H) / 2
        for k, name in enumerate(col):
            kind = "workload" if name in wset else ("external" if name.startswith("ip:") else "pod")
            nodes.append(_Node(name, x0 + (w - (len(name) * CHAR_W + 24)) / 2, offset + k * ROW_H + 10, len(name) * CHAR_W + 24, kind))
    # Room on the right for edges that bulge out of the last column.
    return nodes, max(x - gap, 20.0) + 110, height


def render_svg(report: Report) -> str:
    nodes, width, height = _layout(report)
    by_name = {n.name: n for n in nodes}
    parts = [
        f'<svg class="graph" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="allowed connections">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#475569"/></marker></defs>',
    ]
    labels = []
    for (src, dst), probes in report.edges().items():
        a, b = by_name[src], by_name[dst]
        x1, y1, x2, y2, cx, cy = _curve(a, b)
        parts.append(
            f'<path class="edge" d="M{x1:.1f},{y1:.1f} Q{cx:.1f},{cy:.1f} {x2:.1f},{y2:.1f}" '
            f'fill="none" stroke="#475569" stroke-width="1.3" marker-end="url(#arrow)">'
            f"<title>{html.escape(src)} -&gt; {html.escape(dst)}: {html.escape(', '.join(map(str, probes)))}</title></path>"
        )
        mx, my = (x1 + 2 * cx + x2) / 4, (y1 + 2 * cy + y2) / 4  # the curve's midpoint
        text = ", ".join(map(str, probes))
        labels.append(
            f'<rect x="{mx - len(text) * 3.2 - 3:.1f}" y="{my - 8:.1f}" width="{len(text) * 6.4 + 6:.1f}" height="14" '
            f'rx="3" fill="#ffffff" fill-opacity="0.85"/>'
            f'<text class="edge-label" x="{mx:.1f}" y="{my + 3:.1f}" text-anchor="middle">{html.escape(text)}</text>'
        )
    for n in nodes:
        fill, stroke, rx = {"workload": ("#dbeafe", "#1d4ed8", 4), "pod": ("#f1f5f9", "#64748b", 4), "external": ("#fef3c7", "#b45309", 16)}[n.kind]
        parts.append(
            f'<g class="node {n.kind}"><rect x="{n.x:.1f}" y="{n.y:.1f}" width="{n.w:.1f}" height="30" rx="{rx}" '
            f'fill="{fill}" stroke="{stroke}"/><text x="{n.x + n.w / 2:.1f}" y="{n.y + 19:.1f}" text-anchor="middle">'
            f"{html.escape(n.name)}</text></g>"
        )
    parts += labels
    parts.append("</svg>")
    return "\n".join(parts)


def _curve(a: _Node, b: _Node) -> tuple[float, float, float, float, float, float]:
    """Start, end and control point of the quadratic curve for the edge a -> b."""
    if abs((a.x + a.w / 2) - (b.x + b.w / 2)) < 1:
        # Same column: leave and enter on one side (right going down, left going up) and
        # bulge outwards, so the curve passes beside the boxes in between, not over them.
        down = b.y > a.y
        side = 1 if down else -1
        xa = a.x + a.w if down else a.x
        xb = b.x + b.w if down else b.x
        y1, y2 = a.y + 15, b.y + 15
        reach = 30 + abs(y2 - y1) * 0.25
        return xa, y1, xb, y2, max(xa, xb) + reach if down else min(xa, xb) - reach, (y1 + y2) / 2
    x1 = a.x + a.w if b.x > a.x else a.x
    x2 = b.x if b.x > a.x else b.x + b.w
    y1, y2 = a.y + 15, b.y + 15
    # Bend every edge to the left of its direction, so a pair's two directions do not overlap.
    dx, dy = x2 - x1, y2 - y1
    length = math.hypot(dx, dy) or 1.0
    return x1, y1, x2, y2, (x1 + x2) / 2 - dy / length * 22, (y1 + y2) / 2 + dx / length * 22


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em;color:#0f172a}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #cbd5e1}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{padding:.25em .7em;border-bottom:1px solid #e2e8f0;text-align:left;font-size:.9em}
th{background:#f8fafc}td.yes{color:#166534;font-weight:600}td.no{color:#991b1b}
tr.allowed td{background:#f0fdf4}code,pre{font-family:ui-monospace,monospace;font-size:.85em}
pre{background:#f8fafc;padding:1em;overflow:auto;border:1px solid #e2e8f0}
svg.graph text{font:12px sans-serif;fill:#0f172a}svg.graph text.edge-label{font-size:10.5px;fill:#334155}
.meta{color:#475569}details{margin:1em 0}div.detail{color:#64748b;font-size:.85em}
"""


def _html_table(rows: list[Row], peer_attr: str) -> str:
    out = ["<table><tr><th>peer</th><th>port/protocol</th><th>allowed</th><th>by which policy/rule</th></tr>"]
    for g in grouped(rows, peer_attr):
        cls = "yes" if g.allowed else "no"
        detail = "".join(f'<div class="detail">{html.escape(d)}</div>' for d in g.details)
        out.append(
            f'<tr class="{"allowed" if g.allowed else "denied"}"><td>{html.escape(g.peer)}</td>'
            f"<td>{html.escape(g.ports)}</td><td class=\"{cls}\">{cls}</td><td>{html.escape(g.by)}{detail}</td></tr>"
        )
    out.append("</table>")
    return "\n".join(out)


def render_html(report: Report) -> str:
    """One self-contained page: inline CSS, inline SVG, no scripts, no external URLs."""
    e = html.escape
    body = [
        f"<h1>{e(report.title)}</h1>",
        f'<p class="meta">Probes: {e(", ".join(map(str, report.probes)) or "none")}. '
        f"Policies: {e(', '.join(report.policies) or 'none')}. "
        f"ipBlocks {'do' if report.ipblock_matches_pods else 'do not'} apply to pod addresses.</p>",
    ]
    if report.added_peers:
        body.append(f'<p class="meta">Peers added by the report (not in the manifests): {e(", ".join(report.added_peers))}.</p>')
    body.append("<h2>Allowed connections</h2>")
    body.append(render_svg(report))
    body.append("<details><summary>Mermaid source</summary><pre class=\"mermaid-source\">"
                f"{e(render_mermaid(report))}</pre></details>")
    for wl in report.workloads:
        body.append(f"<h2>{e(wl.workload)}</h2>")
        body.append(f'<p class="meta">Egress isolated by: {e(", ".join(wl.egress_policies) or "nothing (all egress allowed)")}. '
                    f'Ingress isolated by: {e(", ".join(wl.ingress_policies) or "nothing (all ingress allowed)")}.</p>')
        body.append(f"<h3>Outgoing: {e(wl.workload)} to peer</h3>")
        body.append(_html_table(wl.outgoing, "dst"))
        body.append(f"<h3>Incoming: peer to {e(wl.workload)}</h3>")
        body.append(_html_table(wl.incoming, "src"))
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{e(report.title)}</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


# --------------------------------------------------------------------------- CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_render_inputs(parser, release="report")
    parser.add_argument("--port", action="append", default=[], metavar="PORT[/PROTO]",
                        help="probe (repeatable), e.g. 53/UDP; default: the ports policies and containers mention, DNS and 443")
    parser.add_argument("--protocol", default="TCP", type=str.upper, choices=PROTOCOLS, help="protocol for --port without one")
    parser.add_argument("--workload", action="append", default=[], metavar="NAME", help="report only these workloads (repeatable)")
    parser.add_argument("--external", action="append", default=[], metavar="IP", help="add an outside address (repeatable)")
    parser.add_argument("--ipblock-ignores-pods", action="store_true", help="for CNIs whose ipBlocks never match pod addresses")
    parser.add_argument("--out", type=Path, help="write report.html and graph.mmd into this directory")


def run(args: argparse.Namespace) -> int:
    try:
        probes = [Probe.parse(p, args.protocol) for p in args.port] or None
        for ip in args.external:
            ipaddress.ip_address(ip)
    except ValueError as exc:
        print(f"netpol report: {exc}", file=sys.stderr)
        return 2
    result = render_from(args)
    if not result.ok:
        print(f"netpol report: helm could not render {args.chart}:\n{result.stderr.strip()}", file=sys.stderr)
        return 1
    values = ", ".join(str(v) for v in args.values) or "chart defaults"
    report = connectivity_report(
        result.objects,
        probes,
        title=f"{Path(args.chart).name} ({values}; release {args.release} in {args.namespace})",
        namespace=args.namespace,
        externals=args.external,
        workloads=args.workload or None,
        ipblock_matches_pods=not args.ipblock_ignores_pods,
    )
    if args.workload and not report.workloads:
        print(f"netpol report: no workload matches {', '.join(args.workload)}", file=sys.stderr)
        return 2
    print(render_text(report))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "report.html").write_text(render_html(report))
        (args.out / "graph.mmd").write_text(render_mermaid(report) + "\n")
        print(f"\nwrote {args.out / 'report.html'} and {args.out / 'graph.mmd'}")
    return 0


