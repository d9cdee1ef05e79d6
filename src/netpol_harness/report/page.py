"""A report as one self-contained HTML page: a connectivity matrix (sources by
destinations, grouped by namespace), an explanation for the cell clicked, a filter, a focus
view per workload, the policies in words and the endpoints the report added.

Everything is inline (CSS, the script, the cell data as JSON); nothing is fetched. The
page reads without the script and on paper: cells carry a symbol as well as a colour, and
every workload's flows are written out below the matrix. A report that compared dataplane
profiles marks the pairs they disagree on (a not-equal sign) and gives each profile's verdict on click
and in the workload's section.
"""
from __future__ import annotations

import html
import json
from pathlib import Path

from ..net.dataplanes import KUBERNETES
from .data import DEPENDENT, OUTSIDE, Cell, Endpoint, Report
from .words import collapse, ports_text

SYMBOL = {"allowed": "\u2713", "partial": "\u25d0", "denied": "\u00d7", DEPENDENT: "\u2260"}
WORDS = {"allowed": "allowed on every probed port", "partial": "partly allowed", "denied": "denied on every probed port",
         DEPENDENT: "depends on the dataplane (click for each profile's verdict)"}
_ASSETS = Path(__file__).with_name("assets")


def _asset(name: str) -> str:
    return (_ASSETS / name).read_text()


def escape(text: object) -> str:
    """Text for HTML: element content and attribute values alike."""
    return html.escape(str(text), quote=True)


_e = escape  # short, for the many f-strings below


def _grouped(endpoints: list[Endpoint]) -> list[tuple[str, list[Endpoint]]]:
    """Endpoints by namespace in order of first appearance, workloads first in each,
    outside addresses last."""
    groups: dict[str, list[Endpoint]] = {}
    for ep in endpoints:
        groups.setdefault(ep.namespace, []).append(ep)
    order = [ns for ns in groups if ns != OUTSIDE] + ([OUTSIDE] if OUTSIDE in groups else [])
    rank = {"workload": 0, "stand-in": 1, "added": 2, "external": 3}
    return [(ns, sorted(groups[ns], key=lambda e: rank[e.kind])) for ns in order]


def _ns_title(ns: str) -> str:
    return "outside the cluster" if ns == OUTSIDE else ns


def _summary(cell: Cell, report: Report) -> str:
    allowed = cell.allowed_probes
    text = "allowed on " + collapse(allowed, report.probes) if allowed else "denied on every probed port"
    return f"{text} on {report.dataplane}; other dataplanes differ" if cell.dataplanes else text


