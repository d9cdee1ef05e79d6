"""A report as one self-contained HTML page: inline CSS and an inline SVG graph drawn
here, no scripts, nothing fetched."""
from __future__ import annotations

import html
import math
from dataclasses import dataclass

from .data import Report, Row, grouped
from .text import render_mermaid


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
        if g.caveat:
            detail += f'<div class="detail caveat">{html.escape(g.caveat)}</div>'
            cls += " caveat"
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
    if report.services:
        body.append(f'<p class="meta">Services (policies see the pod port): {e("; ".join(report.services))}.</p>')
    if report.not_modelled:
        body.append(f'<p class="meta">Not modelled (verdicts marked * may differ): {e("; ".join(report.not_modelled))}.</p>')
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
