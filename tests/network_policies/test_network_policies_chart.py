"""charts/network-policies from values alone: component peers render both ends,
namespace defaults render as documented, webhook modes, the per-component switch,
and bad input that stops the render naming the component, rule and field."""
from __future__ import annotations

import json

import pytest

from netpol_harness.check.apirules import networkpolicy_errors
from netpol_harness.assertions.network import build_network
from netpol_harness.helm.template import RenderResult, render
from netpol_harness.project import root as repo_root
from netpol_harness.check import validate_kubernetes

CHART = repo_root() / "charts" / "network-policies"
OUTSIDE = "198.51.100.7"
HOST_NETWORK = {"policy-group.network.openshift.io/host-network": ""}


def ok(values: dict, release: str = "r") -> RenderResult:
    result = render(CHART, values=values, release=release, namespace="apps")
    assert result.ok, result.stderr
    assert validate_kubernetes(result.objects) == []
    assert [e for p in result.by_kind("NetworkPolicy") for e in networkpolicy_errors(p)] == []
    return result


def fails(values: dict, *fragments: str) -> str:
    result = render(CHART, values=values, release="r", namespace="apps")
    assert not result.ok, f"render should have failed, produced:\n{result.stdout}"
    assert result.objects == []
    for fragment in fragments:
        assert fragment in result.stderr, f"{fragment!r} not in:\n{result.stderr}"
    return result.stderr


def two_components(a: dict, b: dict) -> dict:
    return {"components": {"a": {"podSelector": {"app": "a"}, **a}, "b": {"podSelector": {"app": "b"}, **b}}}


def net(result: RenderResult):
    n = build_network(result, default_namespace="apps", externals=[OUTSIDE],
                      namespaces={"host": HOST_NETWORK, "other": {}})
    n.add_pod("apps", "a", {"app": "a"})
    n.add_pod("apps", "b", {"app": "b"})
    n.add_pod("apps", "c", {"app": "c"})
    n.add_pod("host", "apiserver", {"app": "kube-apiserver"})
    n.add_pod("other", "x", {"app": "x"})
    return n


# --- component peers: both ends -----------------------------------------------------


def test_an_egress_component_peer_renders_the_matching_ingress_rule_on_the_destination() -> None:
    result = ok(two_components({"egress": [{"name": "api", "ports": [8081], "to": [{"component": "b"}]}]}, {}))
    a, b = result.get("NetworkPolicy", "r-a"), result.get("NetworkPolicy", "r-b")
    assert a["spec"]["policyTypes"] == ["Egress"]
    assert a["spec"]["egress"] == [{"ports": [{"port": 8081, "protocol": "TCP"}],
                                    "to": [{"podSelector": {"matchLabels": {"app": "b"}}}]}]
    assert b["spec"]["policyTypes"] == ["Ingress"]
    assert b["spec"]["ingress"] == [{"ports": [{"port": 8081, "protocol": "TCP"}],
                                     "from": [{"podSelector": {"matchLabels": {"app": "a"}}}]}]
    n = net(result)
    n.allows("a", "b", 8081)
    n.denies("a", "b", 8082)
    n.denies("c", "b", 8081)
    n.denies("a", "c", 8081)


def test_an_ingress_component_peer_renders_the_matching_egress_rule_on_the_source() -> None:
    result = ok(two_components({}, {"ingress": [{"name": "db", "ports": [{"port": 5432}], "from": [{"component": "a"}]}]}))
    a = result.get("NetworkPolicy", "r-a")
    assert a["spec"]["policyTypes"] == ["Egress"]
    assert a["spec"]["egress"] == [{"ports": [{"port": 5432, "protocol": "TCP"}],
                                    "to": [{"podSelector": {"matchLabels": {"app": "b"}}}]}]
    n = net(result)
    n.allows("a", "b", 5432)
    n.denies("a", "c", 5432)


def test_a_component_peer_to_a_disabled_component_mirrors_nothing() -> None:
    result = ok(two_components({"egress": [{"name": "api", "ports": [8081], "to": [{"component": "b"}]}]},
                               {"enabled": False}))
    assert [p["metadata"]["name"] for p in result.by_kind("NetworkPolicy")] == ["r-a"]


