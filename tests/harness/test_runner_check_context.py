"""What the matrix runner works out once per chunk of cases rather than once per case gives
each case the answer it gave before."""
from __future__ import annotations

import pytest

from netpol_harness import runner
from netpol_harness.cases import load_spec, pairwise_cases
from netpol_harness.check.kubernetes import validate_kubernetes
from netpol_harness.project import root as repo_root

pytestmark = pytest.mark.helm

JES = repo_root() / "charts" / "job-executor-service"
SPEC = load_spec(JES / "netpol-matrix.yaml")
# The chart's matrix, without the dataplane switch (its cilium cases need --api-versions).
FACTORS = {path: values for path, values in SPEC.factors.items() if path != "networkPolicy.dataplane"}


def test_the_kubernetes_check_looks_for_its_engine_once_per_chunk_and_says_what_it_said_per_case(monkeypatch):
    asked = []
    monkeypatch.setattr(runner, "kubernetes_engine", lambda: asked.append(1) or "python")
    cases = pairwise_cases(FACTORS, base=SPEC.base)[:4]
    result = runner.run_matrix(JES, cases, ("render", "kubernetes"), workers=1, batch=len(cases), keep_objects=True)
    assert len(asked) == 1 and result.ok
    for outcome in result.outcomes:
        assert [f.message for f in outcome.failures] == validate_kubernetes(outcome.objects)


def test_a_matrix_without_the_kubernetes_check_does_not_look_for_its_engine(monkeypatch):
    monkeypatch.setattr(runner, "kubernetes_engine", lambda: pytest.fail("looked for the engine"))
    result = runner.run_matrix(JES, pairwise_cases(FACTORS, base=SPEC.base)[:1], ("render",), workers=1)
    assert result.ok