class _Texts:
    """Sentences stored once in the page's JSON and referred to by number."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._index: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        if text not in self._index:
            self._index[text] = len(self.items)
            self.items.append(text)
        return self._index[text]


def _cell(report: Report, cell: Cell, key: str, first: bool, texts: _Texts, data: dict[str, dict]) -> str:
    """One matrix cell; what a click on it explains goes into `data` (its "profiles" only where
    the verdict depends on the dataplane: each compared profile's verdicts)."""
    data["cells"][key] = [texts(f"{cell.src} \u2192 {cell.dst}")] + [texts(s) for s in cell.sentences(report.probes)]
    if cell.dataplanes:
        data["profiles"][key] = [texts(s) for s in cell.dataplane_sentences(report.probes)]
    label = f"{cell.src} to {cell.dst}: {_summary(cell, report)}"
    return (f'<td class="c {cell.state}" data-cell="{key}" tabindex="{0 if first else -1}" '
            f'title="{_e(label)}">{SYMBOL[cell.state]}</td>')


def _matrix(report: Report, order: list[Endpoint], groups: list[tuple[str, list[Endpoint]]], texts: _Texts) -> tuple[str, dict]:
    index = {ep.id: k for k, ep in enumerate(order)}
    workloads = {w.workload: k for k, w in enumerate(report.workloads)}
    data: dict[str, dict] = {"cells": {}, "profiles": {}}
    head1 = ['<tr><th class="corner" rowspan="2" scope="col">source \u2193 destination \u2192</th>']
    head1 += [f'<th class="nsgroup" colspan="{len(eps)}" scope="colgroup" title="{_e(_ns_title(ns))}">{_e(_ns_title(ns))}</th>' for ns, eps in groups]
    head2 = ["<tr>"] + [f'<th class="col {ep.kind}" scope="col" title="{_e(ep.id)}"><span>{_e(ep.label)}</span></th>'
                        for ep in order]
    body = []
    first = True
    for ns, eps in groups:
        body.append(f'<tbody data-ns="{_e(ns)}"><tr class="nsrow"><th colspan="{len(order) + 1}" scope="rowgroup">'
                    f"{_e(_ns_title(ns))}</th></tr>")
        for src in eps:
            name = _e(src.label)
            if src.id in workloads:
                name = f'<a href="#focus-{workloads[src.id]}" data-focus="{workloads[src.id]}">{name}</a>'
            row = [f'<tr class="{src.kind}" data-name="{_e(src.id)}"><th scope="row" class="rowhead" title="{_e(src.id)}'
                   f'{": " + _e(src.why) if src.why else ""}">{name}</th>']
            for dst in order:
                cell = report.cells.get((src.id, dst.id))
                if src.id == dst.id:
                    row.append('<td class="self" title="the same endpoint">\u2014</td>')
                elif cell is None:
                    row.append('<td class="na" title="neither end is a reported workload"></td>')
                else:
                    row.append(_cell(report, cell, f"{index[src.id]}-{index[dst.id]}", first, texts, data))
                    first = False
            body.append("".join(row) + "</tr>")
        body.append("</tbody>")
    table = ('<table class="matrix" id="matrix"><thead>' + "".join(head1) + "</tr>" + "".join(head2) + "</tr></thead>"
             + "\n".join(body) + "</table>")
    return table, data


def _focus_section(report: Report, k: int) -> str:
    wl = report.workloads[k]
    outgoing, incoming = report.cells_of(wl.workload)
    parts = [f'<section class="focus" id="focus-{k}" data-workload="{_e(wl.workload)}">',
             f"<h3>{_e(wl.title)}</h3>",
             f'<p class="meta">Egress isolated by: {_e(wl.isolation("egress"))}. '
             f'Ingress isolated by: {_e(wl.isolation("ingress"))}.</p>']
    for title, cells, peer_of in (("Incoming", incoming, "src"), ("Outgoing", outgoing, "dst")):
        allowed = [c for c in cells if c.allowed_probes]
        denied = [c for c in cells if not c.allowed_probes]
        parts.append(f"<h4>{title}: {len(allowed)} allowed, {len(denied)} denied</h4><ul class=\"edges\">")
        for c in allowed:
            reasons = "; ".join(p.by for p in c.parts if p.allowed)
            parts.append(f"<li><b>{_e(getattr(c, peer_of))}</b> on {_e(collapse(c.allowed_probes, report.probes))}"
                         f' <span class="by">({_e(reasons)})</span></li>')
        parts.append("</ul>")
        if denied:
            names = ", ".join(getattr(c, peer_of) for c in denied)
            parts.append(f'<p class="denied-list">Denied on every probed port: {_e(names)}.</p>')
    parts += _dependent_list([c for c in incoming + outgoing if c.dataplanes], report)
    parts.append("</section>")
    return "\n".join(parts)


def _dependent_list(cells: list[Cell], report: Report) -> list[str]:
    """A workload's pairs whose verdict depends on the dataplane, each profile's verdict written
    out: the page says it without the script and on paper too."""
    if not cells:
        return []
    out = [f"<h4>Depending on the dataplane: {len(cells)}</h4><ul class=\"edges dataplanes\">"]
    for c in cells:
        verdicts = "".join(f"<li>{_e(s)}</li>" for s in c.dataplane_sentences(report.probes))
        out.append(f"<li><b>{_e(c.src)} \u2192 {_e(c.dst)}</b><ul>{verdicts}</ul></li>")
    return out + ["</ul>"]


def _header(report: Report) -> list[str]:
    e = _e
    body = [f"<header><h1>{e(report.title)}</h1>",
            f'<p class="meta">Probes: {e(ports_text(report.probes) or "none")}. '
            f"{len(report.workloads)} workloads, {len(report.endpoints)} endpoints, {len(report.policies)} policies. "
            f"ipBlocks {'do' if report.ipblock_matches_pods else 'do not'} apply to pod addresses.</p>"]
    if report.services:
        body.append(f'<p class="meta">Services (policies see the pod port): {e("; ".join(report.services))}.</p>')
    if report.not_modelled:
        body.append(f'<p class="meta">Not modelled (verdicts marked * may differ): {e("; ".join(report.not_modelled))}.</p>')
    if report.dataplanes:
        body.append(f'<p class="meta" id="dataplanes">Drawn for the dataplane {e(report.dataplanes[0])}, compared with '
                    f'{e(", ".join(report.dataplanes[1:]))}: {len(report.dependent)} pairs differ (marked '
                    f"{SYMBOL[DEPENDENT]}).</p>")
    elif report.dataplane != KUBERNETES.name:
        body.append(f'<p class="meta" id="dataplanes">Judged as the dataplane {e(report.dataplane)} enforces the policies.</p>')
    body.append('<nav><a href="#matrix">Matrix</a> \u00b7 <a href="#workloads">Each workload</a> \u00b7 '
                '<a href="#policies">Policies in words</a> \u00b7 <a href="#added">Added endpoints</a></nav></header>')
    return body


def _controls(report: Report) -> str:
    options = "".join(f'<option value="{k}">{_e(w.workload)}</option>' for k, w in enumerate(report.workloads))
    return ('<div class="controls"><label>Filter rows <input id="filter" type="search" placeholder="name or namespace" '
            'autocomplete="off"></label> <label>Focus on <select id="focus"><option value="">every workload</option>'
            f"{options}</select></label></div>")


def _legend(report: Report) -> str:
    states = [s for s in SYMBOL if s != DEPENDENT or report.dataplanes]
    items = "".join(f'<span class="c {state}">{SYMBOL[state]}</span> {WORDS[state]} ' for state in states)
    return (f'<p class="legend">{items}<span class="na-key"></span> neither end is a reported workload. '
            "Hover or focus a cell for its ports; click it or press Enter for why. Arrow keys move between cells.</p>")


def _policies(report: Report) -> str:
    if not report.policy_words:
        return "<p>No NetworkPolicies in the manifests.</p>"
    return "\n".join(f'<pre class="policy">{_e(chr(10).join(words))}</pre>' for words in report.policy_words.values())


def _added(report: Report) -> str:
    if not report.added:
        return "<p>Nothing was added.</p>"
    rows = "".join(f"<tr><td>{_e(w.id)}</td><td>{_e(w.why)}</td></tr>" for w in report.added)
    return f"<table class=\"added\"><tr><th>endpoint</th><th>why it was added</th></tr>{rows}</table>"


def page(title: str, body: list[str], data: dict | None = None) -> str:
    """The document around `body`: inline CSS, the data as JSON and the inline script."""
    script = ""
    if data is not None:
        # No "<" at all inside the script element: "<!--" and "</script" would both end
        # or swallow it, and JSON reads the escape as the same character.
        blob = json.dumps(data, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        script = f'<script type="application/json" id="report-data">{blob}</script>\n<script>{_asset("report.js")}</script>'
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_e(title)}</title><style>{_asset('report.css')}</style></head><body>\n"
            + "\n".join(body) + f"\n{script}\n</body></html>\n")


