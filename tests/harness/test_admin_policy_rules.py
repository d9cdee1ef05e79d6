"""netpol_harness.check.adminrules: AdminNetworkPolicy, BaselineAdminNetworkPolicy (v1alpha1) and
ClusterNetworkPolicy (v1alpha2) as the API server checks them against their CRDs (OpenAPI schema and
CEL rules). One refused example per rule, each named by its exact field path; valid shapes pass, and so
does every policy of the upstream conformance suite."""
from __future__ import annotations

import argparse
import copy
import re
from pathlib import Path

import pytest
import yaml

from netpol_harness.check import api_server_errors, validate_all, validate_kubernetes
from netpol_harness.check import kubernetes as kubernetes_check
from netpol_harness.check.adminrules import admin_policy_errors, in_admin_group

# libyaml reads the truth tables' large files several times faster than the pure-Python loader.
FAST = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

V1 = "policy.networking.k8s.io/v1alpha1"
V2 = "policy.networking.k8s.io/v1alpha2"
CONFORMANCE = Path(__file__).resolve().parent.parent / "data" / "conformance"  # the upstream suite's policies


def shop() -> dict:
    return {"namespaces": {"matchLabels": {"kubernetes.io/metadata.name": "shop"}}}


def anp(**spec) -> dict:
    return {"apiVersion": V1, "kind": "AdminNetworkPolicy", "metadata": {"name": "shop-guard"},
            "spec": {"priority": 10, "subject": shop(), **spec}}


def banp(**spec) -> dict:
    return {"apiVersion": V1, "kind": "BaselineAdminNetworkPolicy", "metadata": {"name": "default"},
            "spec": {"subject": shop(), **spec}}


def cnp(**spec) -> dict:
    return {"apiVersion": V2, "kind": "ClusterNetworkPolicy", "metadata": {"name": "shop-guard"},
            "spec": {"tier": "Admin", "priority": 10, "subject": shop(), **spec}}


def to(action: str, *peers, **extra) -> list[dict]:
    """spec.egress with one rule."""
    return [{"action": action, "to": list(peers) or [shop()], **extra}]


def from_(action: str, *peers, **extra) -> list[dict]:
    """spec.ingress with one rule."""
    return [{"action": action, "from": list(peers) or [shop()], **extra}]


def tcp(port) -> dict:
    return {"tcp": {"destinationPort": {"number": port}}}


def port_number(port, protocol="TCP") -> dict:
    return {"portNumber": {"protocol": protocol, "port": port}}


def edited(obj: dict, path: str, value=None, *, delete=False) -> dict:
    """A copy of obj with the dotted path (ints index lists) set to value, or deleted."""
    out = copy.deepcopy(obj)
    node = out
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]
    for key in keys[:-1]:
        node = node[key]
    if delete:
        del node[keys[-1]]
    else:
        node[keys[-1]] = value
    return out


def the_error(obj: dict) -> str:
    errors = admin_policy_errors(obj)
    assert len(errors) == 1, errors
    return errors[0]


# --- valid shapes (taken from the upstream conformance policies) --------------------------

