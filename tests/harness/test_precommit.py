"""The pre-commit hooks: .pre-commit-hooks.yaml is a manifest pre-commit loads, and its
entry (netpol_harness.precommit) maps the changed files to charts and runs netpol once per
chart, one line each, failing when any chart fails."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from netpol_harness import precommit
from netpol_harness.project import root as repo_root

ROOT = repo_root()
MANIFEST = ROOT / ".pre-commit-hooks.yaml"
CHARTS = ROOT / "tests" / "data" / "harness" / "charts"

# pre-commit's manifest schema (pre_commit.clientlib.MANIFEST_HOOK_DICT), for when pre-commit
# is not installed: the required keys, and the types of the optional ones this file uses.
REQUIRED = {"id": str, "name": str, "entry": str, "language": str}
OPTIONAL = {"description": str, "files": str, "exclude": str, "pass_filenames": bool, "require_serial": bool,
            "types": list, "types_or": list, "exclude_types": list, "args": list, "always_run": bool,
            "stages": list, "additional_dependencies": list, "language_version": str, "minimum_pre_commit_version": str,
            "alias": str, "fail_fast": bool, "verbose": bool, "log_file": str}
LANGUAGES = {"conda", "coursier", "dart", "docker", "docker_image", "dotnet", "fail", "golang", "haskell", "julia",
             "lua", "node", "perl", "pygrep", "python", "r", "ruby", "rust", "swift", "unsupported",
             "unsupported_script", "system", "script"}


def hooks() -> list[dict]:
    return yaml.safe_load(MANIFEST.read_text())


def test_the_manifest_is_one_pre_commit_loads():
    try:
        from pre_commit.clientlib import load_manifest
    except ImportError:
        for hook in hooks():
            assert all(isinstance(hook.get(k), t) for k, t in REQUIRED.items()), hook
            assert set(hook) <= set(REQUIRED) | set(OPTIONAL), set(hook) - set(REQUIRED) - set(OPTIONAL)
            assert all(isinstance(hook[k], OPTIONAL[k]) for k in hook if k in OPTIONAL), hook
            assert hook["language"] in LANGUAGES
    else:
        assert [h["id"] for h in load_manifest(str(MANIFEST))] == ["netpol-validate", "netpol-check"]


def test_the_hooks_run_the_entry_module_on_the_changed_files():
    by_id = {h["id"]: h for h in hooks()}
    assert set(by_id) == {"netpol-validate", "netpol-check"}
    for command in ("validate", "check"):
        hook = by_id[f"netpol-{command}"]
        assert hook["entry"] == f"python -m netpol_harness.precommit {command}"
        assert hook["language"] == "python" and hook["pass_filenames"] is True and hook["require_serial"] is True


@pytest.mark.parametrize("path, matches", [
    ("charts/web/Chart.yaml", True), ("charts/web/values.yaml", True), ("charts/web/values.schema.json", True),
    ("charts/web/templates/deployment.yaml", True), ("charts/web/templates/_helpers.tpl", True),
    ("charts/web/ci/prod-values.yaml", True), ("charts/web/netpol-expect.yaml", True), ("Chart.yaml", True),
    ("charts/web/charts/netpol-0.2.0.tgz", True), ("charts/web/README.md", False), ("src/app/main.py", False),
    ("values-examples/web/prod.yaml", False),
])
def test_the_files_pattern_matches_what_a_chart_is_made_of(path, matches):
    for hook in hooks():
        assert bool(re.search(hook["files"], path)) is matches, (hook["id"], path)


@pytest.fixture
def tree(tmp_path: Path, monkeypatch) -> Path:
    """A repository of charts: twotier (good), broken (an open rule: validate fails), a
    subchart inside twotier, and the library tinylib; the hook runs from its root."""
    shutil.copytree(CHARTS / "twotier", tmp_path / "charts" / "twotier", symlinks=False)
    shutil.copytree(CHARTS / "twotier", tmp_path / "charts" / "broken", symlinks=False)
    shutil.copytree(CHARTS / "tinylib", tmp_path / "charts" / "tinylib", symlinks=False)
    sub = tmp_path / "charts" / "twotier" / "charts" / "sub"
    sub.mkdir(parents=True)
    (sub / "Chart.yaml").write_text("apiVersion: v2\nname: sub\nversion: 0.1.0\n")
    policies = tmp_path / "charts" / "broken" / "templates" / "networkpolicies.yaml"
    policies.write_text(re.sub(r"    - from:\n(.*\n)*?      ports:", "    - ports:", policies.read_text(), count=1))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_files_map_to_their_charts_once_each_with_a_subchart_checking_its_parent(tree):
    files = ["charts/twotier/values.yaml", "charts/twotier/templates/workloads.yaml", "README.md",
             "charts/twotier/charts/sub/Chart.yaml", "charts/broken/Chart.yaml", "docs/x.md"]
    charts = precommit.charts_for(files, tree)
    shown = [precommit.shown(c, tree) for c in charts]
    assert shown == ["charts/twotier", "charts/twotier/charts/sub", "charts/broken"]


def test_validate_runs_once_per_chart_and_fails_when_one_fails(tree, default_helm, monkeypatch, capsys):
    monkeypatch.setenv("NETPOL_HELM", default_helm)
    code = precommit.main(["validate", "charts/twotier/values.yaml", "charts/twotier/templates/workloads.yaml",
                           "charts/broken/templates/networkpolicies.yaml", "charts/tinylib/templates/_policy.tpl"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.count("netpol validate charts/twotier: ok") == 1
    assert "netpol validate charts/broken: FAILED (exit 1)\n    error   open-rule" in out
    assert "netpol validate charts/tinylib: skipped: a library chart renders nothing" in out


def test_check_runs_only_charts_with_expectations_and_a_failed_one_fails(tree, default_helm, monkeypatch, capsys):
    monkeypatch.setenv("NETPOL_HELM", default_helm)
    expect = tree / "charts" / "twotier" / "netpol-expect.yaml"
    expect.write_text("cases:\n  - expect:\n      - {from: client, to: web, port: 8080, allowed: true}\n")
    assert precommit.main(["check", "charts/twotier/netpol-expect.yaml", "charts/broken/values.yaml"]) == 0
    out = capsys.readouterr().out
    assert "netpol check charts/twotier: ok" in out
    assert "netpol check charts/broken: skipped: no netpol-expect.yaml" in out
    expect.write_text(expect.read_text().replace("allowed: true", "allowed: false"))
    assert precommit.main(["check", "charts/twotier/netpol-expect.yaml", "--dataplane", "cilium"]) == 1
    assert "netpol check charts/twotier: FAILED (exit 1)" in capsys.readouterr().out


def test_no_chart_among_the_files_passes_quietly(tree, capsys):
    assert precommit.main(["validate", "README.md", "src/app.py"]) == 0
    assert capsys.readouterr().out == ""


def test_the_entry_runs_as_pre_commit_calls_it(tree):
    done = subprocess.run([sys.executable, "-m", "netpol_harness.precommit", "validate", "docs/readme.md"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == "", done.stderr
