"""A report as text (one line per pair, ports collapsed) and as a Mermaid flowchart.

Names come from the manifests and may hold control characters: each line of text is passed
through `visible` (a newline in a name cannot forge a line, an ESC cannot reach the terminal),
each Mermaid label through `mermaid_label` (a name cannot end its label or add a statement)."""
from __future__ import annotations

from dataclasses import replace

from ..net.dataplanes import KUBERNETES
from ..textsafe import mermaid_label, visible
from .data import DEPENDENT, Cell, Part, Report
from .words import ports_text

# Peers of a workload that share a whole verdict are written on one line from this many on.
SHARED_LINE_FROM = 3


def _verdict_key(cell: Cell) -> tuple:
    # The profiles' verdicts count too: peers share a line only when every profile agrees on them alike.
    return (tuple((p.probes, p.allowed, p.by, p.caveat) for p in cell.parts),
            tuple((v.dataplane, tuple((p.probes, p.allowed, p.by, p.caveat) for p in v.parts)) for v in cell.dataplanes))


def _details(cell: Cell) -> tuple:
    return tuple(p.detail for p in cell.parts), tuple(p.detail for v in cell.dataplanes for p in v.parts)


def _without_details(cell: Cell) -> Cell:
    """The cell without its closest misses: peers that share a line may each miss a rule differently."""
    def bare(parts: tuple[Part, ...]) -> tuple[Part, ...]:
        return tuple(replace(p, detail="") for p in parts)
    return replace(cell, parts=bare(cell.parts), dataplanes=tuple(replace(v, parts=bare(v.parts)) for v in cell.dataplanes))


def _cell_lines(report: Report, cell: Cell, head: str, indent: int) -> list[str]:
    """`head` and the cell's sentences on one line; where the verdict depends on the dataplane,
    the line says so and each profile's verdicts follow, one line each."""
    mark = f" [{DEPENDENT}]" if cell.dataplanes else ""
    return ([f"{head}{'; '.join(cell.sentences(report.probes))}{mark}"]
            + [" " * indent + line for line in cell.dataplane_sentences(report.probes)])


def _pair_lines(report: Report, cells: list[Cell], arrow: str, peer_of: str) -> list[str]:
    """One line per peer; peers with the same verdict on every probe share one line."""
    groups: dict[tuple, list[Cell]] = {}
    for cell in cells:
        groups.setdefault(_verdict_key(cell), []).append(cell)
    width = max([len(getattr(c, peer_of)) for c in cells] + [0])
    lines = []
    for group in groups.values():
        first = group[0]
        if len(group) >= SHARED_LINE_FROM:
            peers = ", ".join(getattr(c, peer_of) for c in group)
            same_detail = len({_details(c) for c in group}) == 1
            shown = first if same_detail else _without_details(first)
            lines.append(f"  {arrow} {len(group)} peers ({peers}):")
            lines += _cell_lines(report, shown, f"  {' ' * len(arrow)} ", len(arrow) + 5)
            continue
        for cell in group:
            lines += _cell_lines(report, cell, f"  {arrow} {getattr(cell, peer_of).ljust(width)}  ", len(arrow) + 5)
    return lines


def header_lines(report: Report) -> list[str]:
    lines = [f"# {report.title}", f"probes: {ports_text(report.probes) or 'none'}"]
    if report.policy_words:
        lines.append("policies:")
        for words in report.policy_words.values():
            lines += ["  " + line for line in words]
    else:
        lines.append("policies: none")
    if report.added:
        lines.append("added by the report (not in the manifests):")
        lines += [f"  {w.id}: {w.why}" for w in report.added]
    hooks = [f"{ep.id} ({ep.hook})" for ep in report.endpoints if ep.hook]
    if hooks:
        lines.append("helm hooks (helm runs them at install, upgrade or `helm test`; marked [hook: ...]): "
                     + ", ".join(hooks))
    if report.services:
        lines.append("services (policies see the pod port): " + "; ".join(report.services))
    if report.not_modelled:
        lines.append("not modelled (verdicts marked * may differ): " + "; ".join(report.not_modelled))
    return lines + dataplane_lines(report)


def dataplane_lines(report: Report) -> list[str]:
    """Which profile the report is drawn for, and how many pairs the compared ones disagree on;
    nothing for the API's own reading alone, so such a report reads as it always has."""
    if report.dataplanes:
        others = ", ".join(report.dataplanes[1:])
        return [f"dataplanes: drawn for {report.dataplanes[0]}, compared with {others}: "
                f"{len(report.dependent)} pairs differ (marked {DEPENDENT}, each profile's verdict below them)"]
    return [f"dataplane: {report.dataplane}"] if report.dataplane != KUBERNETES.name else []


def render_text(report: Report) -> str:
    lines = header_lines(report)
    if not report.workloads:
        lines.append("no workloads in the manifests, and no policy to stand in for them")
    for wl in report.workloads:
        outgoing, incoming = report.cells_of(wl.workload)
        lines += ["", f"## {wl.title}",
                  f"  egress isolated by: {wl.isolation('egress')}",
                  f"  ingress isolated by: {wl.isolation('ingress')}"]
        lines += _pair_lines(report, outgoing, "to  ", "dst")
        lines += _pair_lines(report, incoming, "from", "src")
    return "\n".join(visible(line) for line in lines)


def _node_ids(report: Report) -> dict[str, str]:
    names: list[str] = [w.workload for w in report.workloads]
    for src, dst in report.edges():
        for n in (src, dst):
            if n not in names:
                names.append(n)
    return {n: f"n{i}" for i, n in enumerate(names)}


def render_mermaid(report: Report) -> str:
    """A Mermaid flowchart: workloads and peers as nodes, one arrow per allowed pair (dashed
    where the verdict depends on the dataplane)."""
    ids = _node_ids(report)
    workloads = {w.workload for w in report.workloads}
    lines = ["flowchart LR"]
    for name, nid in ids.items():
        text = mermaid_label(name)
        if name in workloads:
            lines.append(f'  {nid}["{text}"]')
        elif name.startswith("ip:"):
            lines.append(f'  {nid}(["{text}"])')
        else:
            lines.append(f'  {nid}("{text}")')
    for (src, dst), probes in report.edges().items():
        # Dashed: allowed as the report is drawn, but another compared profile judges the pair otherwise.
        arrow = "-.->" if report.cells[(src, dst)].dataplanes else "-->"
        lines.append(f'  {ids[src]} {arrow}|"{mermaid_label(ports_text(probes))}"| {ids[dst]}')
    if workloads:
        lines.append("  classDef workload fill:#dbeafe,stroke:#1d4ed8")
        lines.append(f"  class {','.join(ids[w] for w in sorted(workloads))} workload")
    return "\n".join(lines)
