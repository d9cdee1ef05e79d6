"""`netpol demo [CHART...]`: render every values file of charts the way its environment
would (see netpol_harness.environments), and show what each policy allows.

Without a chart: every chart of the project that has `values-examples/<chart>/`.
"""
from __future__ import annotations

import argparse
import html
from pathlib import Path

from .. import project
from ..environments import Example, examples_for, project_charts, run_example
from ..helm.template import DEFAULT_NAMESPACE, DEFAULT_RELEASE
from ..report import connectivity_report, demo_probes, render_html, render_text


def policy_section(notes: str | None) -> str:
    """The NOTES.txt lines that describe the policies, in words."""
    if not notes:
        return ""
    lines = notes.strip("\n").splitlines()
    keep = [l for l in lines if l.startswith("  ") or l.startswith("Network policies")]
    return "\n".join(keep)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("charts", nargs="*", type=Path, metavar="CHART",
                        help="chart directories (default: the project's charts with values-examples/)")
    parser.add_argument("--values-dir", type=Path, metavar="DIR",
                        help="render every values file in DIR (default: the chart's ci/, then values-examples/<chart>/)")
    parser.add_argument("--out", type=Path, default=Path("out/demo"), help="where to write the HTML reports")
    parser.add_argument("--release", default=DEFAULT_RELEASE, help=f"release name (default: {DEFAULT_RELEASE})")
    parser.add_argument("-n", "--namespace", default=DEFAULT_NAMESPACE,
                        help=f"release namespace (default: {DEFAULT_NAMESPACE})")
    parser.add_argument("--only", help="run only examples whose file name contains this text")
    parser.add_argument("--helm", help="helm binary: a path or a pinned version such as 3.19")


def chosen_examples(args: argparse.Namespace) -> list[Example]:
    charts = args.charts or project_charts()
    found = [e for chart in charts for e in examples_for(chart.resolve(), args.values_dir)]
    return [e for e in found if not args.only or args.only in e.path.name]


def show(example: Example, out: Path, args: argparse.Namespace) -> tuple[str, str, str, bool]:
    """Print one example; (title, how, page, failed) for the index."""
    outcome = run_example(example, release=args.release, namespace=args.namespace, helm=args.helm)
    print(f"\n=== {example.title}")
    print(f"    how: {outcome.how}")
    if outcome.skipped:
        print(f"    skipped: {outcome.skipped}")
        return example.title, "skipped: " + outcome.skipped, "", False
    if outcome.error:
        print(f"    FAILED:\n{outcome.error}")
        return example.title, "failed", "", True
    section = policy_section(outcome.notes)
    if section:
        print(section)
    report = connectivity_report(outcome.objects, demo_probes(outcome.objects), title=example.title,
                                 namespace=args.namespace)
    print(render_text(report))
    page = f"{example.chart.name}-{example.path.stem}.html"
    (out / page).write_text(render_html(report))
    return example.title, outcome.how, page, False


def run(args: argparse.Namespace) -> int:
    root = project.root()
    out = args.out.resolve()
    examples = chosen_examples(args)
    if not examples:
        print("netpol demo: no values files found (looked in each chart's ci/ and values-examples/<chart>/)")
        return 2
    out.mkdir(parents=True, exist_ok=True)
    rows = [show(example, out, args) for example in examples]
    (out / "index.html").write_text(index_page([r[:3] for r in rows]))
    print(f"\nHTML reports: {out.relative_to(root) if out.is_relative_to(root) else out}/index.html")
    return 1 if any(r[3] for r in rows) else 0


def index_page(rows: list[tuple[str, str, str]]) -> str:
    items = []
    for title, how, page in rows:
        link = f'<a href="{html.escape(page)}">report</a>' if page else ""
        items.append(f"<tr><td>{html.escape(title)}</td><td>{html.escape(how)}</td><td>{link}</td></tr>")
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>netpol demo</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:.3em .8em;border-bottom:1px solid #ddd}</style>"
        "</head><body><h1>Values examples</h1><table><tr><th>example</th><th>rendered with</th><th></th></tr>"
        + "\n".join(items)
        + "</table></body></html>"
    )
