"""`netpol demo [CHART...]`: render every values file of charts the way its environment
would (see netpol_harness.environments), and show what each policy allows.

Without a chart: every chart of the project that has `values-examples/<chart>/`, then the
storefront test chart (twenty workloads in three namespaces), the flows that one values
example of job-executor-service opens and closes against another, and screenshots of the
storefront and job-executor-service reports (when a headless chromium is installed).

`--dataplane NAME|all` (repeatable): each report is drawn for the first profile, with the
pairs the profiles disagree on marked; the diff is shown once per profile.
"""
from __future__ import annotations

import argparse
import html
import sys
from pathlib import Path

from .. import project
from ..environments import Example, examples_for, project_charts, run_example
from ..helm.template import DEFAULT_NAMESPACE, DEFAULT_RELEASE, render
from ..net.dataplanes import Dataplane
from ..report import (browser, connectivity_report, demo_probes, diff_file, diff_objects, render_diff_html,
                      render_diff_text, render_html, render_text)
from ..report.labels import chart_title
from .inputs import add_dataplane_option, chosen_dataplanes

SHOWCASE = Path("tests/data/harness/charts/storefront")
DIFF = ("job-executor-service", "gitops-explicit-cidrs.yaml", "nodelocal-dns.yaml")  # chart, before, after
SCREENSHOTS = {"storefront.png": "storefront.html", "job-executor-service.png": "job-executor-service-kubernetes.html"}


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
    add_dataplane_option(parser)


def chosen_examples(args: argparse.Namespace) -> list[Example]:
    charts = args.charts or project_charts()
    found = [e for chart in charts for e in examples_for(chart.resolve(), args.values_dir)]
    return [e for e in found if not args.only or args.only in e.path.name]


def show(example: Example, out: Path, args: argparse.Namespace, profiles: list[Dataplane]) -> tuple[str, str, str, bool]:
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
                                 namespace=args.namespace, dataplanes=profiles)
    print(render_text(report))
    page = f"{example.chart.name}-{example.path.stem}.html"
    (out / page).write_text(render_html(report))
    return example.title, outcome.how, page, False


def showcase(out: Path, args: argparse.Namespace, profiles: list[Dataplane]) -> tuple[str, str, str, bool] | None:
    chart = project.root() / SHOWCASE
    if not chart.is_dir():
        return None
    result = render(chart, release=args.release, namespace=args.namespace, helm=args.helm)
    title = chart_title(chart, beside="; a test chart")
    print(f"\n=== {title}")
    if not result.ok:
        print(f"    FAILED:\n{result.stderr.strip()}")
        return title, "failed", "", True
    report = connectivity_report(result.objects, title=title, namespace=args.namespace, dataplanes=profiles)
    print(render_text(report))
    (out / "storefront.html").write_text(render_html(report))
    return title, "helm template (offline)", "storefront.html", False


def diff_demo(out: Path, args: argparse.Namespace, profiles: list[Dataplane]) -> list[tuple[str, str, str, bool]]:
    """The diff of the two values examples, once per profile (one page each when several)."""
    chart_name, before, after = DIFF
    examples = {e.path.name: e for e in examples_for(project.root() / "charts" / chart_name)}
    if before not in examples or after not in examples:
        return []
    outcomes = [run_example(examples[n], release=args.release, namespace=args.namespace, helm=args.helm) for n in (before, after)]
    title = f"{chart_name}: {after} against {before}"
    print(f"\n=== diff: {title}")
    failed = [o.error or o.skipped for o in outcomes if o.error or o.skipped]
    if failed:
        print(f"    FAILED:\n{failed[0]}")
        return [(title, "failed", "", True)]
    rows = []
    several = len(profiles) > 1
    for dataplane in profiles:
        if several:
            print(f"== dataplane {dataplane.name}")
        diff = diff_objects(outcomes[0].objects, outcomes[1].objects, title=f"what {after} changes against {before}",
                            before_title=before, after_title=after, namespace=args.namespace, dataplane=dataplane)
        print(render_diff_text(diff))
        page = diff_file(dataplane.name if several else None)
        (out / page).write_text(render_diff_html(diff))
        rows.append(("diff: " + title + (f" on {dataplane.name}" if several else ""), "netpol report --diff", page, False))
    return rows


def screenshots(out: Path) -> None:
    reason = browser.unavailable_reason()
    if reason:
        print(f"\nscreenshots skipped: {reason}")
        return
    for png, page in SCREENSHOTS.items():
        if (out / page).is_file():
            browser.screenshot(out / page, out / "screenshots" / png)
            print(f"screenshot: {out / 'screenshots' / png}")


def run(args: argparse.Namespace) -> int:
    try:
        profiles = chosen_dataplanes(args)
    except ValueError as exc:
        print(f"netpol demo: {exc}", file=sys.stderr)
        return 2
    root = project.root()
    out = args.out.resolve()
    examples = chosen_examples(args)
    if not examples:
        print("netpol demo: no values files found (looked in each chart's ci/ and values-examples/<chart>/)",
              file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    rows = [show(example, out, args, profiles) for example in examples]
    if not args.charts and not args.only:
        rows += [r for r in [showcase(out, args, profiles)] if r is not None]
        rows += diff_demo(out, args, profiles)
        screenshots(out)
    pictures = sorted(p.relative_to(out).as_posix() for p in out.glob("screenshots/*.png"))
    (out / "index.html").write_text(index_page([r[:3] for r in rows], pictures))
    print(f"\nHTML reports: {out.relative_to(root) if out.is_relative_to(root) else out}/index.html")
    return 1 if any(r[3] for r in rows) else 0


def index_page(rows: list[tuple[str, str, str]], pictures: list[str] = ()) -> str:
    items = []
    for title, how, page in rows:
        link = f'<a href="{html.escape(page)}">report</a>' if page else ""
        items.append(f"<tr><td>{html.escape(title)}</td><td>{html.escape(how)}</td><td>{link}</td></tr>")
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>netpol demo</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:.3em .8em;border-bottom:1px solid #ddd}</style>"
        "</head><body><h1>Values examples</h1><table><tr><th>example</th><th>rendered with</th><th></th></tr>"
        + "\n".join(items)
        + "</table>"
        + "".join(f'<p><a href="{html.escape(png)}">{html.escape(png)}</a></p>' for png in pictures)
        + "</body></html>"
    )
