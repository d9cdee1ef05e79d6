"""The matrix of the HTML report: sources by destinations, grouped by namespace.

Names are shortened so they stay distinct (`labels`), full on hover. The endpoints the
report added (kube-dns, the witnesses, the pods of other namespaces, outside addresses)
carry the class `ad`: in a report of more than `FOLD_ABOVE` endpoints the page's script folds them into one row and one column, each
cell of which sums up a workload's verdicts with all of them ("summary" cells, explained
on click like the others). Without the script every endpoint is shown.
"""
from __future__ import annotations

import html

from .data import DEPENDENT, OUTSIDE, Cell, Endpoint, Report
from .labels import abbreviate, namespace_labels
from .words import collapse

SYMBOL = {"allowed": "\u2713", "partial": "\u25d0", "denied": "\u00d7", DEPENDENT: "\u2260"}
WORDS = {"allowed": "allowed on every probed port", "partial": "partly allowed", "denied": "denied on every probed port",
         DEPENDENT: "depends on the dataplane (click for each profile's verdict)"}
FOLD_ABOVE = 20  # endpoints: a report with more folds what it added into one row and column
LABEL_LIMIT = 28  # characters of a row or column header
COLUMN_PX = 20  # the width of a column (18 and a border each side), for the namespace headers


def escape(text: object) -> str:
    """Text for HTML: element content and attribute values alike."""
    return html.escape(str(text), quote=True)


_e = escape


class Texts:
    """Sentences stored once in the page's JSON and referred to by number."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._index: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        if text not in self._index:
            self._index[text] = len(self.items)
            self.items.append(text)
        return self._index[text]


def folded(ep: Endpoint) -> bool:
    """Whether the page folds the endpoint away by default: the report added it."""
    return ep.kind in ("added", "external")


def grouped(endpoints: list[Endpoint]) -> list[tuple[str, list[Endpoint]]]:
    """Endpoints by namespace in order of first appearance, workloads first in each,
    namespaces of only added endpoints after the others, outside addresses last."""
    groups: dict[str, list[Endpoint]] = {}
    for ep in endpoints:
        groups.setdefault(ep.namespace, []).append(ep)
    order = sorted((ns for ns in groups if ns != OUTSIDE), key=lambda ns: all(folded(e) for e in groups[ns]))
    order += [OUTSIDE] if OUTSIDE in groups else []
    rank = {"workload": 0, "stand-in": 1, "pods": 2, "added": 3, "external": 4}
    return [(ns, sorted(groups[ns], key=lambda e: rank[e.kind])) for ns in order]


def ns_title(ns: str) -> str:
    return "outside the cluster" if ns == OUTSIDE else ns


def summary(cell: Cell, report: Report) -> str:
    allowed = cell.allowed_probes
    text = "allowed on " + collapse(allowed, report.probes) if allowed else "denied on every probed port"
    return f"{text} on {report.dataplane}; other dataplanes differ" if cell.dataplanes else text


def _marker(ep: Endpoint) -> str:
    return f" [hook: {ep.hook}]" if ep.hook else ""


def _full_name(ep: Endpoint) -> str:
    """The name on hover: a class of running pods says how many it stands for and which one was judged."""
    if ep.pods:
        return f"{ep.name}: a column for {ep.pods} pods no policy tells apart, judged on {ep.id}"
    return ep.id + _marker(ep)


def header_labels(groups: list[tuple[str, list[Endpoint]]]) -> dict[str, str]:
    """Each endpoint's name in the headers: short, distinct within its namespace."""
    out: dict[str, str] = {}
    for _, eps in groups:
        names = {ep.id: (ep.name or ep.id).split("/", 1)[-1] for ep in eps}
        limits = {ep.id: max(10, LABEL_LIMIT - len(_marker(ep))) for ep in eps}
        for limit in sorted(set(limits.values())):
            chosen = [i for i in names if limits[i] == limit]
            shortened = abbreviate([names[i] for i in chosen], limit)
            out.update({i: shortened[names[i]] for i in chosen})
        out.update({ep.id: out[ep.id] + _marker(ep) for ep in eps})
    return out