def test_deploy_network_policy_false_renders_no_policy_but_keeps_the_component_as_a_peer() -> None:
    result = ok(two_components({"deployNetworkPolicy": False},
                               {"ingress": [{"name": "web", "ports": [80], "from": [{"component": "a"}]}]}))
    assert [p["metadata"]["name"] for p in result.by_kind("NetworkPolicy")] == ["r-b"]
    n = net(result)
    n.allows("a", "b", 80)
    n.denies("c", "b", 80)
    n.allows("a", f"ip:{OUTSIDE}", 443)  # a has no policy of its own


def test_pod_selector_labels_go_through_tpl_and_names_carry_the_release_prefix() -> None:
    result = ok({"components": {"web": {"podSelector": {"app": "{{ .Release.Name }}-web"}, "ingress": []}}}, release="shop")
    policy = result.get("NetworkPolicy", "shop-web")
    assert policy["spec"]["podSelector"] == {"matchLabels": {"app": "shop-web"}}
    prefixed = ok({"namePrefix": "team", "components": {"web": {"podSelector": {"app": "w"}, "ingress": []}}})
    assert prefixed.get("NetworkPolicy", "team-web")


# --- namespace defaults --------------------------------------------------------------


def test_deny_all_ingress_and_egress_defaults_render_as_documented() -> None:
    result = ok({"namespaceDefaults": {"denyAllIngress": True, "denyAllEgress": True}})
    assert result.get("NetworkPolicy", "r-default-deny-ingress")["spec"] == {
        "podSelector": {}, "policyTypes": ["Ingress"], "ingress": []}
    assert result.get("NetworkPolicy", "r-default-deny-egress")["spec"] == {
        "podSelector": {}, "policyTypes": ["Egress"], "egress": []}
    n = net(result)
    n.denies("a", "b", 80)
    n.denies("c", f"ip:{OUTSIDE}", 53, "UDP")
    n.allows("other/x", f"ip:{OUTSIDE}", 443)  # other namespaces are untouched


def test_allow_all_defaults_allow_every_peer_explicitly() -> None:
    result = ok({"namespaceDefaults": {"allowAllIngress": True, "allowAllEgress": True, "denyAllIngress": True}})
    assert result.get("NetworkPolicy", "r-default-allow-ingress")["spec"]["ingress"] == [{}]
    assert result.get("NetworkPolicy", "r-default-allow-egress")["spec"]["egress"] == [{}]
    n = net(result)
    n.allows(f"ip:{OUTSIDE}", "a", 12345)  # allow-all outvotes deny-all: policies add up
    n.allows("a", "other/x", 80, "UDP")


# --- webhook ingress -------------------------------------------------------------------


def operator(webhook: dict, **top) -> dict:
    return {**top, "components": {"op": {"podSelector": {"app": "a"}, "webhook": webhook}}}


def test_webhook_anywhere_opens_only_the_port_to_every_peer() -> None:
    n = net(ok(operator({"port": 9443})))
    n.allows(f"ip:{OUTSIDE}", "a", 9443)
    n.allows("other/x", "a", 9443)
    n.denies("other/x", "a", 8443)


def test_global_openshift_switch_makes_the_webhook_accept_only_host_network_callers() -> None:
    result = ok(operator({"port": 8443}, openshift=True))
    assert result.get("NetworkPolicy", "r-op")["spec"]["ingress"] == [{
        "ports": [{"port": 8443, "protocol": "TCP"}],
        "from": [{"namespaceSelector": {"matchLabels": HOST_NETWORK}}]}]
    n = net(result)
    n.allows("host/apiserver", "a", 8443)
    n.denies("other/x", "a", 8443)
    n.denies(f"ip:{OUTSIDE}", "a", 8443)


def test_webhook_cidrs_mode_accepts_only_those_addresses() -> None:
    n = net(ok(operator({"port": 8443, "mode": "cidrs", "cidrs": ["198.51.100.0/24"]})))
    n.allows(f"ip:{OUTSIDE}", "a", 8443)
    n.denies("other/x", "a", 8443)


