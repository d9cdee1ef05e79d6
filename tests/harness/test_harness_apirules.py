"""netpol_harness.check.apirules: every NetworkPolicy rule the API server enforces beyond the JSON
schema, one bad case per rule, each expected to be named by its field path; and
well-formed policies (including the tricky-but-legal ones) pass."""
from __future__ import annotations

import copy

import pytest

from netpol_harness.check.apirules import networkpolicy_errors, parse_cidr


def policy(**spec) -> dict:
    base = {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress", "Egress"]}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {**base, **spec},
    }


def egress_to(*peers, ports=None) -> dict:
    rule = {"to": list(peers)}
    if ports is not None:
        rule["ports"] = ports
    return policy(egress=[rule])


def egress_ports(*ports) -> dict:
    return egress_to({"podSelector": {}}, ports=list(ports))


def renamed(name: str) -> dict:
    p = policy()
    p["metadata"]["name"] = name
    return p


GOOD = {
    "deny all": policy(podSelector={}, ingress=[], egress=[]),
    "dns on udp and tcp": egress_to(
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}},
        ports=[{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
    ),
    "port range": egress_ports({"port": 32000, "endPort": 32768, "protocol": "TCP"}),
    "endPort equal to port": egress_ports({"port": 8080, "endPort": 8080}),
    "named port": egress_ports({"port": "metrics", "protocol": "TCP"}),
    "sctp": egress_ports({"port": 3868, "protocol": "SCTP"}),
    "protocol only": egress_ports({"protocol": "UDP"}),
    "ipv4 block with except": egress_to({"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16", "10.2.3.4/32"]}}),
    "ipv6 block with except": egress_to({"ipBlock": {"cidr": "2001:db8::/32", "except": ["2001:db8:1::/48"]}}),
    "single ipv6 address": egress_to({"ipBlock": {"cidr": "2001:db8::10/128"}}),
    "everything ipv4": egress_to({"ipBlock": {"cidr": "0.0.0.0/0"}}),
    "match expressions": policy(
        podSelector={"matchExpressions": [
            {"key": "app.kubernetes.io/name", "operator": "In", "values": ["a", "b"]},
            {"key": "tier", "operator": "NotIn", "values": ["db"]},
            {"key": "canary", "operator": "DoesNotExist"},
            {"key": "example.com/team", "operator": "Exists"},
        ]}
    ),
    "empty label value": policy(podSelector={"matchLabels": {"policy-group.network.openshift.io/host-network": ""}}),
    "ingress only type": policy(policyTypes=["Ingress"], ingress=[{"from": [{"namespaceSelector": {}}]}]),
    "dotted name": renamed("web.shop-egress"),
}


@pytest.mark.parametrize("good", GOOD.values(), ids=GOOD.keys())
def test_well_formed_policy_has_no_errors(good):
    assert networkpolicy_errors(good) == []


def _with(mutate) -> dict:
    p = policy()
    mutate(p)
    return p


