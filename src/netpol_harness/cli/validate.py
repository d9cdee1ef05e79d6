"""`netpol validate CHART`: render, then every check the harness has: the values
schema, strict Kubernetes schemas and the API server's rules (always errors), and the
lints (netpol_harness.check.lints: errors, warnings, infos; waivable in the chart's
netpol.yaml, a waiver naming `values:` files only when `-f` gives one of them). Exit 0
without unwaived errors, 1 with them, 2 when helm itself fails or netpol.yaml is malformed.

The objects of `--with FILE` (the cluster's admin policies, namespaces, ...) are checked
against the API server's rules too, each message naming its file; the lints judge the
render beside those the API server takes (they are never linted themselves).
`--dataplane NAME` (repeatable, or all) judges as those CNIs enforce the policies: the
lints under the first, and the lint `dataplane-dependent` warns of every flow the
profiles do not agree on.

`--format json|junit|sarif` writes the findings as a document for CI (netpol_harness.findings),
on stdout instead of the text, or to `--output FILE` beside it; a helm failure or a malformed
input is still a document (its error a finding, `helm-render` or `input`), exit 2 all the same."""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field

import yaml

from ..check import api_server_errors, validate_all, validate_values
from ..check.kubernetes import check_kubernetes_version
from ..check.lints import Finding, apply_waivers, failing, lint, load_waivers
from ..clusterfiles import ClusterFileError, read_cluster_file
from ..findings import HELM_RENDER, INPUT, Report, add_format_options, document, locate, write_document
from ..helm.template import RenderResult
from ..loader import load_yaml_file
from ..matrix import deep_merge
from .inputs import add_dataplane_option, add_render_inputs, chosen_dataplanes, render_from

DEFAULT_SCHEMAS = "1.33"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_render_inputs(parser)
    parser.add_argument("--kubernetes-version", metavar="VERSION",
                        help=f"Kubernetes schemas to check against (default: --kube-version, else {DEFAULT_SCHEMAS})")
    parser.add_argument("--expect-policies", action="store_true", help="a render without NetworkPolicies is an error")
    add_dataplane_option(parser)
    add_format_options(parser)


def cluster_file_problems(files: dict[str, list[dict]]) -> list[Finding]:
    """The API server's errors on each --with file's objects, the file named in each."""
    return [Finding("api-server", "error", str(path), "", m)
            for path, objects in files.items() for m in api_server_errors(objects)]


@dataclass
class Validation:
    code: int
    problems: list[Finding]  # in the order printed
    errors: list[str] = field(default_factory=list)  # exit 2: the lines that say why
    error_id: str = INPUT  # the finding id a document gives those lines
    render: RenderResult | None = None

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems] + self.errors

    def report(self, args: argparse.Namespace, error_text: str) -> Report:
        problems = list(self.problems)
        if self.code == 2:
            # A document still, so CI that uploads it shows why the run stopped.
            problems.append(Finding(self.error_id, "error", "", "", error_text))
        return Report("validate", str(args.chart), self.code, locate(problems, args.chart, self.render, args.values))


def validation(args: argparse.Namespace) -> Validation:
    values: dict = {}
    try:
        files = {path: read_cluster_file(path) for path in args.with_files}
        profiles = chosen_dataplanes(args)
        schemas = check_kubernetes_version(args.kubernetes_version or args.kube_version or DEFAULT_SCHEMAS)
        for path in args.values:
            values = deep_merge(values, load_yaml_file(path) or {})
    except (ClusterFileError, ValueError, OSError, yaml.YAMLError) as err:
        return Validation(2, [], [f"netpol validate: {err}"])
    # --set is not merged here: helm's --set grammar has no exact Python twin, and a
    # wrong guess would report schema errors helm never sees; helm checks it anyway.
    problems = [Finding("values", "error", "", "", m) for m in validate_values(args.chart, values)]
    result = render_from(args)
    if not result.ok:
        return Validation(2, problems, [f"helm: {line}" for line in result.stderr.strip().splitlines()], HELM_RENDER)
    problems += [Finding("api-server", "error", "", "", m) for m in validate_all(result.objects, schemas)]
    problems += cluster_file_problems(files)
    try:
        waivers = load_waivers(args.chart)
    except ValueError as err:
        return Validation(2, problems, [f"netpol validate: {err}"], INPUT, result)
    # An object the API server refuses (reported above) never reaches the cluster: leave it out.
    extra = [obj for objects in files.values() for obj in objects if not api_server_errors([obj])]
    found = apply_waivers(lint(result.objects, namespace=args.namespace, expect_policies=args.expect_policies,
                               extra_objects=extra, dataplanes=profiles), waivers, args.values, args.chart)
    ordered = problems + sorted(found, key=lambda f: (bool(f.waived), f.severity != "error", f.id))
    return Validation(1 if problems or failing(found) else 0, ordered, render=result)


def run(args: argparse.Namespace) -> int:
    v = validation(args)
    clean = f"{args.chart}: no errors (values, Kubernetes schemas, API-server rules and lints)"
    text = v.lines() + ([] if v.code else [clean])
    # Exit 2's lines are errors: on stderr whatever the format. Findings are the text, which a
    # document on stdout replaces.
    if v.code == 2 or args.format == "text" or args.output:
        for line in text:
            print(line, file=sys.stderr if v.code == 2 else sys.stdout)
    if args.format == "text" and not args.output:
        return v.code
    if args.format == "text":
        doc = "".join(f"{line}\n" for line in text)
    else:
        why = "\n".join(e.removeprefix("helm: ").removeprefix("netpol validate: ") for e in v.errors)
        doc = document(v.report(args, why), args.format)
    problem = write_document(doc, args.output)
    if problem:
        print(f"netpol validate: {problem}", file=sys.stderr)
        return 2
    return v.code
