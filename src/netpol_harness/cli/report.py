"""`netpol report CHART`: what each workload of a chart may reach, and what may reach it.

    netpol report CHART|FILE [-f FILE]... [--set k=v]... [--release R] [--namespace NS]
                  [--port 53/UDP]... [--protocol TCP] [--workload NAME]... [--external IP]...
                  [--with cluster.yaml]... [--dataplane NAME|all]... [--out DIR]
    netpol report [CHART] --diff BEFORE AFTER [--case FILE|DIR]... [--format text|markdown|json]
                  [--fail-on-open] [...the same inputs]
    netpol report CHART --base REV [--case FILE|DIR]... [--format ...] [--fail-on-open] [...]

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
With --base REV, BEFORE is CHART at git revision REV and AFTER is CHART in the working
tree. `--case` diffs once per values file; `--format markdown` (or json) writes what a
pull-request comment (or a CI job) takes, and both diff.md and diff.json under --out
(`cli.reportdiff`).

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

from ..check.admission import RefusedObjects
from ..loader import InputLimitError, load_files
from ..net import PROTOCOLS, PolicyError
from ..net.dataplanes import Dataplane
from ..report.labels import chart_title
from ..report import Probe, connectivity_report, render_html, render_mermaid, render_text
from .reach import add_judge_invalid_option, refused
from .inputs import add_dataplane_option, add_render_inputs, chosen_dataplanes, cluster_objects
from .reportdiff import add_diff_arguments, admitted, render_side, run_diff


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
    add_diff_arguments(parser)
    parser.add_argument("--out", type=Path, help="write report.html and graph.mmd (or diff.html, and diff.md and "
                                                 "diff.json with --format) into this directory")
    add_dataplane_option(parser)
    add_judge_invalid_option(parser)


def _probes(args: argparse.Namespace) -> list[Probe] | None:
    for ip in args.external:
        ipaddress.ip_address(ip)
    return [Probe.parse(p, args.protocol) for p in args.port] or None


def run(args: argparse.Namespace) -> int:
    try:
        probes = _probes(args)
        cluster = cluster_objects(args)
        profiles = chosen_dataplanes(args)
    except ValueError as exc:  # a bad --port, --external or --dataplane, or a --with file (ClusterFileError)
        print(f"netpol report: {exc}", file=sys.stderr)
        return 2
    alone = [flag for flag, given in (("--case", args.cases), (f"--format {args.format}", args.format != "text"))
             if given]
    if alone and not (args.diff or args.base is not None):
        print(f"netpol report: {alone[0]} takes --diff BEFORE AFTER or --base REV", file=sys.stderr)
        return 2
    missing = [f for f in args.values if not Path(f).is_file()]
    if missing:
        print(f"netpol report: no such values file: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        if args.diff or args.base is not None:
            return run_diff(args, probes, cluster, profiles)
        return run_report(args, probes, cluster, profiles)
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


def _report_input(args: argparse.Namespace) -> tuple[list[dict], str] | int:
    """(objects, title) of CHART or of a file of manifests, without the --with objects, or the
    exit code when they cannot be had."""
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
        return objects, f"{Path(args.chart).name} (manifests in {args.namespace}{beside})"
    objects = render_side(args, args.chart, [], args.chart, [])
    if objects is None:
        return 2
    return objects, chart_title(args.chart, args.values, release=args.release, namespace=args.namespace, beside=beside)


def _admitted_apart(args: argparse.Namespace, objects: list[dict], cluster: list[dict]) -> tuple[list, list]:
    """The render's objects and the --with ones, each admitted, kept apart so the report knows
    the cluster's pods from the chart's without guessing."""
    try:
        return admitted(args, objects), admitted(args, cluster)
    except RefusedObjects:
        admitted(args, objects + cluster)  # refuses with every refused object of both named, as it did
        raise


def run_report(args: argparse.Namespace, probes: list[Probe] | None, cluster: list[dict],
               profiles: list[Dataplane]) -> int:
    if not args.chart:
        print("netpol report: give a chart directory or a file of manifests (or --diff BEFORE AFTER)", file=sys.stderr)
        return 2
    found = _report_input(args)
    if isinstance(found, int):
        return found
    objects, title = found
    objects, cluster = _admitted_apart(args, objects, cluster)
    report = connectivity_report(
        objects,
        probes,
        title=title,
        namespace=args.namespace,
        externals=args.external,
        workloads=args.workload or None,
        ipblock_matches_pods=not args.ipblock_ignores_pods,
        dataplanes=profiles,
        cluster_objects=cluster,
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
