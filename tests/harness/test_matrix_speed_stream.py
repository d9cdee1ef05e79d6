"""Helm 4's engine renders a matrix chunk on a thread ahead of the checks
(helm.sdk.render_stream): the same results as render_cases, in case order, and a reader
that stops early does not leave the thread behind."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from netpol_harness.helm import sdk

pytestmark = pytest.mark.skipif(sdk.unavailable_reason() is not None, reason=str(sdk.unavailable_reason()))

CHART = Path(__file__).parents[2] / "charts" / "job-executor-service"
CASES = [{}, {"networkPolicy": {"egress": {"k8sMasterPort": 6443}}}, {"networkPolicy": {"dataplane": "no-such"}},
         {"networkPolicy": {"ingress": {"enabled": False}}}, {}]


def _seen(result) -> tuple:
    return result.ok, result.stdout, result.stderr, result.objects, result.argv


def test_streamed_renders_are_render_cases_results_in_case_order():
    want = [_seen(r) for r in sdk.render_cases(CHART, CASES, threads=1)]
    assert [_seen(r) for r in sdk.render_stream(CHART, CASES, ahead=2)] == want
    assert not all(ok for ok, *_ in want)  # a failing case came through in its place


def test_a_reader_that_stops_early_leaves_no_render_thread():
    before = {t.ident for t in threading.enumerate()}
    stream = sdk.render_stream(CHART, CASES * 4, ahead=1)
    next(stream)
    stream.close()
    time.sleep(0.1)
    assert not [t for t in threading.enumerate() if t.ident not in before and t.name == "helm4-render"]
