"""netpol_harness.manifests: finding workloads and policies, label-selector semantics, and
the allow-all rules that must never appear by accident."""
from __future__ import annotations

import pytest

from netpol_harness.net.policy import default_policy_types
from netpol_harness.manifests import (
    empty_peer_rules,
    ip_blocks,
    networkpolicies,
    pod_templates,
    policies_selecting,
    selector_matches,
)

LABELS = {"app": "web", "tier": "front"}


@pytest.mark.parametrize(
    "selector, matches",
    [
        ({}, True),
        ({"matchLabels": {"app": "web"}}, True),
        ({"matchLabels": {"app": "web", "tier": "back"}}, False),
        ({"matchLabels": {"missing": ""}}, False),
        ({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["front", "edge"]}]}, True),
        ({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["back"]}]}, False),
        ({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["front"]}]}, False),
        ({"matchExpressions": [{"key": "canary", "operator": "NotIn", "values": ["true"]}]}, True),
        ({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, True),
        ({"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]}, False),
        ({"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, False),
        (None, False),
    ],
)
def test_selector_matches_follows_kubernetes_label_selector_semantics(selector, matches):
    assert selector_matches(selector, LABELS) is matches


def test_unknown_operator_is_an_error_not_a_guess():
    with pytest.raises(ValueError):
        selector_matches({"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]}, LABELS)


def test_pod_templates_finds_every_workload_kind():
    template = {"metadata": {"labels": LABELS}, "spec": {"containers": []}}
    objects = [
        {"kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": template}},
        {"kind": "CronJob", "metadata": {"name": "c"}, "spec": {"jobTemplate": {"spec": {"template": template}}}},
        {"kind": "Pod", "metadata": {"name": "p", "labels": LABELS}, "spec": {}},
        {"kind": "ConfigMap", "metadata": {"name": "cm"}},
    ]
    found = pod_templates(objects)
    assert [owner["metadata"]["name"] for owner, _ in found] == ["d", "c", "p"]
    assert all(t["metadata"]["labels"] == LABELS for _, t in found)


EGRESS = {
    "kind": "NetworkPolicy",
    "metadata": {"name": "web-egress", "namespace": "shop"},
    "spec": {
        "podSelector": {"matchLabels": {"app": "web"}},
        "policyTypes": ["Egress"],
        "egress": [
            {"to": [{"ipBlock": {"cidr": "192.0.2.10/32"}}], "ports": [{"port": 6443}]},
            {"ports": [{"port": 53, "protocol": "UDP"}]},
            {"to": [], "ports": [{"port": 443}]},
            {"to": [{"ipBlock": {"cidr": "2001:db8::/64"}}]},
        ],
    },
}


def test_empty_peer_rules_names_each_rule_that_allows_every_peer():
    assert empty_peer_rules(EGRESS) == [
        "spec.egress[1]: no 'to' peers, so it allows every peer on ports [53]",
        "spec.egress[2]: no 'to' peers, so it allows every peer on ports [443]",
    ]


def test_a_deny_all_policy_has_no_empty_peer_rules():
    deny = {"kind": "NetworkPolicy", "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}
    assert empty_peer_rules(deny) == []
    assert empty_peer_rules({"spec": {"ingress": [{}]}}) == ["spec.ingress[0]: no 'from' peers, so it allows every peer on every port"]


def test_ip_blocks_lists_every_ipblock_peer_in_rule_order():
    assert [b["cidr"] for b in ip_blocks(EGRESS)] == ["192.0.2.10/32", "2001:db8::/64"]


def test_policy_types_default_like_the_api_server():
    assert default_policy_types(EGRESS["spec"]) == ("Egress",)
    assert default_policy_types({"egress": [{}]}) == ("Ingress", "Egress")
    assert default_policy_types({}) == ("Ingress",)


def test_policies_selecting_respects_namespace_and_selector():
    objects = [EGRESS, {"kind": "ConfigMap", "metadata": {"name": "x"}}]
    assert networkpolicies(objects) == [EGRESS]
    assert policies_selecting(objects, LABELS, "shop") == [EGRESS]
    assert policies_selecting(objects, LABELS, "other") == []
    assert policies_selecting(objects, {"app": "db"}) == []
