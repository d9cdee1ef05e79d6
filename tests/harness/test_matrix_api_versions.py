"""A cases file's `apiVersions` (and `netpol matrix --api-versions`) reach every render of
the matrix as helm --api-versions, in batches and alone, and key the render cache: a chart
that needs `cilium.io/v2/CiliumNetworkPolicy` fails with its own message without them and
renders with them, whatever ran before."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from netpol_harness.cases import SPEC_KEYS, MatrixSpec, load_spec
from netpol_harness.helm.batch import BatchRenderer
from netpol_harness.helm.template import cached_render, render
from netpol_harness.runner import run_matrix

CHART = Path(__file__).parents[1] / "data" / "charts" / "cilium-capability"
CILIUM = ["cilium.io/v2/CiliumNetworkPolicy"]
FACTORS = {"apiServerCIDR": ["10.0.0.0/24", "10.1.0.0/24", "192.0.2.0/28", "198.51.100.0/30"]}
REFUSAL = "does not serve cilium.io/v2/CiliumNetworkPolicy"


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NETPOL_CACHE_DIR", str(tmp_path / "cache"))


def spec_file(tmp_path: Path, **extra) -> Path:
    path = tmp_path / "matrix.yaml"
    path.write_text(yaml.safe_dump({"factors": FACTORS, **extra}))
    return path


def test_the_cases_file_reads_api_versions(tmp_path):
    assert "apiVersions" in SPEC_KEYS
    assert load_spec(spec_file(tmp_path, apiVersions=CILIUM + ["example.com/v1"])).api_versions == \
        ("cilium.io/v2/CiliumNetworkPolicy", "example.com/v1")
    assert load_spec(spec_file(tmp_path)).api_versions == ()
    for bad in ("cilium.io/v2", ["cilium.io/v2 --debug"], ["--set=x"], [1], ["a/b/c/d"]):
        with pytest.raises(ValueError, match="apiVersions must be a list of GROUP/VERSION"):
            load_spec(spec_file(tmp_path, apiVersions=bad))


@pytest.mark.helm
def test_without_api_versions_every_case_fails_with_the_charts_message(default_helm):
    result = run_matrix(CHART, MatrixSpec(FACTORS).cases(), ("render",), helm=default_helm, workers=1)
    assert len(result.failed) == len(FACTORS["apiServerCIDR"])
    assert all(REFUSAL in f.message for o in result.outcomes for f in o.failures)


@pytest.mark.helm
def test_with_api_versions_every_case_renders_in_batches_and_alone(default_helm):
    cases = MatrixSpec(FACTORS).cases()
    result = run_matrix(CHART, cases, ("render", "kubernetes"), helm=default_helm, workers=1, batch=4,
                        keep_objects=True, api_versions=CILIUM)
    assert result.ok, result.summary()
    assert result.render_stats["batches"] >= 1  # the umbrella chart got the flag too
    for outcome in result.outcomes:
        alone = render(CHART, values=outcome.case.values, helm=default_helm, cache=False,
                       extra_args=["--api-versions", CILIUM[0]])
        assert outcome.objects == alone.objects
        assert outcome.objects[0]["spec"]["egress"][0]["toCIDR"] == [outcome.case.values["apiServerCIDR"]]


@pytest.mark.helm
def test_a_render_cached_without_api_versions_never_answers_one_with_them(default_helm):
    values = {"apiServerCIDR": "10.0.0.0/24"}
    renderer = BatchRenderer(CHART, helm=default_helm)
    assert not renderer.render([values, {"apiServerCIDR": "10.1.0.0/24"}])[0].ok  # the batch failed: each alone
    assert not cached_render(CHART, values=values, helm=default_helm).ok  # helm's failure is in the cache
    with_flags = BatchRenderer(CHART, helm=default_helm, api_versions=tuple(CILIUM))
    first = with_flags.render([values, {"apiServerCIDR": "10.1.0.0/24"}])
    assert all(r.ok for r in first) and with_flags.stats["cached"] == 0
    assert cached_render(CHART, values=values, helm=default_helm, batch=True,
                         extra_args=["--api-versions", CILIUM[0]]).ok
    assert cached_render(CHART, values=values, helm=default_helm, batch=True) is None
    again = BatchRenderer(CHART, helm=default_helm, api_versions=tuple(CILIUM))
    assert all(r.ok for r in again.render([values])) and again.stats["cached"] == 1


@pytest.mark.helm
def test_helm_4s_engine_falls_back_to_the_cli_for_api_versions(default_helm):
    with pytest.warns(RuntimeWarning, match="takes no --api-versions"):
        result = run_matrix(CHART, MatrixSpec(FACTORS).cases()[:2], ("render",), engine="sdk", helm=default_helm,
                            workers=1, api_versions=CILIUM)
    assert result.ok and result.engine == "cli"


@pytest.mark.helm
@pytest.mark.parametrize("spec_extra, flags, code", [
    ({}, [], 1),
    ({"apiVersions": CILIUM}, [], 0),
    ({}, ["--api-versions", CILIUM[0]], 0),
])
def test_netpol_matrix_takes_api_versions_from_the_file_or_the_command_line(default_helm, tmp_path, spec_extra,
                                                                            flags, code):
    out = subprocess.run([sys.executable, "-m", "netpol_harness.cli", "matrix", str(CHART),
                          "--cases", str(spec_file(tmp_path, **spec_extra)), "--helm", default_helm, "--check", "render",
                          "--no-progress", "--workers", "1", *flags], capture_output=True, text=True, timeout=300)
    assert out.returncode == code, out.stdout + out.stderr
    assert (REFUSAL in out.stdout) == (code == 1)
