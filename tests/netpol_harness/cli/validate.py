"""`netpol validate CHART`: render, then every check the harness has. Exit 0 when
clean, 1 with one line per finding, 2 when helm itself fails."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from ..check import validate_all, validate_values
from ..check.lints import lint
from ..matrix import deep_merge
from .inputs import add_render_inputs, render_from

DEFAULT_SCHEMAS = "1.33"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_render_inputs(parser)
    parser.add_argument("--kubernetes-version", metavar="VERSION",
                        help=f"Kubernetes schemas to check against (default: --kube-version, else {DEFAULT_SCHEMAS})")


def findings(args: argparse.Namespace) -> tuple[int, list[str]]:
    values: dict = {}
    for path in args.values:
        values = deep_merge(values, yaml.safe_load(Path(path).read_text()) or {})
    # --set is not merged here: helm's --set grammar has no exact Python twin, and a
    # wrong guess would report schema errors helm never sees; helm checks it anyway.
    problems = [f"values: {m}" for m in validate_values(args.chart, values)]
    result = render_from(args)
    if not result.ok:
        return 2, problems + [f"helm: {line}" for line in result.stderr.strip().splitlines()]
    schemas = args.kubernetes_version or args.kube_version or DEFAULT_SCHEMAS
    problems += validate_all(result.objects, schemas)
    problems += lint(result.objects)
    return (1 if problems else 0), problems


def run(args: argparse.Namespace) -> int:
    code, problems = findings(args)
    for line in problems:
        print(line, file=sys.stderr if code == 2 else sys.stdout)
    if code == 0:
        print(f"{args.chart}: values, Kubernetes schemas and NetworkPolicy rules all pass")
    return code
