"""`netpol demo`: render every values example the way its environment would, and show
what each policy allows.

An example's `# needs:` header says how: `nothing` renders offline with
`helm template`; `lookup` installs with the real `helm install` into the in-memory
Kubernetes API server (seeded with one API server endpoint, 10.0.0.10:6443); `dns`
renders under a controlled resolver that knows the example's host names (root only,
otherwise the example is skipped with the reason).
"""
from __future__ import annotations

import argparse
import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .render import render
from .tools import repo_root

# Addresses the demo's resolver gives the examples' host names (documentation ranges).
DEMO_HOSTS = {
    "keptn.example.com": "203.0.113.20",
    "sso.example.com": "203.0.113.30",
}
DEMO_STATE = "single-master"
RELEASE = "demo"
NAMESPACE = "demo"


@dataclass
class Example:
    chart: Path
    path: Path
    needs: set[str]

    @property
    def title(self) -> str:
        return f"{self.chart.name} / {self.path.name}"


@dataclass
class Outcome:
    example: Example
    how: str
    objects: list[dict[str, Any]] = field(default_factory=list)
    notes: str | None = None
    error: str | None = None
    skipped: str | None = None


def needs_of(path: Path) -> set[str]:
    """What a values example's `# needs: lookup, dns` header asks of its environment."""
    for line in path.read_text().splitlines():
        if line.startswith("# needs:"):
            return {n.strip() for n in line.split(":", 1)[1].split(",") if n.strip() not in ("", "nothing")}
    return set()


def examples(root: Path) -> list[Example]:
    found = []
    for chart_dir in sorted((root / "values-examples").iterdir()):
        chart = root / "charts" / chart_dir.name
        for path in sorted(chart_dir.glob("*.yaml")):
            found.append(Example(chart, path, needs_of(path)))
    return found


def run_example(example: Example) -> Outcome:
    values = yaml.safe_load(example.path.read_text()) or {}
    if "lookup" in example.needs:
        from .install import demo_install  # starts a server; only when needed

        how = f"helm install into the in-memory API server (state: {DEMO_STATE})"
        try:
            installed = demo_install(example.chart, values=values, release=RELEASE, state=DEMO_STATE)
        except RuntimeError as err:
            return Outcome(example, how, error=str(err))
        notes = installed.run.stdout.split("NOTES:", 1)[1] if "NOTES:" in installed.run.stdout else None
        return Outcome(example, how, objects=installed.objects, notes=notes)
    wrapper = None
    how = "helm template (offline)"
    if "dns" in example.needs:
        from .resolver import make_resolver, unavailable_reason

        reason = unavailable_reason()
        if reason:
            return Outcome(example, "controlled resolver", skipped=reason)
        wrapper = make_resolver(DEMO_HOSTS)
        how = "helm template under a controlled resolver (" + ", ".join(f"{n}={a}" for n, a in DEMO_HOSTS.items()) + ")"
    result = render(
        example.chart, values=values, release=RELEASE, namespace=NAMESPACE, enable_dns=wrapper is not None, wrapper=wrapper
    )
    if not result.ok:
        return Outcome(example, how, error=result.stderr.strip())
    return Outcome(example, how, objects=result.objects, notes=result.notes)


def policy_section(notes: str | None) -> str:
    """The NOTES.txt lines that describe the policies, in words."""
    if not notes:
        return ""
    lines = notes.strip("\n").splitlines()
    keep = [l for l in lines if l.startswith("  ") or l.startswith("Network policies")]
    return "\n".join(keep)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("out/demo"), help="where to write the HTML reports")
    parser.add_argument("--only", help="run only examples whose file name contains this text")


def run(args: argparse.Namespace) -> int:
    from .report import demo_probes, connectivity_report, render_html, render_text

    root = repo_root()
    out = args.out if args.out.is_absolute() else root / args.out
    out.mkdir(parents=True, exist_ok=True)
    index: list[tuple[str, str, str]] = []
    failures = 0
    for example in examples(root):
        if args.only and args.only not in example.path.name:
            continue
        outcome = run_example(example)
        print(f"\n=== {example.title}")
        print(f"    how: {outcome.how}")
        if outcome.skipped:
            print(f"    skipped: {outcome.skipped}")
            index.append((example.title, "skipped: " + outcome.skipped, ""))
            continue
        if outcome.error:
            failures += 1
            print(f"    FAILED:\n{outcome.error}")
            index.append((example.title, "failed", ""))
            continue
        section = policy_section(outcome.notes)
        if section:
            print(section)
        report = connectivity_report(outcome.objects, demo_probes(outcome.objects), title=example.title)
        print(render_text(report))
        page = f"{example.chart.name}-{example.path.stem}.html"
        (out / page).write_text(render_html(report))
        index.append((example.title, outcome.how, page))
    (out / "index.html").write_text(index_page(index))
    print(f"\nHTML reports: {out.relative_to(root) if out.is_relative_to(root) else out}/index.html")
    return 1 if failures else 0


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
