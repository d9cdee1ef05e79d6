"""Fuzzed values for job-executor-service, under every helm and every dataplane switch
(the schema's kubernetes, cilium and openshift, drawn like any value, and the examples of
each): each render is a clear error (a message naming a value path that exists) or
objects the API server takes that allow no more than the values asked for, the
CiliumNetworkPolicies included (the cluster serves Cilium's API: --api-versions).
`make fuzz` runs 5,000 and more; the cases it found are kept as regular tests in
test_jes_fuzz_findings.py."""
from __future__ import annotations

import pytest
import yaml

from netpol_harness.environments import EXAMPLE_HOSTS
from netpol_harness.fuzz import examples_from_env, fuzz_chart
from netpol_harness.helm.binary import helm_version
from netpol_harness.helm.resolver import make_resolver, unavailable_reason
from netpol_harness.helm.template import render
from netpol_harness.project import cache_dir, root as repo_root

pytestmark = [pytest.mark.helm, pytest.mark.slow]

CHART = repo_root() / "charts" / "job-executor-service"
EXAMPLES = sorted((repo_root() / "values-examples" / "job-executor-service").glob("*.yaml"))
BASES = [{}] + [yaml.safe_load(p.read_text()) or {} for p in EXAMPLES] + [
    {"networkPolicy": {"ingress": {"enabled": True},
                       "egress": {"enabled": True, "k8sMasterCIDR": "192.0.2.10/32", "k8sMasterPort": 6443}}},
]
# Handed to Kubernetes as written: the API server's to check, not the chart's.
OPAQUE = ("podSecurityContext", "securityContext", "resources", "nodeSelector", "tolerations", "affinity",
          "podAnnotations", "imagePullSecrets", "serviceAccount.annotations")
# What the chart adds by itself: the NodeLocal DNSCache default, the example names' addresses.
ADDED = ["169.254.20.10/32", *(f"{a}/32" for a in EXAMPLE_HOSTS.values())]
EXAMPLES_PER_HELM = examples_from_env(120)
DATAPLANES = ("kubernetes", "cilium", "openshift")
CILIUM_API = ["--api-versions", "cilium.io/v2/CiliumNetworkPolicy"]


def dataplane_of(merged: dict) -> str:
    """The switch the case rendered with (what the fuzzer wrote there, when it is none)."""
    value = (merged.get("networkPolicy") or {}).get("dataplane") if isinstance(merged.get("networkPolicy"), dict) else None
    value = value or "kubernetes"  # null or "" is the default
    return value if value in DATAPLANES else "not a dataplane"


def test_fuzzed_values_render_fail_closed_or_stop_with_a_clear_message(helm, tmp_path):
    # The example host names resolve (or not, per helm) the same way on every machine.
    wrapper = None if unavailable_reason() else make_resolver(EXAMPLE_HOSTS, tmp_path / "resolver")
    version = ".".join(map(str, helm_version(helm)))
    tally = fuzz_chart(CHART, BASES, lambda values: render(CHART, values=values, release="jes", namespace="keptn",
                                                           wrapper=wrapper, extra_args=CILIUM_API),
                       examples=EXAMPLES_PER_HELM, opaque=OPAQUE, also_allowed=ADDED, group=dataplane_of,
                       record=cache_dir().parent / "fuzz" / f"job-executor-service-{version}.json")
    assert tally.cases >= EXAMPLES_PER_HELM // 2  # distinct values files; hypothesis draws some twice
    assert tally.violations == 0
    assert tally.clear_errors and tally.valid_renders, "the generator must reach both outcomes"
    for dataplane in DATAPLANES:
        assert tally.groups[dataplane].valid_renders, f"no valid render with networkPolicy.dataplane={dataplane}"
