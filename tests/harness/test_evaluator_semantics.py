"""The evaluator's corpus: one or more cases per NetworkPolicy rule of the Kubernetes
documentation, API reference and upstream e2e expectations, tricky corners included.

Every case starts from the same small world unless it builds its own:

    namespace  labels          pods (labels; named container ports)
    default    -               client (app=client), web (app=web; http=8080/TCP), db (app=db)
    prod       env=prod        client (app=client), web (app=web; http=80/TCP, dns=53/UDP)
    dev        env=dev         client (app=client, tier=fe)
    outside addresses: 1.1.1.1, 2001:db8::1
"""
from __future__ import annotations

import random
from typing import Any

import pytest

from netpol_harness.net import Evaluator
from netpol_harness.net import Cluster, ContainerPort, LabelSelector, PolicyError
from netpol_harness.assertions.network import NetworkAssertions, add_kube_dns, build_network


def policy(name: str, spec: dict[str, Any], namespace: str = "default") -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def world(*policies: dict[str, Any], ipblock_matches_pods: bool = True) -> Evaluator:
    c = Cluster()
    c.add_namespace("default")
    c.add_namespace("prod", {"env": "prod"})
    c.add_namespace("dev", {"env": "dev"})
    c.add_pod("default", "client", {"app": "client"})
    c.add_pod("default", "web", {"app": "web"}, ports=[ContainerPort("http", 8080, "TCP")])
    c.add_pod("default", "db", {"app": "db"})
    c.add_pod("prod", "client", {"app": "client"})
    c.add_pod("prod", "web", {"app": "web"}, ports=[ContainerPort("http", 80, "TCP"), ContainerPort("dns", 53, "UDP")])
    c.add_pod("dev", "client", {"app": "client", "tier": "fe"})
    c.add_external("1.1.1.1")
    c.add_external("2001:db8::1")
    c.add_policies(policies)
    return Evaluator(c, ipblock_matches_pods=ipblock_matches_pods)


def allowed(ev: Evaluator, src: str, dst: str, port: int, protocol: str = "TCP") -> bool:
    """The point query's verdict, after checking the full matrix agrees with it."""
    verdict = ev.check(src, dst, port, protocol)
    pair = (verdict.src, verdict.dst)
    matrix = ev.matrix(port, protocol)
    if pair in matrix:  # self pairs and undeclared addresses are not in the matrix
        assert matrix[pair] == verdict.allowed, f"matrix disagrees with check for {pair}"
    return verdict.allowed


WEB = {"matchLabels": {"app": "web"}}
CLIENT = {"matchLabels": {"app": "client"}}
DENY_ALL_INGRESS = policy("deny-ingress", {"podSelector": {}, "policyTypes": ["Ingress"]})
DENY_ALL_EGRESS = policy("deny-egress", {"podSelector": {}, "policyTypes": ["Egress"]})


# ----------------------------------------------------------------- isolation and policyTypes


def test_pod_selected_by_no_policy_accepts_and_sends_everything():
    ev = world()
    assert allowed(ev, "dev/client", "default/web", 9999, "UDP")
    assert allowed(ev, "ip:1.1.1.1", "default/db", 5432)
    assert allowed(ev, "default/db", "ip:2001:db8::1", 443)


def test_missing_policy_types_with_only_ingress_rules_isolates_ingress_not_egress():
    ev = world(policy("web", {"podSelector": WEB, "ingress": [{"from": [{"podSelector": CLIENT}]}]}))
    assert not allowed(ev, "default/db", "default/web", 8080)
    assert allowed(ev, "default/web", "default/db", 5432)  # egress untouched