GOOD = {
    "anp namespaces subject, allow/deny/pass": anp(
        ingress=from_("Allow") + from_("Deny") + from_("Pass"), egress=to("Allow") + to("Deny") + to("Pass")),
    "anp pods subject and peer": anp(
        subject={"pods": {"namespaceSelector": {}, "podSelector": {"matchLabels": {"app": "web"}}}},
        egress=to("Deny", {"pods": {"namespaceSelector": {"matchExpressions": [
            {"key": "conformance-house", "operator": "In", "values": ["slytherin"]}]}, "podSelector": {}}})),
    "anp ports of every kind": anp(ingress=from_("Allow", ports=[
        port_number(80), port_number(53, "UDP"), port_number(9003, "SCTP"), {"portNumber": {"port": 8080}},
        {"namedPort": "web"}, {"portRange": {"protocol": "UDP", "start": 34345, "end": 34346}}])),
    "anp portRange with start equal to end (prose only upstream)": anp(
        egress=to("Allow", ports=[{"portRange": {"start": 80, "end": 80}}])),
    "anp egress networks, nodes, domainNames": anp(egress=to(
        "Deny", {"networks": ["0.0.0.0/0", "::/0"]}, {"nodes": {"matchLabels": {"kubernetes.io/os": "linux"}}},
        {"domainNames": ["kubernetes.io", "*.example.com", "example.org."]})),
    "anp domainNames in a deny rule (prose only upstream)": anp(egress=to("Deny", {"domainNames": ["example.com"]})),
    "anp priority at both ends": anp(priority=0),
    "anp priority 1000": anp(priority=1000),
    "anp 100 rules, 100 peers, 100 ports": anp(
        ingress=[{"action": "Allow", "from": [shop()] * 100, "ports": [port_number(p) for p in range(1, 101)]}] * 100),
    "anp rule name of 100 characters": anp(egress=to("Allow", name="n" * 100)),
    "anp empty rule lists": anp(ingress=[], egress=[]),
    "banp default with nodes and networks": banp(
        ingress=from_("Deny"), egress=to("Allow", {"nodes": {}}) + to("Deny", {"networks": ["10.0.0.0/8"]})),
    "banp named port to pods": banp(egress=to("Allow", ports=[{"namedPort": "dns"}])),
    "cnp admin tier, every action": cnp(ingress=from_("Accept") + from_("Deny") + from_("Pass"),
                                        egress=to("Accept") + to("Deny") + to("Pass")),
    "cnp baseline tier": cnp(tier="Baseline", priority=10, egress=to("Deny")),
    "cnp pods without namespaceSelector": cnp(subject={"pods": {"podSelector": {}}},
                                              ingress=from_("Accept", {"pods": {"podSelector": {}}})),
    "cnp protocols of every kind": cnp(ingress=from_("Accept", protocols=[
        tcp(80), {"udp": {"destinationPort": {"number": 53}}}, {"sctp": {"destinationPort": {"number": 9003}}},
        {"tcp": {"destinationPort": {"range": {"start": 34345, "end": 34346}}}}, {"destinationNamedPort": "web"}])),
    "cnp 25 rules, 25 peers, 25 protocols": cnp(
        egress=[{"action": "Deny", "to": [shop()] * 25, "protocols": [tcp(p) for p in range(1, 26)]}] * 25),
    "cnp domainNames in a deny rule (prose only upstream)": cnp(egress=to("Deny", {"domainNames": ["example.com"]})),
    "cnp named port with a pods peer": cnp(egress=to("Accept", {"pods": {"podSelector": {}}},
                                                     protocols=[{"destinationNamedPort": "dns"}])),
    "a namespace on a cluster-scoped object (the server clears it)": edited(anp(), "metadata.namespace", "shop"),
}


@pytest.mark.parametrize("obj", GOOD.values(), ids=GOOD.keys())
def test_valid_admin_policies_pass(obj):
    assert admin_policy_errors(obj) == []


def conformance_policies() -> list:
    """Every admin policy object in the conformance truth tables, as (file, name, object); the
    `{ip of ns/pod}` placeholders get one distinct pod address each."""
    found = []
    for path in sorted(CONFORMANCE.glob("*.yaml")):
        addresses: dict[str, str] = {}
        text = re.sub(r"\{ip of [^}]*\}",
                      lambda m: addresses.setdefault(m.group(0), f"10.244.0.{len(addresses) + 1}"), path.read_text())
        stack = list(yaml.load_all(text, Loader=FAST))
        while stack:
            node = stack.pop()
            if in_admin_group(node):
                found.append(pytest.param(node, id=f"{path.stem}:{node['metadata']['name']}"))
            elif isinstance(node, dict):
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
    return found


@pytest.mark.parametrize("obj", conformance_policies())
def test_every_upstream_conformance_policy_is_valid(obj):
    assert admin_policy_errors(obj) == []


