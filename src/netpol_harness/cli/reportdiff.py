"""`netpol report --diff BEFORE AFTER` and `netpol report CHART --base REV`: the flows a
change opens and closes, as text, as Markdown for a pull request, or as JSON.

    netpol report [CHART] --diff BEFORE AFTER [--case FILE|DIR]... [--format text|markdown|json]
                  [--fail-on-open] [--out DIR] [...the render inputs of `netpol report`]
    netpol report CHART --base REV [--case FILE|DIR]... [...the same]

The two sides: two chart directories, two values files of CHART (each after the common -f
files), or CHART as it is at git revision REV against CHART in the working tree
(`gitrevision.chart_at_revision`). `--case` (repeatable; a folder gives its *-values.yaml
files, else its *.yaml files, sorted) diffs once per values file, each rendered after the
common -f files on both sides; several --dataplane profiles give one diff per case and
profile. With --out: one HTML page per diff (`page_names`), and with --format markdown or
json both diff.md and diff.json; a CI job posts the Markdown, links the pages.
"""
from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from ..check.admission import RefusedObjects, admit
from ..gitrevision import RevisionError, chart_at_revision
from ..helm.binary import helm_binary
from ..net.dataplanes import Dataplane
from ..net.workloads import hook_of
from ..report import Probe, diff_file, diff_objects, render_diff_html, render_diff_text
from ..report.diffjson import render_diff_json
from ..report.diffmarkdown import render_diff_markdown
from ..report.labels import chart_title
from . import values_problem
from .inputs import is_chart, render_from

FORMATS = ("text", "markdown", "json")
WRITTEN = {"markdown": "diff.md", "json": "diff.json"}


def add_diff_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--diff", nargs=2, metavar=("BEFORE", "AFTER"),
                        help="compare two chart directories, or two values files of CHART")
    parser.add_argument("--base", metavar="REV",
                        help="compare CHART as it is at git revision REV (of the repository that holds it) with "
                             "CHART in the working tree")
    parser.add_argument("--case", dest="cases", action="append", default=[], metavar="FILE|DIR",
                        help="with --base or --diff of two charts: one diff per values file, each after the -f files "
                             "(repeatable; a folder gives its *-values.yaml, else *.yaml files)")
    parser.add_argument("--format", default="text", choices=FORMATS,
                        help="with --diff or --base: text (default), markdown for a pull-request comment, or json")
    parser.add_argument("--fail-on-open", action="store_true",
                        help="with --diff or --base: exit 1 when the change opens a flow")


def render_side(args: argparse.Namespace, chart: str, extra_values: list[str], label: str, extra: list[dict]):
    """The render's objects and then `extra` (the --with objects), or None when helm fails."""
    result = render_from(args, chart, extra_values)
    if not result.ok:
        print(f"netpol report: helm could not render {label}:\n{result.stderr.strip()}", file=sys.stderr)
        return None
    # Helm's hooks (helm test pods, install Jobs) are not the release's running workloads.
    return [o for o in result.objects if not (args.skip_hooks and hook_of(o))] + extra


def admitted(args: argparse.Namespace, objects: list[dict], side: str = "") -> list[dict]:
    """`admit` (RefusedObjects unless --judge-invalid); with --diff, each line names its side."""
    try:
        return admit(objects, judge_invalid=args.judge_invalid, default_namespace=args.namespace)
    except RefusedObjects as exc:
        raise RefusedObjects([side + line for line in exc.lines], exc.summary) from None


def expand_cases(entries: list[str]) -> list[str]:
    """The values files of --case, in order: a folder's *-values.yaml (chart-testing's ci/
    convention), else its *.yaml, sorted. ValueError naming the entry that gives none."""
    files: list[str] = []
    for entry in entries:
        path = Path(entry)
        if path.is_dir():
            found = sorted(path.glob("*-values.yaml")) or sorted(path.glob("*.yaml"))
            if not found:
                raise ValueError(f"--case {entry}: the folder holds no *.yaml values files")
            files += [str(f) for f in found if f.is_file()]
        elif path.is_file():
            files.append(entry)
        else:
            raise ValueError(f"--case {entry}: no such file or folder")
    problem = values_problem(argparse.Namespace(values=files))
    if problem:
        raise ValueError(f"--case {problem}")
    return files


def _sides(args: argparse.Namespace, stack: contextlib.ExitStack) -> list[tuple[str, list[str], str]]:
    """(chart, extra values files, title) for each side; ValueError saying what is wrong."""
    if args.base is not None:
        if args.diff:
            raise ValueError("--base REV and --diff BEFORE AFTER are two ways to name the sides: give one")
        if not args.chart or not is_chart(args.chart):
            raise ValueError(f"--base {args.base} needs CHART, a chart directory")
        helm = helm_binary(args.helm)
        old = stack.enter_context(chart_at_revision(args.chart, args.base, helm=helm,
                                                    allow_remote_dependencies=args.stub_disabled_dependencies))
        name = chart_title(args.chart).split(" (")[0]
        return [(str(old), [], f"{name} at {args.base}"), (args.chart, [], f"{name} in the working tree")]
    before, after = args.diff
    charts = [is_chart(before), is_chart(after)]
    if all(charts):
        if args.chart:
            raise ValueError("--diff of two charts takes no CHART")
        return [(before, [], f"chart {before}"), (after, [], f"chart {after}")]
    if any(charts):
        raise ValueError("--diff BEFORE AFTER takes two chart directories or two values files, not one of each")
    if not args.chart:
        raise ValueError("--diff of two values files needs CHART")
    for path in (before, after):
        if not Path(path).is_file():
            raise ValueError(f"{path} is neither a chart directory nor a values file")
    if args.cases:
        raise ValueError("--case takes --base REV or --diff of two chart directories, not two values files")
    return [(args.chart, [before], chart_title(args.chart, [before])),
            (args.chart, [after], chart_title(args.chart, [after]))]


