"""Connectivity reports: build the data (`data`, with the endpoints `witness` adds, the
cells of `cells`, and under several dataplane profiles the comparison of `profiles`), then
write it as text and Mermaid (`text`) or as one self-contained HTML page with a matrix
(`page`); `diff` compares two renders flow by flow, and `diffmarkdown` / `diffjson` write
diffs for a pull-request comment or a CI job."""
from __future__ import annotations

from .data import Cell, Endpoint, Part, ProfileVerdict, Report, Row, WorkloadReport, build_cluster, connectivity_report
from .diff import Change, Diff, diff_file, diff_objects, render_diff_html, render_diff_text
from .diffjson import diff_document, render_diff_json
from .diffmarkdown import render_diff_markdown
from .page import render_html
from .probe import Probe, demo_probes
from .text import render_mermaid, render_text
from .witness import Witness, add_witnesses
from .words import collapse, describe_policy, ports_text

__all__ = ["Cell", "Change", "Diff", "Endpoint", "Part", "Probe", "ProfileVerdict", "Report", "Row", "Witness",
           "WorkloadReport", "add_witnesses", "build_cluster", "collapse", "connectivity_report", "demo_probes",
           "describe_policy", "diff_document", "diff_file", "diff_objects", "ports_text", "render_diff_html",
           "render_diff_json", "render_diff_markdown", "render_diff_text", "render_html", "render_mermaid",
           "render_text"]
