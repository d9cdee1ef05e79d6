"""The library reads like a reference: every template is small, lives in the file named
after its group, says how to call it when it is public, and the application charts call
only the public ones."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from netpol_harness.chartsource import named_templates
from netpol_harness.project import root

CHARTS = root() / "charts"
LIBRARY = CHARTS / "netpol"
APP_CHARTS = [CHARTS / "job-executor-service", CHARTS / "network-policies",
              root() / "tests" / "data" / "charts" / "netpol-probe"]
MAX_LINES = 40


def library_templates():
    return named_templates(LIBRARY)


def public(name: str) -> bool:
    return not name.startswith("netpol._")


@pytest.mark.parametrize("chart", [LIBRARY, *APP_CHARTS[:2]], ids=lambda c: c.name)
def test_every_named_template_is_at_most_forty_lines(chart: Path):
    long = [f"{t.name}: {t.lines} lines" for t in named_templates(chart) if t.lines > MAX_LINES]
    assert not long


def test_each_library_template_lives_in_the_file_named_after_its_group():
    # netpol.policy.build -> _policy.tpl; netpol._peer.urls -> _peer.tpl
    misplaced = []
    for t in library_templates():
        group = t.name.split(".")[1].lstrip("_").lower()
        if t.path.name != f"_{group}.tpl":
            misplaced.append(f"{t.name} in {t.path.name}")
    assert not misplaced


def test_every_public_library_template_shows_its_include_call_in_a_usage_line():
    missing = [t.name for t in library_templates()
               if public(t.name) and not re.search(r'Usage:.*include "' + re.escape(t.name) + '"', t.comment)]
    assert not missing


def test_the_library_readme_lists_exactly_the_public_templates():
    readme = (LIBRARY / "README.md").read_text()
    listed = set(re.findall(r'`(netpol\.[A-Za-z.]+)`', readme))
    names = {t.name for t in library_templates()}
    assert {n for n in names if public(n)} <= listed
    assert not {n for n in listed if n.startswith("netpol.") and n not in names}, "the README names templates that do not exist"


@pytest.mark.parametrize("chart", APP_CHARTS, ids=lambda c: c.name)
def test_application_charts_include_only_public_library_templates(chart: Path):
    text = "".join(p.read_text() for p in (chart / "templates").iterdir() if p.is_file())
    called = set(re.findall(r'include\s+"(netpol\.[^"]+)"', text))
    assert called, "the chart calls the library"
    assert not {n for n in called if not public(n)}


def test_the_peer_types_are_listed_once_and_each_has_its_template():
    text = "".join(p.read_text() for p in (LIBRARY / "templates").iterdir())
    (listing,) = re.findall(r'list ((?:"[A-Za-z0-9]+" ?)*"hostNetwork"(?: "[A-Za-z0-9]+")*)', text)
    types = re.findall(r'"([A-Za-z0-9]+)"', listing)
    defined = {t.name.removeprefix("netpol._peer.") for t in library_templates() if t.name.startswith("netpol._peer.")}
    # pods and namespaces combine into one selector peer
    assert {("selector" if t in ("pods", "namespaces") else t) for t in types} <= defined


def test_the_label_rule_is_written_once():
    text = "".join(p.read_text() for p in (LIBRARY / "templates").iterdir())
    assert text.count("[-A-Za-z0-9_.]*[A-Za-z0-9]") == 1
