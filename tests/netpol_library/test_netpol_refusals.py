"""Values that could widen a policy are refused, never read generously."""
from __future__ import annotations

import pytest
from test_netpol_library import assert_fails_with, egress, ingress, spec_of

P = "policies[0]"
ALLOW_ALL = {"name": "evil", "podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]}


def test_a_built_key_in_a_spec_is_not_taken_for_a_build():
    # Only netpol.policy.fromBuild reads a build; the spec is still checked and rendered.
    spec = spec_of({**egress({"to": [{"cidr": "10.0.0.0/8"}]}), "built": ALLOW_ALL})
    assert spec["egress"] == [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}]
    assert_fails_with({**egress({"to": [{"cidr": "bad"}]}), "built": ALLOW_ALL}, f"{P}.egress[0].to[0].cidr")


@pytest.mark.parametrize("openshift", ["false", "true", "yes", 1])
def test_host_network_openshift_must_be_the_boolean_true(openshift):
    assert_fails_with(ingress({"from": [{"hostNetwork": {"openshift": openshift}}]}),
                      f"{P}.ingress[0].from[0].hostNetwork.openshift", "not a boolean")


def test_host_network_refuses_keys_it_does_not_know():
    assert_fails_with(ingress({"from": [{"hostNetwork": {"cidr": "10.0.0.0/8"}}]}),
                      f'{P}.ingress[0].from[0].hostNetwork: unknown key "cidr"')
