"""`netpol report CHART`: what each workload of a chart may reach, and what may reach it.

    netpol report CHART [-f FILE]... [--set k=v]... [--release R] [--namespace NS]
                  [--port 53/UDP]... [--protocol TCP] [--workload NAME]... [--external IP]...
                  [--out DIR]

Output: a text table and a Mermaid graph on stdout; with --out, a self-contained HTML
page and the Mermaid source (see netpol_harness.report).
"""
from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path

from ..net import PROTOCOLS
from ..report import Probe, connectivity_report, render_html, render_mermaid, render_text
from .inputs import add_render_inputs, render_from


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_render_inputs(parser)
    parser.add_argument("--port", action="append", default=[], metavar="PORT[/PROTO]",
                        help="probe (repeatable), e.g. 53/UDP; default: the ports policies and containers mention, DNS and 443")
    parser.add_argument("--protocol", default="TCP", type=str.upper, choices=PROTOCOLS, help="protocol for --port without one")
    parser.add_argument("--workload", action="append", default=[], metavar="NAME", help="report only these workloads (repeatable)")
    parser.add_argument("--external", action="append", default=[], metavar="IP", help="add an outside address (repeatable)")
    parser.add_argument("--ipblock-ignores-pods", action="store_true", help="for CNIs whose ipBlocks never match pod addresses")
    parser.add_argument("--out", type=Path, help="write report.html and graph.mmd into this directory")


def run(args: argparse.Namespace) -> int:
    try:
        probes = [Probe.parse(p, args.protocol) for p in args.port] or None
        for ip in args.external:
            ipaddress.ip_address(ip)
    except ValueError as exc:
        print(f"netpol report: {exc}", file=sys.stderr)
        return 2
    result = render_from(args)
    if not result.ok:
        print(f"netpol report: helm could not render {args.chart}:\n{result.stderr.strip()}", file=sys.stderr)
        return 1
    values = ", ".join(str(v) for v in args.values) or "chart defaults"
    report = connectivity_report(
        result.objects,
        probes,
        title=f"{Path(args.chart).name} ({values}; release {args.release} in {args.namespace})",
        namespace=args.namespace,
        externals=args.external,
        workloads=args.workload or None,
        ipblock_matches_pods=not args.ipblock_ignores_pods,
    )
    if args.workload and not report.workloads:
        print(f"netpol report: no workload matches {', '.join(args.workload)}", file=sys.stderr)
        return 2
    print(render_text(report))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "report.html").write_text(render_html(report))
        (args.out / "graph.mmd").write_text(render_mermaid(report) + "\n")
        print(f"\nwrote {args.out / 'report.html'} and {args.out / 'graph.mmd'}")
    return 0


