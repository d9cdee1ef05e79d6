"""A report as text (one item per pair, ports collapsed) and as a Mermaid flowchart.

A pair says what its ports named first and the rest last: "allowed on 53/TCP, 53/UDP: ...;
denied on every other probed port: ..." (`words.ports_in_order`). No line is longer than
WIDTH: a longer one goes on in lines indented under its item, cut only between words, never
inside a name.

Names come from the manifests and may hold control characters: each line of text is passed
through `visible` (a newline in a name cannot forge a line, an ESC cannot reach the terminal)
before it is wrapped, each Mermaid label through `mermaid_label` (a name cannot end its label
or add a statement)."""
from __future__ import annotations

import textwrap
from dataclasses import replace
from typing import Callable, Sequence

from ..net.dataplanes import KUBERNETES
from ..textsafe import mermaid_label, visible
from .classes import group_lines
from .data import DEPENDENT, Cell, Part, Report
from .probe import Probe
from .words import ports_in_order, ports_text

# Peers of a workload that share a whole verdict are written on one line from this many on.
SHARED_LINE_FROM = 3
WIDTH = 100  # no line of the text report is longer (but for a single word that is)
HANGING = 4  # continuation lines of an item start this much deeper than the item
NAME_COLUMN = 38  # peers' names are padded to a column this wide at most; a longer one has a line of its own
KEEP = "\x00"  # stands for a space inside a name while lines are wrapped (`visible` leaves none)

Wrap = Callable[[str, int], list[str]]  # a line and its continuations' indent -> printed lines


def _wrapper(report: Report) -> Wrap:
    """Wraps a line after `visible`, at spaces only: never inside a word, a hyphenated name, or
    a name that holds a space of its own (only a hostile one can)."""
    names = {visible(n) for n in [*(e.id for e in report.endpoints), *(g.name for g in report.pod_groups),
                                  *report.policies, *(w.title for w in report.workloads)]}
    spaced = sorted((n for n in names if " " in n), key=len, reverse=True)

    def wrap(line: str, indent: int) -> list[str]:
        line = visible(line)
        if len(line) <= WIDTH:
            return [line]
        for name in spaced:
            line = line.replace(name, name.replace(" ", KEEP))
        return [out.replace(KEEP, " ") for out in textwrap.wrap(
            line, WIDTH, subsequent_indent=" " * indent, break_long_words=False, break_on_hyphens=False)]
    return wrap


def _lead(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _sentences(parts: Sequence[Part], universe: Sequence[Probe]) -> list[str]:
    """One sentence per part, the ports it names first: "allowed on 53/TCP, 53/UDP: ...", then
    "denied on every other probed port: ..."."""
    out = []
    for k, ports in ports_in_order([part.probes for part in parts], universe):
        part = parts[k]
        text = f"{'allowed' if part.allowed else 'denied'} on {ports}: {part.by}"
        text += f" ({part.detail})" if part.detail else ""
        out.append(text + (f" [* {part.caveat}]" if part.caveat else ""))
    return out


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


def _cell_lines(report: Report, cell: Cell, head: str, indent: int, wrap: Wrap) -> list[str]:
    """`head` and the cell's sentences, going on under the sentences (under `indent` when
    the head is wide); where the verdict depends on the dataplane, the item says so and each
    profile's verdicts follow, one item each."""
    mark = f" [{DEPENDENT}]" if cell.dataplanes else ""
    shown = len(visible(head))
    hanging = shown if indent + 2 <= shown else indent + 2  # deeper than the profiles' items at `indent`
    lines = wrap(f"{head}{'; '.join(_sentences(cell.parts, report.probes))}{mark}", hanging)
    sub = " " * indent
    for verdict in cell.dataplanes:
        lines += [line for s in _sentences(verdict.parts, report.probes)
                  for line in wrap(f"{sub}{verdict.dataplane}: {s}", indent + HANGING)]
    return lines


def _pair_lines(report: Report, cells: list[Cell], arrow: str, peer_of: str, wrap: Wrap) -> list[str]:
    """One item per peer; peers with the same verdict on every probe share one."""
    groups: dict[tuple, list[Cell]] = {}
    for cell in cells:
        groups.setdefault(_verdict_key(cell), []).append(cell)
    # A class of running pods is named by its pods ("shop/web (12 pods)"), not by the one judged for them.
    def name(cell: Cell) -> str:
        return report.name_of(getattr(cell, peer_of))

    width = max([n for n in (len(name(c)) for c in cells) if n <= NAME_COLUMN] + [0])
    lines = []
    for group in groups.values():
        first = group[0]
        if len(group) >= SHARED_LINE_FROM:
            peers = ", ".join(name(c) for c in group)
            same_detail = len({_details(c) for c in group}) == 1
            shown = first if same_detail else _without_details(first)
            opening = f"  {arrow} {len(group)} peers ("
            lines += wrap(f"{opening}{peers}):", len(opening))
            lines += _cell_lines(report, shown, f"  {' ' * len(arrow)} ", len(arrow) + 5, wrap)
            continue
        for cell in group:
            peer = name(cell)
            if len(peer) <= width:
                lines += _cell_lines(report, cell, f"  {arrow} {peer.ljust(width)}  ", len(arrow) + 5, wrap)
                continue
            # Too long for the column: the name on a line of its own, what is said of it under it.
            lines += wrap(f"  {arrow} {peer}", len(arrow) + 7)
            lines += _cell_lines(report, cell, " " * (len(arrow) + 7), len(arrow) + 5, wrap)
    return lines


def header_lines(report: Report) -> list[str]:
    lines = [f"# {report.title}", f"probes: {ports_text(report.probes) or 'none'}"]
    if report.policy_words or report.policies_left_out:
        lines.append("policies:")
        for words in report.policy_words.values():
            lines += ["  " + line for line in words]
        if report.policies_left_out:
            lines.append(f"  not listed: {report.policies_left_out}")
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
    return lines + group_lines(report.pod_groups, report.pods_left_out) + dataplane_lines(report)


def dataplane_lines(report: Report) -> list[str]:
    """Which profile the report is drawn for, and how many pairs the compared ones disagree on;
    nothing for the API's own reading alone, so such a report reads as it always has."""
    if report.dataplanes:
        others = ", ".join(report.dataplanes[1:])
        return [f"dataplanes: drawn for {report.dataplanes[0]}, compared with {others}: "
                f"{len(report.dependent)} pairs differ (marked {DEPENDENT}, each profile's verdict below them)"]
    return [f"dataplane: {report.dataplane}"] if report.dataplane != KUBERNETES.name else []


def render_text(report: Report) -> str:
    wrap = _wrapper(report)
    lines = [out for line in header_lines(report) for out in wrap(line, _lead(line) + HANGING)]
    if not report.workloads:
        lines.append("no workloads in the manifests, and no policy to stand in for them")
    for wl in report.workloads:
        outgoing, incoming = report.cells_of(wl.workload)
        lines += [""] + [out for line in (f"## {wl.title}", f"  egress isolated by: {wl.isolation('egress')}",
                                          f"  ingress isolated by: {wl.isolation('ingress')}")
                         for out in wrap(line, _lead(line) + HANGING)]
        lines += _pair_lines(report, outgoing, "to  ", "dst", wrap)
        lines += _pair_lines(report, incoming, "from", "src", wrap)
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
