"""A report as text (a table per workload) and as a Mermaid flowchart."""
from __future__ import annotations

from .data import Report, Row, grouped


def _table(rows: list[Row], peer_of: str, headers: tuple[str, ...]) -> list[str]:
    cells = [(g.peer, g.ports, ("yes" if g.allowed else "no") + ("*" if g.caveat else ""),
              g.by + (f" (* {g.caveat})" if g.caveat else "")) for g in grouped(rows, peer_of)]
    widths = [max([len(h)] + [len(c[k]) for c in cells]) for k, h in enumerate(headers[:3])]
    lines = ["  " + "  ".join(h.ljust(w) for h, w in zip(headers[:3], widths)) + "  " + headers[3]]
    for c in cells:
        lines.append("  " + "  ".join(v.ljust(w) for v, w in zip(c[:3], widths)) + "  " + c[3])
    return lines


def render_text(report: Report) -> str:
    lines = [f"# {report.title}", f"probes: {', '.join(map(str, report.probes)) or 'none'}"]
    if report.added_peers:
        lines.append(f"added peers (not in the manifests): {', '.join(report.added_peers)}")
    if report.services:
        lines.append("services (policies see the pod port): " + "; ".join(report.services))
    if report.not_modelled:
        lines.append("not modelled (verdicts marked * may differ): " + "; ".join(report.not_modelled))
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
        lines.append("  classDef workload fill:#dbeafe,stroke:#1d4ed8")
        lines.append(f"  class {','.join(ids[w] for w in sorted(workloads))} workload")
    return "\n".join(lines)
