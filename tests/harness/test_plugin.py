"""The pytest plugin's options mirror the environment variables and win over them; the
project root is pytest's rootdir; with neither, the defaults live under the root."""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from netpol_harness import project

# The inner runs' own asserts pass or fail alike without pytest's rewriting, which (for the
# plugin's and hypothesis' modules, marked for it as pytest11 plugins) is most of the start-up
# of each run here when bytecode is not cached: 3.2 s of CPU against 1.3 s with plain asserts.
PLAIN = ("-p", "no:cacheprovider", "--assert=plain")

PROBE = textwrap.dedent('''
    import json
    from netpol_harness import project

    def test_print_settings(helm):
        print("SETTINGS", json.dumps({"root": str(project.root()), "cache": str(project.cache_dir()),
                                      "cached": project.cache_enabled(), "real": project.real_cluster(),
                                      "helm": helm}))
''')


def settings_seen(tmp_path: Path, *options: str, env: dict[str, str] | None = None) -> dict:
    (tmp_path / "test_probe.py").write_text(PROBE)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NETPOL_")}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", *PLAIN, *options],
                            cwd=tmp_path, capture_output=True, text=True, env={**clean, **(env or {})}, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(l for l in result.stdout.splitlines() if "SETTINGS" in l)
    return json.loads(line.split("SETTINGS", 1)[1])


@pytest.fixture
def saved_settings():
    before = dataclasses.replace(project._settings)
    yield
    project.configure(**dataclasses.asdict(before))


def test_without_options_the_cache_lives_under_the_rootdir(tmp_path, default_helm):
    seen = settings_seen(tmp_path, f"--netpol-helm={default_helm}")
    assert seen["root"] == str(tmp_path)
    assert seen["cache"] == str(tmp_path / ".cache" / "render")
    assert seen["cached"] is True and seen["real"] is False


def test_options_win_over_the_environment(tmp_path, default_helm):
    env = {project.CACHE_DIR_ENV: str(tmp_path / "from-env"), project.NO_CACHE_ENV: "0", project.HELM_ENV: "/nowhere/helm"}
    seen = settings_seen(tmp_path, f"--netpol-helm={default_helm}", "--netpol-cache-dir=from-option", "--netpol-no-cache",
                         env=env)
    assert seen["helm"] == default_helm
    assert seen["cache"] == str(tmp_path / "from-option")
    assert seen["cached"] is False


def test_environment_variables_still_work_without_options(tmp_path, default_helm):
    env = {project.CACHE_DIR_ENV: str(tmp_path / "from-env"), project.NO_CACHE_ENV: "1", project.HELM_ENV: default_helm,
           project.REAL_CLUSTER_ENV: "1"}
    seen = settings_seen(tmp_path, env=env)
    assert seen == {"root": str(tmp_path), "cache": str(tmp_path / "from-env"), "cached": False, "real": True,
                    "helm": default_helm}


def test_a_pinned_version_names_a_binary_under_the_roots_tools_folder(tmp_path, saved_settings, default_helm):
    pinned = tmp_path / ".tools" / "helm" / "3.19.0" / "helm"
    pinned.parent.mkdir(parents=True)
    pinned.symlink_to(default_helm)
    project.configure(root=tmp_path, helm=None)
    from netpol_harness.helm.binary import HelmNotFound, helm_binary

    assert helm_binary("3.19") == str(pinned)
    assert helm_binary("3.19.0") == str(pinned)
    with pytest.raises(HelmNotFound, match=r"no pinned helm 4.3 .*pinned: 3.19.0"):
        helm_binary("4.3")


LEAK_PROBE = textwrap.dedent('''
    from netpol_harness.helm.binary import helm_binary

    def test_a_first_under_each_helm(helm):
        assert helm_binary() == helm  # renders that name no helm use the test's

    def test_b_then_one_without_helm():
        print("DEFAULT", helm_binary())
''')


def test_several_helms_run_each_helm_test_per_helm_and_nothing_carries_over(tmp_path):
    tools = Path(project.tools_dir())
    for version in ("3.10.1", "4.3.1"):
        target = tmp_path / ".tools" / "helm" / version / "helm"
        target.parent.mkdir(parents=True)
        target.symlink_to(tools / "helm" / version / "helm")
    (tmp_path / ".tools" / "bin").mkdir()
    (tmp_path / ".tools" / "bin" / "helm").symlink_to(tools / "helm" / "3.19.0" / "helm")
    (tmp_path / "test_leak.py").write_text(LEAK_PROBE)
    (tmp_path / "pytest.ini").write_text("[pytest]\nnetpol_helm = 3.10, 4.3\n")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NETPOL_")}
    result = subprocess.run([sys.executable, "-m", "pytest", "-v", "-s", *PLAIN],
                            cwd=tmp_path, capture_output=True, text=True, env=clean, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "test_a_first_under_each_helm[helm3.10] PASSED" in result.stdout
    assert "test_a_first_under_each_helm[helm4.3] PASSED" in result.stdout
    assert f"DEFAULT {tmp_path / '.tools' / 'bin' / 'helm'}" in result.stdout


DATAPLANE_PROBE = textwrap.dedent('''
    import pytest

    POLICY = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "p"},
              "spec": {"podSelector": {"matchLabels": {"app": "b"}}, "policyTypes": ["Ingress"],
                       "ingress": [{"from": [{"ipBlock": {"cidr": "10.244.0.0/16"}}]}]}}
    PODS = [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": n, "labels": {"app": n}},
             "status": {"podIP": ip}} for n, ip in (("a", "10.244.1.1"), ("b", "10.244.1.2"))]

    def test_fixture(dataplane, net_from):
        net = net_from([POLICY, *PODS])
        print("VERDICT", dataplane.name, net.verdict("default/a", "default/b", 80).allowed)

    @pytest.mark.dataplanes("kubernetes", "cilium")
    def test_marked(net_from):
        net_from([POLICY, *PODS])
''')


def run_probe(tmp_path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_dataplanes.py").write_text(DATAPLANE_PROBE)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    return subprocess.run([sys.executable, "-m", "pytest", "-v", "-s", *PLAIN, *options],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)


def test_a_test_runs_under_each_dataplane_its_marker_or_the_option_names(tmp_path):
    plain = run_probe(tmp_path)
    assert "VERDICT kubernetes True" in plain.stdout and "3 passed" in plain.stdout
    assert "test_fixture[" not in plain.stdout  # not parametrized without an option
    assert "test_marked[kubernetes]" in plain.stdout and "test_marked[cilium]" in plain.stdout
    chosen = run_probe(tmp_path, "--netpol-dataplane=calico,cilium")
    assert "VERDICT calico True" in chosen.stdout and "VERDICT cilium False" in chosen.stdout
    assert "test_fixture[calico]" in chosen.stdout and "4 passed" in chosen.stdout


def test_an_unknown_dataplane_option_is_a_usage_error(tmp_path):
    result = run_probe(tmp_path, "--netpol-dataplane=weave")
    assert result.returncode == 4
    assert "--netpol-dataplane: unknown dataplane 'weave'" in result.stderr
