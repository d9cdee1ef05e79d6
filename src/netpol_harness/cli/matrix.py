"""`netpol matrix CHART --cases FILE`: render and check every case of a value matrix on
every core, with a progress bar, failures grouped by cause and the smallest failing values.

    netpol matrix CHART --cases matrix.yaml [-f case.yaml]... [--check render,values,kubernetes,apirules]
                  [--engine cli|sdk] [--workers 2] [--batch N] [--helm H] [--release R] [-n NS]
                  [--with cluster.yaml]... [--dataplane NAME|all]... [--case-timeout SECONDS]
                  [--api-versions GROUP/VERSION[/KIND]]... [--no-cache] [--shard I/N] [--results FILE]
    netpol matrix --merge FILE...

The cases file: see netpol_harness.cases (base, factors, exclude, require, random, seed,
apiVersions). `--api-versions` adds to the file's apiVersions; every case renders with
them all (helm --api-versions; with --engine sdk the helm CLI renders, as Helm 4's
engine in-process takes none).
`--with FILE`: objects the cluster has beside each render (its admin policies, namespaces,
other releases' policies); the `expect` check judges every case with them. `--dataplane`:
the `lints` and `expect` checks judge as those CNIs enforce the policies.
`--case-timeout`: the seconds one helm process may take; a case that hangs fails the
render check with its values, and the other cases go on.
`--shard I/N`: only the cases of shard I of N (a SHA-256 of each case's name and values,
modulo N: the same split on every machine), for N CI jobs; `--results FILE` writes the run's
outcomes as JSON, and `--merge` of every shard's file prints the summary and gives the exit
status of one run (see netpol_harness.shards). `--no-cache`: always run helm (NETPOL_NO_CACHE=1).

Exit 0 when every case passes every check, 1 when some fail, 2 for bad input; Ctrl-C or
SIGTERM stops it at once (workers and helm killed, temporary files removed), exit 130 / 143.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from ..cases import Case, MatrixSpec, file_cases, load_spec
from ..helm.batch import DEFAULT_CASE_TIMEOUT
from ..helm.template import DEFAULT_NAMESPACE, DEFAULT_RELEASE
from .. import project
from ..outcomes import MatrixResult
from ..runner import CHECKS, DEFAULT_CHECKS, run_matrix
from ..shards import Shard, fingerprint, merge, parse_shard, results_document, select, write_results
from ..textsafe import visible
from .inputs import add_api_versions_option, add_cluster_objects, add_dataplane_option, chosen_dataplanes, \
    cluster_objects


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("chart", nargs="?", help="chart directory")
    parser.add_argument("--cases", type=Path, metavar="FILE", help="the cases file: base values, factors, exclude, require, random fills and seed "
                             "(see netpol_harness.cases)")
    parser.add_argument("-f", "--values", action="append", default=[], metavar="FILE", help="a values file as one more case")
    parser.add_argument("--check", default=",".join(DEFAULT_CHECKS),
                        help=f"comma-separated checks: render, {', '.join(CHECKS)} (default: %(default)s)")
    parser.add_argument("--engine", choices=("cli", "sdk"), default="cli", help="helm CLI in batches, or Helm 4's engine in-process")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default: 2)")
    parser.add_argument("--batch", type=int, help="cases per helm process (default: measured per Helm version)")
    parser.add_argument("--helm", help="helm binary: a path or a pinned version such as 3.19")
    parser.add_argument("--release", default=DEFAULT_RELEASE, help=f"release name (default: {DEFAULT_RELEASE})")
    parser.add_argument("-n", "--namespace", default=DEFAULT_NAMESPACE, help=f"release namespace (default: {DEFAULT_NAMESPACE})")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    parser.add_argument("--case-timeout", type=_seconds, default=DEFAULT_CASE_TIMEOUT, metavar="SECONDS",
                        help="seconds one helm process may take; a case that hangs fails alone (default: %(default)g)")
    parser.add_argument("--no-cache", action="store_true", help="always run helm: no render cache read or written")
    parser.add_argument("--shard", metavar="I/N", help="only the cases of shard I of N, for N CI jobs (1 <= I <= N)")
    parser.add_argument("--results", type=Path, metavar="FILE", help="write the outcomes as JSON, for --merge")
    parser.add_argument("--merge", nargs="+", metavar="FILE",
                        help="the --results files of every shard: print the summary and exit as one run would")
    add_api_versions_option(parser)
    add_cluster_objects(parser)
    add_dataplane_option(parser)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"not a number of seconds above 0: {text!r}")
    return value


def spec_and_cases(spec_path: Path | None, values_files: list[str]) -> tuple[MatrixSpec, list[Case]]:
    """The cases file (an empty spec without one) and every case: the values files', then the file's."""
    spec = load_spec(spec_path) if spec_path else MatrixSpec()
    return spec, file_cases(values_files) + spec.cases()


def api_versions(spec: MatrixSpec, given: list[str]) -> list[str]:
    """The file's apiVersions, then those --api-versions adds, each once."""
    return list(dict.fromkeys([*spec.api_versions, *given]))


def run(args: argparse.Namespace) -> int:
    try:
        if args.merge:
            if args.chart or args.shard is not None or args.results:
                raise ValueError("--merge takes the shards' results files alone: no chart, --shard or --results")
            result = merge(args.merge)
        elif not args.chart:
            raise ValueError("give a chart directory, or --merge FILE... of the shards' results")
        else:
            result = _run_cases(args)
    except (OSError, ValueError, yaml.YAMLError) as err:  # a ShardError is a ValueError
        print(f"netpol matrix: {err}", file=sys.stderr)
        return 2
    print("\n".join(visible(line) for line in result.summary().splitlines()))  # values may hold control characters
    return 0 if result.ok else 1


def _run_cases(args: argparse.Namespace) -> MatrixResult:
    """The run of the cases (of the shard), its results written when --results asks."""
    checks = [c.strip() for c in args.check.split(",") if c.strip()]
    shard = parse_shard(args.shard) if args.shard is not None else Shard(1, 1)
    if args.results and not args.results.parent.is_dir():
        raise ValueError(f"--results {args.results}: no such directory {args.results.parent}")
    if args.no_cache:
        project.configure(no_cache=True)
    extra = cluster_objects(args)
    if extra and "expect" not in checks:
        print("netpol matrix: note: --with matters only to the expect check, which --check leaves out", file=sys.stderr)
    spec, cases = spec_and_cases(args.cases, args.values)
    if not cases:
        raise ValueError("no cases: give --cases FILE and/or -f FILE")
    picked = select(cases, shard)
    if shard.total > 1:
        print(f"netpol matrix: shard {shard}: {len(picked)} of {len(cases)} cases", file=sys.stderr)
    profiles = [p.name for p in chosen_dataplanes(args)] if args.dataplane else []
    versions = api_versions(spec, args.api_versions)
    result = run_matrix(args.chart, [c for _, c in picked], checks, engine=args.engine, helm=args.helm,
                        release=args.release, namespace=args.namespace, workers=args.workers, batch=args.batch,
                        progress=not args.no_progress, extra_objects=extra, dataplanes=profiles,
                        case_timeout=args.case_timeout, api_versions=versions)
    if args.results:
        # What changes a verdict: merge refuses shards that differ in any of it.
        settings = {"chart": Path(args.chart).resolve().name, "checks": checks, "release": args.release,
                    "namespace": args.namespace, "apiVersions": versions, "dataplanes": profiles, "with": extra}
        write_results(args.results, results_document(result, shard, [k for k, _ in picked], len(cases),
                                                     fingerprint(cases, settings)))
    return result
