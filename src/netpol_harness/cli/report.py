"""`netpol report CHART`: what each workload of a chart may reach, and what may reach it.

    netpol report CHART|FILE [-f FILE]... [--set k=v]... [--release R] [--namespace NS]
                  [--port 53/UDP]... [--protocol TCP] [--workload NAME]... [--external IP]...
                  [--with cluster.yaml]... [--dataplane NAME|all]... [--out DIR]
    netpol report [CHART] --diff BEFORE AFTER [--fail-on-open] [...the same inputs]

Output: text on stdout (one line per pair, ports collapsed); with --out, a self-contained
HTML page with the matrix (report.html) and the Mermaid graph (graph.mmd). A YAML file of
manifests is reported as it is, without helm (objects without a namespace live in --namespace).

`--dataplane NAME` judges as that CNI enforces the policies (`net.dataplanes`). Given more
than one (or `all`), the report is drawn for the first, and every pair on which they
disagree is marked dataplane-dependent with each profile's verdict and reason. A diff is
judged once per profile: one section (and one diff-<profile>.html) for each.

With --diff: BEFORE and AFTER are two chart directories (say a checkout of main and one of
a branch), rendered with the same inputs, or two values files of CHART, each given after
the common -f files. It lists the flows the change opens and closes, with the rule
responsible on each side (diff.html with --out); --fail-on-open exits 1 when it opens any.

`--with FILE` adds the objects the cluster has beside the render (its admin policies,
namespaces, other releases' policies, pods: pods are reported like the render's); with
--diff, both sides get the same ones.

An object the API server would refuse is not judged: one line each (object, field, reason;
with --diff, which side) and exit 1; `--judge-invalid` judges it as written, and every
verdict says so.
"""
from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path

import yaml

from ..check.admission import RefusedObjects, admit
from ..loader import InputLimitError, load_files
from ..net import PROTOCOLS, PolicyError
from ..net.dataplanes import Dataplane
from ..net.workloads import hook_of
from ..report.labels import chart_title
from ..report import (Probe, connectivity_report, diff_file, diff_objects, render_diff_html, render_diff_text,
                      render_html, render_mermaid, render_text)
from .reach import add_judge_invalid_option, refused
from .inputs import add_dataplane_option, add_render_inputs, chosen_dataplanes, cluster_objects, is_chart, render_from


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("chart", nargs="?", metavar="CHART|FILE",
                        help="chart directory, or a YAML file of manifests (with --diff of two charts: leave out)")
    add_render_inputs(parser, chart=False)
    parser.add_argument("--skip-hooks", action="store_true",
                        help="leave out the objects of Helm hooks (helm.sh/hook: test, pre-install ...); without it "
                             "their pods are in, marked [hook: test]")
    parser.add_argument("--port", action="append", default=[], metavar="PORT[/PROTO]",
                        help="probe (repeatable), e.g. 53/UDP; default: the ports policies and containers mention, DNS and 443")
    parser.add_argument("--protocol", default="TCP", type=str.upper, choices=PROTOCOLS, help="protocol for --port without one")
    parser.add_argument("--workload", action="append", default=[], metavar="NAME", help="report only these workloads (repeatable)")
    parser.add_argument("--external", action="append", default=[], metavar="IP", help="add an outside address (repeatable)")
    parser.add_argument("--ipblock-ignores-pods", action="store_true", help="for CNIs whose ipBlocks never match pod addresses")
    parser.add_argument("--diff", nargs=2, metavar=("BEFORE", "AFTER"),
                        help="compare two chart directories, or two values files of CHART")
    parser.add_argument("--fail-on-open", action="store_true", help="with --diff: exit 1 when the change opens a flow")
    parser.add_argument("--out", type=Path, help="write report.html and graph.mmd (or diff.html) into this directory")
    add_dataplane_option(parser)
    add_judge_invalid_option(parser)


def _probes(args: argparse.Namespace) -> list[Probe] | None:
    for ip in args.external:
        ipaddress.ip_address(ip)
    return [Probe.parse(p, args.protocol) for p in args.port] or None


def _render(args: argparse.Namespace, chart: str, extra_values: list[str], label: str, extra: list[dict]):
    """The render's objects and then `extra` (the --with objects), or None when helm fails."""
    result = render_from(args, chart, extra_values)
    if not result.ok:
        print(f"netpol report: helm could not render {label}:\n{result.stderr.strip()}", file=sys.stderr)
        return None
    # Helm's hooks (helm test pods, install Jobs) are not the release's running workloads.
    return [o for o in result.objects if not (args.skip_hooks and hook_of(o))] + extra


