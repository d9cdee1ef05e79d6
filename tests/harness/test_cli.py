"""The `netpol` command as a user types it: a chart anywhere on disk, the render inputs
helm takes on every sub-command, one default release name, `--expect` for scripts, a
quiet end on a closed pipe, and `demo` on any chart's values files."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from netpol_harness.cli import main
from netpol_harness.helm.template import DEFAULT_RELEASE
from netpol_harness.project import root as repo_root

pytestmark = pytest.mark.helm

TWOTIER = repo_root() / "tests" / "data" / "harness" / "charts" / "twotier"


def netpol(*args: str, cwd: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netpol_harness.cli", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd, input=stdin)


@pytest.fixture
def chart_copy(tmp_path: Path) -> Path:
    """twotier, outside the repository."""
    target = tmp_path / "elsewhere" / "twotier"
    shutil.copytree(TWOTIER, target)
    return target


def test_reach_renders_a_chart_given_as_a_directory_with_the_render_inputs(chart_copy, default_helm):
    out = netpol("reach", str(chart_copy), "--port", "9090", "--set", "webPort=9090", "-n", "shop", "--helm", default_helm)
    assert out.returncode == 0, out.stderr
    flows = {(d["from"], d["to"]): d["allowed"] for d in map(json.loads, out.stdout.splitlines())}
    assert flows[("shop/client", "shop/web")] is True


def test_reach_expect_sets_the_exit_status_from_the_verdict(chart_copy, default_helm):
    base = ["reach", str(chart_copy), "--port", "8080", "--helm", default_helm, "--explain"]
    assert netpol(*base, "client", "web", "--expect", "allowed").returncode == 0
    wrong = netpol(*base, "client", "web", "--expect", "denied")
    assert wrong.returncode == 1
    assert "expected denied, but the verdict is allowed" in wrong.stderr
    assert netpol(*base, "client", "web").returncode == 0  # without --expect the verdict is only shown


def test_expect_without_explain_is_a_usage_error(chart_copy, default_helm):
    out = netpol("reach", str(chart_copy), "--port", "8080", "--expect", "allowed", "--helm", default_helm)
    assert out.returncode == 2 and "--expect needs --explain" in out.stderr


def test_render_and_validate_take_kube_version_and_api_versions(chart_copy, default_helm):
    rendered = netpol("render", str(chart_copy), "--kube-version", "1.29.0", "--api-versions", "example.com/v1",
                      "--helm", default_helm)
    assert rendered.returncode == 0, rendered.stderr
    validated = netpol("validate", str(chart_copy), "--kube-version", "1.29.0", "--helm", default_helm)
    assert validated.returncode == 0, validated.stdout + validated.stderr


def test_every_command_names_the_same_default_release(chart_copy, default_helm, capsys):
    tiny = repo_root() / "tests" / "data" / "harness" / "charts" / "tiny"
    assert main(["render", str(tiny), "--helm", default_helm]) == 0
    assert f"name: {DEFAULT_RELEASE}-tiny" in capsys.readouterr().out
    report = netpol("report", str(chart_copy), "--helm", default_helm, "--port", "8080")
    assert f"release {DEFAULT_RELEASE} in default" in report.stdout


def test_a_closed_pipe_ends_the_command_quietly(default_helm):
    shop = repo_root() / "tests" / "data" / "reach" / "shop.yaml"
    script = (f"{sys.executable} -m netpol_harness.cli reach {shop} --port 8080 --format table | head -n 1")
    out = subprocess.run(["bash", "-o", "pipefail", "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr and "BrokenPipe" not in out.stderr
    assert out.stdout.startswith("8080/TCP")


def test_demo_renders_every_values_file_in_the_charts_ci_folder(chart_copy, default_helm, tmp_path):
    (chart_copy / "ci").mkdir()
    (chart_copy / "ci" / "default-values.yaml").write_text("# needs: nothing\nwebPort: 8080\n")
    (chart_copy / "ci" / "other-port-values.yaml").write_text("webPort: 9443\n")
    out = netpol("--root", str(tmp_path), "demo", str(chart_copy), "--helm", default_helm, "--out", "demo-out",
                 cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "=== twotier / default-values.yaml" in out.stdout and "=== twotier / other-port-values.yaml" in out.stdout
    assert (tmp_path / "demo-out" / "twotier-other-port-values.html").is_file()


def test_demo_values_dir_overrides_the_default_folder(chart_copy, default_helm, tmp_path):
    values = tmp_path / "my-values"
    values.mkdir()
    (values / "prod.yaml").write_text("webPort: 8443\n")
    out = netpol("--root", str(tmp_path), "demo", str(chart_copy), "--values-dir", str(values), "--helm", default_helm,
                 cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "=== twotier / prod.yaml" in out.stdout


def test_demo_without_values_files_says_where_it_looked(chart_copy, default_helm, tmp_path):
    out = netpol("--root", str(tmp_path), "demo", str(chart_copy), "--helm", default_helm, cwd=tmp_path)
    assert out.returncode == 2
    assert "ci/ and values-examples/<chart>/" in out.stderr


def test_root_given_to_one_command_does_not_stay_for_the_next(tmp_path, default_helm, capsys):
    from netpol_harness import project

    before = project.root()
    assert main(["--root", str(tmp_path), "render", str(TWOTIER), "--helm", default_helm]) == 0
    assert project.root() == before


def test_a_root_or_value_named_like_a_command_is_still_an_argument(tmp_path, default_helm):
    chart = tmp_path / "render"
    shutil.copytree(TWOTIER, chart)
    out = netpol("--root", "render", "render", str(chart), "--helm", default_helm, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "name: web" in out.stdout


def test_a_helm_that_cannot_be_found_is_one_line_and_exit_2():
    out = netpol("render", str(TWOTIER), "--helm", "9.9")
    assert out.returncode == 2
    assert "no pinned helm 9.9" in out.stderr and "Traceback" not in out.stderr