def test_the_conformance_tables_hold_all_three_kinds():
    kinds = {p.values[0]["kind"] for p in conformance_policies()}
    assert kinds == {"AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"}


# --- one refused example per rule, named by its path -----------------------------------------

BAD = {
    # unknown fields (pruned by the structural schema; errors here)
    "unknown top-level field": (dict(anp(), data={}), "data: Unknown field"),
    "unknown spec field": (anp(priorty=3), "spec.priorty: Unknown field"),
    "unknown metadata field": (edited(anp(), "metadata.label", {}), "metadata.label: Unknown field"),
    "unknown field in a match expression": (anp(subject={"namespaces": {"matchExpressions": [
        {"key": "a", "operator": "In", "value": ["b"]}]}}), "spec.subject.namespaces.matchExpressions[0].value: Unknown field"),
    "from in an egress rule": (anp(egress=[{"action": "Deny", "to": [shop()], "from": [shop()]}]),
                               "spec.egress[0].from: Unknown field: egress rules take `to`"),
    "tier in an AdminNetworkPolicy": (anp(tier="Admin"), "spec.tier: Unknown field"),
    "priority in a BaselineAdminNetworkPolicy": (banp(priority=1), "spec.priority: Unknown field"),
    # required fields
    "no spec": (edited(anp(), "spec", delete=True), "spec: Required value"),
    "anp without subject": (edited(anp(), "spec.subject", delete=True), "spec.subject: Required value"),
    "banp without subject": (edited(banp(), "spec.subject", delete=True), "spec.subject: Required value"),
    "anp without priority": (edited(anp(), "spec.priority", delete=True), "spec.priority: Required value"),
    "cnp without priority": (edited(cnp(), "spec.priority", delete=True), "spec.priority: Required value"),
    "cnp without tier": (edited(cnp(), "spec.tier", delete=True), "spec.tier: Required value"),
    "rule without action": (anp(egress=[{"to": [shop()]}]), "spec.egress[0].action: Required value"),
    "ingress rule without from": (anp(ingress=[{"action": "Deny"}]), "spec.ingress[0].from: Required value"),
    "egress rule without to": (cnp(egress=[{"action": "Deny"}]), "spec.egress[0].to: Required value"),
    "v1alpha1 pods peer without namespaceSelector": (anp(subject={"pods": {"podSelector": {}}}),
                                                     "spec.subject.pods.namespaceSelector: Required value"),
    "v1alpha2 pods peer without podSelector": (cnp(subject={"pods": {"namespaceSelector": {}}}),
                                               "spec.subject.pods.podSelector: Required value"),
    "null list item": (anp(egress=[None]), "spec.egress[0]: Invalid value: null"),
    # priority, enums, name
    "priority below 0": (anp(priority=-1), "spec.priority: Invalid value: -1: must be between 0 and 1000, inclusive"),
    "priority above 1000": (cnp(priority=1001), "spec.priority: Invalid value: 1001: must be between 0 and 1000, inclusive"),
    "priority as a string": (anp(priority="10"), "spec.priority: Invalid value: '10': must be an integer"),
    "anp action Accept": (anp(ingress=from_("Accept")),
                          "spec.ingress[0].action: Unsupported value: 'Accept': supported values: 'Allow', 'Deny', 'Pass'"),
    "banp action Pass": (banp(egress=to("Pass")),
                         "spec.egress[0].action: Unsupported value: 'Pass': supported values: 'Allow', 'Deny'"),
    "cnp action Allow": (cnp(egress=to("Allow")),
                         "spec.egress[0].action: Unsupported value: 'Allow': supported values: 'Accept', 'Deny', 'Pass'"),
    "cnp tier Middle": (cnp(tier="Middle"), "spec.tier: Unsupported value: 'Middle': supported values: 'Admin', 'Baseline'"),
    "banp not named default": (edited(banp(), "metadata.name", "shop"), "metadata.name: Invalid value: 'shop'"),
    "object name not a DNS subdomain": (edited(anp(), "metadata.name", "Shop_Guard"), "metadata.name: Invalid value: 'Shop_Guard'"),
    "rule name over 100 characters": (anp(egress=to("Deny", name="n" * 101)),
                                      "spec.egress[0].name: Too long: may not be more than 100 characters"),
    # exactly one field
    "subject with no field": (anp(subject={}), "spec.subject: Invalid value: exactly one of namespaces, pods must be set (found: none)"),
    "subject with two fields": (cnp(subject={"namespaces": {}, "pods": {"podSelector": {}}}),
                                "spec.subject: Invalid value: exactly one of namespaces, pods must be set (found: namespaces, pods)"),
    "peer with two fields": (anp(egress=to("Deny", {"namespaces": {}, "networks": ["10.0.0.0/8"]})),
                             "spec.egress[0].to[0]: Invalid value: exactly one of"),
    "empty peer": (banp(ingress=from_("Deny", {})), "spec.ingress[0].from[0]: Invalid value: exactly one of namespaces, pods"),
    "v1alpha1 port with two fields": (anp(ingress=from_("Deny", ports=[{"namedPort": "web", **port_number(80)}])),
                                      "spec.ingress[0].ports[0]: Invalid value: exactly one of portNumber, namedPort, portRange"),
    "v1alpha2 protocol with two fields": (cnp(ingress=from_("Deny", protocols=[{**tcp(80), "udp": {"destinationPort": {"number": 53}}}])),
                                          "spec.ingress[0].protocols[0]: Invalid value: exactly one of tcp, udp, sctp, destinationNamedPort"),
    "v1alpha2 destinationPort with number and range": (
        cnp(ingress=from_("Deny", protocols=[{"tcp": {"destinationPort": {"number": 80, "range": {"start": 1, "end": 2}}}}])),
        "spec.ingress[0].protocols[0].tcp.destinationPort: Invalid value: exactly one of number, range"),
    "v1alpha2 tcp without destinationPort": (cnp(ingress=from_("Deny", protocols=[{"tcp": {}}])),
                                             "spec.ingress[0].protocols[0].tcp: Required value: must set destinationPort"),
    # counts
    "anp 101 ingress rules": (anp(ingress=from_("Deny") * 101), "spec.ingress: Too many: 101: must have at most 100 items"),
    "banp 101 egress rules": (banp(egress=to("Deny") * 101), "spec.egress: Too many: 101: must have at most 100 items"),
    "cnp 26 egress rules": (cnp(egress=to("Deny") * 26), "spec.egress: Too many: 26: must have at most 25 items"),
    "no peers": (anp(ingress=[{"action": "Deny", "from": []}]), "spec.ingress[0].from: Required value: must have at least 1 item"),
    "anp 101 peers": (anp(egress=to("Deny", *[shop()] * 101)), "spec.egress[0].to: Too many: 101: must have at most 100 items"),
    "cnp 26 peers": (cnp(ingress=from_("Deny", *[shop()] * 26)), "spec.ingress[0].from: Too many: 26: must have at most 25 items"),
    "empty ports list": (anp(egress=to("Deny", ports=[])), "spec.egress[0].ports: Required value: must have at least 1 item"),
    "anp 101 ports": (anp(egress=to("Deny", ports=[port_number(80)] * 101)), "spec.egress[0].ports: Too many: 101"),
    "cnp 26 protocols": (cnp(egress=to("Deny", protocols=[tcp(80)] * 26)), "spec.egress[0].protocols: Too many: 26"),
    # networks
    "empty networks": (anp(egress=to("Deny", {"networks": []})), "spec.egress[0].to[0].networks: Required value"),
    "26 networks": (anp(egress=to("Deny", {"networks": [f"10.0.{i}.0/24" for i in range(26)]})),
                    "spec.egress[0].to[0].networks: Too many: 26: must have at most 25 items"),
    "network not a CIDR": (cnp(egress=to("Deny", {"networks": ["10.0.0.0"]})),
                           "spec.egress[0].to[0].networks[0]: Invalid value: '10.0.0.0': must be a valid CIDR value"),
    "network longer than 43 characters": (banp(egress=to("Deny", {"networks": ["1" * 44]})),
                                          "spec.egress[0].to[0].networks[0]: Too long: may not be more than 43 characters"),
    "network listed twice": (anp(egress=to("Deny", {"networks": ["10.0.0.0/8", "10.0.0.0/8"]})),
                             "spec.egress[0].to[0].networks[1]: Duplicate value: '10.0.0.0/8'"),
    "network with host bits (harness)": (anp(egress=to("Deny", {"networks": ["10.0.0.1/8"]})),
                                         "spec.egress[0].to[0].networks[0]: Invalid value: '10.0.0.1/8': must not have bits "
                                         "set beyond the prefix length (harness: the CRD's isCIDR accepts it; "
                                         "implementations read it as 10.0.0.0/8)"),
    # domainNames and nodes: where they may be
    "domain name not matching the pattern": (anp(egress=to("Allow", {"domainNames": ["foo.*.example.com"]})),
                                             "spec.egress[0].to[0].domainNames[0]: Invalid value: 'foo.*.example.com'"),
    "domain name without a dot": (cnp(egress=to("Accept", {"domainNames": ["localhost"]})),
                                  "spec.egress[0].to[0].domainNames[0]: Invalid value: 'localhost'"),
    "domainNames in a banp": (banp(egress=to("Allow", {"nodes": {}, "domainNames": ["example.com"]})),
                              "spec.egress[0].to[0].domainNames: Unknown field: BaselineAdminNetworkPolicy egress peers"),
    "domainNames in an ingress peer": (cnp(ingress=from_("Accept", {"namespaces": {}, "domainNames": ["example.com"]})),
                                       "spec.ingress[0].from[0].domainNames: Unknown field: ClusterNetworkPolicy ingress peers"),
    "nodes in an ingress peer": (anp(ingress=from_("Allow", {"namespaces": {}, "nodes": {}})),
                                 "spec.ingress[0].from[0].nodes: Unknown field: AdminNetworkPolicy ingress peers take only namespaces, pods"),
    "networks in an ingress peer": (banp(ingress=from_("Allow", {"namespaces": {}, "networks": ["10.0.0.0/8"]})),
                                    "spec.ingress[0].from[0].networks: Unknown field"),
    # v1alpha1 ports
    "port 0": (anp(egress=to("Deny", ports=[port_number(0)])),
               "spec.egress[0].ports[0].portNumber.port: Invalid value: 0: must be between 1 and 65535, inclusive"),
    "port 65536": (banp(ingress=from_("Deny", ports=[port_number(65536)])),
                   "spec.ingress[0].ports[0].portNumber.port: Invalid value: 65536: must be between 1 and 65535, inclusive"),
    "portNumber without port": (anp(egress=to("Deny", ports=[{"portNumber": {"protocol": "UDP"}}])),
                                "spec.egress[0].ports[0].portNumber.port: Required value"),
    "portRange without end": (anp(egress=to("Deny", ports=[{"portRange": {"start": 80}}])),
                              "spec.egress[0].ports[0].portRange.end: Required value"),
    "protocol ICMP (harness)": (anp(egress=to("Deny", ports=[port_number(80, "ICMP")])),
                                "spec.egress[0].ports[0].portNumber.protocol: Unsupported value: 'ICMP': supported values: "
                                "'TCP', 'UDP', 'SCTP' (harness: the v1alpha1 CRD has no enum for it)"),
    "portRange with start above end (harness)": (anp(egress=to("Deny", ports=[{"portRange": {"start": 90, "end": 80}}])),
                                                 "spec.egress[0].ports[0].portRange: Invalid value: start 90 is greater than end 80"),
    "named port not an IANA service name (harness)": (banp(ingress=from_("Allow", ports=[{"namedPort": "Web_Port"}])),
                                                      "spec.ingress[0].ports[0].namedPort: Invalid value: 'Web_Port'"),
    # v1alpha2 protocols
    "destination port 0": (cnp(egress=to("Deny", protocols=[tcp(0)])),
                           "spec.egress[0].protocols[0].tcp.destinationPort.number: Invalid value: 0: must be between 1 and 65535"),
    "destination port 65536": (cnp(egress=to("Deny", protocols=[{"sctp": {"destinationPort": {"number": 65536}}}])),
                               "spec.egress[0].protocols[0].sctp.destinationPort.number: Invalid value: 65536"),
    "range with start equal to end": (cnp(egress=to("Deny", protocols=[{"udp": {"destinationPort": {"range": {"start": 53, "end": 53}}}}])),
                                      "spec.egress[0].protocols[0].udp.destinationPort.range: Invalid value: start 53 must be less than end 53"),
    "range with start above end": (cnp(egress=to("Deny", protocols=[{"tcp": {"destinationPort": {"range": {"start": 90, "end": 80}}}}])),
                                   "spec.egress[0].protocols[0].tcp.destinationPort.range: Invalid value: start 90 must be less than end 80"),
    # the other version's port field
    "anp with protocols names ports": (anp(egress=to("Deny", protocols=[tcp(80)])),
                                       "spec.egress[0].protocols: Unknown field: v1alpha1 rules list ports in `ports`"),
    "cnp with ports names protocols": (cnp(ingress=from_("Deny", ports=[port_number(80)])),
                                       "spec.ingress[0].ports: Unknown field: v1alpha2 rules list ports in `protocols`"),
    # the CEL rule: no named port with networks/nodes/domainNames peers
    "anp named port with networks": (anp(egress=to("Allow", shop(), {"networks": ["10.0.0.0/8"]}, ports=[port_number(80), {"namedPort": "web"}])),
                                     "spec.egress[0]: Invalid value: ports[1].namedPort cannot be used with the to[1].networks peer"),
    "banp named port with nodes": (banp(egress=to("Allow", {"nodes": {}}, ports=[{"namedPort": "web"}])),
                                   "spec.egress[0]: Invalid value: ports[0].namedPort cannot be used with the to[0].nodes peer"),
    "cnp named port with domainNames": (cnp(egress=to("Accept", {"domainNames": ["example.com"]}, protocols=[{"destinationNamedPort": "https"}])),
                                        "spec.egress[0]: Invalid value: protocols[0].destinationNamedPort cannot be used with the to[0].domainNames peer"),
    # label selectors
    "selector operator not known (harness)": (anp(subject={"namespaces": {"matchExpressions": [{"key": "a", "operator": "in", "values": ["b"]}]}}),
                                              "spec.subject.namespaces.matchExpressions[0].operator: Invalid value: 'in'"),
    "selector label key not a qualified name (harness)": (cnp(ingress=from_("Deny", {"namespaces": {"matchLabels": {"bad key": "x"}}})),
                                                          "spec.ingress[0].from[0].namespaces.matchLabels: Invalid value: 'bad key'"),
    "selector label value not a string": (banp(egress=to("Deny", {"nodes": {"matchLabels": {"ready": True}}})),
                                          "spec.egress[0].to[0].nodes.matchLabels.ready: Invalid value: True: must be a string"),
    "match expression without operator": (anp(subject={"namespaces": {"matchExpressions": [{"key": "a"}]}}),
                                          "spec.subject.namespaces.matchExpressions[0].operator: Required value"),
    # versions
    "anp as v1alpha2": (dict(anp(), apiVersion=V2), "apiVersion: Invalid value: 'policy.networking.k8s.io/v1alpha2': "
                                                     "AdminNetworkPolicy is served as policy.networking.k8s.io/v1alpha1 only"),
    "cnp as v1alpha1": (dict(cnp(), apiVersion=V1), "apiVersion: Invalid value: 'policy.networking.k8s.io/v1alpha1'"),
}


