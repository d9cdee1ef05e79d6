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
`--judge-invalid` judges it as written, every verdict saying so.

`--format json|junit|sarif` writes the outcomes as a document for CI (netpol_harness.findings):
on stdout instead of the table, or to `--output FILE` beside it. `--junit FILE` stays, the
JUnit XML written beside whatever else is asked."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import project

from ..check.lints import Finding
from ..clusterfiles import ClusterFileError
from ..expect import FILE_NAME, ExpectationFileError, Outcome, junit_xml
from ..expect import run as run_expectations
from ..findings import INPUT, Located, Report, add_format_options, document, repository_path, write_document
from ..helm.binary import helm_binary
from ..assertions.network import judging_invalid
from ..textsafe import visible
from .inputs import add_cluster_objects, add_dataplane_option, chosen_dataplanes, cluster_objects
from .reach import add_judge_invalid_option


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("chart", type=Path, help="chart directory")
    parser.add_argument("--expectations", type=Path, metavar="FILE", help=f"default: CHART/{FILE_NAME}")
    parser.add_argument("--junit", type=Path, metavar="FILE",
                        help="write the results as JUnit XML (as --format junit --output FILE does)")
    add_cluster_objects(parser)
    add_dataplane_option(parser)
    add_judge_invalid_option(parser)
    parser.add_argument("--helm", help="helm binary: a path or a pinned version such as 3.19 (default: $NETPOL_HELM, "
                                       ".tools/bin/helm, PATH)")
    parser.add_argument("--stub-disabled-dependencies", action="store_true",
                        help="stand in empty charts for dependencies missing from charts/ that the values disable "
                             "(never for an enabled one)")
    add_format_options(parser)


def outcomes_of(args: argparse.Namespace, path: Path) -> list[Outcome]:
    """Every expectation's outcome; ExpectationFileError, ClusterFileError or ValueError
    when an input is wrong (HelmNotFound without a helm)."""
    before = project.configure().helm
    # Found first: without a helm the command stops (exit 2), rather than fail every expectation.
    project.configure(helm=helm_binary(args.helm))
    try:
        profiles = chosen_dataplanes(args) if args.dataplane else []
        with judging_invalid(args.judge_invalid):
            return run_expectations(args.chart.resolve(), path, extra_objects=cluster_objects(args),
                                    dataplanes=profiles, stub_disabled_dependencies=args.stub_disabled_dependencies)
    finally:
        project.configure(helm=before)


def table(outcomes: list[Outcome]) -> list[str]:
    width = max(len(o.case) for o in outcomes)
    lines = []
    for o in outcomes:
        # Names come from the chart and the cluster: control characters are shown, never sent.
        lines.append(f"{'ok  ' if o.ok else 'FAIL'}  {visible(o.case):<{width}}  {visible(o.expectation)}")
        if not o.ok:
            lines += [f"      {visible(line)}" for line in o.message.splitlines()]
    failed = sum(not o.ok for o in outcomes)
    return lines + [f"{len(outcomes) - failed} passed, {failed} failed"]


def run(args: argparse.Namespace) -> int:
    path = args.expectations or args.chart / FILE_NAME
    try:
        if not path.is_file():
            raise ExpectationFileError(f"no expectations at {path}")
        outcomes = outcomes_of(args, path)
    except (ExpectationFileError, ClusterFileError, ValueError) as err:
        print(f"netpol check: {err}", file=sys.stderr)
        # A document still, so CI that uploads it shows why the run stopped.
        located = [Located(Finding(INPUT, "error", "", "", str(err)), repository_path(path))]
        return deliver(args, Report("check", str(args.chart), 2, located, expectations=repository_path(path)), [])
    code = 1 if any(not o.ok for o in outcomes) else 0
    if args.junit:
        args.junit.write_text(junit_xml(args.chart.name, outcomes))
    return deliver(args, Report("check", str(args.chart), code, outcomes=outcomes, expectations=repository_path(path)),
                   table(outcomes))


def deliver(args: argparse.Namespace, report: Report, text: list[str]) -> int:
    """The table on stdout unless a document takes its place there; the document on stdout
    or in --output."""
    if args.format == "text" or args.output:
        print("".join(f"{line}\n" for line in text), end="")
    if args.format == "text" and not args.output:
        return report.exit_code
    doc = "".join(f"{line}\n" for line in text) if args.format == "text" else document(report, args.format)
    problem = write_document(doc, args.output)
    if problem:
        print(f"netpol check: {problem}", file=sys.stderr)
        return 2
    return report.exit_code
