"""Command-line front door: one sub-command per module, each with one job.

Every sub-command module exposes `add_arguments(parser)` and `run(args) -> int`.
Modules are imported only for the command that runs, so one command's missing
optional dependency never breaks another.
"""
from __future__ import annotations

import argparse
import importlib

SUBCOMMANDS = {
    "render": ("harness.cli_render", "render a chart and print the manifests"),
    "validate": ("harness.cli_validate", "render a chart and run every check"),
    "reach": ("harness.reach", "who may reach whom in a set of manifests"),
    "report": ("harness.report", "connectivity report (table, graph, HTML) for a chart"),
    "demo": ("harness.demo", "render every values example and show what it allows"),
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="netpol", description="Render Helm charts and check what their NetworkPolicies mean.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (_, help_text) in SUBCOMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    known, _ = parser.parse_known_args(argv[:1] or ["--help"])
    module_name, help_text = SUBCOMMANDS[known.command]
    module = importlib.import_module(module_name)
    command = argparse.ArgumentParser(prog=f"netpol {known.command}", description=help_text)
    module.add_arguments(command)
    return module.run(command.parse_args(argv[1:]))