@pytest.mark.parametrize("obj, expected", BAD.values(), ids=BAD.keys())
def test_each_rule_refuses_its_example_naming_the_path(obj, expected):
    assert the_error(obj).startswith(expected)


def test_every_error_starts_with_a_field_path():
    bad = anp(priority=2000, subject={}, egress=to("Pass", {"networks": ["x"]}, ports=[{"namedPort": "web"}]))
    errors = admin_policy_errors(bad)
    assert len(errors) == 4
    assert all(re.match(r"^(spec|metadata)[\w.\[\]]*: ", m) for m in errors), errors


def test_harness_only_rules_say_so_and_server_rules_do_not():
    stricter = the_error(anp(egress=to("Deny", ports=[port_number(80, "tcp")])))
    server = the_error(cnp(egress=to("Deny", protocols=[tcp(0)])))
    assert "(harness:" in stricter and "harness" not in server


# --- wiring: validate_kubernetes skips them, api_server_errors checks them ---------------------


@pytest.fixture
def bundled_schemas(monkeypatch):
    monkeypatch.setenv("NETPOL_VALIDATOR", "python")


def test_the_schema_check_does_not_say_no_schema_for_the_admin_kinds(bundled_schemas):
    assert validate_kubernetes([anp(), banp(), cnp(), dict(anp(), apiVersion=V2)]) == []


