"""The Helm plugin (helm-plugin/): `helm netpol COMMAND ...` is `netpol COMMAND ...` rendering
with the helm that ran it. One folder installs on every pinned helm, Helm 3 and Helm 4 alike
(it is in the legacy plugin format, which Helm 4 still loads); each test runs once per helm,
with the plugin installed into helm homes of its own under tmp_path."""
from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from netpol_harness.helm.binary import helm_version
from netpol_harness.project import root as repo_root

PLUGIN = repo_root() / "helm-plugin"
SCRIPT = PLUGIN / "bin" / "helm-netpol"
TINY = repo_root() / "tests" / "data" / "harness" / "charts" / "tiny"
VENV_BIN = Path(sys.executable).parent  # where the harness's `netpol` console script is
HARNESS_VERSION = importlib.metadata.version("netpol-harness")


class PluginHelm:
    """A helm with the plugin installed into private homes, run with `path` as PATH."""

    def __init__(self, helm: str, home: Path) -> None:
        self.helm = helm
        self.home = home
        self.path = f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"
        data = home / "data"
        self.env = {key: value for key, value in os.environ.items() if not key.startswith(("HELM_", "NETPOL_HELM"))}
        # HELM_PLUGINS is the default, $HELM_DATA_HOME/plugins: helm 4.3.1 installs into that
        # folder whatever HELM_PLUGINS says, while it lists and runs from HELM_PLUGINS.
        self.env.update(HELM_DATA_HOME=str(data), HELM_PLUGINS=str(data / "plugins"),
                        HELM_CONFIG_HOME=str(home / "config"), HELM_CACHE_HOME=str(home / "cache"))

    def __call__(self, *args: str, helm: str | None = None,
                 path: str | None = None) -> subprocess.CompletedProcess[str]:
        # The project root of the harness is the current directory: its render cache goes to tmp.
        return subprocess.run([helm or self.helm, *args], capture_output=True, text=True, timeout=60,
                              cwd=self.home, env={**self.env, "PATH": path or self.path})


@pytest.fixture
def plugin_helm(helm: str, tmp_path: Path) -> PluginHelm:
    run = PluginHelm(helm, tmp_path)
    installed = run("plugin", "install", str(PLUGIN))
    assert installed.returncode == 0, installed.stderr
    assert "Installed plugin: netpol" in installed.stdout
    return run


def bin_dir(folder: Path, **scripts: str) -> str:
    """A PATH folder holding the named shell scripts."""
    folder.mkdir()
    for name, body in scripts.items():
        script = folder / name
        script.write_text("#!/bin/sh\n" + body)
        script.chmod(0o755)
    return str(folder)


def helm_version_chart(folder: Path) -> Path:
    """A chart whose one ConfigMap names the helm that rendered it."""
    (folder / "templates").mkdir(parents=True)
    (folder / "Chart.yaml").write_text("apiVersion: v2\nname: whichhelm\nversion: 0.1.0\n")
    (folder / "templates" / "configmap.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: which-helm\n"
        "data:\n  helm: {{ .Capabilities.HelmVersion.Version | quote }}\n")
    return folder


def rendered_by(stdout: str) -> str:
    [configmap] = [doc for doc in yaml.safe_load_all(stdout) if doc]
    return configmap["data"]["helm"]


def test_the_plugin_version_is_the_harness_version():
    assert yaml.safe_load((PLUGIN / "plugin.yaml").read_text())["version"] == HARNESS_VERSION


def test_the_plugin_command_is_executable_in_git():
    # helm runs the script itself: without the executable bit a clone's plugin cannot start.
    assert os.access(SCRIPT, os.X_OK)
    staged = subprocess.run(["git", "ls-files", "--stage", str(SCRIPT)], capture_output=True, text=True,
                            cwd=repo_root())
    if staged.returncode != 0 or not staged.stdout:
        pytest.skip("not a git checkout, or the script is not committed yet")
    assert staged.stdout.split()[0] == "100755"


def test_helm_plugin_list_shows_netpol_with_the_harness_version(plugin_helm):
    listed = plugin_helm("plugin", "list")
    assert listed.returncode == 0, listed.stderr
    rows = [line.split() for line in listed.stdout.splitlines()]
    assert ["netpol", HARNESS_VERSION] in [row[:2] for row in rows]


