"""The job-executor-service value matrix (the chart's netpol-matrix.yaml), combined
pairwise, plus every values example that renders without a cluster or DNS."""
from __future__ import annotations

from pathlib import Path

from netpol_harness.cases import load_spec, pairwise_cases
from netpol_harness.environments import needs_of as example_needs
from netpol_harness.project import root as repo_root

CHART = repo_root() / "charts" / "job-executor-service"
EXAMPLES = repo_root() / "values-examples" / "job-executor-service"

# Every feature flag and preset, in the chart's cases file (also `make bench`'s matrix).
SPEC = load_spec(CHART / "netpol-matrix.yaml")
FACTORS: dict[str, list] = SPEC.factors
BASE = SPEC.base  # values each case needs that are not factors


def matrix_cases() -> list[tuple[str, dict]]:
    return [(c.name, c.values) for c in pairwise_cases(FACTORS, base=BASE, exclude=SPEC.exclude, require=SPEC.require)]


def offline_examples() -> list[Path]:
    return sorted(p for p in EXAMPLES.glob("*.yaml") if not example_needs(p))


def all_examples() -> list[Path]:
    return sorted(EXAMPLES.glob("*.yaml"))
