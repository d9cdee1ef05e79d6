"""`netpol snapshot [CHART...]`: per values example of each chart (default: the project's
charts that have values-examples/<chart>/), the flows its render allows, kept as
`CHART/netpol-snapshots/<values file stem>.yaml` (see netpol_harness.snapshot).

Without a flag, or with `--update`: write the snapshots that are missing or changed, remove
stale ones (a snapshot no values example makes), and say which. `--check`: write nothing;
exit 1 when a values file's flows differ from its snapshot (printing the opened `+` and
closed `-` lines and the command that accepts them), when a snapshot is missing or stale.
`-f/--values FILE` (repeatable): only these values examples (and no stale check).
A values example whose environment is not there (`# needs: dns` without root) is skipped,
its snapshot kept.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import project
from ..environments import examples_for, project_charts
from ..helm.binary import helm_binary
from ..snapshot import Result, SnapshotError, compare, entries, explain, unknown_values


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("charts", nargs="*", type=Path, metavar="CHART",
                        help="chart directories (default: the project's charts with values-examples/)")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--check", action="store_true",
                      help="compare only: exit 1 when a snapshot differs from the render, is missing or is stale")
    what.add_argument("--update", action="store_true",
                      help="write the snapshots that changed or are missing, remove stale ones (the default)")
    parser.add_argument("-f", "--values", action="append", type=Path, default=[], metavar="FILE",
                        help="only this values example of the chart (repeatable; default: all of them)")
    parser.add_argument("--helm", help="helm binary: a path or a pinned version such as 3.19 (default: $NETPOL_HELM, "
                                       ".tools/bin/helm, PATH)")


def shown(path: Path) -> str:
    """A path as the user can type it here: relative to the current directory when under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve())) or "."
    except ValueError:
        return str(path)


def _problem(charts: list[Path], chosen: list[Path]) -> str | None:
    for chart in charts:
        if not (chart / "Chart.yaml").is_file():
            return f"{shown(chart)}: no Chart.yaml: not a chart directory"
        if not examples_for(chart):
            examples = project.root() / "values-examples" / chart.name
            return f"{shown(chart)}: no values files (looked in {shown(examples)} and {shown(chart / 'ci')})"
    unknown = unknown_values(charts, chosen)
    if unknown:
        return f"--values {unknown[0]}: not a values example of {', '.join(shown(c) for c in charts)}"
    return None


def run(args: argparse.Namespace) -> int:
    charts = [c.resolve() for c in args.charts or project_charts()]
    if not charts:
        print("netpol snapshot: no chart named, and no values-examples/<chart>/ for a chart under charts/",
              file=sys.stderr)
        return 2
    problem = _problem(charts, args.values)
    if problem:
        print(f"netpol snapshot: {problem}", file=sys.stderr)
        return 2
    before = project.configure().helm
    # Found first: without a helm the command stops (exit 2) before any render.
    project.configure(helm=helm_binary(args.helm))
    try:
        results = [compare(entry) for chart in charts for entry in entries(chart, args.values or None)]
    except SnapshotError as err:
        print(f"netpol snapshot: {err}", file=sys.stderr)
        return 2
    finally:
        project.configure(helm=before)
    return _check(results) if args.check else _update(results)


def _check(results: list[Result]) -> int:
    for r in results:
        if r.failed:
            print(explain(r, shown))
        elif r.status == "skipped":
            print(f"{shown(r.entry.path)}: not checked: {r.skipped}")
        elif r.status == "format":
            print(f"{shown(r.entry.path)}: same flows, other text (an older format): --update rewrites it")
    failed = sum(r.failed for r in results)
    checked = sum(r.status != "skipped" for r in results)
    print(f"{checked - failed} of {checked} snapshots match" + (f"; {failed} differ" if failed else ""))
    return 1 if failed else 0


def _update(results: list[Result]) -> int:
    written = 0
    for r in results:
        path = r.entry.path
        if r.status == "stale":
            path.unlink()
            print(f"removed {shown(path)} (no values file {path.name} among the chart's values examples)")
        elif r.status == "skipped":
            print(f"kept {shown(path)}: not rendered: {r.skipped}")
        elif r.status != "same":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(r.text)
            counts = f"{len(r.opened)} opened, {len(r.closed)} closed" if r.status == "changed" else ""
            how = {"missing": "new", "format": "same flows, text rewritten"}.get(r.status, counts)
            print(f"wrote {shown(path)} ({how})")
        written += r.status not in ("same", "skipped")
    print(f"{written} of {len(results)} snapshots written or removed" if written else
          f"all {len(results)} snapshots up to date")
    return 0
