"""pytest plugin: the render side of the harness as fixtures.

`helm` fails (never skips) without a binary: a suite that silently skips every
render would pass while checking nothing.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from . import render as render_module
from .tools import HelmNotFound, helm_binary, helm_version, repo_root

# Where chart_dir() looks, in order: the product's charts, then test-only charts.
CHART_ROOTS = ("charts", "tests/data/harness/charts")


@pytest.fixture(scope="session")
def helm() -> str:
    try:
        binary = helm_binary()
        helm_version(binary)
    except HelmNotFound as err:
        pytest.fail(f"{err} (run `make setup`)", pytrace=False)
    return binary


@pytest.fixture(scope="session")
def render(helm: str) -> Callable[..., render_module.RenderResult]:
    """harness.render.render, bound to the session's helm binary."""

    def bound(chart, **kwargs):
        kwargs.setdefault("helm", helm)
        return render_module.render(chart, **kwargs)

    return bound


def find_chart(name: str) -> Path:
    for root in CHART_ROOTS:
        candidate = repo_root() / root / name
        if (candidate / "Chart.yaml").exists():
            return candidate
    raise LookupError(f"no chart {name!r} under {', '.join(CHART_ROOTS)}")


@pytest.fixture(scope="session")
def chart_dir() -> Callable[[str], Path]:
    """chart_dir("job-executor-service") -> the chart's directory; fails if absent."""

    def lookup(name: str) -> Path:
        try:
            return find_chart(name)
        except LookupError as err:
            pytest.fail(str(err), pytrace=False)

    return lookup
