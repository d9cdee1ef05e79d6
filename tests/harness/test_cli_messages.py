"""What the `netpol` command and the pytest plugin say when something is wrong: one line
that names the user's file or the option of the context it was raised in, the same exit
code for the same failure in every sub-command (0 success, 1 findings, 2 bad input or
usage), and nothing at all when the reader of the output goes away."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from netpol_harness import project
from netpol_harness.cli import main
from netpol_harness.helm.binary import HelmNotFound, helm_binary
from netpol_harness.project import root as repo_root

REPO = repo_root()
TWOTIER = REPO / "tests" / "data" / "harness" / "charts" / "twotier"
STOREFRONT = REPO / "tests" / "data" / "harness" / "charts" / "storefront"
POLICIES = REPO / "charts" / "network-policies"
RENDERING = [("render",), ("validate",), ("reach", "--port", "80"), ("report",)]


def without_helm(tmp_path: Path) -> dict[str, str]:
    """An environment in which no helm can be found: none named, none on PATH."""
    empty = tmp_path / "empty-bin"
    empty.mkdir(exist_ok=True)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NETPOL_")}
    return {**clean, "PATH": str(empty)}


def netpol(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
           stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netpol_harness.cli", *args], stdout=stdout, stderr=subprocess.PIPE,
                          text=True, timeout=300, cwd=cwd, env=env)


@pytest.fixture
def user_repo(tmp_path: Path) -> Path:
    """A chart maintainer's repository: a chart, no Makefile."""
    repo = tmp_path / "their-repo"
    shutil.copytree(TWOTIER, repo / "twotier")
    return repo


@pytest.fixture
def saved_settings():
    before = project.configure()
    helm, root = before.helm, before.root
    yield
    project.configure(helm=helm, root=root)


# ------------------------------------------------------------------------------- helm not found

def test_helm_not_found_on_the_command_line_names_helm_and_netpol_helm_once_without_make_setup(user_repo, tmp_path):
    out = netpol("render", "twotier", cwd=user_repo, env=without_helm(tmp_path))
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("netpol render: helm not found")
    assert "--helm or NETPOL_HELM" in lines[0]
    assert "--netpol-helm" not in lines[0] and "make setup" not in lines[0]


def test_helm_not_found_under_pytest_names_netpol_helm_once_without_make_setup(user_repo, tmp_path):
    (user_repo / "test_render.py").write_text(textwrap.dedent('''
        def test_render(render):
            render("twotier")
    '''))
    (user_repo / "pytest.ini").write_text("[pytest]\n")
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=user_repo,
                         capture_output=True, text=True, timeout=120, env=without_helm(tmp_path))
    text = out.stdout + out.stderr
    assert out.returncode != 0
    assert text.count("helm not found") == 2, text  # the error itself, and its line in the short summary
    assert "During handling of the above exception" not in text
    assert "--netpol-helm or NETPOL_HELM" in text
    assert "make setup" not in text and " --helm " not in text


def test_helm_not_found_in_this_checkout_says_run_make_setup(tmp_path, monkeypatch, saved_settings):
    (tmp_path / "Makefile").write_text("setup: helm\n\thelm:\n")
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    monkeypatch.delenv(project.HELM_ENV, raising=False)
    project.configure(root=tmp_path, helm=None)
    with pytest.raises(HelmNotFound) as caught:
        helm_binary()
    assert "run `make setup` (it installs" in str(caught.value)
    assert caught.value.naming("--helm").endswith("or name one with --helm or NETPOL_HELM")


def test_a_version_that_is_not_pinned_outside_this_checkout_asks_for_a_path_not_make_setup(tmp_path, saved_settings):
    project.configure(root=tmp_path, helm=None)
    with pytest.raises(HelmNotFound) as caught:
        helm_binary("3.99")
    assert "make setup" not in str(caught.value) and "give a path" in str(caught.value)


# ------------------------------------------------------------------------------- bad values files

@pytest.mark.parametrize("command", RENDERING, ids=lambda c: c[0])
def test_a_missing_values_file_is_one_line_naming_it_with_exit_2(command, user_repo, default_helm):
    out = netpol(*command[:1], "twotier", *command[1:], "-f", "nope.yaml", "--helm", default_helm, cwd=user_repo)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [f"netpol {command[0]}: nope.yaml: No such file or directory"]


@pytest.mark.parametrize("command", RENDERING, ids=lambda c: c[0])
def test_a_values_file_with_a_yaml_error_is_one_line_naming_the_users_file_with_exit_2(command, user_repo, default_helm):
    (user_repo / "broken.yaml").write_text("webPort: [1\n")
    out = netpol(*command[:1], "twotier", *command[1:], "-f", "broken.yaml", "--helm", default_helm, cwd=user_repo)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith(f"netpol {command[0]}: broken.yaml: not YAML: line 2, column 1: ")
    assert "values-0.yaml" not in out.stderr and "Traceback" not in out.stderr


def test_render_exits_2_when_helm_cannot_render_the_chart(user_repo, default_helm):
    out = netpol("render", "no-such-chart", "--helm", default_helm, cwd=user_repo)
    assert out.returncode == 2 and out.stderr.strip()


# ------------------------------------------------------------------------------- a closed pipe

CLOSED_PIPE = {
    "render": ["render", str(STOREFRONT)],
    "validate": ["validate", str(STOREFRONT)],
    "reach": ["reach", str(STOREFRONT), "--port", "80"],
    "report": ["report", str(STOREFRONT)],
    "check": ["check", str(POLICIES)],
    "demo": ["demo", str(POLICIES)],
}


@pytest.mark.parametrize("command", CLOSED_PIPE, ids=str)
def test_a_closed_pipe_ends_every_subcommand_quietly_with_exit_0(command, tmp_path, default_helm):
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line is written
    extra = ["--out", str(tmp_path / "demo")] if command == "demo" else []
    try:
        out = netpol(*CLOSED_PIPE[command], *extra, "--helm", default_helm, cwd=REPO, stdout=write_end)
    finally:
        os.close(write_end)
    assert out.stderr == "" and out.returncode == 0


# ------------------------------------------------------------------------------- the rest

def test_version_prints_the_package_version(capsys):
    from importlib.metadata import version
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"netpol {version('netpol-harness')}"


def test_check_takes_helm_and_stops_with_exit_2_on_a_helm_that_is_not_there(tmp_path):
    out = netpol("check", str(POLICIES), "--helm", str(tmp_path / "no-helm"))
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        f"netpol check: helm {str(tmp_path / 'no-helm')!r} is not an executable file (nor a pinned version such as 3.19)"]


def test_check_runs_with_the_helm_it_is_given(tmp_path, default_helm):
    out = netpol("check", str(POLICIES), "--helm", default_helm, env=without_helm(tmp_path))
    assert out.returncode == 0, out.stderr
    assert re.search(r"^\d+ passed, 0 failed$", out.stdout, re.M)


def test_demo_prints_its_error_on_stderr(tmp_path):
    out = netpol("demo", str(tmp_path), "--out", str(tmp_path / "out"))
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.startswith("netpol demo: no values files found")


def test_matrix_help_refers_to_nothing_that_is_not_shown():
    out = netpol("matrix", "--help")
    assert out.returncode == 0 and "see above" not in out.stdout


def test_the_readme_documents_the_exit_codes():
    text = (REPO / "README.md").read_text()
    table = text[text.index("| Exit code |"):]
    for code, meaning in [("0", "success"), ("1", "findings"), ("2", "bad input")]:
        assert re.search(rf"^\| {code} \|.*{meaning}", table, re.M), code
