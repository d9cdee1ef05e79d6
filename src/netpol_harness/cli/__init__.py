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

from .. import interrupts, project
from ..helm.binary import HelmNotFound

SUBCOMMANDS = {
    "render": ("netpol_harness.cli.render", "render a chart and print the manifests"),
    "validate": ("netpol_harness.cli.validate", "render a chart and run every check"),
    "reach": ("netpol_harness.cli.reach", "who may reach whom in a chart or in manifest files"),
    "report": ("netpol_harness.cli.report", "connectivity report (table, graph, HTML) for a chart"),
    "check": ("netpol_harness.cli.check", "run a chart's expectations (netpol-expect.yaml), JUnit XML on request"),
    "matrix": ("netpol_harness.cli.matrix", "render and check every case of a value matrix, on every core"),
    "demo": ("netpol_harness.cli.demo", "render every values file of charts and show what they allow"),
}


def _front_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="netpol", description="Render Helm charts and check what their NetworkPolicies mean.",
                                     epilog="commands: " + "; ".join(f"{n}: {h}" for n, (_, h) in SUBCOMMANDS.items()))
    parser.add_argument("--root", type=Path, help="project root: where .tools/, .cache/ and values-examples/ are "
                                                  "(default: the current directory)")
    from ..loader import add_limit_options  # --max-input-bytes, --max-yaml-aliases, --max-yaml-depth
    add_limit_options(parser)
    parser.add_argument("command", choices=SUBCOMMANDS, metavar="COMMAND", help=", ".join(SUBCOMMANDS))
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the command's arguments (netpol COMMAND --help)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    front = _front_parser().parse_args(argv or ["--help"])
    module_name, help_text = SUBCOMMANDS[front.command]
    module = importlib.import_module(module_name)
    command = argparse.ArgumentParser(prog=f"netpol {front.command}", description=help_text)
    module.add_arguments(command)
    args = command.parse_args(front.args)
    before = project.configure().root
    if front.root:
        project.configure(root=front.root.resolve())
    try:
        with interrupts.handling():  # SIGINT, SIGTERM: children stopped, one line, exit 128 + the signal
            try:
                code = module.run(args)
                sys.stdout.flush()
            except interrupts.Interrupted as stop:
                print(f"netpol {front.command}: interrupted", file=sys.stderr)
                return stop.exit_code
    except BrokenPipeError:
        # The reader went away (`netpol reach ... | head`): stop quietly, and keep
        # Python from complaining again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except HelmNotFound as err:
        print(f"netpol {front.command}: {err}", file=sys.stderr)
        return 2
    finally:
        project.configure(root=before)
    return code


def console_main() -> None:
    """Entry point of the `netpol` console script."""
    interrupts.as_program()
    sys.exit(main())
