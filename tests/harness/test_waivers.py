"""Waivers in a chart's netpol.yaml: `path` is literal (`pathPattern` is a shell-style
pattern, `object` stays one), `values:` names the -f files a waiver is for, a stale
waiver names the render it was checked against, and a malformed entry is one line."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from netpol_harness.check.lints import Waiver, apply_waivers, load_waivers
from netpol_harness.check.lintrules import finding
from netpol_harness.project import root as repo_root

LINTME = repo_root() / "tests" / "data" / "harness" / "charts" / "lintme"
OPEN = finding("open-rule", "NetworkPolicy/web", "spec.egress[0]", "allows every peer")


def write_waivers(chart: Path, *entries: dict) -> Path:
    (chart / "netpol.yaml").write_text(yaml.safe_dump({"waivers": list(entries)}))
    return chart


def stale(findings: list) -> list:
    return [f for f in findings if f.id == "stale-waiver"]


def test_a_path_with_an_index_in_brackets_matches_that_path_literally():
    assert Waiver("open-rule", "why", path="spec.egress[0]").covers(OPEN)
    assert not Waiver("open-rule", "why", path="spec.egress[1]").covers(OPEN)
    assert not Waiver("open-rule", "why", path="spec.egress[[]0]").covers(OPEN)
    assert not Waiver("open-rule", "why", path="spec.egress*").covers(OPEN)


def test_a_path_pattern_and_an_object_are_shell_style_patterns():
    assert Waiver("open-rule", "why", object="NetworkPolicy/*", path_pattern="spec.egress*").covers(OPEN)
    assert not Waiver("open-rule", "why", object="NetworkPolicy/db-*").covers(OPEN)
    assert Waiver("open-rule", "why").covers(OPEN)  # neither: any object, any path


def test_the_readme_waiver_example_loads_and_its_literal_path_matches(tmp_path):
    readme = (repo_root() / "README.md").read_text()
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if b.startswith("waivers:"))
    (tmp_path / "netpol.yaml").write_text(block)
    waivers = load_waivers(tmp_path)
    assert waivers and any(w.path and "[" in w.path for w in waivers)
    for w in waivers:
        if w.path and not w.values:
            assert w.covers(finding(w.id, w.object.replace("*", "x"), w.path, "why"))


def test_a_waiver_for_values_files_applies_to_the_render_of_them_by_chart_path_or_file_name(tmp_path):
    prod = tmp_path / "ci" / "prod.yaml"
    by_path = Waiver("open-rule", "prod opens it", values=("ci/prod.yaml",))
    by_name = Waiver("open-rule", "prod opens it", values=("prod.yaml",))
    for waiver in (by_path, by_name):
        assert waiver.applies_to([str(prod)], tmp_path)
        assert apply_waivers([OPEN], [waiver], [str(prod)], tmp_path)[0].waived == "prod opens it"
    assert not by_path.applies_to([str(tmp_path / "ci" / "dev.yaml")], tmp_path)
    assert not by_path.applies_to([], tmp_path)


def test_a_waiver_for_other_values_files_is_neither_applied_nor_reported_stale(tmp_path):
    waiver = Waiver("open-rule", "prod opens it", values=("ci/prod.yaml",))
    found = apply_waivers([OPEN], [waiver], [str(tmp_path / "ci" / "dev.yaml")], tmp_path)
    assert [(f.id, f.waived) for f in found] == [("open-rule", "")]
    assert apply_waivers([], [waiver], [], tmp_path) == []


def test_a_stale_waiver_names_the_render_checked_and_advises_removal_only_if_no_values_file_needs_it(tmp_path):
    prod = str(tmp_path / "ci" / "prod.yaml")
    named = Waiver("open-rule", "why", path="spec.egress[0]", values=("ci/prod.yaml",))
    [message] = [f.why for f in stale(apply_waivers([], [named], [prod], tmp_path))]
    assert f"not found in the render of -f {prod}; if no values file needs it, remove it" in message
    assert "spec.egress[0]" in message
    [everywhere] = [f.why for f in stale(apply_waivers([], [Waiver("open-rule", "why")], [], tmp_path))]
    assert "not found in the render without -f" in everywhere and "name them in `values:`" in everywhere


@pytest.mark.parametrize("entry, says", [
    ({"id": "open-rule", "reason": "r", "paths": "spec"}, "waivers[0] (open-rule) has the unknown key 'paths'"),
    ({"id": "open-rule", "reason": "r", "path": 0}, "waivers[0] (open-rule) path is int, not text"),
    ({"id": "open-rule", "reason": "r", "values": "ci/prod.yaml"}, "values is str, not a list of file names"),
    ({"id": "open-rule", "reason": "r", "values": []}, "values must be a non-empty list"),
    ({"id": "open-rule", "reason": "r", "path": "a", "pathPattern": "a*"}, "both path (literal) and pathPattern"),
    ({"id": "open-rul", "reason": "r"}, "waivers[0] (open-rul) waives 'open-rul', which is not a lint's id"),
    ({"id": "open-rule"}, "waivers[0] (open-rule) needs an id and a reason"),
    ("open-rule", "waivers[0] is not a mapping"),
])
def test_a_malformed_waiver_is_one_line_naming_the_entry(tmp_path, entry, says):
    write_waivers(tmp_path, entry)
    with pytest.raises(ValueError) as err:
        load_waivers(tmp_path)
    assert says in str(err.value) and "\n" not in str(err.value)


def test_every_shipped_waiver_file_loads():
    for path in [*(repo_root() / "charts").glob("*/netpol.yaml"), LINTME / "netpol.yaml"]:
        assert load_waivers(path.parent), path


def validate(chart: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "netpol_harness.cli", "validate", str(chart), *args],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def chart(tmp_path) -> Path:
    """lintme with two values files: dev keeps the port's typo, prod fixes it."""
    chart = Path(shutil.copytree(LINTME, tmp_path / "lintme"))
    (chart / "ci").mkdir()
    (chart / "ci" / "dev.yaml").write_text("policyPort: redsi\n")
    (chart / "ci" / "prod.yaml").write_text("policyPort: redis\n")
    return write_waivers(
        chart,
        {"id": "dns-without-to", "object": "NetworkPolicy/*-redis", "path": "spec.egress[0]", "reason": "DNS idiom"},
        {"id": "unselected-workload", "object": "Job/*-migrate", "path": "", "reason": "runs once"},
        {"id": "unknown-named-port", "path": "spec.ingress[0].ports[0]", "values": ["ci/dev.yaml"],
         "reason": "dev keeps the typo"},
        {"id": "open-rule", "values": ["prod.yaml"], "reason": "prod once opened a rule"})


def test_validate_waives_per_values_file_and_reports_stale_only_what_the_given_render_lacks(chart):
    dev = validate(chart, "-f", str(chart / "ci" / "dev.yaml"))
    assert dev.returncode == 0, dev.stdout
    assert "(waived: dev keeps the typo)" in dev.stdout and "(waived: DNS idiom)" in dev.stdout
    assert "stale-waiver" not in dev.stdout
    prod = validate(chart, "-f", str(chart / "ci" / "prod.yaml"))
    assert prod.returncode == 0, prod.stdout
    assert [line.split(":")[0].split()[-1] for line in prod.stdout.splitlines() if "stale-waiver" in line] == [
        "waivers[3]"]
    assert f"not found in the render of -f {chart / 'ci' / 'prod.yaml'}; if no values file needs it" in prod.stdout


def test_validate_with_a_malformed_waiver_prints_one_line_and_exits_2(chart):
    write_waivers(chart, {"id": "open-rule", "reason": "r", "valus": ["ci/prod.yaml"]})
    run = validate(chart)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        f"netpol validate: {chart / 'netpol.yaml'}: waivers[0] (open-rule) has the unknown key 'valus'; "
        "a waiver has id, reason, object, path, pathPattern, values"]
