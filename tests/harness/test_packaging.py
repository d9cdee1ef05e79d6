"""The harness as a maintainer gets it: the wheel, installed (not editable) into a fresh
virtualenv outside this repository, used on a chart copied there, through the `netpol`
command and the pytest plugin alone (no conftest, no sys.path changes)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

from netpol_harness.project import root as repo_root

pytestmark = [pytest.mark.slow, pytest.mark.helm]

CHART = repo_root() / "tests" / "data" / "harness" / "charts" / "twotier"

USER_TEST = textwrap.dedent('''
    from netpol_harness import add_kube_dns

    def test_client_reaches_web_on_its_port_and_nothing_reaches_client(render, chart_dir, net_from):
        result = render(chart_dir("twotier"), release="shop", namespace="shop")
        assert result.ok, result.stderr
        net = net_from(result, setup=add_kube_dns)
        net.allows("shop/client", "shop/web", 8080)
        net.denies("shop/client", "kube-system/kube-dns", 53, "UDP")
        net.denies("kube-system/kube-dns", "shop/web", 8080)

    def test_the_in_memory_api_server_comes_with_its_cluster_states(kubeapi):
        kubeapi.seed("single-master")
        assert [o["metadata"]["name"] for o in kubeapi.objects("EndpointSlice", "default")] == ["kubernetes"]
''')


def run(argv: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess[str]:
    # A clean environment: nothing of this project's virtualenv or settings leaks in.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NETPOL_", "PYTHON", "VIRTUAL_ENV"))}
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env, timeout=600, **kwargs)


@pytest.fixture(scope="module")
def installed(tmp_path_factory, default_helm) -> Path:
    """A fresh virtualenv with the wheel built from this checkout's sources."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(repo_root() / "src" / "netpol_harness", source / "src" / "netpol_harness",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(repo_root() / "pyproject.toml", source)
    built = run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(work / "dist"), str(source)], work)
    assert built.returncode == 0, built.stderr
    wheel = next((work / "dist").glob("netpol_harness-*.whl"))
    env_dir = work / "venv"
    # No pip of its own (ensurepip is 6 s): this pip installs the wheel and the dependencies
    # its metadata names into that environment, as the environment's own pip would.
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    pip = run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-compile",
               "--disable-pip-version-check", str(wheel)], work)
    assert pip.returncode == 0, pip.stderr
    return env_dir


def test_installed_harness_validates_and_reaches_a_chart_outside_the_repository(installed, default_helm, tmp_path):
    project = tmp_path / "maintainer-repo"
    shutil.copytree(CHART, project / "charts" / "twotier")
    netpol = str(installed / "bin" / "netpol")

    validate = run([netpol, "validate", "charts/twotier", "--helm", default_helm], project)
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert "no errors" in validate.stdout

    reach = run([netpol, "reach", "charts/twotier", "--port", "8080", "--namespace", "shop", "--helm", default_helm], project)
    assert reach.returncode == 0, reach.stderr
    flows = {(d["from"], d["to"]): d["allowed"] for d in map(json.loads, reach.stdout.splitlines())}
    assert flows == {("shop/client", "shop/web"): True, ("shop/web", "shop/client"): True}

    explain = run([netpol, "reach", "charts/twotier", "--port", "9090", "--explain", "client", "web",
                   "--expect", "allowed", "--helm", default_helm], project)
    assert explain.returncode == 1
    assert "DENIED" in explain.stdout and "expected allowed, but the verdict is denied" in explain.stderr
    assert any((project / ".cache" / "render").iterdir()), "the render cache belongs under the project root"

    report = run([netpol, "report", "charts/twotier", "--namespace", "shop", "--out", "out", "--helm", default_helm], project)
    assert report.returncode == 0, report.stderr
    page = (project / "out" / "report.html").read_text()
    assert "table.matrix{" in page and 'getElementById("report-data")' in page  # its CSS and script ship along


def test_installed_plugin_gives_fixtures_to_a_suite_without_conftest(installed, default_helm, tmp_path):
    project = tmp_path / "maintainer-repo"
    shutil.copytree(CHART, project / "charts" / "twotier")
    (project / "tests").mkdir()
    (project / "tests" / "test_twotier.py").write_text(USER_TEST)
    (project / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    # `--netpol-helm=PATH` in one word: pytest takes a separate path argument for a test path
    # when it looks for the rootdir.
    result = run([str(installed / "bin" / "python"), "-m", "pytest", "-q", f"--netpol-helm={default_helm}"], project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
    # The render cache lives under the maintainer's root, never inside site-packages.
    assert (project / ".cache" / "render").is_dir()
    site = next((installed / "lib").glob("python*/site-packages"))
    assert not (site / ".cache").exists()


def test_the_wheel_installs_every_module_and_data_file_of_the_package(installed):
    site = next((installed / "lib").glob("python*/site-packages"))
    shipped = {p.relative_to(site).as_posix() for p in (site / "netpol_harness").rglob("*")
               if p.suffix in (".py", ".yaml", ".css", ".js") and "__pycache__" not in p.parts}
    sources = {p.relative_to(repo_root() / "src").as_posix() for p in (repo_root() / "src" / "netpol_harness").rglob("*")
               if p.suffix in (".py", ".yaml", ".css", ".js") and "__pycache__" not in p.parts}
    assert shipped == sources
    assert "netpol_harness/kubeapi/states/single-master.yaml" in shipped
