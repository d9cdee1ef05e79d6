"""A chart whose dependencies were never built (issue 24, item 10): the render's message
names each missing dependency, says which the values disable and which they enable, and
what to do; `stub_disabled_dependencies=True` stands in empty charts for the disabled
ones only, in the snapshot helm renders (never in the user's chart), keyed in the cache."""
from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from netpol_harness.helm import dependencies
from netpol_harness.helm.template import render
from netpol_harness.project import root as repo_root

pytestmark = pytest.mark.helm

# crds: condition crds.enabled, false in values.yaml; metrics: tag monitoring, true in values.yaml.
CHART = repo_root() / "tests" / "data" / "charts" / "missing-dependencies"
BOTH_OFF = {"tags": {"monitoring": False}}


def netpol(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netpol_harness.cli", *args], capture_output=True, text=True, timeout=120)


def test_the_missing_dependency_error_says_which_are_disabled_which_enabled_and_what_to_do(default_helm):
    result = render(CHART, helm=default_helm)
    assert not result.ok
    assert "but missing in charts/ directory" not in result.stderr  # helm's bare line is replaced
    line = result.stderr.strip()
    assert "\n" not in line
    assert "crds (disabled: condition crds.enabled is false)" in line
    assert "metrics (enabled: tag monitoring true)" in line
    assert f"helm dependency build {CHART}" in line and "--stub-disabled-dependencies" in line
    assert "metrics would still be missing" in line


def test_with_every_missing_dependency_disabled_the_stand_ins_let_it_render(default_helm):
    result = render(CHART, values=BOTH_OFF, stub_disabled_dependencies=True, helm=default_helm)
    assert result.ok, result.stderr
    assert [(o["kind"], o["metadata"]["name"]) for o in result.objects] == [("ConfigMap", "test-missing-dependencies")]
    assert sorted(p.name for p in CHART.iterdir()) == ["Chart.yaml", "templates", "values.yaml"]  # chart untouched


def test_an_enabled_dependency_never_gets_a_stand_in(default_helm):
    result = render(CHART, stub_disabled_dependencies=True, helm=default_helm)
    assert not result.ok
    assert "metrics (enabled: tag monitoring true)" in result.stderr and "crds (" not in result.stderr
    assert "an enabled dependency gets no empty stand-in" in result.stderr


def test_a_set_that_disables_a_dependency_counts(default_helm):
    result = render(CHART, set_values=["tags.monitoring=false"], stub_disabled_dependencies=True, helm=default_helm)
    assert result.ok, result.stderr


def test_a_values_file_that_enables_the_disabled_one_leaves_it_missing(default_helm, tmp_path):
    values = tmp_path / "on.yaml"
    values.write_text("crds:\n  enabled: true\ntags:\n  monitoring: false\n")
    result = render(CHART, values_files=[values], stub_disabled_dependencies=True, helm=default_helm)
    assert not result.ok and "crds (enabled: condition crds.enabled is true)" in result.stderr


def test_a_stand_in_helm_counts_enabled_after_all_fails_the_render_saying_so(default_helm):
    # An --set the module does not read (here: passed straight to helm) enables crds behind its back.
    result = render(CHART, values=BOTH_OFF, extra_args=["--set", "crds.enabled=true"], stub_disabled_dependencies=True,
                    helm=default_helm)
    assert not result.ok
    assert "the empty stand-in for dependency crds was rendered, so helm counts it enabled" in result.stderr


def test_renders_with_and_without_stand_ins_never_share_a_cache_entry(default_helm):
    before = render(CHART, values=BOTH_OFF, helm=default_helm)
    stubbed = render(CHART, values=BOTH_OFF, stub_disabled_dependencies=True, helm=default_helm)
    after = render(CHART, values=BOTH_OFF, helm=default_helm)
    assert not before.ok and stubbed.ok and not after.ok, stubbed.stderr
    assert "--stub-disabled-dependencies" in after.stderr  # a cached failure is explained too


@pytest.mark.parametrize("constraint, version", [("1.2.3", "1.2.3"), ("~0.4.0", "0.4.0"), ("^1.2", "1.2.0"),
                                                 (">=2.0.0 <3.0.0", "2.0.0"), ("1.x", "1.0.0"), ("", "0.0.0")])
def test_a_stand_in_takes_a_version_inside_the_dependency_range(constraint, version):
    switch = dependencies.switch_of({"name": "x", "version": constraint}, {}, {})
    assert switch.version == version and switch.enabled


def test_chart_lock_names_the_stand_ins_version():
    files = {"Chart.yaml": b"name: p\ndependencies:\n- {name: x, version: '>1.0.0', condition: x.enabled}\n",
             "Chart.lock": b"dependencies:\n- {name: x, version: 1.4.2}\n", "values.yaml": b"x: {enabled: false}\n"}
    out = dependencies.with_stand_ins(files, [], [])
    assert b"version: 1.4.2" in out["charts/x/Chart.yaml"]


def test_the_render_cli_prints_the_explanation_and_exits_2(default_helm):
    out = netpol("render", str(CHART), "--helm", default_helm)
    assert out.returncode == 2 and out.stdout == ""
    assert "crds (disabled: condition crds.enabled is false)" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize("command", ["render", "validate", "reach", "report"])
def test_the_stub_option_is_on_every_command_that_renders(default_helm, command):
    extra = ["--port", "80"] if command == "reach" else []
    out = netpol(command, str(CHART), "--set", "tags.monitoring=false", "--stub-disabled-dependencies",
                 "--helm", default_helm, *extra)
    assert out.returncode in (0, 1), out.stderr


def test_check_stands_in_for_disabled_dependencies_when_asked_and_explains_them_otherwise(default_helm, tmp_path):
    expectations = tmp_path / "netpol-expect.yaml"
    expectations.write_text(yaml.safe_dump({"cases": [{
        "name": "monitoring off", "set": {"tags": {"monitoring": False}},
        "expect": [{"from": "ip:192.0.2.1", "to": "ip:192.0.2.2", "port": 80, "allowed": True}]}]}))
    asked = netpol("check", str(CHART), "--expectations", str(expectations), "--stub-disabled-dependencies",
                   "--helm", default_helm)
    assert asked.returncode == 0, asked.stdout + asked.stderr
    plain = netpol("check", str(CHART), "--expectations", str(expectations), "--helm", default_helm)
    assert plain.returncode == 1 and "crds (disabled: condition crds.enabled is false)" in plain.stdout