def _fold_state(cells: list[Cell]) -> str:
    states = {c.state for c in cells}
    if len(states) == 1:
        return states.pop()
    return DEPENDENT if DEPENDENT in states else "partial"


def fold_cell(report: Report, cells: list[Cell], key: str, who: str, outgoing: bool, texts: Texts,
              data: dict[str, dict]) -> str:
    """A cell of the folded row or column: `who` against every endpoint the report added."""
    if not cells:
        return '<td class="na fold" title="neither end is a reported workload"></td>'
    n = len(cells)
    them = f"the {n} endpoint{'s' if n > 1 else ''} the report added"
    head = f"{who} \u2192 {them}" if outgoing else f"{them} \u2192 {who}"
    verdicts: dict[str, list[str]] = {}
    for c in cells:
        verdicts.setdefault(summary(c, report), []).append(c.dst if outgoing else c.src)
    data["sums"][key] = [texts(head)] + [texts(f"{v}: {', '.join(peers)}") for v, peers in verdicts.items()]
    counts = {s: sum(c.state == s for c in cells) for s in SYMBOL}
    tally = ", ".join(f"{k} {WORDS[s].split(' on ')[0]}" for s, k in counts.items() if k)
    label = head.replace(" \u2192 ", " to ") + ": " + tally
    state = _fold_state(cells)
    return f'<td class="sum fold {state}" data-sum="{key}" tabindex="-1" title="{_e(label)}">{SYMBOL[state]}</td>'


def cell_html(report: Report, cell: Cell, key: str, first: bool, texts: Texts, data: dict[str, dict], ad: bool) -> str:
    """One matrix cell; what a click on it explains goes into `data` (its "profiles" only where
    the verdict depends on the dataplane: each compared profile's verdicts)."""
    head = f"{report.name_of(cell.src)} \u2192 {report.name_of(cell.dst)}"
    data["cells"][key] = [texts(head)] + [texts(s) for s in cell.sentences(report.probes)]
    if cell.dataplanes:
        data["profiles"][key] = [texts(s) for s in cell.dataplane_sentences(report.probes)]
    label = f"{report.name_of(cell.src)} to {report.name_of(cell.dst)}: {summary(cell, report)}"
    return (f'<td class="c {cell.state}{" ad" if ad else ""}" data-cell="{key}" tabindex="{0 if first else -1}" '
            f'title="{_e(label)}">{SYMBOL[cell.state]}</td>')


def _heads(groups: list[tuple[str, list[Endpoint]]], labels: dict[str, str], n_added: int) -> str:
    """The two header rows: namespaces (each spanning its columns), then the endpoints.
    `data-span` / `data-main`: how many columns a namespace spans unfolded / folded."""
    widths = {ns or "outside": COLUMN_PX * (sum(not folded(e) for e in eps) or len(eps)) for ns, eps in groups}
    ns_labels = namespace_labels(widths)
    row1 = ['<tr><th class="corner" rowspan="2" scope="col">source \u2193 destination \u2192</th>']
    row2 = ["<tr>"]
    for ns, eps in groups:
        main = sum(not folded(e) for e in eps)
        cls = "nsgroup" + ("" if main else " ad")
        row1.append(f'<th class="{cls}" colspan="{len(eps)}" data-span="{len(eps)}" data-main="{main}" scope="colgroup" '
                    f'title="{_e(ns_title(ns))}">{_e(ns_labels[ns or "outside"])}</th>')
        row2 += [f'<th class="col {ep.kind}{" ad" if folded(ep) else ""}" scope="col" data-id="{_e(ep.id)}" '
                 f'title="{_e(_full_name(ep))}"><span>{_e(labels[ep.id])}</span></th>' for ep in eps]
    what = f"the {n_added} endpoints the report added"
    row1.append(f'<th class="nsgroup fold" scope="colgroup" title="{what}">+</th>')
    row2.append(f'<th class="col fold" scope="col" title="{what}: click to show them">'
                f'<button type="button" class="unfold"><span>{n_added} added \u25b8</span></button></th>')
    return "".join(row1) + "</tr>" + "".join(row2) + "</tr>"


