"""Kubernetes schema versions: the newest `kubernetes-validate` that works, the schemas of
exactly the version asked for, and a version it has no schemas for an error that lists
the ones it has (issue 24, item 12), never a silent fallback to an older one."""
from __future__ import annotations

import subprocess
import sys

import pytest
from packaging.version import Version

from netpol_harness.check import validate_all, validate_kubernetes
from netpol_harness.check.kubernetes import (UnsupportedKubernetesVersion, check_kubernetes_version, schema_dir,
                                             supported_versions)
from netpol_harness.project import root as repo_root

TWOTIER = repo_root() / "tests" / "data" / "harness" / "charts" / "twotier"

# spec.hostnameOverride came with Kubernetes 1.34: unknown to the 1.33 schemas.
POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
       "spec": {"hostnameOverride": "web-0", "containers": [{"name": "web", "image": "nginx"}]}}


def test_the_pinned_schemas_reach_at_least_kubernetes_1_37():
    assert {"1.33", "1.35", "1.37"} <= set(supported_versions())


def test_the_supported_versions_are_what_kubernetes_validate_says_it_has():
    from kubernetes_validate.utils import all_versions, major_minor
    assert supported_versions() == sorted({major_minor(v) for v in all_versions()}, key=Version)


def test_1_35_validates_against_the_1_35_schemas_not_the_1_33_ones():
    assert validate_kubernetes([POD], "1.35") == []
    assert schema_dir("1.35").name == "v1.35.0-local-strict"
    assert any("hostnameOverride" in e for e in validate_kubernetes([POD], "1.33"))


@pytest.mark.parametrize("version", ["1.99", "1.38", "v1.38.1", "1.10"])
def test_a_version_without_schemas_is_an_error_listing_the_versions_there_are(version):
    with pytest.raises(UnsupportedKubernetesVersion) as caught:
        check_kubernetes_version(version)
    message = str(caught.value)
    assert "\n" not in message and f"no Kubernetes schemas for {version}" in message
    assert ", ".join(supported_versions()) in message


@pytest.mark.parametrize("version", ["banana", "1", "1.35foo", ""])
def test_a_version_that_is_no_version_is_an_error_saying_how_to_write_one(version):
    with pytest.raises(UnsupportedKubernetesVersion, match="is not a Kubernetes version"):
        check_kubernetes_version(version)


def test_a_patch_release_or_a_v_prefix_names_its_minor():
    assert check_kubernetes_version("v1.35.2") == "1.35"
    assert schema_dir("1.28.4").name == "v1.28.0-local-strict"


def test_schema_dir_no_longer_falls_back_to_the_newest_older_schemas():
    with pytest.raises(UnsupportedKubernetesVersion, match="1.99"):
        schema_dir("1.99")


@pytest.mark.parametrize("engine", ["python", "kubeconform"])
def test_validate_kubernetes_refuses_an_unknown_version_whatever_engine_runs(engine):
    # Checked before any engine runs: kubeconform need not be on PATH to get the same answer.
    with pytest.raises(UnsupportedKubernetesVersion, match="no Kubernetes schemas for 1.99"):
        validate_kubernetes([POD], "1.99", engine=engine)


def test_validate_kubernetes_refuses_an_unknown_version_even_with_nothing_to_check():
    with pytest.raises(UnsupportedKubernetesVersion):
        validate_kubernetes([], "1.99")


def test_validate_all_goes_through_the_same_check():
    with pytest.raises(UnsupportedKubernetesVersion, match="it has 1.25"):
        validate_all([POD], "1.99")


@pytest.mark.helm
def test_validate_cli_with_a_version_without_schemas_exits_2_with_one_line(default_helm):
    out = subprocess.run([sys.executable, "-m", "netpol_harness.cli", "validate", str(TWOTIER), "--helm", default_helm,
                          "--kubernetes-version", "1.99"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2, out.stderr
    assert out.stderr.count("\n") == 1 and "no Kubernetes schemas for 1.99" in out.stderr
    assert "1.37" in out.stderr and "Traceback" not in out.stderr
