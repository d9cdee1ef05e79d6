"""Render assertions: a render that must succeed and give objects the API server takes
(`render_valid`), one that must stop with the chart's own message (`render_fails`), and
where a chart named in a test lives (`find_chart`). Failures raise AssertionError with
helm's or the checks' words; no test runner is needed.
"""
from __future__ import annotations

from pathlib import Path

from .. import project
from ..check import validate_all
from ..check.errors import error_source
from ..helm import template

__all__ = ["find_chart", "render_fails", "render_valid"]


def render_valid(chart, *, kubernetes_version: str = "1.33", **kwargs) -> template.RenderResult:
    """`render(chart, **kwargs)` for a test that expects a good render: fails the test
    with helm's error when the render fails, or with every message of `validate_all`
    (strict Kubernetes schemas and the API server's NetworkPolicy rules) when an object
    would be refused."""
    __tracebackhide__ = True  # pytest shows the test's line, not this one
    result = template.render(chart, **kwargs)
    if not result.ok:
        raise AssertionError(f"helm could not render {chart}:\n{result.stderr}")
    problems = validate_all(result.objects, kubernetes_version)
    if problems:
        raise AssertionError(f"{chart} rendered objects the API server would refuse:\n" + "\n".join(problems))
    return result


def render_fails(chart, *fragments: str, **kwargs) -> str:
    """`render(chart, **kwargs)` for a test that expects the render to stop with a clear
    message: fails the test when it renders, when a fragment is missing from helm's
    error, or when the error is not the chart's or the values schema's but Go's own
    text. Returns the error."""
    __tracebackhide__ = True  # pytest shows the test's line, not this one
    result = template.render(chart, **kwargs)
    if result.ok:
        raise AssertionError(f"the render of {chart} should have stopped; it produced:\n{result.stdout}")
    missing = [f for f in fragments if f not in result.stderr]
    if missing:
        raise AssertionError(f"missing {missing!r} in:\n{result.stderr}")
    if error_source(result.stderr) == "go":
        raise AssertionError(f"Go's own error text, not a message of the chart:\n{result.stderr}")
    return result.stderr


def find_chart(name: str, search: list[str]) -> Path:
    """The chart folder `name` under one of the search paths, or a search path that is
    itself that chart."""
    root = project.root()
    for folder in search:
        base = (root / folder).resolve()
        if (base / name / "Chart.yaml").is_file():
            return base / name
        if base.name == name and (base / "Chart.yaml").is_file():
            return base
    raise LookupError(f"no chart {name!r} under {', '.join(search)} (relative to {root}; "
                      "set `netpol_chart_paths` in your pytest configuration)")