def _row(report: Report, src: Endpoint, label: str, order: list[Endpoint], state: dict) -> str:
    """One source's row: its header, a cell per destination, the cell of the folded column."""
    texts, data, index = state["texts"], state["data"], state["index"]
    name = _e(label)
    if src.id in state["workloads"]:
        k = state["workloads"][src.id]
        name = f'<a href="#focus-{k}" data-focus="{k}">{name}</a>'
    why = ": " + src.why if src.why else ""
    row = [f'<tr class="{src.kind}{" ad" if folded(src) else ""}" data-name="{_e(src.id)}"><th scope="row" class="rowhead" '
           f'title="{_e(_full_name(src) + why)}">{name}</th>']
    for dst in order:
        cell = report.cells.get((src.id, dst.id))
        ad = " ad" if folded(dst) else ""
        if src.id == dst.id:
            row.append(f'<td class="self{ad}" title="the same endpoint">\u2014</td>')
        elif cell is None:
            row.append(f'<td class="na{ad}" title="neither end is a reported workload"></td>')
        else:
            row.append(cell_html(report, cell, f"{index[src.id]}-{index[dst.id]}", state["first"], texts, data, bool(ad)))
            state["first"] = False
    cells = [report.cells[(src.id, d.id)] for d in order if folded(d) and (src.id, d.id) in report.cells]
    row.append(fold_cell(report, cells if not folded(src) else [], f"a{index[src.id]}", src.id, True, texts, data))
    return "".join(row) + "</tr>"


def _fold_row(report: Report, order: list[Endpoint], state: dict) -> str:
    """The row of every added endpoint at once, shown while they are folded."""
    added = [ep for ep in order if folded(ep)]
    what = f"the {len(added)} endpoints the report added"
    span = f'colspan="{len(order) + 2}" data-span="{len(order) + 2}" data-main="{len(order) + 2 - len(added)}"'
    row = [f'<tbody class="fold"><tr class="nsrow"><th {span} scope="rowgroup"><span>Added by the report: {len(added)} '
           'endpoints (kube-dns, pods that policies do or do not admit, pods of other namespaces, outside addresses) '
           '<button type="button" class="unfold">show them</button></span></th></tr>',
           f'<tr class="fold"><th scope="row" class="rowhead" title="{what}, as one row">'
           f'<button type="button" class="unfold">{len(added)} added \u25b8</button></th>']
    for dst in order:
        cells = [report.cells[(s.id, dst.id)] for s in added if (s.id, dst.id) in report.cells]
        if folded(dst):
            row.append('<td class="na ad"></td>')
        else:
            row.append(fold_cell(report, cells, f"b{state['index'][dst.id]}", dst.id, False, state["texts"], state["data"]))
    return "".join(row) + '<td class="na fold"></td></tr></tbody>'


def table(report: Report, texts: Texts) -> tuple[str, dict]:
    """The matrix and what a click on each cell explains: {"cells": ..., "profiles": ..., "sums": ...}
    (the last for the cells of the folded row and column)."""
    groups = grouped(report.endpoints)
    order = [ep for _, eps in groups for ep in eps]
    labels = header_labels(groups)
    data: dict[str, dict] = {"cells": {}, "profiles": {}, "sums": {}}
    state = {"texts": texts, "data": data, "first": True, "index": {ep.id: k for k, ep in enumerate(order)},
             "workloads": {w.workload: k for k, w in enumerate(report.workloads)}}
    n_added = sum(folded(ep) for ep in order)
    body = []
    for ns, eps in groups:
        cls = "" if any(not folded(e) for e in eps) else ' class="ad"'
        span = f'colspan="{len(order) + 1}" data-span="{len(order) + 1}" data-main="{len(order) + 2 - n_added}"'
        body.append(f'<tbody data-ns="{_e(ns)}"{cls}><tr class="nsrow">'
                    f'<th {span} scope="rowgroup"><span>{_e(ns_title(ns))}</span></th></tr>')
        body += [_row(report, src, labels[src.id], order, state) for src in eps]
        body.append("</tbody>")
    if n_added:
        body.append(_fold_row(report, order, state))
    fold = n_added if len(order) > FOLD_ABOVE else 0
    html_table = (f'<table class="matrix" id="matrix" data-added="{fold}"><thead>{_heads(groups, labels, n_added)}'
                  "</thead>" + "\n".join(body) + "</table>")
    return html_table, data
