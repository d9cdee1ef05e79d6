"""A diff as GitHub-flavoured Markdown for a pull-request comment (`render_diff_markdown`).

It takes one or more sections, each a (case title, Diff): one per values file and
dataplane profile. On top, one summary line for all of them; then per section its counts,
the policies added, removed and changed, the dataplane when it is not the API's own
reading, a table of the flows opened (the rule that opens each, and what denied it before)
and one of the flows closed (what closes each, and the rule that allowed it), and what the
verdicts cannot vouch for (`case_notes`: policies of kinds not modelled, caveats on the
changed flows, flows whose change depends on the dataplane). A table of more than
DETAILS_OVER rows is folded into `<details>`.

GitHub refuses a comment over 65,536 characters, so the text stays under `limit`: every
table is cut to the same number of rows, the most that fit, each cut table ending in a
line that says how many flows it leaves out and names the full report (the section's
HTML page). Every cell goes through `textsafe.visible` and is escaped for Markdown, so a
name from a chart cannot break a table, start a link or inject HTML.
"""
from __future__ import annotations

import re
from typing import Iterable, Sequence

from ..net.dataplanes import KUBERNETES
from ..textsafe import visible
from .diff import Change, Diff
from .words import ports_text

LIMIT = 65_000  # GitHub's comment limit is 65,536: room for a CI job's own header
DETAILS_OVER = 10
MAX_NOTES = 20
HEADING = "## NetworkPolicy changes"
Section = tuple[str, Diff]

_ESCAPED = re.compile(r"([\\`*_~\[\]|])")


def md_text(text: str) -> str:
    """`text` on one line, safe anywhere in Markdown and in a table cell: control characters
    written out (`visible`), `&` and `<` as entities (no HTML), and the characters that
    make code, emphasis, links or cell breaks backslash-escaped."""
    text = visible(str(text)).replace("&", "&amp;").replace("<", "&lt;")
    return _ESCAPED.sub(r"\\\1", text)


def _flows(n: int) -> str:
    return f"{n} flow{'' if n == 1 else 's'}"


def _counts(diff: Diff) -> str:
    return f"{len(diff.opened)} opened, {len(diff.closed)} closed"


def section_label(title: str, diff: Diff) -> str:
    """The case title, and the dataplane when it is not the API's own reading."""
    return title if diff.dataplane == KUBERNETES.name else f"{title} (dataplane {diff.dataplane})"


def summary_line(sections: Sequence[Section]) -> str:
    """"**2 flows opened, 1 closed**", and with several sections each one's counts."""
    opened = sum(len(d.opened) for _, d in sections)
    closed = sum(len(d.closed) for _, d in sections)
    line = f"**{_flows(opened)} opened, {closed} closed**"
    if len(sections) > 1:
        cases = len({t for t, _ in sections})
        planes = len({d.dataplane for _, d in sections})
        line += f" in {cases} case{'' if cases == 1 else 's'}" + (f" under {planes} dataplanes" if planes > 1 else "")
        line += ": " + "; ".join(
            f"{md_text(section_label(t, d))}: {_counts(d)}" for t, d in sections)
    return line


def _ordered(changes: Iterable[Change]) -> list[Change]:
    """Changes of the rules first; those of an endpoint only one side has after them."""
    changes = list(changes)
    return [c for c in changes if not c.absent] + [c for c in changes if c.absent]


def _table(changes: list[Change], opened: bool, cap: int | None, page: str) -> list[str]:
    word = "opened" if opened else "closed"
    shown = changes if cap is None else changes[:cap]
    lines = []
    if shown:
        lines = [f"| source | destination | ports | {word} by | before |", "|---|---|---|---|---|"]
        lines += [f"| {md_text(c.src)} | {md_text(c.dst)} | {md_text(c.ports)} | {md_text(c.after)} | "
                  f"{md_text(c.before)} |" for c in shown]
    left = len(changes) - len(shown)
    if left:
        flows = "flow" if left == 1 else "flows"
        lines += ["", f"… and {left} more {flows} not shown: see the full report ({md_text(page)})"]
    if len(changes) > DETAILS_OVER:
        lines = [f"<details><summary>{len(changes)} flows {word}</summary>", "", *lines, "", "</details>"]
    return [f"#### {word.capitalize()}: {len(changes)}", "", *lines, ""]


def _policies(diff: Diff) -> list[str]:
    said = [f"Policies {word}: {', '.join(md_text(p) for p in ids)}." for word, ids in
            (("added", diff.policies_added), ("removed", diff.policies_removed), ("changed", diff.policies_changed))
            if ids]
    return [" ".join(said), ""] if said else []


def _notes(notes: list[str]) -> list[str]:
    if not notes:
        return []
    lines = ["Not modelled or dataplane-dependent (the verdicts above may differ on a real cluster):", ""]
    lines += [f"- {md_text(n)}" for n in notes[:MAX_NOTES]]
    if len(notes) > MAX_NOTES:
        lines.append(f"- … and {len(notes) - MAX_NOTES} more")
    return [*lines, ""]


