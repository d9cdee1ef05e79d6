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
profiles do not agree on."""
from __future__ import annotations

import argparse
import sys

import yaml

from ..check import api_server_errors, validate_all, validate_values
from ..check.kubernetes import check_kubernetes_version
from ..check.lints import Finding, apply_waivers, failing, lint, load_waivers
from ..clusterfiles import ClusterFileError, read_cluster_file
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


def cluster_file_problems(files: dict[str, list[dict]]) -> list[Finding]:
    """The API server's errors on each --with file's objects, the file named in each."""
    return [Finding("api-server", "error", str(path), "", m)
            for path, objects in files.items() for m in api_server_errors(objects)]


def findings(args: argparse.Namespace) -> tuple[int, list[str]]:
    values: dict = {}
    try:
        files = {path: read_cluster_file(path) for path in args.with_files}
        profiles = chosen_dataplanes(args)
        schemas = check_kubernetes_version(args.kubernetes_version or args.kube_version or DEFAULT_SCHEMAS)
        for path in args.values:
            values = deep_merge(values, load_yaml_file(path) or {})
    except (ClusterFileError, ValueError, OSError, yaml.YAMLError) as err:
        return 2, [f"netpol validate: {err}"]
    # --set is not merged here: helm's --set grammar has no exact Python twin, and a
    # wrong guess would report schema errors helm never sees; helm checks it anyway.
    problems = [Finding("values", "error", "", "", m) for m in validate_values(args.chart, values)]
    result = render_from(args)
    if not result.ok:
        return 2, [str(p) for p in problems] + [f"helm: {line}" for line in result.stderr.strip().splitlines()]
    problems += [Finding("api-server", "error", "", "", m) for m in validate_all(result.objects, schemas)]
    problems += cluster_file_problems(files)
    try:
        waivers = load_waivers(args.chart)
    except ValueError as err:
        return 2, [str(p) for p in problems] + [f"netpol validate: {err}"]
    # An object the API server refuses (reported above) never reaches the cluster: leave it out.
    extra = [obj for objects in files.values() for obj in objects if not api_server_errors([obj])]
    found = apply_waivers(lint(result.objects, namespace=args.namespace, expect_policies=args.expect_policies,
                               extra_objects=extra, dataplanes=profiles), waivers, args.values, args.chart)
    lines = [str(f) for f in problems + sorted(found, key=lambda f: (bool(f.waived), f.severity != "error", f.id))]
    return (1 if problems or failing(found) else 0), lines


def run(args: argparse.Namespace) -> int:
    code, lines = findings(args)
    for line in lines:
        print(line, file=sys.stderr if code == 2 else sys.stdout)
    if code == 0:
        print(f"{args.chart}: no errors (values, Kubernetes schemas, API-server rules and lints)")
    return code
