"""Command-line front door: one sub-command per module, each with one job.

Every sub-command module exposes `add_arguments(parser)` and `run(args) -> int`.
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
    parser = argparse.ArgumentParser(prog="netpol", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        module = importlib.import_module(module_name)
        module.add_arguments(sub.add_parser(name, help=help_text, description=help_text))
        # argparse keeps the module so run() is found after parsing.
        sub.choices[name].set_defaults(_module=module)
    args = parser.parse_args(argv)
    return args._module.run(args)
