"""Fixtures the harness's browser tests share: a module that defines `page_file` (the
report's HTML) gets `page`, a tab on it."""
from __future__ import annotations

from pathlib import Path

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


@pytest.fixture
def page(chromium, page_file: Path):
    """A fresh tab on the module's report, recording console errors, page errors and every
    request it makes; a test that leaves an error behind fails."""
    tab = chromium.new_page()
    tab.errors, tab.requests = [], []
    tab.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: tab.errors.append(str(e)))
    tab.on("request", lambda r: tab.requests.append(r.url))
    tab.goto(page_file.as_uri())
    yield tab
    assert tab.errors == []
    tab.close()
