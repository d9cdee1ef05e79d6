"""What fuzzing network-policies' values found (issue 10), kept as tests: each bad value
stops the render with a message naming the value the user wrote, or renders what the
values mean. Numbers refer to the findings."""
from __future__ import annotations

import pytest

from netpol_harness.check import validate_all
from netpol_harness.assertions.render import render_fails
from netpol_harness.helm.template import RenderResult, render
from netpol_harness.project import root as repo_root

CHART = repo_root() / "charts" / "network-policies"
WEB = {"podSelector": {"app": "web"}}


def fails(values: dict, *fragments: str) -> str:
    return render_fails(CHART, *fragments, values=values, release="np")


def renders(values: dict) -> RenderResult:
    result = render(CHART, values=values, release="np")
    assert result.ok, result.stderr
    assert validate_all(result.objects) == []
    return result


# 2 ---------------------------------------------------------------------------------


def test_2_openshift_null_with_a_webhook_is_not_openshift():
    result = renders({"openshift": None, "components": {"api": {**WEB, "webhook": {"port": 9443}}}})
    rule = result.get("NetworkPolicy", "np-api")["spec"]["ingress"][0]
    assert rule == {"ports": [{"port": 9443, "protocol": "TCP"}]}  # the documented default: from anywhere


# 3 ---------------------------------------------------------------------------------


def test_3_a_scalar_match_expressions_is_named_with_its_value_path():
    fails({"components": {"web": {"podSelector": {"matchExpressions": -1}, "ingress": []}}},
          "components.web.podSelector.matchExpressions: -1 is not a list")


# 9 ---------------------------------------------------------------------------------


def test_9_a_component_whose_policy_name_is_taken_by_a_namespace_default_is_refused():
    fails({"components": {"default-deny-ingress": {**WEB, "ingress": []}}, "namespaceDefaults": {"denyAllIngress": True}},
          "components.default-deny-ingress: its policy np-default-deny-ingress has the name of the policy of "
          "namespaceDefaults.denyAllIngress")


# 11 --------------------------------------------------------------------------------


def test_11_a_webhook_cidr_is_named_by_the_webhook_value():
    fails({"components": {"api": {**WEB, "webhook": {"mode": "cidrs", "cidrs": ["10.0.0.300/32"]}}}},
          'components.api.webhook.cidrs[0]: "10.0.0.300/32" is not a valid IPv4 address')


def test_11_a_bad_label_of_a_component_peer_is_named_by_that_components_pod_selector():
    values = {"components": {"web": {"podSelector": {"app": "a b"}, "deployNetworkPolicy": False},
                             "db": {"podSelector": {"app": "db"}, "ingress": [{"from": [{"component": "web"}]}]}}}
    fails(values, 'components.web.podSelector[app]: label value "a b" is invalid')


def test_11_a_host_with_a_port_is_named_as_carrying_a_port():
    values = {"components": {"web": {**WEB, "egress": [{"ports": [9443], "to": [{"hosts": ["[::1]:9443"]}]}]}}}
    fails(values, 'components.web.egress[0].to[0].hosts[0]: "[::1]:9443" carries a port')


# 13 --------------------------------------------------------------------------------


@pytest.mark.parametrize("direction", ["ingress", "egress"])
def test_13_a_direction_written_without_rules_denies_all_of_it(direction):
    result = renders({"components": {"web": {**WEB, direction: None}}})
    spec = result.get("NetworkPolicy", "np-web")["spec"]
    assert spec["policyTypes"] == [direction.capitalize()]
    assert spec[direction] == []


def test_13_a_direction_left_out_is_left_alone():
    result = renders({"components": {"web": {**WEB, "ingress": []}}})
    spec = result.get("NetworkPolicy", "np-web")["spec"]
    assert spec["policyTypes"] == ["Ingress"] and "egress" not in spec
