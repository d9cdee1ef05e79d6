"""How the fuzzer judges a render: a clear error names a value path that exists; a good
render passes the API server's object rules and allows no more than the values asked."""
from __future__ import annotations

import pytest

from netpol_harness.check.apirules import duplicate_errors, object_errors, parse_cidr, workload_errors
from netpol_harness.check.errors import judge_error, parse_path, resolves, schema_error_paths
from netpol_harness.check.failclosed import networks_in, wider_than_values
from netpol_harness.fuzz import set_path, value_paths

VALUES = {"networkPolicy": {"egress": {"extraRules": [{"name": "m", "ports": [80]}]}},
          "podLabels": {"app.kubernetes.io/name": "x"}}


@pytest.mark.parametrize("text, parts", [
    ("networkPolicy.egress.extraRules[0] (m).ports[0]", ["networkPolicy", "egress", "extraRules", 0, "ports", 0]),
    ("podLabels[app.kubernetes.io/name]", ["podLabels", "app.kubernetes.io/name"]),
    ("networkPolicy.egress.k8sMasterPort.0", ["networkPolicy", "egress", "k8sMasterPort", 0]),
    ("not a path", None),
])
def test_message_paths_are_read_with_indexes_keys_and_rule_names(text, parts):
    assert parse_path(text) == parts


def test_a_path_resolves_through_dotted_keys_and_may_name_one_missing_key():
    assert resolves(VALUES, ["podLabels", "app", "kubernetes", "io/name"])  # helm 3.10 splits keys on dots
    assert resolves(VALUES, ["networkPolicy", "egress", "extraRules", 0, "to"])  # the key the user left out
    assert not resolves(VALUES, ["networkPolicy", "egress", "egress", 2])
    assert not resolves(VALUES, ["networkPolicy", "egress", "extraRules", 0, "ports", 0, "port"])  # 80 is no map


def test_schema_errors_are_read_in_both_helm_formats():
    old = "values don't meet the specifications of the schema(s)\n- networkPolicy: egress is required\n"
    new = ("values don't meet the specifications of the schema(s)\n- at '/components': invalid propertyName "
           "'kubernetes.io/metadata.name'\n- at '': missing property 'image'\n")
    assert schema_error_paths(old) == ["networkPolicy"]
    assert schema_error_paths(new) == ["components", "(root)"]


def test_a_chart_message_naming_a_real_value_is_clear_and_go_text_is_not():
    fail = "Error: execution error at (c/templates/x.yaml:1:2): networkPolicy.egress.extraRules[0] (m).to: no peers"
    assert judge_error(fail, VALUES).clear
    wrong = "Error: execution error at (c/templates/x.yaml:1:2): networkPolicy.egress.egress[2] (gw).to[0]: bad"
    assert not judge_error(wrong, VALUES).clear
    go = 'Error: template: c/templates/d.yaml:3:4: executing "c" at <.Values.x.y>: nil pointer evaluating interface {}.y'
    verdict = judge_error(go, VALUES)
    assert not verdict.clear and verdict.source == "go"


def test_an_ip_block_wider_than_every_network_the_values_name_is_a_violation():
    policy = {"kind": "NetworkPolicy", "metadata": {"name": "p"},
              "spec": {"podSelector": {}, "policyTypes": ["Egress"],
                       "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}]}}
    assert wider_than_values([policy], {"cidrs": ["10.1.0.0/16"]}) == [
        "NetworkPolicy/p: spec.egress[0].to[0]: 10.0.0.0/8 is wider than any network the values name"]
    assert wider_than_values([policy], {"cidrs": ["10.0.0.0/8"]}) == []
    assert [str(n) for n in networks_in({"url": "https://[2001:db8::5]:8443/x", "h": "203.0.113.5:9"})][-2:] == [
        "2001:db8::5/128", "203.0.113.5/32"]


def test_an_open_rule_is_a_violation_unless_the_values_asked_for_it():
    policy = {"kind": "NetworkPolicy", "metadata": {"name": "p"},
              "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"ports": [{"port": 80}]}]}}
    assert wider_than_values([policy], {}) == [
        "NetworkPolicy/p: spec.ingress[0]: no 'from' peers, so it allows every peer on ports [80]"]
    assert wider_than_values([policy], {"rules": [{"allowAll": True}]}) == []


def test_object_rules_the_api_server_applies_to_every_object():
    assert object_errors({"kind": "ServiceAccount", "metadata": {"name": "Bad_Name"}})[0].startswith(
        "metadata.name: Invalid value: 'Bad_Name'")
    assert object_errors({"kind": "Role", "metadata": {"name": "a/b"}}) == [
        "metadata.name: Invalid value: 'a/b': may not be '.' or '..' or contain '/' or '%'"]
    assert object_errors({"kind": "Secret", "metadata": {"name": "s", "labels": {"k": True}}}) == [
        "metadata.labels[k]: Invalid value: True: must be a string, not bool"]
    deployment = {"kind": "Deployment", "metadata": {"name": "d"},
                  "spec": {"selector": {"matchLabels": {"app": "d"}}, "template": {"metadata": {"labels": {"app": "x"}}}}}
    assert workload_errors(deployment) == ["spec.template.metadata.labels: Invalid value: selector does not match template labels"]
    twice = [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}] * 2
    assert duplicate_errors(twice) == ["Secret/s: rendered twice (harness: the second would replace the first)"]


def test_ipv6_cidrs_must_be_canonical():
    assert parse_cidr("2001:0db8::/32") == (None, "must be in canonical form (harness: write 2001:db8::/32)")
    assert parse_cidr("2001:db8::/32")[1] is None


def test_mutations_set_any_path_without_touching_the_base():
    base = {"a": {"b": [1, {"c": 2}]}}
    assert set_path(base, ("a", "b", 1, "c"), None) == {"a": {"b": [1, {"c": None}]}}
    assert set_path(base, ("x", "y"), 3) == {"a": {"b": [1, {"c": 2}]}, "x": {"y": 3}}
    assert base == {"a": {"b": [1, {"c": 2}]}}
    assert ("a", "b", 1, "c") in value_paths(base)