def test_helm_netpol_version_prints_the_harness_version(plugin_helm):
    shown = plugin_helm("netpol", "--version")
    assert (shown.returncode, shown.stdout.strip()) == (0, f"netpol {HARNESS_VERSION}"), shown.stderr


def test_helm_netpol_render_renders_a_chart(plugin_helm):
    rendered = plugin_helm("netpol", "render", str(TINY))
    assert rendered.returncode == 0, rendered.stderr
    [configmap] = [doc for doc in yaml.safe_load_all(rendered.stdout) if doc]
    assert (configmap["kind"], configmap["data"]["message"]) == ("ConfigMap", "hello")


def test_the_harness_renders_with_the_helm_that_ran_the_plugin_not_the_one_on_path(plugin_helm, tmp_path):
    decoy_ran = tmp_path / "decoy-ran"
    decoy = bin_dir(tmp_path / "decoy", helm=f"echo \"$@\" >> '{decoy_ran}'\nexit 1\n")
    rendered = plugin_helm("netpol", "render", str(helm_version_chart(tmp_path / "chart")),
                           path=os.pathsep.join([str(VENV_BIN), decoy, os.environ.get("PATH", "")]))
    assert rendered.returncode == 0, rendered.stderr
    assert rendered_by(rendered.stdout) == "v" + ".".join(map(str, helm_version(plugin_helm.helm)))
    assert not decoy_ran.exists()


def test_a_helm_started_by_its_bare_name_from_path_is_found_there(plugin_helm, tmp_path):
    # helm hands the plugin its argv[0] as HELM_BIN: here "helm", which the plugin looks up on PATH.
    on_path = tmp_path / "on-path"
    on_path.mkdir()
    (on_path / "helm").symlink_to(plugin_helm.helm)
    rendered = plugin_helm("netpol", "render", str(helm_version_chart(tmp_path / "chart")), helm="helm",
                           path=os.pathsep.join([str(VENV_BIN), str(on_path), os.environ.get("PATH", "")]))
    assert rendered.returncode == 0, rendered.stderr
    assert rendered_by(rendered.stdout) == "v" + ".".join(map(str, helm_version(plugin_helm.helm)))


def test_the_users_arguments_reach_netpol_unchanged_and_helms_global_flags_stay_with_helm(plugin_helm, tmp_path):
    stub = bin_dir(tmp_path / "stub", netpol='echo "NETPOL_HELM=$NETPOL_HELM"\nfor a in "$@"; do echo "$a"; done\n')
    given = ["report", "CHART", "--diff", "a b.yaml", "b.yaml", "-f", "x.yaml", "--set", "k=v", "-nprod", "--help"]
    seen = plugin_helm("netpol", *given, "-n", "ignored", "--debug",
                       path=os.pathsep.join([stub, os.environ.get("PATH", "")]))
    assert seen.returncode == 0, seen.stderr
    # -n NS and --debug are helm's own flags, read by helm before the plugin runs;
    # a namespace for the harness is written in one word (-nprod), which helm passes on.
    assert seen.stdout.splitlines() == [f"NETPOL_HELM={plugin_helm.helm}", *given]


def test_without_a_netpol_command_the_plugin_runs_the_harness_module(plugin_helm, tmp_path):
    python = bin_dir(tmp_path / "python", python3=f"exec '{sys.executable}' \"$@\"\n")
    shown = plugin_helm("netpol", "--version", path=python)
    assert (shown.returncode, shown.stdout.strip()) == (0, f"netpol {HARNESS_VERSION}"), shown.stderr


def test_without_the_harness_the_plugin_says_in_one_line_how_to_install_it(plugin_helm, tmp_path):
    shown = plugin_helm("netpol", "render", str(TINY), path=bin_dir(tmp_path / "empty"))
    assert shown.returncode == 127
    ours = [line for line in shown.stderr.splitlines() if line.startswith("helm netpol:")]
    assert len(ours) == 1 and ours[0].endswith("install it with: pip install netpol-harness")
