"""The `netpol` command: one sub-command per module, each with one job.

Every sub-command module exposes `add_arguments(parser)` and `run(args) -> int`.
Modules are imported only for the command that runs, so one command's missing
optional dependency never breaks another.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from .. import project

SUBCOMMANDS = {
    "render": ("netpol_harness.cli.render", "render a chart and print the manifests"),
    "validate": ("netpol_harness.cli.validate", "render a chart and run every check"),
    "reach": ("netpol_harness.cli.reach", "who may reach whom in a chart or in manifest files"),
    "report": ("netpol_harness.cli.report", "connectivity report (table, graph, HTML) for a chart"),
    "demo": ("netpol_harness.cli.demo", "render every values file of charts and show what they allow"),
}


def _front_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="netpol", description="Render Helm charts and check what their NetworkPolicies mean.")
    parser.add_argument("--root", type=Path, help="project root: where .tools/, .cache/ and values-examples/ are "
                                                  "(default: the current directory)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (_, help_text) in SUBCOMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    front, _ = _front_parser().parse_known_args(argv or ["--help"])
    rest = argv[argv.index(front.command) + 1:]
    module_name, help_text = SUBCOMMANDS[front.command]
    module = importlib.import_module(module_name)
    command = argparse.ArgumentParser(prog=f"netpol {front.command}", description=help_text)
    module.add_arguments(command)
    args = command.parse_args(rest)
    project.configure(root=front.root.resolve() if front.root else None)
    try:
        code = module.run(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`netpol reach ... | head`): stop quietly, and keep
        # Python from complaining again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return code


def console_main() -> None:
    """Entry point of the `netpol` console script."""
    sys.exit(main())
