"""The pinned Helm CLIs: each is the version its pin names, the suite runs every one of
them, and a binary whose sha256 differs from its pin is caught."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from netpol_harness.helm.binary import HelmNotFound, helm_binary, helm_version, pinned_binaries
from netpol_harness.project import root as repo_root

BOOTSTRAP = repo_root() / "scripts" / "bootstrap-helm"
PINS = repo_root() / "scripts" / "helm-pins.txt"


def pins() -> dict[str, str]:
    """version -> sha256, read the way the pins file says Python should."""
    rows = [line.split() for line in PINS.read_text().splitlines() if line.strip() and not line.startswith("#")]
    assert all(len(r) == 5 for r in rows), rows
    return {r[0]: r[3] for r in rows}


def check(tools: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **({"NETPOL_TOOLS_DIR": str(tools)} if tools else {})}
    return subprocess.run([str(BOOTSTRAP), "--check"], capture_output=True, text=True, env=env, timeout=120)


def test_every_pinned_binary_is_installed_and_is_the_version_its_pin_names():
    installed = pinned_binaries()
    assert sorted(installed) == sorted(pins())
    for version, path in installed.items():
        assert ".".join(map(str, helm_version(str(path)))) == version


def test_the_suite_runs_every_pinned_helm(pytestconfig):
    named = pytestconfig.getini("netpol_helm")
    assert sorted(named) == sorted(".".join(v.split(".")[:2]) for v in pins())


def test_installed_binaries_match_their_pinned_hashes():
    result = check()
    assert result.returncode == 0, result.stdout + result.stderr
    for version in pins():
        assert f"helm {version}: ok" in result.stdout


def test_a_binary_whose_hash_differs_from_its_pin_fails_the_check(tmp_path):
    tools = tmp_path / ".tools"
    for version, path in pinned_binaries().items():
        target = tools / "helm" / version / "helm"
        target.parent.mkdir(parents=True)
        shutil.copyfile(path, target)
    tampered = tools / "helm" / "3.19.0" / "helm"
    with tampered.open("ab") as handle:
        handle.write(b"\0")
    result = check(tools)
    assert result.returncode == 1
    assert f"helm 3.19.0: MISMATCH {tampered}" in result.stderr
    assert "helm 3.10.1: ok" in result.stdout and "helm 4.3.1: ok" in result.stdout


def test_pinned_version_specs_name_the_installed_binaries(pytestconfig):
    for spec in pytestconfig.getini("netpol_helm"):
        assert Path(helm_binary(spec)).parent.name.startswith(spec + ".")


@pytest.mark.parametrize("spec", ["2.17", "3.99"])
def test_a_version_that_is_not_pinned_is_an_error_that_says_run_make_setup(spec):
    with pytest.raises(HelmNotFound, match="make setup"):
        helm_binary(spec)