# (case, policy, field path the message must start with, words it must contain)
BAD = [
    ("name uppercase", renamed("Web"), "metadata.name", "RFC 1123 subdomain"),
    ("name underscore", renamed("web_egress"), "metadata.name", "RFC 1123 subdomain"),
    ("name too long", renamed("a" * 254), "metadata.name", "253"),
    ("name missing", _with(lambda p: p["metadata"].pop("name")), "metadata.name", "Required"),
    ("namespace invalid", _with(lambda p: p["metadata"].update(namespace="Shop")), "metadata.namespace", "RFC 1123 label"),
    ("object label key invalid", _with(lambda p: p["metadata"].update(labels={"-bad": "x"})), "metadata.labels", "name part"),
    ("podSelector label key has two slashes", policy(podSelector={"matchLabels": {"a/b/c": "x"}}), "spec.podSelector.matchLabels", "qualified name"),
    ("podSelector label key prefix not DNS", policy(podSelector={"matchLabels": {"Example.com/app": "x"}}), "spec.podSelector.matchLabels", "prefix part"),
    ("podSelector label key name too long", policy(podSelector={"matchLabels": {"a" * 64: "x"}}), "spec.podSelector.matchLabels", "63"),
    ("podSelector label value invalid", policy(podSelector={"matchLabels": {"app": "web app"}}), "spec.podSelector.matchLabels[app]", "valid label"),
    ("podSelector label value too long", policy(podSelector={"matchLabels": {"app": "a" * 64}}), "spec.podSelector.matchLabels[app]", "63"),
    ("podSelector label value not a string", policy(podSelector={"matchLabels": {"enabled": True}}), "spec.podSelector.matchLabels[enabled]", "string"),
    ("podSelector missing", _with(lambda p: p["spec"].pop("podSelector")), "spec.podSelector", "Required"),
    ("In without values", policy(podSelector={"matchExpressions": [{"key": "app", "operator": "In", "values": []}]}), "spec.podSelector.matchExpressions[0].values", "must be specified"),
    ("NotIn without values", policy(podSelector={"matchExpressions": [{"key": "app", "operator": "NotIn"}]}), "spec.podSelector.matchExpressions[0].values", "must be specified"),
    ("Exists with values", policy(podSelector={"matchExpressions": [{"key": "app", "operator": "Exists", "values": ["x"]}]}), "spec.podSelector.matchExpressions[0].values", "may not be specified"),
    ("DoesNotExist with values", policy(podSelector={"matchExpressions": [{"key": "app", "operator": "DoesNotExist", "values": ["x"]}]}), "spec.podSelector.matchExpressions[0].values", "may not be specified"),
    ("unknown operator", policy(podSelector={"matchExpressions": [{"key": "app", "operator": "Equals", "values": ["x"]}]}), "spec.podSelector.matchExpressions[0].operator", "not a valid selector operator"),
    ("expression key invalid", policy(podSelector={"matchExpressions": [{"key": "a b", "operator": "Exists"}]}), "spec.podSelector.matchExpressions[0].key", "name part"),
    ("expression value invalid", policy(podSelector={"matchExpressions": [{"key": "app", "operator": "In", "values": ["-x"]}]}), "spec.podSelector.matchExpressions[0].values[0]", "valid label"),
    ("peer namespaceSelector invalid", egress_to({"namespaceSelector": {"matchLabels": {"name": "a b"}}}), "spec.egress[0].to[0].namespaceSelector.matchLabels[name]", "valid label"),
    ("port zero", egress_ports({"port": 0}), "spec.egress[0].ports[0].port", "between 1 and 65535"),
    ("port above 65535", egress_ports({"port": 65536}), "spec.egress[0].ports[0].port", "between 1 and 65535"),
    ("port name too long", egress_ports({"port": "a-very-long-port-name"}), "spec.egress[0].ports[0].port", "15 characters"),
    ("port name uppercase", egress_ports({"port": "HTTP"}), "spec.egress[0].ports[0].port", "alpha-numeric"),
    ("port name digits only", egress_ports({"port": "8080"}), "spec.egress[0].ports[0].port", "at least one letter"),
    ("port name double hyphen", egress_ports({"port": "my--port"}), "spec.egress[0].ports[0].port", "consecutive hyphens"),
    ("port name leading hyphen", egress_ports({"port": "-web"}), "spec.egress[0].ports[0].port", "begin or end with a hyphen"),
    ("protocol lowercase", egress_ports({"port": 53, "protocol": "udp"}), "spec.egress[0].ports[0].protocol", "Unsupported value"),
    ("protocol ICMP", egress_ports({"protocol": "ICMP"}), "spec.egress[0].ports[0].protocol", "Unsupported value"),
    ("endPort below port", egress_ports({"port": 9000, "endPort": 8999}), "spec.egress[0].ports[0].endPort", "greater than or equal to `port`"),
    ("endPort above 65535", egress_ports({"port": 9000, "endPort": 70000}), "spec.egress[0].ports[0].endPort", "between 1 and 65535"),
    ("endPort with named port", egress_ports({"port": "metrics", "endPort": 9100}), "spec.egress[0].ports[0].endPort", "non-numeric"),
    ("endPort without port", egress_ports({"endPort": 9100}), "spec.egress[0].ports[0].endPort", "`port` is not specified"),
    ("empty peer", egress_to({}), "spec.egress[0].to[0]", "must specify a peer"),
    ("ipBlock with podSelector", egress_to({"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}}), "spec.egress[0].to[0]", "both ipBlock and another peer"),
    ("ipBlock with namespaceSelector", policy(ingress=[{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}, "namespaceSelector": {}}]}]), "spec.ingress[0].from[0]", "both ipBlock and another peer"),
    ("ipBlock without cidr", egress_to({"ipBlock": {"except": ["10.0.0.0/16"]}}), "spec.egress[0].to[0].ipBlock.cidr", "Required"),
    ("cidr not a cidr", egress_to({"ipBlock": {"cidr": "10.0.0.300/32"}}), "spec.egress[0].to[0].ipBlock.cidr", "valid CIDR"),
    ("cidr without prefix", egress_to({"ipBlock": {"cidr": "10.0.0.1"}}), "spec.egress[0].to[0].ipBlock.cidr", "valid CIDR"),
    ("cidr empty prefix", egress_to({"ipBlock": {"cidr": "10.0.0.0/"}}), "spec.egress[0].to[0].ipBlock.cidr", "valid CIDR"),
    ("cidr /32 as netmask", egress_to({"ipBlock": {"cidr": "10.0.0.0/255.0.0.0"}}), "spec.egress[0].to[0].ipBlock.cidr", "valid CIDR"),
    ("cidr leading zero octet", egress_to({"ipBlock": {"cidr": "010.0.0.0/8"}}), "spec.egress[0].to[0].ipBlock.cidr", "leading zeros"),
    ("cidr leading zero prefix", egress_to({"ipBlock": {"cidr": "10.0.0.0/08"}}), "spec.egress[0].to[0].ipBlock.cidr", "leading zeros"),
    ("cidr prefix too long for ipv4", egress_to({"ipBlock": {"cidr": "10.0.0.0/33"}}), "spec.egress[0].to[0].ipBlock.cidr", "valid CIDR"),
    ("cidr host bits set", egress_to({"ipBlock": {"cidr": "10.0.0.1/8"}}), "spec.egress[0].to[0].ipBlock.cidr", "bits set beyond the prefix"),
    ("cidr ipv4-mapped ipv6", egress_to({"ipBlock": {"cidr": "::ffff:10.0.0.0/104"}}), "spec.egress[0].to[0].ipBlock.cidr", "IPv4-mapped"),
    ("cidr with zone", egress_to({"ipBlock": {"cidr": "fe80::%eth0/64"}}), "spec.egress[0].to[0].ipBlock.cidr", "valid CIDR"),
    ("the original chart's /32 with no address", egress_to({"ipBlock": {"cidr": "/32"}}), "spec.egress[0].to[0].ipBlock.cidr", "valid CIDR"),
    ("except invalid", egress_to({"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/33"]}}), "spec.egress[0].to[0].ipBlock.except[0]", "valid CIDR"),
    ("except outside cidr", egress_to({"ipBlock": {"cidr": "10.0.0.0/8", "except": ["192.168.0.0/16"]}}), "spec.egress[0].to[0].ipBlock.except[0]", "strict subset"),
    ("except equal to cidr", egress_to({"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.0.0.0/8"]}}), "spec.egress[0].to[0].ipBlock.except[0]", "strict subset"),
    ("except wider than cidr", egress_to({"ipBlock": {"cidr": "10.0.0.0/16", "except": ["10.0.0.0/8"]}}), "spec.egress[0].to[0].ipBlock.except[0]", "strict subset"),
    ("except of the other family", egress_to({"ipBlock": {"cidr": "0.0.0.0/0", "except": ["fd00::/8"]}}), "spec.egress[0].to[0].ipBlock.except[0]", "IPv6 inside IPv4"),
    ("second except bad", egress_to({"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16", "11.0.0.0/16"]}}), "spec.egress[0].to[0].ipBlock.except[1]", "strict subset"),
    ("policyType unknown", policy(policyTypes=["Ingress", "egress"]), "spec.policyTypes[1]", "Unsupported value"),
    ("three policyTypes", policy(policyTypes=["Ingress", "Egress", "Ingress"]), "spec.policyTypes", "more than two"),
    ("policyType twice", policy(policyTypes=["Egress", "Egress"]), "spec.policyTypes[1]", "Duplicate"),
    ("bad peer in second ingress rule", policy(ingress=[{"from": [{"podSelector": {}}]}, {"from": [{"ipBlock": {"cidr": "1.2.3.4"}}]}]), "spec.ingress[1].from[0].ipBlock.cidr", "valid CIDR"),
]


@pytest.mark.parametrize("case, bad, path, words", BAD, ids=[c[0] for c in BAD])
def test_each_api_server_rule_flags_its_case_at_its_field(case, bad, path, words):
    errors = networkpolicy_errors(bad)
    assert any(e.startswith(path + ":") and words in e for e in errors), errors


def test_a_policy_with_several_problems_reports_each():
    bad = egress_to({"ipBlock": {"cidr": "10.0.0.1/8"}, "podSelector": {}}, ports=[{"port": 0, "protocol": "ICMP"}])
    errors = networkpolicy_errors(bad)
    assert len(errors) == 4, errors


def test_rules_do_not_modify_the_policy():
    p = GOOD["match expressions"]
    before = copy.deepcopy(p)
    networkpolicy_errors(p)
    assert p == before


@pytest.mark.parametrize(
    "text, expected",
    [("192.0.2.10/32", "192.0.2.10/32"), ("2001:db8::/32", "2001:db8::/32"), ("0.0.0.0/0", "0.0.0.0/0"), ("::/0", "::/0")],
)
def test_parse_cidr_accepts_canonical_cidrs(text, expected):
    network, why = parse_cidr(text)
    assert why is None and str(network) == expected