def test_webhook_cidrs_mode_without_cidrs_fails() -> None:
    fails(operator({"mode": "cidrs"}), "components.op.webhook.cidrs")


# --- bad input ----------------------------------------------------------------------------


def web_rule(**rule) -> dict:
    return {"components": {"web": {"podSelector": {"app": "web"}, "ingress": [{"name": "http", **rule}]}}}


@pytest.mark.parametrize(
    ("values", "fragments"),
    [
        pytest.param(web_rule(ports=[80], **{"from": [{"pod": {"a": "b"}}]}),
                     ["components.web.ingress[0] (http).from[0]", 'unknown peer type "pod"'], id="unknown-peer-type"),
        pytest.param(web_rule(ports=[80], **{"from": [{"cidr": "10.0.0.0/8", "pods": {"a": "b"}}]}),
                     ["components.web.ingress[0] (http).from[0]", "mixes pods and cidr"], id="cidr-and-selector"),
        pytest.param(web_rule(ports=[80], **{"from": [{"component": "nope"}]}),
                     ["components.web.ingress[0] (http).from[0].component", '"nope" is not a component'], id="unknown-component"),
        pytest.param(web_rule(ports=["Bad_Name"], **{"from": [{"pods": {"a": "b"}}]}),
                     ["components.web.ingress[0] (http).ports[0]: ", "not a valid port name"], id="bad-port-name"),
        pytest.param(web_rule(ports=[{"port": 90, "endPort": 80}], **{"from": [{"pods": {"a": "b"}}]}),
                     ["components.web.ingress[0] (http).ports[0].endPort", "below port 90"], id="endport-below-port"),
        pytest.param(web_rule(ports=[{"port": "http", "endPort": 80}], **{"from": [{"pods": {"a": "b"}}]}),
                     ["components.web.ingress[0] (http).ports[0].endPort", "numeric port"], id="endport-with-named-port"),
        pytest.param(web_rule(ports=[80], **{"from": [{"pods": {}}]}),
                     ["components.web.ingress[0] (http).from[0].pods", "empty selector"], id="empty-peer-selector"),
        pytest.param({"components": {"web": {"podSelector": {}, "ingress": []}}},
                     ["components.web.podSelector", "empty selector"], id="empty-pod-selector"),
    ],
)
def test_bad_input_stops_the_render_naming_component_rule_and_field(values: dict, fragments: list[str]) -> None:
    stderr = fails(values, *fragments)
    assert "goroutine" not in stderr and "nil pointer" not in stderr


def test_values_schema_is_draft_07_and_leaves_the_root_open_for_global() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema.get("additionalProperties", True) is not False
    ok({"global": {"anything": 1}})


def test_a_typo_in_a_component_key_is_refused_by_the_values_schema() -> None:
    fails({"components": {"web": {"podSelector": {"app": "w"}, "ingres": []}}}, "ingres")


@pytest.mark.parametrize(("openshift", "port", "dns_pod"), [(False, 53, "kube-system/kube-dns"), (True, 5353, "openshift-dns/dns")])
def test_a_dns_peer_without_a_preset_follows_the_global_openshift_switch(openshift: bool, port: int, dns_pod: str) -> None:
    result = ok({"openshift": openshift, "components": {"a": {"podSelector": {"app": "a"}, "egress": [{"name": "dns", "to": [{"dns": True}]}]}}})
    n = net(result)
    n.add_pod("kube-system", "kube-dns", {"k8s-app": "kube-dns"})
    n.add_pod("openshift-dns", "dns", {"dns.operator.openshift.io/daemonset-dns": "default"})
    for protocol in ("UDP", "TCP"):
        n.allows("a", dns_pod, port, protocol)
    other = "openshift-dns/dns" if not openshift else "kube-system/kube-dns"
    n.denies("a", other, 53, "UDP")
    n.denies("a", other, 5353, "UDP")
    n.denies("a", f"ip:{OUTSIDE}", port, "UDP")