def test_another_kind_in_the_admin_group_still_has_no_schema(bundled_schemas):
    errors = validate_kubernetes([dict(anp(), kind="AdminNetworkPolicies")])
    assert errors == ["AdminNetworkPolicies/shop-guard: no schema for AdminNetworkPolicies "
                      "policy.networking.k8s.io/v1alpha1 in Kubernetes 1.33"]


def test_kubeconform_is_not_sent_the_admin_policies(monkeypatch):
    sent = []
    monkeypatch.setattr(kubernetes_check, "_kubeconform_errors", lambda binary, objects, version: sent.extend(objects) or [])
    monkeypatch.setattr(kubernetes_check.shutil, "which", lambda name: "/usr/bin/kubeconform")
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
    assert validate_kubernetes([anp(), namespace, cnp()], engine="kubeconform") == []
    assert sent == [namespace]


def test_api_server_errors_reports_admin_policy_rules_under_the_object(bundled_schemas):
    objects = [anp(priority=1001), banp(), cnp(egress=to("Deny", ports=[port_number(80)]))]
    errors = api_server_errors(objects)
    assert errors[0] == "AdminNetworkPolicy/shop-guard: spec.priority: Invalid value: 1001: must be between 0 and 1000, inclusive"
    assert errors[1].startswith("ClusterNetworkPolicy/shop-guard: spec.egress[0].ports: Unknown field")
    assert len(errors) == 2
    assert validate_all(objects) == errors


def test_validate_all_passes_valid_admin_policies(bundled_schemas):
    assert validate_all([anp(egress=to("Deny")), banp(ingress=from_("Allow")), cnp(tier="Baseline")]) == []


def test_netpol_validate_reports_an_admin_policy_error_in_a_chart(tmp_path, default_helm, capsys, bundled_schemas):
    from netpol_harness.cli import validate as cli_validate

    chart = tmp_path / "admin"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: admin\nversion: 0.1.0\n")
    policies = [anp(egress=to("Deny", {"networks": ["10.0.0.0/8"]}, protocols=[tcp(443)])), cnp(tier="Baseline")]
    (chart / "templates" / "admin.yaml").write_text(yaml.safe_dump_all(policies, sort_keys=False))
    parser = argparse.ArgumentParser()
    cli_validate.add_arguments(parser)
    code = cli_validate.run(parser.parse_args([str(chart), "--no-cache", "--helm", default_helm]))
    out = capsys.readouterr().out
    assert code == 1
    assert "AdminNetworkPolicy/shop-guard: spec.egress[0].protocols: Unknown field: v1alpha1 rules list ports in `ports`" in out
    assert "no schema" not in out and "ClusterNetworkPolicy/" not in out
