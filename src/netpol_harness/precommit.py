"""The pre-commit hooks of .pre-commit-hooks.yaml: `python -m netpol_harness.precommit validate|check FILE...`.

pre-commit hands over the changed files. Each is mapped to its chart, the nearest folder
above it that holds a Chart.yaml, and `netpol validate` (or `netpol check`) runs once per
chart, however many of its files changed:

- a change inside a subchart (PARENT/charts/SUB/...) runs SUB and PARENT, and so on up:
  the parent's render holds the subchart's objects, so its policies may change with it.
  A library chart elsewhere (`file://../lib`) is not traced to the charts that use it:
  that would need every Chart.yaml of the repository read, and pre-commit's `--all-files`
  run covers it;
- a library chart renders nothing and is skipped, and so is a chart without
  netpol-expect.yaml for `check`;
- files in no chart are ignored.

One line per chart: `ok`, `FAILED (exit N)` with the command's output indented below it,
or `skipped` and why. Exit 1 when any chart failed, else 0. `--dataplane` and `--helm`
(the hook's `args:`) go to every command.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterable, Sequence

import yaml

from .expect import FILE_NAME as EXPECTATIONS
from .loader import load_yaml_file


def chart_of(path: Path, top: Path) -> Path | None:
    """The nearest folder from `path` up to `top` (both resolved) that holds a Chart.yaml."""
    folder = path if path.is_dir() else path.parent
    while True:
        if (folder / "Chart.yaml").is_file():
            return folder
        if folder == top or folder == folder.parent:
            return None
        folder = folder.parent


def parent_chart(chart: Path) -> Path | None:
    """The chart whose charts/ folder holds `chart`, or None."""
    holder = chart.parent
    if holder.name == "charts" and (holder.parent / "Chart.yaml").is_file():
        return holder.parent
    return None


def charts_for(files: Iterable[str | Path], top: Path | None = None) -> list[Path]:
    """The charts the files belong to, and their parent charts, each once, in the order met."""
    top = (top or Path.cwd()).resolve()
    found: dict[Path, None] = {}
    for name in files:
        chart = chart_of((top / name).resolve(), top)
        while chart is not None and chart not in found:
            found[chart] = None
            chart = parent_chart(chart)
    return list(found)


def skip_reason(command: str, chart: Path) -> str | None:
    """Why `command` does not run on `chart`, or None when it does."""
    try:
        meta = load_yaml_file(chart / "Chart.yaml")
    except (OSError, ValueError, yaml.YAMLError):
        meta = None  # not skipped: the command itself then says what is wrong with it
    if isinstance(meta, dict) and meta.get("type") == "library":
        return "a library chart renders nothing"
    if command == "check" and not (chart / EXPECTATIONS).is_file():
        return f"no {EXPECTATIONS}"
    return None


def shown(chart: Path, top: Path) -> str:
    """The chart as the user would type it: relative to where the hook runs when inside it."""
    try:
        return str(chart.relative_to(top)) or "."
    except ValueError:
        return str(chart)


def run_netpol(command: str, chart: str, options: Sequence[str]) -> subprocess.CompletedProcess[str]:
    # A child process rather than cli.main in this one: its output is captured whole, and
    # one chart's state (render cache settings, interrupt handlers) never leaks into the next.
    return subprocess.run([sys.executable, "-m", "netpol_harness.cli", command, chart, *options],
                          capture_output=True, text=True, env=os.environ.copy())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m netpol_harness.precommit",
                                     description="run netpol validate or check once per chart of the changed files")
    parser.add_argument("command", choices=("validate", "check"))
    parser.add_argument("files", nargs="*", help="changed files (pre-commit passes them)")
    parser.add_argument("--dataplane", action="append", default=[], metavar="NAME",
                        help="judge as this CNI enforces the policies (repeatable), passed to netpol")
    parser.add_argument("--helm", help="helm binary: a path or a pinned version, passed to netpol")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    options = [arg for name in args.dataplane for arg in ("--dataplane", name)]
    options += ["--helm", args.helm] if args.helm else []
    top = Path.cwd().resolve()
    failed = 0
    for chart in charts_for(args.files, top):
        name = shown(chart, top)
        reason = skip_reason(args.command, chart)
        if reason:
            print(f"netpol {args.command} {name}: skipped: {reason}")
            continue
        done = run_netpol(args.command, name, options)
        if done.returncode == 0:
            print(f"netpol {args.command} {name}: ok")
            continue
        failed += 1
        print(f"netpol {args.command} {name}: FAILED (exit {done.returncode})")
        output = (done.stdout + done.stderr).strip()
        print("".join(f"    {line}\n" for line in output.splitlines()), end="")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
