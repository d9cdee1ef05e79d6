"""Every values example of both charts gives a report with workloads to look at (stand-ins
where the chart installs policies alone) and its policies in words, as `make demo` shows."""
from __future__ import annotations

import pytest

from netpol_harness.environments import examples_for, project_charts, run_example
from netpol_harness.report import connectivity_report, render_text

EXAMPLES = [e for chart in project_charts() for e in examples_for(chart)]


def test_both_charts_have_values_examples():
    assert {e.chart.name for e in EXAMPLES} == {"job-executor-service", "network-policies"}


@pytest.mark.helm
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: f"{e.chart.name}/{e.path.stem}")
def test_every_example_reports_workloads_and_says_its_policies_in_words(example, default_helm):
    outcome = run_example(example, release="test", namespace="default", helm=default_helm)
    if outcome.skipped:
        pytest.skip(outcome.skipped)
    assert outcome.error is None, outcome.error
    report = connectivity_report(outcome.objects, namespace="default")
    assert report.workloads and report.cells
    # The policies are seen working (something allowed) and holding (something denied).
    states = {c.state for c in report.cells.values()}
    assert states & {"allowed", "partial"} and states & {"denied", "partial"}
    assert set(report.policy_words) == set(report.policies) and report.policies
    text = render_text(report)
    assert "no workloads" not in text
    for policy in report.policies:
        assert f"  {policy} selects " in text
