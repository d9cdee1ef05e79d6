"""A headless Chromium for looking at reports: screenshots for people, and the page tests.

Debian's `chromium` (installed by `make setup`, or named by NETPOL_CHROMIUM) driven by
Playwright's Python package; Playwright's own browser download is never used.
`unavailable_reason()` says why no browser can run here, so callers skip with it.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]
WIDTH, HEIGHT = 1400, 1000


def chromium_path() -> str | None:
    return os.environ.get("NETPOL_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def unavailable_reason() -> str | None:
    if chromium_path() is None:
        return "no chromium binary (make setup installs Debian's chromium; or set NETPOL_CHROMIUM)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (pip install 'netpol-harness[browser]')"
    return None


@contextlib.contextmanager
def browser_context(width: int = WIDTH, height: int = HEIGHT) -> Iterator[object]:
    """A Playwright browser context in a fresh profile, closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw, tempfile.TemporaryDirectory(prefix="netpol-chromium-") as profile:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=chromium_path(), headless=True, args=FLAGS,
            viewport={"width": width, "height": height})
        try:
            yield context
        finally:
            context.close()


def screenshot(page_file: Path, png: Path, *, width: int = WIDTH, height: int = HEIGHT) -> None:
    """The top of an HTML page as a PNG, in a window `width` pixels wide."""
    with browser_context(width, height) as context:
        page = context.new_page()
        page.goto(page_file.resolve().as_uri())
        png.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(png))
