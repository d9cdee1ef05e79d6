"""Connectivity reports: build the data (`data`), then write it as text and Mermaid
(`text`) or as a self-contained HTML page with an SVG graph (`page`)."""
from __future__ import annotations

from .data import Probe, Report, Row, WorkloadReport, build_cluster, connectivity_report, demo_probes, why
from .page import render_html, render_svg
from .text import render_mermaid, render_text

__all__ = ["Probe", "Report", "Row", "WorkloadReport", "build_cluster", "connectivity_report", "demo_probes",
           "render_html", "render_mermaid", "render_svg", "render_text", "why"]