def test_missing_policy_types_with_egress_rules_isolates_egress_too():
    ev = world(policy("web", {"podSelector": WEB, "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "db"}}}]}]}))
    assert allowed(ev, "default/web", "default/db", 5432)
    assert not allowed(ev, "default/web", "default/client", 80)
    # Ingress is defaulted in as well, with no ingress rules: deny all ingress.
    assert not allowed(ev, "default/client", "default/web", 8080)


def test_empty_egress_list_without_policy_types_does_not_isolate_egress():
    # The API server adds Egress only when spec.egress has at least one rule.
    ev = world(policy("web", {"podSelector": WEB, "egress": []}))
    assert allowed(ev, "default/web", "ip:1.1.1.1", 443)
    assert not allowed(ev, "default/client", "default/web", 8080)


def test_empty_policy_types_list_is_defaulted_like_a_missing_one():
    ev = world(policy("web", {"podSelector": WEB, "policyTypes": [], "egress": [{"to": [{"podSelector": CLIENT}]}]}))
    assert not allowed(ev, "default/web", "ip:1.1.1.1", 443)
    assert allowed(ev, "default/web", "default/client", 443)


def test_egress_only_policy_leaves_ingress_open():
    ev = world(policy("web", {"podSelector": WEB, "policyTypes": ["Egress"], "egress": [{"to": [{"podSelector": CLIENT}]}]}))
    assert allowed(ev, "default/db", "default/web", 8080)
    assert allowed(ev, "ip:1.1.1.1", "default/web", 8080)
    assert not allowed(ev, "default/web", "default/db", 5432)


def test_policy_types_egress_ignores_the_ingress_rules_it_carries():
    ev = world(
        DENY_ALL_INGRESS,
        policy("web", {"podSelector": WEB, "policyTypes": ["Egress"], "ingress": [{"from": [{"podSelector": CLIENT}]}], "egress": [{}]}),
    )
    # The ingress rule would allow client -> web, but the policy only speaks about egress.
    assert not allowed(ev, "default/client", "default/web", 8080)


def test_policy_types_in_egress_ingress_order_means_both():
    ev = world(policy("web", {"podSelector": WEB, "policyTypes": ["Egress", "Ingress"]}))
    assert not allowed(ev, "default/client", "default/web", 8080)
    assert not allowed(ev, "default/web", "default/client", 8080)


def test_ingress_type_with_empty_ingress_list_denies_all_ingress():
    ev = world(policy("web", {"podSelector": WEB, "policyTypes": ["Ingress"], "ingress": []}))
    assert not allowed(ev, "default/client", "default/web", 8080)
    assert not allowed(ev, "ip:1.1.1.1", "default/web", 8080)
    assert allowed(ev, "default/client", "default/db", 8080)


def test_ingress_type_without_ingress_field_denies_all_ingress():
    ev = world(DENY_ALL_INGRESS)
    assert not allowed(ev, "default/client", "default/web", 8080)
    assert allowed(ev, "default/client", "prod/web", 80)  # the policy is namespaced


def test_egress_type_without_rules_denies_all_egress_including_outside_addresses():
    ev = world(DENY_ALL_EGRESS)
    assert not allowed(ev, "default/web", "default/db", 5432)
    assert not allowed(ev, "default/web", "ip:1.1.1.1", 443)
    assert allowed(ev, "prod/web", "ip:1.1.1.1", 443)


def test_spec_pod_selector_empty_selects_every_pod_of_its_namespace_only():
    ev = world(policy("all", {"podSelector": {}, "policyTypes": ["Ingress"]}, namespace="prod"))
    assert not allowed(ev, "default/client", "prod/web", 80)
    assert not allowed(ev, "default/client", "prod/client", 80)
    assert allowed(ev, "prod/client", "default/web", 8080)


def test_missing_spec_pod_selector_selects_every_pod_like_an_empty_one():
    ev = world(policy("all", {"policyTypes": ["Ingress"]}, namespace="prod"))
    assert not allowed(ev, "default/client", "prod/web", 80)


# ----------------------------------------------------------------- rules: empty means everything


def test_rule_without_from_allows_every_source_including_outside_addresses():
    ev = world(policy("web", {"podSelector": WEB, "ingress": [{"ports": [{"port": 8080}]}]}))
    assert allowed(ev, "dev/client", "default/web", 8080)
    assert allowed(ev, "ip:1.1.1.1", "default/web", 8080)
    assert not allowed(ev, "ip:1.1.1.1", "default/web", 9090)


def test_rule_with_empty_from_list_allows_every_source():
    ev = world(policy("web", {"podSelector": WEB, "ingress": [{"from": [], "ports": [{"port": 8080}]}]}))
    assert allowed(ev, "prod/client", "default/web", 8080)
    assert allowed(ev, "ip:2001:db8::1", "default/web", 8080)


def test_empty_egress_rule_allows_every_destination_on_every_port():
    ev = world(policy("web", {"podSelector": WEB, "policyTypes": ["Egress"], "egress": [{}]}))
    assert allowed(ev, "default/web", "ip:1.1.1.1", 12345, "UDP")
    assert allowed(ev, "default/web", "prod/web", 80, "SCTP")


def test_rule_without_ports_allows_every_port_and_protocol():
    ev = world(policy("web", {"podSelector": WEB, "ingress": [{"from": [{"podSelector": CLIENT}]}]}))
    for port, proto in ((1, "TCP"), (53, "UDP"), (65535, "SCTP")):
        assert allowed(ev, "default/client", "default/web", port, proto)


def test_rule_with_empty_ports_list_allows_every_port():
    ev = world(policy("web", {"podSelector": WEB, "ingress": [{"from": [{"podSelector": CLIENT}], "ports": []}]}))
    assert allowed(ev, "default/client", "default/web", 31337, "UDP")


# ----------------------------------------------------------------- peers and selectors


def test_pod_and_namespace_selector_in_one_peer_must_both_match():
    peer = {"namespaceSelector": {"matchLabels": {"env": "prod"}}, "podSelector": CLIENT}
    ev = world(policy("web", {"podSelector": WEB, "ingress": [{"from": [peer]}]}))
    assert allowed(ev, "prod/client", "default/web", 8080)
    assert not allowed(ev, "dev/client", "default/web", 8080)  # right pod, wrong namespace
    assert not allowed(ev, "prod/web", "default/web", 8080)  # right namespace, wrong pod


def test_separate_peers_are_alternatives():
    peers = [{"namespaceSelector": {"matchLabels": {"env": "prod"}}}, {"podSelector": CLIENT}]
    ev = world(policy("web", {"podSelector": WEB, "ingress": [{"from": peers}]}))
    assert allowed(ev, "prod/web", "default/web", 8080)  # any pod of prod
    assert allowed(ev, "default/client", "default/web", 8080)  # client of the policy's namespace
    assert not allowed(ev, "dev/client", "default/web", 8080)  # neither


def test_pod_selector_alone_selects_only_in_the_policy_namespace():
    ev = world(policy("web", {"podSelector": WEB, "ingress": [{"from": [{"podSelector": CLIENT}]}]}))
    assert allowed(ev, "default/client", "default/web", 8080)
    assert not allowed(ev, "prod/client", "default/web", 8080)


def test_empty_namespace_selector_alone_selects_every_pod_in_every_namespace():
    ev = world(policy("web", {"podSelector": WEB, "ingress": [{"from": [{"namespaceSelector": {}}]}]}))
    assert allowed(ev, "dev/client", "default/web", 8080)
    assert allowed(ev, "prod/web", "default/web", 8080)
    assert not allowed(ev, "ip:1.1.1.1", "default/web", 8080)  # selectors never match outside addresses


def test_empty_namespace_selector_with_pod_selector_selects_those_pods_in_every_namespace():
    ev = world(policy("web", {"podSelector": WEB, "ingress": [{"from": [{"namespaceSelector": {}, "podSelector": CLIENT}]}]}))
    assert allowed(ev, "dev/client", "default/web", 8080)
    assert allowed(ev, "prod/client", "default/web", 8080)
    assert not allowed(ev, "prod/web", "default/web", 8080)


def test_namespace_selector_looks_at_namespace_labels_not_pod_labels():
    ev = world(policy("web", {"podSelector": WEB, "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"app": "client"}}}]}]}))
    assert not allowed(ev, "default/client", "default/web", 8080)


def test_every_namespace_carries_its_name_label():
    ev = world(policy("web", {"podSelector": WEB, "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "dev"}}}]}]}))
    assert allowed(ev, "dev/client", "default/web", 8080)
    assert not allowed(ev, "prod/client", "default/web", 8080)


def _from_expression(expr: dict[str, Any]) -> Evaluator:
    return world(policy("web", {"podSelector": WEB, "ingress": [{"from": [{"namespaceSelector": {}, "podSelector": {"matchExpressions": [expr]}}]}]}))


def test_match_expression_in_requires_the_key_with_a_listed_value():
    ev = _from_expression({"key": "tier", "operator": "In", "values": ["fe", "be"]})
    assert allowed(ev, "dev/client", "default/web", 8080)
    assert not allowed(ev, "prod/client", "default/web", 8080)  # no tier label


def test_match_expression_not_in_matches_pods_without_the_key():
    ev = _from_expression({"key": "tier", "operator": "NotIn", "values": ["fe"]})
    assert allowed(ev, "prod/client", "default/web", 8080)  # key absent: matches
    assert not allowed(ev, "dev/client", "default/web", 8080)  # tier=fe: excluded


def test_match_expression_exists_requires_the_key_whatever_its_value():
    ev = _from_expression({"key": "tier", "operator": "Exists"})
    assert allowed(ev, "dev/client", "default/web", 8080)
    assert not allowed(ev, "default/client", "default/web", 8080)


def test_match_expression_does_not_exist_matches_only_pods_without_the_key():
    ev = _from_expression({"key": "tier", "operator": "DoesNotExist"})
    assert allowed(ev, "default/client", "default/web", 8080)
    assert not allowed(ev, "dev/client", "default/web", 8080)


def test_match_labels_and_match_expressions_are_anded():
    sel = {"matchLabels": {"app": "client"}, "matchExpressions": [{"key": "tier", "operator": "Exists"}]}
    ev = world(policy("web", {"podSelector": WEB, "ingress": [{"from": [{"namespaceSelector": {}, "podSelector": sel}]}]}))
    assert allowed(ev, "dev/client", "default/web", 8080)
    assert not allowed(ev, "prod/client", "default/web", 8080)


def test_namespace_selector_match_expressions_select_namespaces():
    ns = {"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["prod"]}]}
    ev = world(policy("web", {"podSelector": WEB, "ingress": [{"from": [{"namespaceSelector": ns}]}]}))
    assert allowed(ev, "dev/client", "default/web", 8080)
    assert allowed(ev, "default/client", "default/web", 8080)  # default has no env label
    assert not allowed(ev, "prod/client", "default/web", 8080)


@pytest.mark.parametrize(
    "operator, values, labels, expected",
    [
        ("In", ["fe"], {"tier": "fe"}, True),
        ("In", ["fe"], {}, False),
        ("NotIn", ["fe"], {}, True),
        ("NotIn", ["fe"], {"tier": "fe"}, False),
        ("Exists", [], {"tier": ""}, True),
        ("DoesNotExist", [], {"tier": "be"}, False),
        ("DoesNotExist", [], {}, True),
    ],
)
def test_label_selector_model_used_by_explanations_follows_the_same_operators(operator, values, labels, expected):
    sel = LabelSelector.parse({"matchExpressions": [{"key": "tier", "operator": operator, "values": values}]})
    assert sel.matches(labels) is expected


def test_peer_that_mixes_ip_block_and_selectors_is_rejected():
    bad = policy("bad", {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}}]}]})
    with pytest.raises(PolicyError, match="may not combine"):
        world(bad)


def test_empty_peer_is_rejected():
    with pytest.raises(PolicyError, match="must set"):
        world(policy("bad", {"podSelector": {}, "ingress": [{"from": [{}]}]}))


# ----------------------------------------------------------------- ipBlock


def _egress_to_cidr(cidr: str, excepts: list[str] | None = None, **kw: Any) -> Evaluator:
    block: dict[str, Any] = {"cidr": cidr}
    if excepts:
        block["except"] = excepts
    return world(policy("web", {"podSelector": WEB, "policyTypes": ["Egress"], "egress": [{"to": [{"ipBlock": block}]}]}), **kw)


def test_ip_block_allows_outside_addresses_in_its_cidr():
    ev = _egress_to_cidr("1.1.1.0/24")
    assert allowed(ev, "default/web", "ip:1.1.1.1", 443)
    assert allowed(ev, "default/web", "1.1.1.200", 443)  # an undeclared address is judged too
    assert not allowed(ev, "default/web", "ip:8.8.8.8", 443)


def test_ip_block_except_carves_addresses_out():
    ev = _egress_to_cidr("0.0.0.0/0", ["1.1.1.0/24", "10.0.0.0/8"])
    assert not allowed(ev, "default/web", "ip:1.1.1.1", 443)
    assert allowed(ev, "default/web", "ip:1.1.2.1", 443)
    assert not allowed(ev, "default/web", "default/db", 5432)  # pods live in 10.244.0.0/16


def test_ipv4_any_does_not_cover_ipv6_addresses():
    ev = _egress_to_cidr("0.0.0.0/0")
    assert allowed(ev, "default/web", "ip:1.1.1.1", 443)
    assert not allowed(ev, "default/web", "ip:2001:db8::1", 443)


def test_ipv6_cidr_matches_ipv6_addresses_only():
    ev = _egress_to_cidr("::/0", ["2001:db8::/120"])
    assert allowed(ev, "default/web", "ip:2001:db9::1", 443)
    assert not allowed(ev, "default/web", "ip:2001:db8::1", 443)
    assert not allowed(ev, "default/web", "ip:1.1.1.1", 443)


def test_ip_block_matches_pod_addresses_by_default():
    ev = _egress_to_cidr("10.244.0.0/16")
    assert allowed(ev, "default/web", "default/db", 5432)


def test_ip_block_never_matches_pods_when_the_cni_does_not_apply_it_to_them():
    ev = _egress_to_cidr("10.244.0.0/16", ipblock_matches_pods=False)
    assert not allowed(ev, "default/web", "default/db", 5432)
    assert allowed(_egress_to_cidr("0.0.0.0/0", ipblock_matches_pods=False), "default/web", "ip:1.1.1.1", 443)


def test_ip_block_except_carves_out_a_single_pod_address():
    c = Cluster()
    c.add_pod("a", "src", {"app": "src"})
    c.add_pod("a", "kept", {}, ips=["10.1.0.5"])
    c.add_pod("a", "carved", {}, ips=["10.1.0.9"])
    c.add_policy(policy("p", {"podSelector": {"matchLabels": {"app": "src"}}, "policyTypes": ["Egress"],
                             "egress": [{"to": [{"ipBlock": {"cidr": "10.1.0.0/24", "except": ["10.1.0.9/32"]}}]}]}, "a"))
    ev = Evaluator(c)
    assert allowed(ev, "a/src", "a/kept", 80)
    assert not allowed(ev, "a/src", "a/carved", 80)


def test_dual_stack_pod_matches_an_ip_block_of_either_family_unless_one_family_is_judged():
    c = Cluster(dual_stack=True)
    c.add_pod("a", "src", {"app": "src"})
    c.add_pod("a", "dst", {})
    c.add_policy(policy("p", {"podSelector": {"matchLabels": {"app": "src"}}, "policyTypes": ["Egress"],
                             "egress": [{"to": [{"ipBlock": {"cidr": "10.244.0.0/16"}}]}]}, "a"))
    assert allowed(Evaluator(c), "a/src", "a/dst", 80)
    assert allowed(Evaluator(c, family=4), "a/src", "a/dst", 80)
    over_ipv6 = Evaluator(c, family=6).check("a/src", "a/dst", 80)
    assert not over_ipv6.allowed
    assert "has no IPv4 address" in over_ipv6.explain()


def test_ingress_ip_block_judges_the_source_address():
    ev = world(policy("web", {"podSelector": WEB, "ingress": [{"from": [{"ipBlock": {"cidr": "2001:db8::/64"}}]}]}))
    assert allowed(ev, "ip:2001:db8::1", "default/web", 8080)
    assert not allowed(ev, "ip:1.1.1.1", "default/web", 8080)


# ----------------------------------------------------------------- ports and protocols


def _ingress_ports(*ports: dict[str, Any]) -> Evaluator:
    return world(policy("web", {"podSelector": WEB, "ingress": [{"ports": list(ports)}]}))


def test_numeric_port_allows_that_port_only():
    ev = _ingress_ports({"port": 8080})
    assert allowed(ev, "default/client", "default/web", 8080)
    assert not allowed(ev, "default/client", "default/web", 8081)


def test_end_port_range_includes_both_ends():
    ev = _ingress_ports({"port": 32000, "endPort": 32768})
    assert allowed(ev, "default/client", "default/web", 32000)
    assert allowed(ev, "default/client", "default/web", 32768)
    assert not allowed(ev, "default/client", "default/web", 31999)
    assert not allowed(ev, "default/client", "default/web", 32769)


def test_protocol_defaults_to_tcp():
    ev = _ingress_ports({"port": 53})
    assert allowed(ev, "default/client", "default/web", 53, "TCP")
    assert not allowed(ev, "default/client", "default/web", 53, "UDP")


def test_udp_rule_does_not_allow_tcp_on_the_same_port():
    ev = _ingress_ports({"port": 53, "protocol": "UDP"})
    assert allowed(ev, "default/client", "default/web", 53, "UDP")
    assert not allowed(ev, "default/client", "default/web", 53, "TCP")


def test_sctp_is_its_own_protocol():
    ev = _ingress_ports({"port": 3868, "protocol": "SCTP"})
    assert allowed(ev, "default/client", "default/web", 3868, "SCTP")
    assert not allowed(ev, "default/client", "default/web", 3868, "TCP")


def test_ports_entry_with_only_a_protocol_allows_every_port_of_that_protocol():
    ev = _ingress_ports({"protocol": "UDP"})
    assert allowed(ev, "default/client", "default/web", 4789, "UDP")
    assert not allowed(ev, "default/client", "default/web", 4789, "TCP")


def test_named_port_resolves_against_the_destination_pod_for_ingress():
    ev = world(policy("web", {"podSelector": WEB, "ingress": [{"ports": [{"port": "http"}]}]}, namespace="default"),
               policy("web", {"podSelector": WEB, "ingress": [{"ports": [{"port": "http"}]}]}, namespace="prod"))
    assert allowed(ev, "default/client", "default/web", 8080)  # http = 8080 here
    assert not allowed(ev, "default/client", "default/web", 80)
    assert allowed(ev, "default/client", "prod/web", 80)  # http = 80 there
    assert not allowed(ev, "default/client", "prod/web", 8080)


def test_named_port_on_a_pod_that_lacks_it_matches_nothing():
    ev = world(policy("db", {"podSelector": {"matchLabels": {"app": "db"}}, "ingress": [{"ports": [{"port": "http"}]}]}))
    for port in (80, 8080):
        assert not allowed(ev, "default/client", "default/db", port)


def test_named_port_must_match_the_container_port_protocol():
    ev = world(policy("web", {"podSelector": WEB, "ingress": [{"ports": [{"port": "dns", "protocol": "TCP"}]}]}, namespace="prod"))
    assert not allowed(ev, "default/client", "prod/web", 53, "TCP")  # dns is 53/UDP
    ev = world(policy("web", {"podSelector": WEB, "ingress": [{"ports": [{"port": "dns", "protocol": "UDP"}]}]}, namespace="prod"))
    assert allowed(ev, "default/client", "prod/web", 53, "UDP")


def test_named_port_in_egress_resolves_against_the_destination_not_the_source():
    # The source (default/client) has no ports at all; prod/web calls 80 "http".
    ev = world(policy("client", {"podSelector": CLIENT, "policyTypes": ["Egress"], "egress": [{"ports": [{"port": "http"}]}]}))
    assert allowed(ev, "default/client", "prod/web", 80)
    assert allowed(ev, "default/client", "default/web", 8080)
    assert not allowed(ev, "default/client", "prod/web", 8080)


def test_named_port_never_matches_an_outside_address():
    ev = world(policy("client", {"podSelector": CLIENT, "policyTypes": ["Egress"], "egress": [{"ports": [{"port": "http"}]}]}))
    assert not allowed(ev, "default/client", "ip:1.1.1.1", 80)


# ----------------------------------------------------------------- combining


def test_a_pod_always_reaches_itself_even_when_isolated_both_ways():
    ev = world(DENY_ALL_INGRESS, DENY_ALL_EGRESS)
    assert allowed(ev, "default/web", "default/web", 8080)
    assert not allowed(ev, "default/web", "default/db", 8080)


def test_connection_needs_egress_of_the_source_and_ingress_of_the_destination():
    allow_web_in = policy("web-in", {"podSelector": WEB, "ingress": [{"from": [{"podSelector": CLIENT}]}]})
    client_out_to_db = policy("client-out", {"podSelector": CLIENT, "policyTypes": ["Egress"],
                                             "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "db"}}}]}]})
    ev = world(allow_web_in, client_out_to_db)
    assert not allowed(ev, "default/client", "default/web", 8080)  # ingress yes, egress no
    ev = world(allow_web_in)
    assert allowed(ev, "default/client", "default/web", 8080)
    ev = world(client_out_to_db, DENY_ALL_INGRESS)
    assert not allowed(ev, "default/client", "default/db", 5432)  # egress yes, ingress no


def test_two_policies_selecting_one_pod_allow_the_union_of_their_rules():
    ev = world(
        policy("a", {"podSelector": WEB, "ingress": [{"from": [{"podSelector": CLIENT}], "ports": [{"port": 8080}]}]}),
        policy("b", {"podSelector": WEB, "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"env": "prod"}}}], "ports": [{"port": 9090}]}]}),
    )
    assert allowed(ev, "default/client", "default/web", 8080)
    assert allowed(ev, "prod/client", "default/web", 9090)
    assert not allowed(ev, "default/client", "default/web", 9090)
    assert not allowed(ev, "prod/client", "default/web", 8080)


def test_deny_all_policy_does_not_subtract_from_an_allowing_one():
    ev = world(DENY_ALL_INGRESS, policy("web", {"podSelector": WEB, "ingress": [{"from": [{"podSelector": CLIENT}]}]}))
    assert allowed(ev, "default/client", "default/web", 8080)


def test_outside_addresses_are_judged_only_on_the_pod_side():
    ev = world(DENY_ALL_EGRESS)  # isolates default pods' egress only
    assert allowed(ev, "ip:1.1.1.1", "default/web", 8080)
    assert not allowed(ev, "default/web", "ip:1.1.1.1", 8080)


def test_matrix_agrees_with_point_queries_on_a_random_world():
    rnd = random.Random(7)
    c = Cluster(dual_stack=True)
    for n in range(4):
        c.add_namespace(f"ns{n}", {"team": str(n % 2)})
    for i in range(24):
        c.add_pod(f"ns{i % 4}", f"p{i}", {"app": rnd.choice("abc"), "tier": rnd.choice("xy")}, ports=[("web", rnd.choice([80, 8080]))])
    c.add_external("1.1.1.1")
    c.add_external("2001:db8::7")
    peers = [{"podSelector": {"matchLabels": {"app": "a"}}}, {"namespaceSelector": {"matchLabels": {"team": "1"}}},
             {"namespaceSelector": {}, "podSelector": {"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["x"]}]}},
             {"ipBlock": {"cidr": "10.244.0.0/28", "except": ["10.244.0.4/30"]}}, {"ipBlock": {"cidr": "0.0.0.0/0"}}]
    ports = [{"port": 80}, {"port": "web"}, {"port": 8000, "endPort": 8100}, {"protocol": "UDP"}]
    for k in range(12):
        spec = {"podSelector": {"matchLabels": {"app": rnd.choice("abc")}}, "policyTypes": rnd.choice([["Ingress"], ["Egress"], ["Ingress", "Egress"]]),
                "ingress": [{"from": rnd.sample(peers, 2), "ports": rnd.sample(ports, 2)}], "egress": [{"to": rnd.sample(peers, 2), "ports": rnd.sample(ports, 1)}]}
        c.add_policy(policy(f"pol{k}", spec, f"ns{k % 4}"))
    ev = Evaluator(c)
    for port, proto in ((80, "TCP"), (8080, "TCP"), (8050, "TCP"), (80, "UDP")):
        m = ev.matrix(port, proto)
        assert len(m) == 24 * 23 + 2 * 24 * 2
        assert any(m.values()) and not all(m.values())
        for (a, b), verdict in m.items():
            assert ev.check(a, b, port, proto).allowed == verdict, (a, b, port, proto)


# ----------------------------------------------------------------- the model from manifests


def test_workload_templates_become_the_pods_their_controllers_make_with_labels_and_named_ports():
    template = {"metadata": {"labels": {"app": "w"}}, "spec": {"containers": [{"name": "c", "ports": [{"name": "http", "containerPort": 8080}]}]}}
    objects = [
        {"kind": kind, "metadata": {"name": kind.lower(), "namespace": "apps"}, "spec": {"template": template}}
        for kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job")
    ] + [{"kind": "CronJob", "metadata": {"name": "cronjob"}, "spec": {"jobTemplate": {"spec": {"template": template}}}},
         {"kind": "ConfigMap", "metadata": {"name": "ignored"}}, None]
    c = Cluster.from_manifests(objects, default_namespace="batch")
    by_workload = {}
    for pod in c.pods:
        by_workload.setdefault(pod.workload, []).append(pod.id)
    assert {w: len(ids) for w, ids in by_workload.items()} == {
        "Deployment/deployment": 1, "StatefulSet/statefulset": 1, "DaemonSet/daemonset": 2,  # a DaemonSet: two nodes
        "ReplicaSet/replicaset": 1, "Job/job": 1, "CronJob/cronjob": 1}
    assert by_workload["StatefulSet/statefulset"] == ["apps/statefulset-0"]
    assert by_workload["CronJob/cronjob"] == ["batch/cronjob"]
    assert all(p.labels["app"] == "w" and p.ports[0].name == "http" and p.ports[0].port == 8080 for p in c.pods)


def test_namespaces_referenced_but_not_declared_get_only_their_name_label():
    c = Cluster.from_manifests([
        {"kind": "Pod", "metadata": {"name": "p", "namespace": "late"}},
        {"kind": "Namespace", "metadata": {"name": "late", "labels": {"team": "x"}}},
        {"kind": "NetworkPolicy", "metadata": {"name": "np", "namespace": "only-policy"}, "spec": {"podSelector": {}}},
    ])
    assert c.namespace("late").labels == {"team": "x", "kubernetes.io/metadata.name": "late"}
    assert c.namespace("only-policy").labels == {"kubernetes.io/metadata.name": "only-policy"}


def test_pods_get_distinct_synthetic_addresses_and_keep_declared_ones():
    c = Cluster(dual_stack=True)
    a = c.add_pod("x", "a", {})
    b = c.add_pod("x", "b", {}, ips=["192.168.0.9"])
    d = c.add_pod("x", "d", {})
    assert a.ips[0].startswith("10.244.") and ":" in a.ips[1]
    assert b.ips == ("192.168.0.9",)
    assert set(a.ips).isdisjoint(d.ips)
    p = Cluster.from_manifests([{"kind": "Pod", "metadata": {"name": "s"}, "status": {"podIPs": [{"ip": "10.9.9.9"}, {"ip": "fd00::9"}]}}]).pod("default/s")
    assert p.ips == ("10.9.9.9", "fd00::9")


def test_evaluator_sees_pods_added_after_it_was_built():
    ev = world(DENY_ALL_INGRESS)
    ev.cluster.add_pod("default", "late", {"app": "late"})
    assert not allowed(ev, "default/client", "default/late", 80)
    assert allowed(ev, "default/late", "prod/web", 80)


# ----------------------------------------------------------------- explanations


def test_explanation_names_the_isolating_policies_and_the_allowing_rule():
    ev = world(DENY_ALL_INGRESS, policy("web", {"podSelector": WEB, "ingress": [{"from": [{"podSelector": CLIENT}], "ports": [{"port": 8080}]}]}))
    text = ev.check("default/client", "default/web", 8080).explain()
    assert text.startswith("ALLOWED")
    assert "isolated by: default/deny-ingress, default/web" in text
    assert "allowed by default/web ingress[0]" in text
    assert "no NetworkPolicy with policyType Egress selects it" in text


def test_explanation_points_at_the_closest_miss_wrong_protocol():
    ev = world(policy("web", {"podSelector": WEB, "ingress": [{"from": [{"podSelector": CLIENT}], "ports": [{"port": 53, "protocol": "UDP"}]}]}))
    verdict = ev.check("default/client", "default/web", 53, "TCP")
    assert verdict.explain().startswith("DENIED")
    assert "default/web ingress[0]: right peer, wrong protocol" in verdict.explain()
    assert verdict.closest_misses()[0].rule == "default/web ingress[0]"


def test_explanation_points_at_the_closest_miss_wrong_namespace():
    ev = world(policy("web", {"podSelector": WEB, "ingress": [{"from": [{"podSelector": CLIENT}]}]}))
    text = ev.check("prod/client", "default/web", 8080).explain()
    assert "wrong namespace" in text and "the pod is in prod" in text


def test_explanation_says_the_destination_lacks_the_named_port():
    ev = world(policy("db", {"podSelector": {"matchLabels": {"app": "db"}}, "ingress": [{"ports": [{"port": "http"}]}]}))
    text = ev.check("default/client", "default/db", 80).explain()
    assert "default/db declares no container port named 'http'" in text


def test_explanation_points_at_the_except_that_carves_the_address_out():
    text = _egress_to_cidr("1.1.0.0/16", ["1.1.1.0/24"]).check("default/web", "ip:1.1.1.1", 443).explain()
    assert "1.1.1.1 lies in 1.1.0.0/16 but is carved out by except 1.1.1.0/24" in text and "Blocked by egress" in text


def test_explanation_notes_rules_ignored_because_of_policy_types():
    ev = world(DENY_ALL_INGRESS, policy("web", {"podSelector": WEB, "policyTypes": ["Egress"], "ingress": [{}], "egress": [{}]}))
    text = ev.check("default/client", "default/web", 8080).explain()
    assert "default/web selects it but has policyTypes [Egress], so it does not restrict ingress (its 1 ingress rule(s) are ignored)" in text


# ----------------------------------------------------------------- the pytest API


def test_net_allows_and_denies_pass_quietly_when_right():
    net = build_network([DENY_ALL_INGRESS, policy("web", {"podSelector": WEB, "ingress": [{"from": [{"podSelector": CLIENT}]}]})],
                        [{"kind": "Pod", "metadata": {"name": "web", "labels": {"app": "web"}}}, {"kind": "Pod", "metadata": {"name": "client", "labels": {"app": "client"}}}],
                        externals=["1.1.1.1"])
    assert net.allows("client", "web", 8080)
    assert net.denies("ip:1.1.1.1", "default/web", 8080)
    assert net.only_reaches("ip:1.1.1.1", [], 8080)


def test_net_from_takes_render_results_and_declared_endpoints(net_from):
    class Rendered:  # what netpol_harness.render returns: the parsed manifests in `.objects`
        objects = [DENY_ALL_INGRESS, {"kind": "Deployment", "metadata": {"name": "jes"},
                                      "spec": {"selector": {"matchLabels": {"app": "jes"}},
                                               "template": {"metadata": {"labels": {"app": "jes"}}}}}]

    net = net_from(Rendered(), namespaces={"default": {"team": "x"}}, externals=["1.1.1.1"], setup=add_kube_dns)
    assert net.cluster.namespace("default").labels["team"] == "x"
    net.allows("jes", "kube-system/kube-dns", 53, "UDP")
    net.denies("kube-system/kube-dns", "jes", 8080)
    assert net.reachable_from("ip:1.1.1.1", 53, "UDP") == {"kube-system/kube-dns"}
    assert net.reaching("kube-system/kube-dns", 53, "TCP") == {"default/jes", "ip:1.1.1.1"}


def test_net_allows_fails_with_the_explanation_when_wrong(net_from):
    net: NetworkAssertions = net_from([DENY_ALL_INGRESS, {"kind": "Pod", "metadata": {"name": "web"}}, {"kind": "Pod", "metadata": {"name": "client"}}])
    with pytest.raises(AssertionError) as failure:
        net.allows("default/client", "default/web", 80)
    assert "expected the connection to be allowed" in str(failure.value)
    assert "isolated by: default/deny-ingress" in str(failure.value)
    with pytest.raises(AssertionError, match="expected the connection to be denied"):
        net.denies("default/web", "ip:1.1.1.1", 80)  # egress is open


def test_explanation_notes_that_missing_policy_types_defaulted_to_ingress_only():
    ev = world(policy("web", {"podSelector": WEB, "egress": []}))
    text = ev.check("default/web", "ip:1.1.1.1", 443).explain()
    assert text.startswith("ALLOWED")
    assert "default/web selects it; without policyTypes it defaults to [Ingress], so it does not restrict egress" in text


# ----------------------------------------------------------------- against a literal reading of the rules
#
# A second, deliberately naive evaluator: every pair judged straight from the parsed
# policies, no bitsets, no caches. Random worlds must get the same answers from both.

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from netpol_harness.net import External, Pod  # noqa: E402


def literal_allowed(c: Cluster, src: Pod | External, dst: Pod | External, port: int, proto: str, ipblock_matches_pods: bool) -> bool:
    if isinstance(src, Pod) and isinstance(dst, Pod) and src.id == dst.id:
        return True

    def peer_matches(peer, pol, other) -> bool:
        if peer.ip_block is not None:
            if isinstance(other, External):
                return peer.ip_block.contains(other.ip)
            return ipblock_matches_pods and any(peer.ip_block.contains(ip) for ip in other.ips)
        if isinstance(other, External):
            return False
        if peer.namespace_selector is None:
            ns_ok = other.namespace == pol.namespace
        else:
            ns_ok = peer.namespace_selector.matches(c.namespace(other.namespace).labels)
        return ns_ok and (peer.pod_selector is None or peer.pod_selector.matches(other.labels))

    def port_ok(rule, target) -> bool:
        if not rule.ports:
            return True
        for p in rule.ports:
            if p.protocol != proto:
                continue
            if p.matches_number(port):
                return True
            if isinstance(p.port, str) and isinstance(target, Pod):
                if any(cp.name == p.port and cp.protocol == proto and cp.port == port for cp in target.ports):
                    return True
        return False

    def side(direction: str, end, other) -> bool:
        if isinstance(end, External):
            return True
        kind = direction.capitalize()
        pols = [p for p in c.policies if p.namespace == end.namespace and kind in p.policy_types and p.pod_selector.matches(end.labels)]
        if not pols:
            return True
        target = end if direction == "ingress" else other
        for pol in pols:
            for rule in (pol.ingress if direction == "ingress" else pol.egress):
                if (not rule.peers or any(peer_matches(pe, pol, other) for pe in rule.peers)) and port_ok(rule, target):
                    return True
        return False

    return side("egress", src, dst) and side("ingress", dst, src)


_key = st.sampled_from(["app", "tier"])
_val = st.sampled_from(["a", "b"])
_labels = st.dictionaries(_key, _val, max_size=2)
_selector = st.one_of(
    st.just({}),
    st.builds(lambda k, v: {"matchLabels": {k: v}}, _key, _val),
    st.builds(lambda k, op, vs: {"matchExpressions": [{"key": k, "operator": op, "values": vs}]},
              _key, st.sampled_from(["In", "NotIn"]), st.lists(_val, min_size=1, max_size=2, unique=True)),
    st.builds(lambda k, op: {"matchExpressions": [{"key": k, "operator": op}]}, _key, st.sampled_from(["Exists", "DoesNotExist"])),
)
_ns_selector = st.one_of(st.just({}), st.builds(lambda v: {"matchLabels": {"env": v}}, _val),
                         st.builds(lambda n: {"matchLabels": {"kubernetes.io/metadata.name": n}}, st.sampled_from(["n0", "n1", "n2"])))
_cidr = st.sampled_from([("10.244.0.0/16", []), ("10.244.0.0/29", ["10.244.0.4/30"]), ("0.0.0.0/0", ["1.1.1.0/24"]), ("1.1.1.1/32", []), ("::/0", []), ("fd00:10:244::/64", [])])
_peer = st.one_of(
    st.builds(lambda s: {"podSelector": s}, _selector),
    st.builds(lambda n: {"namespaceSelector": n}, _ns_selector),
    st.builds(lambda s, n: {"podSelector": s, "namespaceSelector": n}, _selector, _ns_selector),
    st.builds(lambda c: {"ipBlock": {"cidr": c[0], **({"except": c[1]} if c[1] else {})}}, _cidr),
)
_port = st.one_of(
    st.builds(lambda p, pr: {"port": p, "protocol": pr}, st.sampled_from([80, 53, 8080]), st.sampled_from(["TCP", "UDP"])),
    st.builds(lambda n, pr: {"port": n, "protocol": pr}, st.sampled_from(["http", "dns"]), st.sampled_from(["TCP", "UDP"])),
    st.just({"port": 8000, "endPort": 8100}),
    st.just({"protocol": "UDP"}),
)


def _rule(peer_key: str):
    return st.fixed_dictionaries({}, optional={peer_key: st.lists(_peer, max_size=2), "ports": st.lists(_port, max_size=2)})


_policy_spec = st.fixed_dictionaries(
    {"podSelector": _selector},
    optional={
        "policyTypes": st.sampled_from([[], ["Ingress"], ["Egress"], ["Ingress", "Egress"], ["Egress", "Ingress"]]),
        "ingress": st.lists(_rule("from"), max_size=2),
        "egress": st.lists(_rule("to"), max_size=2),
    },
)
_pod = st.tuples(st.sampled_from(["n0", "n1", "n2"]), _labels, st.sampled_from([(), (("http", 80, "TCP"),), (("http", 8080, "TCP"), ("dns", 53, "UDP"))]))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pods=st.lists(_pod, min_size=3, max_size=8),
    specs=st.lists(st.tuples(st.sampled_from(["n0", "n1", "n2"]), _policy_spec), min_size=1, max_size=4),
    dual_stack=st.booleans(),
    ipblock_matches_pods=st.booleans(),
)
def test_evaluator_agrees_with_a_literal_reading_of_the_rules(pods, specs, dual_stack, ipblock_matches_pods):
    c = Cluster(dual_stack=dual_stack)
    c.add_namespace("n0", {"env": "a"})
    c.add_namespace("n1", {"env": "b"})
    c.add_namespace("n2")
    for k, (ns, labels, ports) in enumerate(pods):
        c.add_pod(ns, f"p{k}", labels, ports=ports)
    c.add_external("1.1.1.1")
    c.add_external("8.8.8.8")
    c.add_external("fd00:10:244::99")
    for k, (ns, spec) in enumerate(specs):
        c.add_policy(policy(f"np{k}", spec, ns))
    ev = Evaluator(c, ipblock_matches_pods=ipblock_matches_pods)
    endpoints = {e.id: e for e in [*c.pods, *c.externals]}
    for port, proto in ((80, "TCP"), (53, "UDP"), (8080, "TCP"), (8050, "TCP")):
        m = ev.matrix(port, proto)
        for (a, b), verdict in m.items():
            expected = literal_allowed(c, endpoints[a], endpoints[b], port, proto, ipblock_matches_pods)
            assert verdict == expected, ev.check(a, b, port, proto).explain()
            assert ev.check(a, b, port, proto).allowed == expected
