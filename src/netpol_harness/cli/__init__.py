"""The `netpol` command: one sub-command per module, each with one job.

Every sub-command module exposes `add_arguments(parser)` and `run(args) -> int`.
Modules are imported only for the command that runs, so one command's missing
optional dependency never breaks another.

Exit codes, alike in every sub-command: 0 success; 1 findings or failed expectations;
2 bad input or usage (a values file that is missing or not YAML, a chart helm cannot
render, no helm); 130 / 143 after Ctrl-C / SIGTERM. A closed pipe ends any command quietly.
"""
from __future__ import annotations

import argparse
import functools
import importlib
import importlib.metadata
import os
import sys
from pathlib import Path

import yaml

from .. import interrupts, project
from ..helm.binary import HelmNotFound
from ..loader import InputLimitError, read_input

SUBCOMMANDS = {
    "render": ("netpol_harness.cli.render", "render a chart and print the manifests"),
    "validate": ("netpol_harness.cli.validate", "render a chart and run every check"),
    "reach": ("netpol_harness.cli.reach", "who may reach whom in a chart or in manifest files"),
    "report": ("netpol_harness.cli.report", "connectivity report (table, graph, HTML) for a chart"),
    "check": ("netpol_harness.cli.check", "run a chart's expectations (netpol-expect.yaml), JUnit XML on request"),
    "matrix": ("netpol_harness.cli.matrix", "render and check every case of a value matrix, on every core"),
    "demo": ("netpol_harness.cli.demo", "render every values file of charts and show what they allow"),
    "snapshot": ("netpol_harness.cli.snapshot", "keep or check the flows each values example of a chart allows"),
}


def _front_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="netpol", description="Render Helm charts and check what their NetworkPolicies mean.",
                                     epilog="commands: " + "; ".join(f"{n}: {h}" for n, (_, h) in SUBCOMMANDS.items()))
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument("--root", type=Path, help="project root: where .tools/, .cache/ and values-examples/ are "
                                                  "(default: the current directory)")
    from ..loader import add_limit_options  # --max-input-bytes, --max-yaml-aliases, --max-yaml-depth
    add_limit_options(parser)
    parser.add_argument("command", choices=SUBCOMMANDS, metavar="COMMAND", help=", ".join(SUBCOMMANDS))
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the command's arguments (netpol COMMAND --help)")
    return parser


@functools.cache  # every parser built asks it, and the metadata lookup walks the installed packages
def _version() -> str:
    try:
        return importlib.metadata.version("netpol-harness")
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


def values_problem(args: argparse.Namespace) -> str | None:
    """One line naming the first values file (-f, or a file of `report --diff`) that cannot
    be read or is not YAML, as the user named it; checked before helm runs, so no error
    names helm's temporary copy (`values-0.yaml`). None when every one reads."""
    diff = [p for p in getattr(args, "diff", None) or [] if Path(p).is_file()]
    for path in [*(getattr(args, "values", None) or []), *diff]:
        if str(path) == "-":
            continue
        try:
            for _ in yaml.parse(read_input(path), Loader=yaml.SafeLoader):
                pass
        except InputLimitError as err:  # already names the file and the limit
            return str(err)
        except OSError as err:
            return f"{path}: {err.strerror or err}"
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            return f"{path}: not YAML: {where}{err.problem or err.context}"
        except (yaml.YAMLError, ValueError) as err:  # not UTF-8, among others
            return f"{path}: not YAML: {str(err).splitlines()[0]}"
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    front = _front_parser().parse_args(argv or ["--help"])
    module_name, help_text = SUBCOMMANDS[front.command]
    module = importlib.import_module(module_name)
    command = argparse.ArgumentParser(prog=f"netpol {front.command}", description=help_text)
    module.add_arguments(command)
    args = command.parse_args(front.args)
    problem = values_problem(args)
    if problem:
        print(f"netpol {front.command}: {problem}", file=sys.stderr)
        return 2
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
        print(f"netpol {front.command}: {err.naming('--helm')}", file=sys.stderr)
        return 2
    finally:
        project.configure(root=before)
    return code


def console_main() -> None:
    """Entry point of the `netpol` console script."""
    interrupts.as_program()
    sys.exit(main())
