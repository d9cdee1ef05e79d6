"""Fuzzed values for network-policies, under every helm and every dataplane switch (drawn
like any value, and the examples of each): each render is a clear error (a message
naming a value path that exists) or policies the API server takes that allow no more
than the values asked for, the CiliumNetworkPolicies included (the cluster serves
Cilium's API: --api-versions). Cases it found are kept in
test_network_policies_fuzz_findings.py."""
from __future__ import annotations

import pytest
import yaml

from netpol_harness.check.failclosed import asks_for_everyone
from netpol_harness.fuzz import examples_from_env, fuzz_chart
from netpol_harness.helm.binary import helm_version
from netpol_harness.helm.template import render
from netpol_harness.project import cache_dir, root as repo_root

pytestmark = [pytest.mark.helm, pytest.mark.slow]

CHART = repo_root() / "charts" / "network-policies"
BASES = [{}] + [yaml.safe_load(p.read_text()) or {}
                for p in sorted((repo_root() / "values-examples" / "network-policies").glob("*.yaml"))]
EXAMPLES_PER_HELM = examples_from_env(120)
DATAPLANES = ("kubernetes", "cilium", "openshift")
CILIUM_API = ["--api-versions", "cilium.io/v2/CiliumNetworkPolicy"]


def dataplane_of(merged: dict) -> str:
    """The dataplane the case rendered for: `dataplane`, or openshift for the deprecated key."""
    if merged.get("openshift") is True and merged.get("dataplane") in (None, "", "kubernetes"):
        return "openshift"
    value = merged.get("dataplane") or "kubernetes"  # null or "" is the default
    return value if value in DATAPLANES else "not a dataplane"


def asks_for_open_rules(merged: dict) -> bool:
    """Where this chart's values ask for a rule open to every peer: allowAll, the
    namespace-wide allow-all defaults, and a webhook open to anywhere (the default mode
    off OpenShift)."""
    defaults = merged.get("namespaceDefaults") if isinstance(merged.get("namespaceDefaults"), dict) else {}
    if defaults.get("allowAllIngress") is True or defaults.get("allowAllEgress") is True:
        return True
    components = merged.get("components") if isinstance(merged.get("components"), dict) else {}
    for component in components.values():
        webhook = component.get("webhook") if isinstance(component, dict) else None
        if isinstance(webhook, dict) and webhook.get("mode", "anywhere") == "anywhere":
            return True
    return asks_for_everyone(merged)


def test_fuzzed_values_render_fail_closed_or_stop_with_a_clear_message(helm):
    version = ".".join(map(str, helm_version(helm)))
    tally = fuzz_chart(CHART, BASES, lambda values: render(CHART, values=values, release="np", namespace="apps",
                                                           extra_args=CILIUM_API),
                       examples=EXAMPLES_PER_HELM, everyone_allowed=asks_for_open_rules, group=dataplane_of,
                       record=cache_dir().parent / "fuzz" / f"network-policies-{version}.json")
    assert tally.cases >= EXAMPLES_PER_HELM // 2  # distinct values files; hypothesis draws some twice
    assert tally.violations == 0
    assert tally.clear_errors and tally.valid_renders, "the generator must reach both outcomes"
    for dataplane in DATAPLANES:
        assert tally.groups[dataplane].valid_renders, f"no valid render with dataplane={dataplane}"
