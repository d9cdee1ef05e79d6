"""A report as one self-contained HTML page: a connectivity matrix (sources by
destinations, grouped by namespace; see `matrix`) with sticky headers, the explanation of
the cell clicked in a panel beside it, the endpoints the report added folded into one row
and column, a filter, a focus view per workload, the policies in words and the endpoints
the report added.

Everything is inline (CSS, the script, the cell data as JSON); nothing is fetched. The
page reads without the script and on paper: cells carry a symbol as well as a colour, and
every workload's flows are written out below the matrix. A report that compared dataplane
profiles marks the pairs they disagree on (a not-equal sign) and gives each profile's verdict on click
and in the workload's section.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..net.dataplanes import KUBERNETES
from .data import DEPENDENT, Cell, Report
from .matrix import FOLD_ABOVE, SYMBOL, WORDS, Texts, escape, folded, table
from .words import collapse, ports_text

_ASSETS = Path(__file__).with_name("assets")
__all__ = ["SYMBOL", "WORDS", "escape", "page", "render_html"]


def _asset(name: str) -> str:
    return (_ASSETS / name).read_text()


_e = escape  # short, for the many f-strings below


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


def _groups_text(report: Report) -> str:
    """What a column of running pods stands for, in one sentence."""
    groups = report.pod_groups
    text = (f"The cluster's running pods (--with) are {len(groups)} columns, one per class of pods no policy tells "
            f"apart: a column stands for N pods, judged on one of them ("
            + "; ".join(f"{g.name}: {len(g.pods)} pods" for g in groups) + ").")
    return text + (f" Not shown: {report.pods_left_out}." if report.pods_left_out else "")


def _header(report: Report) -> list[str]:
    e = _e
    body = [f"<header><h1>{e(report.title)}</h1>",
            f'<p class="meta">Probes: {e(ports_text(report.probes) or "none")}. '
            f"{len(report.workloads)} workloads, {len(report.endpoints)} endpoints, {len(report.policies)} policies. "
            f"ipBlocks {'do' if report.ipblock_matches_pods else 'do not'} apply to pod addresses.</p>"]
    if report.services:
        body.append(f'<p class="meta">Services (policies see the pod port): {e("; ".join(report.services))}.</p>')
    if report.pod_groups or report.pods_left_out:
        body.append(f'<p class="meta" id="pod-classes">{e(_groups_text(report))}</p>')
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
            f"{options}</select></label>{_added_toggle(report)}</div>")


def _added_toggle(report: Report) -> str:
    """The switch that unfolds the endpoints the report added (folded into one row and one
    column by the script; without it they are all shown and the switch is hidden)."""
    n = sum(folded(ep) for ep in report.endpoints)
    if not n or len(report.endpoints) <= FOLD_ABOVE:
        return ""
    return (f' <label class="added-toggle" hidden><input id="show-added" type="checkbox"> show the {n} endpoints '
            'the report added</label>')


def _legend(report: Report) -> str:
    states = [s for s in SYMBOL if s != DEPENDENT or report.dataplanes]
    items = "".join(f'<span class="c {state}">{SYMBOL[state]}</span> {WORDS[state]} ' for state in states)
    return (f'<p class="legend">{items}<span class="na-key"></span> neither end is a reported workload. '
            "Hover or focus a cell for its ports; click it or press Enter for why. Arrow keys move between cells.</p>")


def _policies(report: Report) -> str:
    if not report.policy_words and not report.policies_left_out:
        return "<p>No NetworkPolicies in the manifests.</p>"
    listed = [f'<pre class="policy">{_e(chr(10).join(words))}</pre>' for words in report.policy_words.values()]
    if report.policies_left_out:
        listed.append(f'<p class="meta" id="policies-not-listed">Not listed: {_e(report.policies_left_out)}.</p>')
    return "\n".join(listed)


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
    texts = Texts()
    matrix, data = table(report, texts)
    body = _header(report)
    # The explanation is a panel beside the matrix, held in view while the page scrolls.
    body += ['<main><section id="matrix-section"><h2 id="matrix-title">Who may reach whom</h2>', _legend(report), _controls(report),
             '<p id="hover" class="hover" aria-live="polite"></p>',
             f'<div class="matrix-layout"><div class="matrix-wrap">{matrix}</div>',
             '<aside id="explanation" class="explanation" role="region" aria-live="polite" aria-label="explanation" '
             'tabindex="-1"><p>Click a cell to see why.</p></aside></div></section>',
             '<section id="workloads"><h2>Each workload</h2>']
    body += [_focus_section(report, k) for k in range(len(report.workloads))] or ["<p>No workloads.</p>"]
    body += ["</section>", '<section id="policies"><h2>Policies in words</h2>', _policies(report), "</section>",
             '<section id="added"><h2>Endpoints the report added</h2>', _added(report), "</section></main>"]
    # "profiles" only when profiles were compared: a report of one reads as it always has.
    return page(report.title, body, {"texts": texts.items, "cells": data["cells"], "sums": data["sums"],
                                     **({"profiles": data["profiles"]} if report.dataplanes else {})})