def page_names(cases: list[str], profiles: list[Dataplane]) -> list[str]:
    """The HTML page of each (case, profile), in that order: diff.html for one of each,
    diff-<profile>.html, diff-<case>.html or diff-<case>-<profile>.html, made unique."""
    names: list[str] = []
    for case in cases or [""]:
        stem = Path(case).name.removesuffix(".yaml").removesuffix(".yml") if len(cases) > 1 else ""
        for dataplane in profiles:
            parts = [p for p in (stem, dataplane.name if len(profiles) > 1 else "") if p]
            name = diff_file("-".join(parts) or None)
            base, k = name.removesuffix(".html"), 2
            while name in names:
                name, k = f"{base}-{k}.html", k + 1
            names.append(name)
    return names


def _write(args: argparse.Namespace, name: str, text: str) -> None:
    """Write `name` under --out; the line saying so goes where it cannot spoil a document."""
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / name).write_text(text)
    print(f"\nwrote {args.out / name}", file=sys.stdout if args.format == "text" else sys.stderr)


def _case_diffs(args: argparse.Namespace, sides: list[tuple[str, list[str], str]], case: str | None,
                probes: list[Probe] | None, cluster: list[dict], profiles: list[Dataplane]):
    """The diff of one case under each profile, or None when a side does not render."""
    extra = [case] if case else []
    titles = [title + (f" with {case}" if case else "") for _, _, title in sides]
    rendered = [render_side(args, chart, [*values, *extra], title, cluster)
                for (chart, values, _), title in zip(sides, titles)]
    if any(objects is None for objects in rendered):
        return None
    rendered = [admitted(args, objects, f"{title}: ") for objects, title in zip(rendered, titles)]
    return [diff_objects(rendered[0], rendered[1], title=f"what {titles[1]} changes against {titles[0]}",
                         before_title=titles[0], after_title=titles[1], namespace=args.namespace, probes=probes,
                         externals=args.external, workloads=args.workload or None,
                         ipblock_matches_pods=not args.ipblock_ignores_pods, dataplane=dataplane)
            for dataplane in profiles]


def _case_title(args: argparse.Namespace, sides: list[tuple[str, list[str], str]]) -> str:
    """A section's title without --case: the values files of each side, else the common ones."""
    if sides[0][1]:
        return " -> ".join(Path(values[0]).name for _, values, _ in sides)
    return ", ".join(Path(v).name for v in args.values) or "chart defaults"


def _diff_cases(args: argparse.Namespace, sides: list[tuple[str, list[str], str]], cases: list[str],
                probes: list[Probe] | None, cluster: list[dict], profiles: list[Dataplane]) -> int:
    sections, pages = [], iter(page_names(cases, profiles))
    names = []
    for n, case in enumerate(cases or [None]):
        diffs = _case_diffs(args, sides, case, probes, cluster, profiles)
        if diffs is None:
            return 2  # bad input, as in every command (README: exit codes)
        if args.format == "text" and case:
            print(("\n" if n else "") + f"== case {case}")
        for k, (dataplane, diff) in enumerate(zip(profiles, diffs)):
            sections.append((case or _case_title(args, sides), diff))
            names.append(next(pages))
            if args.format == "text":
                if len(profiles) > 1:  # then each profile gets its own section and page
                    print(("\n" if k else "") + f"== dataplane {dataplane.name}")
                print(render_diff_text(diff))
            if args.out:
                _write(args, names[-1], render_diff_html(diff))
    if args.format != "text":
        documents = {"markdown": lambda: render_diff_markdown(sections, pages=names),
                     "json": lambda: render_diff_json(sections)}
        document = documents[args.format]()
        sys.stdout.write(document)
        if args.out:  # both documents: a CI job posts the Markdown and counts from the JSON of one run
            for form, make in documents.items():
                _write(args, WRITTEN[form], document if form == args.format else make())
    opened = any(diff.opened for _, diff in sections)
    return 1 if args.fail_on_open and opened else 0


def run_diff(args: argparse.Namespace, probes: list[Probe] | None, cluster: list[dict],
             profiles: list[Dataplane]) -> int:
    """Diff the two sides of --diff or --base once per case and profile; 2 on bad input."""
    with contextlib.ExitStack() as stack:  # the revision's tree is removed however this ends
        try:
            cases = expand_cases(args.cases)
            sides = _sides(args, stack)
        except ValueError as exc:  # RevisionError among them: one line naming the argument
            print(f"netpol report: {exc}", file=sys.stderr)
            return 2
        return _diff_cases(args, sides, cases, probes, cluster, profiles)