def _section(title: str, diff: Diff, notes: list[str], cap: int | None, page: str) -> list[str]:
    lines = [f"### {md_text(section_label(title, diff))}", "",
             f"{_counts(diff)}. Before: {md_text(diff.before_title)}. After: {md_text(diff.after_title)}. "
             f"Probes: {md_text(ports_text(diff.after.probes))}.", ""]
    if diff.dataplane != KUBERNETES.name:
        lines += [f"Judged as the dataplane {md_text(diff.dataplane)} enforces the policies.", ""]
    lines += _policies(diff)
    if diff.unchanged:
        lines += ["No flow changes: every pair is allowed or denied as before.", ""]
    for opened, changes in ((True, diff.opened), (False, diff.closed)):
        if changes:
            lines += _table(_ordered(changes), opened, cap, page)
    return lines + _notes(notes)


def _render(sections: Sequence[Section], notes: list[list[str]], cap: int | None, pages: Sequence[str]) -> str:
    lines = [HEADING, "", summary_line(sections), ""]
    for (title, diff), said, page in zip(sections, notes, pages):
        lines += _section(title, diff, said, cap, page)
    return "\n".join(lines).rstrip("\n") + "\n"


def render_diff_markdown(sections: Sequence[Section], *, limit: int = LIMIT,
                         pages: Sequence[str] | None = None) -> str:
    """Markdown for a PR comment on `sections` ((case title, Diff) pairs), at most `limit`
    characters. `pages`: each section's full report, named where its rows are cut
    (default diff.html)."""
    sections = list(sections)
    pages = list(pages) if pages is not None else ["diff.html"] * len(sections)
    notes = case_notes(sections)
    text = _render(sections, notes, None, pages)
    if len(text) <= limit:
        return text
    most = max((len(c) for _, d in sections for c in (d.opened, d.closed)), default=0)
    low, high = 0, most  # the most rows per table that fit: the length grows with the cap
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if len(_render(sections, notes, mid, pages)) <= limit else (low, mid - 1)
    text = _render(sections, notes, low, pages)
    if len(text) <= limit:
        return text
    tail = f"\n… cut at {limit} characters: see the full report ({md_text(pages[0] if pages else 'diff.html')})\n"
    return text[:max(0, limit - len(tail))].rsplit("\n", 1)[0] + tail


def _probe_keys(changes: Iterable[Change]) -> set[tuple[str, str, object]]:
    return {(c.src, c.dst, p) for c in changes for p in c.probes}


def _caveats(diff: Diff) -> list[str]:
    """What the model cannot vouch for on a changed flow, from the side that allows it."""
    out = []
    for change in [*diff.opened, *diff.closed]:
        report = diff.after if change.opened else diff.before
        cell = report.cells.get((change.src, change.dst))
        for part in cell.parts if cell else ():
            if part.caveat and set(part.probes) & set(change.probes):
                out.append(f"{change.src} -> {change.dst} on {change.ports}: {part.caveat}")
    return out


def _dataplane_dependent(diff: Diff, others: list[Diff]) -> list[str]:
    """The changes this profile sees and another profile of the same case does not."""
    out = []
    for word, changes, side in (("opens", diff.opened, "opened"), ("closes", diff.closed, "closed")):
        seen = {o.dataplane: _probe_keys(getattr(o, side)) for o in others}
        for change in changes:
            missing = [name for name, keys in seen.items() if not _probe_keys([change]) <= keys]
            if missing:
                out.append(f"dataplane-dependent: {diff.dataplane} {word} {change.src} -> {change.dst} on "
                           f"{change.ports}, {', '.join(missing)} does not")
    return out


def case_notes(sections: Sequence[Section]) -> list[list[str]]:
    """For each section, what its verdicts cannot vouch for, as the reports say it (no note
    is made up here): policies of kinds not modelled, the caveats on changed flows, pairs on
    which compared profiles disagree, and changes that another profile of the same case
    does not see."""
    out = []
    for title, diff in sections:
        notes = [f"not modelled: {u}" for u in dict.fromkeys([*diff.before.not_modelled, *diff.after.not_modelled])]
        notes += _caveats(diff)
        for report in (diff.before, diff.after):
            notes += [f"{cell.src} -> {cell.dst}: {s}" for cell in report.dependent
                      for s in cell.dataplane_sentences(report.probes)]
        if not diff.after.ipblock_matches_pods:
            notes.append("ipBlocks are judged as not applying to pod addresses")
        others = [d for t, d in sections if t == title and d is not diff and d.dataplane != diff.dataplane]
        notes += _dataplane_dependent(diff, others)
        out.append(list(dict.fromkeys(notes)))
    return out
