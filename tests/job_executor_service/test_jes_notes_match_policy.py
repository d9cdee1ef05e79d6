"""NOTES.txt describes the very addresses the egress policy holds.

Both are rendered from one build of the policy per render: a host name with several
addresses resolves to one of them at random on every `getHostByName`, and `lookup`
asks the API server each time it runs, so building twice could name one address in
the policy and another in NOTES.
"""
from __future__ import annotations

import re

import pytest

from netpol_harness.helm.resolver import make_resolver, unavailable_reason

pytestmark = pytest.mark.helm

MANY = [f"203.0.113.{n}" for n in range(40, 48)]  # one name, eight addresses


def remote_addresses(objects: list[dict]) -> set[str]:
    (policy,) = [o for o in objects if o.get("kind") == "NetworkPolicy" and o["metadata"]["name"].endswith("-egress")]
    return {peer["ipBlock"]["cidr"] for rule in policy["spec"]["egress"] for peer in rule.get("to", [])
            if "ipBlock" in peer and peer["ipBlock"]["cidr"].startswith("203.0.113.")}


def test_notes_name_the_address_the_policy_resolved_for_a_name_with_several(render, chart_dir, tmp_path):
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"no controlled resolver: {reason}")
    resolver = make_resolver({"many.example.com": MANY}, tmp_path)
    values = {"remoteControlPlane": {"api": {"hostname": "many.example.com"}},
              "networkPolicy": {"egress": {"enabled": True, "k8sMasterCIDR": "10.0.0.10/32", "k8sMasterPort": 6443}}}
    chosen = set()
    for _ in range(10):
        result = render(chart_dir("job-executor-service"), values=values, wrapper=resolver, enable_dns=True,
                        notes=True, cache=False)
        assert result.ok, result.stderr
        (address,) = remote_addresses(result.objects)
        assert re.findall(r"many\.example\.com resolved to (\S+) ", result.notes) == [address.removesuffix("/32")]
        chosen.add(address)
    # The resolver does answer at random, so a second resolution would have shown here.
    assert len(chosen) > 1, chosen


def test_one_install_looks_the_api_server_up_once_for_the_policy_and_its_notes(kubeapi, chart_dir):
    kubeapi.seed("single-master")
    run = kubeapi.helm().install(kubeapi.release_name(), chart_dir("job-executor-service"),
                                 values={"networkPolicy": {"egress": {"enabled": True}}})
    assert run.ok, run.error
    slice_reads = [r for r in kubeapi.requests if r.method == "GET" and r.path.endswith("/endpointslices")]
    assert len(slice_reads) == 1, [(r.method, r.path) for r in kubeapi.requests]
    assert "Kubernetes API server at 10.0.0.10/32, 6443/TCP (autodetected from the EndpointSlice" in run.stdout



@pytest.mark.parametrize("key", ["netpolBuilt", "netpol:built:egress"])
def test_values_cannot_stand_in_for_the_policy_build(render, chart_dir, key):
    # The build is kept where values cannot reach; a values key of the same name is just ignored.
    values = {"networkPolicy": {"egress": {"enabled": True, "k8sMasterCIDR": "10.0.0.10/32", "k8sMasterPort": 6443}},
              key: {"egress": {"name": "evil", "podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]}}}
    result = render(chart_dir("job-executor-service"), values=values, notes=True)
    assert result.ok, result.stderr
    (policy,) = [o for o in result.objects if o.get("kind") == "NetworkPolicy" and o["metadata"]["name"].endswith("-egress")]
    assert policy["spec"]["podSelector"]["matchLabels"]
    assert {} not in policy["spec"]["egress"]
    assert "evil" not in result.stdout + (result.notes or "")