def render_html(report: Report) -> str:
    """One self-contained page: the matrix, the focus views, the policies in words."""
    groups = _grouped(report.endpoints)
    order = [ep for _, eps in groups for ep in eps]
    texts = _Texts()
    table, data = _matrix(report, order, groups, texts)
    body = _header(report)
    body += ['<main><section id="matrix-section"><h2 id="matrix-title">Who may reach whom</h2>', _legend(report), _controls(report),
             f'<div class="matrix-wrap">{table}</div>',
             '<p id="hover" class="hover" aria-live="polite"></p>',
             '<div id="explanation" class="explanation" role="region" aria-live="polite" aria-label="explanation" tabindex="-1">'
             "<p>Click a cell to see why.</p></div></section>",
             '<section id="workloads"><h2>Each workload</h2>']
    body += [_focus_section(report, k) for k in range(len(report.workloads))] or ["<p>No workloads.</p>"]
    body += ["</section>", '<section id="policies"><h2>Policies in words</h2>', _policies(report), "</section>",
             '<section id="added"><h2>Endpoints the report added</h2>', _added(report), "</section></main>"]
    # "profiles" only when profiles were compared: a report of one reads as it always has.
    return page(report.title, body, {"texts": texts.items, "cells": data["cells"],
                                     **({"profiles": data["profiles"]} if report.dataplanes else {})})

