"""`netpol check CHART`: run the chart's expectations (netpol-expect.yaml, see
netpol_harness.expect), print a table, write JUnit XML with --junit; exit 1 when an
expectation fails, 2 when the file itself is wrong or there is no helm (`--helm`: a path
or a pinned version, as in every command that renders).

`--with FILE` judges every case with the objects the cluster has beside the render (its
admin policies, namespaces, other releases' policies), after those the case's own `with:`
names. `--dataplane NAME` (repeatable, or all) judges the flows that name no `dataplanes:`
as each named CNI enforces the policies.

A case whose render (or `with:` objects) holds an object the API server would refuse fails
each of its expectations, naming the object, field and reason, one line each;
`--judge-invalid` judges it as written, every verdict saying so."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import project

from ..clusterfiles import ClusterFileError
from ..expect import FILE_NAME, ExpectationFileError, junit_xml
from ..expect import run as run_expectations
from ..helm.binary import helm_binary
from ..assertions.network import judging_invalid
from ..textsafe import visible
from .inputs import add_cluster_objects, add_dataplane_option, chosen_dataplanes, cluster_objects
from .reach import add_judge_invalid_option


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("chart", type=Path, help="chart directory")
    parser.add_argument("--expectations", type=Path, metavar="FILE", help=f"default: CHART/{FILE_NAME}")
    parser.add_argument("--junit", type=Path, metavar="FILE", help="write the results as JUnit XML")
    add_cluster_objects(parser)
    add_dataplane_option(parser)
    add_judge_invalid_option(parser)
    parser.add_argument("--helm", help="helm binary: a path or a pinned version such as 3.19 (default: $NETPOL_HELM, "
                                       ".tools/bin/helm, PATH)")
    parser.add_argument("--stub-disabled-dependencies", action="store_true",
                        help="stand in empty charts for dependencies missing from charts/ that the values disable "
                             "(never for an enabled one)")


def run(args: argparse.Namespace) -> int:
    path = args.expectations or args.chart / FILE_NAME
    if not path.is_file():
        print(f"netpol check: no expectations at {path}", file=sys.stderr)
        return 2
    before = project.configure().helm
    # Found first: without a helm the command stops (exit 2), rather than fail every expectation.
    project.configure(helm=helm_binary(args.helm))
    try:
        profiles = chosen_dataplanes(args) if args.dataplane else []
        with judging_invalid(args.judge_invalid):
            outcomes = run_expectations(args.chart.resolve(), path, extra_objects=cluster_objects(args), dataplanes=profiles,
                                        stub_disabled_dependencies=args.stub_disabled_dependencies)
    except (ExpectationFileError, ClusterFileError, ValueError) as err:
        print(f"netpol check: {err}", file=sys.stderr)
        return 2
    finally:
        project.configure(helm=before)
    width = max(len(o.case) for o in outcomes)
    for o in outcomes:
        # Names come from the chart and the cluster: control characters are shown, never sent.
        print(f"{'ok  ' if o.ok else 'FAIL'}  {visible(o.case):<{width}}  {visible(o.expectation)}")
        if not o.ok:
            print("".join(f"      {visible(line)}\n" for line in o.message.splitlines()), end="")
    failed = sum(not o.ok for o in outcomes)
    print(f"{len(outcomes) - failed} passed, {failed} failed")
    if args.junit:
        args.junit.write_text(junit_xml(args.chart.name, outcomes))
    return 1 if failed else 0

