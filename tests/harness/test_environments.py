"""A values file's `# needs: cilium` renders as a cluster running Cilium would: offline
`helm template` is told cilium.io/v2 is served, and `lookup` installs see it in the
in-memory API server's discovery. The chart stops the render without the capability."""
from __future__ import annotations

from pathlib import Path

import pytest

from netpol_harness.environments import Example, needs_of, run_example, template_args

CILIUM_CHART = Path(__file__).parents[1] / "data" / "charts" / "cilium-capability"


def example(tmp_path: Path, header: str) -> Example:
    path = tmp_path / "values.yaml"
    path.write_text(f"{header}\napiServerCIDR: 10.0.0.0/24\n")
    return Example(CILIUM_CHART, path, needs_of(path))


def test_the_cilium_need_is_read_beside_the_others(tmp_path):
    assert example(tmp_path, "# needs: lookup, cilium").needs == {"lookup", "cilium"}
    assert template_args({"cilium"}) == ["--api-versions", "cilium.io/v2/CiliumNetworkPolicy"]
    assert template_args({"lookup"}) == template_args(set()) == []


@pytest.mark.helm
def test_without_the_need_the_chart_stops_the_render(tmp_path, default_helm):
    outcome = run_example(example(tmp_path, "# needs: nothing"), release="r", namespace="default", helm=default_helm)
    assert outcome.error and "does not serve cilium.io/v2/CiliumNetworkPolicy" in outcome.error
    assert outcome.how == "helm template (offline)"


@pytest.mark.helm
def test_template_is_told_the_cilium_api_version(tmp_path, default_helm):
    outcome = run_example(example(tmp_path, "# needs: cilium"), release="r", namespace="default", helm=default_helm)
    assert outcome.error is None, outcome.error
    assert [(o["kind"], o["metadata"]["name"]) for o in outcome.objects] == [("CiliumNetworkPolicy", "r-egress")]
    assert outcome.how == "helm template --api-versions cilium.io/v2/CiliumNetworkPolicy (offline)"


@pytest.mark.helm
def test_lookup_installs_see_cilium_in_discovery(tmp_path, default_helm):
    outcome = run_example(example(tmp_path, "# needs: lookup, cilium"), release="r", namespace="default",
                          helm=default_helm)
    assert outcome.error is None, outcome.error
    assert outcome.how.startswith("helm install into the in-memory API server")
    assert [o["kind"] for o in outcome.objects] == ["CiliumNetworkPolicy"]
