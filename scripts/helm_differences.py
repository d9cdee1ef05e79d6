#!/usr/bin/env python3
"""The README's table of what differs between the pinned Helm versions, made from the
tests that pin each difference (`@pytest.mark.helm_difference(behaviour, {version: ...})`).

    scripts/helm_differences.py                 print the table
    scripts/helm_differences.py --check README  exit 1 when the README's table is stale
    scripts/helm_differences.py --write README  rewrite the README's table
"""
from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

import pytest

from netpol_harness.doctables import readme_command
from netpol_harness.helm.binary import for_version, parse_version

ROOT = Path(__file__).resolve().parent.parent
PINS = ROOT / "scripts" / "helm-pins.txt"
BEGIN, END = "<!-- helm-differences -->", "<!-- /helm-differences -->"


def pinned_versions() -> list[str]:
    lines = [line.split() for line in PINS.read_text().splitlines() if line.strip() and not line.startswith("#")]
    return [fields[0] for fields in lines]


class _Collector:
    def __init__(self) -> None:
        self.found: dict[str, tuple[str, dict]] = {}

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            marker = item.get_closest_marker("helm_difference")
            if marker is not None:
                name = f"{item.path.relative_to(ROOT)}::{item.originalname}"
                behaviour, since = marker.args
                known = self.found.setdefault(behaviour, (name, since))
                if known[1] != since:
                    raise SystemExit(f"{known[0]} and {name} pin {behaviour!r} differently")


def differences() -> dict[str, tuple[str, dict]]:
    collector = _Collector()
    # --assert=plain: markers are all the table reads, and rewriting every test module's
    # asserts costs a third of the collection.
    with contextlib.redirect_stdout(io.StringIO()):  # collection chatter is not the table
        code = pytest.main(["--collect-only", "-qq", "-p", "no:cacheprovider", "-p", "no:warnings", "--assert=plain",
                            "--rootdir", str(ROOT), str(ROOT / "tests")], plugins=[collector])
    if code != 0:
        raise SystemExit(f"collecting the tests failed (pytest exit {code})")
    return collector.found


def cell(expected) -> str:
    """One version's expected output; a list of fragments (all of which the output holds) reads as one."""
    text = " … ".join(map(str, expected)) if isinstance(expected, (list, tuple)) else str(expected)
    return "`" + text.replace("|", "\\|").replace("`", "'") + "`"


def table() -> str:
    versions = pinned_versions()
    lines = ["| behaviour | " + " | ".join(f"Helm {v}" for v in versions) + " | pinned by |",
             "|---|" + "---|" * len(versions) + "---|"]
    for behaviour, (test, since) in sorted(differences().items()):
        row = [for_version(parse_version(v), since) for v in versions]
        lines.append(f"| {behaviour} | " + " | ".join(cell(c) for c in row) + f" | `{test}` |")
    return "\n".join(lines)


def main() -> int:
    return readme_command(__doc__, BEGIN, END, table, "the Helm differences table", "scripts/helm_differences.py")


if __name__ == "__main__":
    sys.exit(main())
