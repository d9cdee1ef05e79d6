"""Fixtures the harness's browser tests share."""
from __future__ import annotations

import pytest

from netpol_harness.report import browser


@pytest.fixture(scope="module")
def chromium():
    """A headless chromium context (Debian's, see report.browser), or a skip saying why not."""
    reason = browser.unavailable_reason()
    if reason:
        pytest.skip(reason)
    with browser.browser_context() as context:
        yield context
