"""What a user of the package can follow: one version everywhere (the package, `netpol
--version`, the Helm plugin, the changelog's newest release), a license and classifiers."""
from __future__ import annotations

import re
import tomllib

import yaml

from netpol_harness.cli import main
from netpol_harness.project import root as repo_root

ROOT = repo_root()
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_netpol_version_prints_the_packages_version(capsys):
    try:
        main(["--version"])
    except SystemExit as stop:  # argparse's version action exits 0
        assert stop.code == 0
    assert capsys.readouterr().out.strip() == f"netpol {PROJECT['version']}"


def test_the_changelogs_newest_release_is_the_packages_version_and_unreleased_comes_first():
    releases = re.findall(r"^## \[([^\]]+)\]", (ROOT / "CHANGELOG.md").read_text(), flags=re.M)
    assert releases[:2] == ["Unreleased", PROJECT["version"]]


def test_the_helm_plugin_has_the_packages_version():
    assert yaml.safe_load((ROOT / "helm-plugin" / "plugin.yaml").read_text())["version"] == PROJECT["version"]


def test_the_package_is_apache_2_0_with_its_license_text_and_says_what_it_is_for():
    assert PROJECT["license"] == "Apache-2.0" and PROJECT["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().split()[:4] == ["Apache", "License", "Version", "2.0,"]
    assert {"Framework :: Pytest", "Topic :: Software Development :: Testing", "Typing :: Typed"} <= set(
        PROJECT["classifiers"])