def _sides(args: argparse.Namespace) -> list[tuple[str, str, list[str]]] | str:
    """(chart, extra values files, title) for each side of --diff, or what is wrong."""
    before, after = args.diff
    charts = [is_chart(before), is_chart(after)]
    if all(charts):
        if args.chart:
            return "--diff of two charts takes no CHART"
        return [(before, [], f"chart {before}"), (after, [], f"chart {after}")]
    if any(charts):
        return "--diff BEFORE AFTER takes two chart directories or two values files, not one of each"
    if not args.chart:
        return "--diff of two values files needs CHART"
    for path in (before, after):
        if not Path(path).is_file():
            return f"{path} is neither a chart directory nor a values file"
    return [(args.chart, [before], chart_title(args.chart, [before])), (args.chart, [after], chart_title(args.chart, [after]))]


def run_diff(args: argparse.Namespace, probes: list[Probe] | None, cluster: list[dict], profiles: list[Dataplane]) -> int:
    sides = _sides(args)
    if isinstance(sides, str):
        print(f"netpol report: {sides}", file=sys.stderr)
        return 2
    rendered = [_render(args, chart, extra, title, cluster) for chart, extra, title in sides]
    if any(objects is None for objects in rendered):
        return 2  # bad input, as in every command (README: exit codes)
    rendered = [_admitted(args, objects, f"{title}: ") for objects, (_, _, title) in zip(rendered, sides)]
    several = len(profiles) > 1  # then each profile gets its own section and page
    opened = False
    for k, dataplane in enumerate(profiles):
        diff = diff_objects(rendered[0], rendered[1], title=f"what {sides[1][2]} changes against {sides[0][2]}",
                            before_title=sides[0][2], after_title=sides[1][2], namespace=args.namespace, probes=probes,
                            externals=args.external, workloads=args.workload or None,
                            ipblock_matches_pods=not args.ipblock_ignores_pods, dataplane=dataplane)
        opened = opened or bool(diff.opened)
        if several:
            print(("\n" if k else "") + f"== dataplane {dataplane.name}")
        print(render_diff_text(diff))
        if args.out:
            page = args.out / diff_file(dataplane.name if several else None)
            args.out.mkdir(parents=True, exist_ok=True)
            page.write_text(render_diff_html(diff))
            print(f"\nwrote {page}")
    return 1 if args.fail_on_open and opened else 0


def run(args: argparse.Namespace) -> int:
    try:
        probes = _probes(args)
        cluster = cluster_objects(args)
        profiles = chosen_dataplanes(args)
    except ValueError as exc:  # a bad --port, --external or --dataplane, or a --with file (ClusterFileError)
        print(f"netpol report: {exc}", file=sys.stderr)
        return 2
    missing = [f for f in args.values if not Path(f).is_file()]
    if missing:
        print(f"netpol report: no such values file: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        return run_diff(args, probes, cluster, profiles) if args.diff else run_report(args, probes, cluster, profiles)
    except RefusedObjects as exc:
        refused("netpol report", exc)
        return 2
    except PolicyError as exc:
        print(f"netpol report: the API server would refuse this policy, so it cannot be judged: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        raise  # the reader went away: `netpol` ends quietly, as every command does
    except OSError as exc:
        print(f"netpol report: {exc}", file=sys.stderr)
        return 2


def _admitted(args: argparse.Namespace, objects: list[dict], side: str = "") -> list[dict]:
    """`admit` (RefusedObjects unless --judge-invalid); with --diff, each line names its side."""
    try:
        return admit(objects, judge_invalid=args.judge_invalid, default_namespace=args.namespace)
    except RefusedObjects as exc:
        raise RefusedObjects([side + line for line in exc.lines], exc.summary) from None


def _report_input(args: argparse.Namespace, cluster: list[dict]) -> tuple[list[dict], str] | int:
    """(objects, title) of CHART or of a file of manifests, or the exit code when they cannot be had."""
    beside = "".join(f"; with {f}" for f in args.with_files)
    if Path(args.chart).is_file():
        try:
            objects = load_files([args.chart])
        except InputLimitError as exc:  # already names the file and the limit
            print(f"netpol report: {exc}", file=sys.stderr)
            return 2
        except yaml.YAMLError as exc:
            print(f"netpol report: {args.chart}: not YAML: {str(exc).splitlines()[0]}", file=sys.stderr)
            return 2
        return objects + cluster, f"{Path(args.chart).name} (manifests in {args.namespace}{beside})"
    objects = _render(args, args.chart, [], args.chart, cluster)
    if objects is None:
        return 2
    return objects, chart_title(args.chart, args.values, release=args.release, namespace=args.namespace, beside=beside)


def run_report(args: argparse.Namespace, probes: list[Probe] | None, cluster: list[dict],
               profiles: list[Dataplane]) -> int:
    if not args.chart:
        print("netpol report: give a chart directory or a file of manifests (or --diff BEFORE AFTER)", file=sys.stderr)
        return 2
    found = _report_input(args, cluster)
    if isinstance(found, int):
        return found
    objects, title = found
    objects = _admitted(args, objects)
    report = connectivity_report(
        objects,
        probes,
        title=title,
        namespace=args.namespace,
        externals=args.external,
        workloads=args.workload or None,
        ipblock_matches_pods=not args.ipblock_ignores_pods,
        dataplanes=profiles,
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
