"""Across the whole job-executor-service value matrix, every dataplane switch included:
every manifest passes strict Kubernetes schemas and the API server's NetworkPolicy rules,
no rule is an accidental allow-all, every policy selects exactly the Deployment's pods,
no ipBlock is wider than a CIDR the values gave, and the CiliumNetworkPolicy (on cilium
only) names nothing the values did not: the API server's entity, their hosts, DNS."""
from __future__ import annotations

import ipaddress

import pytest
import yaml

from netpol_harness.check.apirules import networkpolicy_errors
from netpol_harness.manifests import empty_peer_rules, ip_blocks, networkpolicies, selector_matches
from netpol_harness.matrix import missing_pairs
from netpol_harness.helm.template import render
from netpol_harness.check import validate_kubernetes, validate_values
from netpol_harness.check.failclosed import wider_than_values
from netpol_harness.check.values import merged_values
from jes_cases import CHART, FACTORS, SPEC, all_examples, example_needs, matrix_cases, offline_examples

CASES = matrix_cases() + [(f"example-{p.stem}", yaml.safe_load(p.read_text())) for p in offline_examples()]


def value_at(values: dict, path: str):
    for part in path.split("."):
        values = values.get(part, {}) if isinstance(values, dict) else {}
    return values


def test_matrix_covers_every_pair_of_feature_values_but_the_excluded():
    rendered = [{path: value_at(values, path) for path in FACTORS} for _, values in matrix_cases()]
    excluded = [{f"{k}={v!r}" for k, v in pair.items()} for pair in SPEC.exclude]
    missing = [m for m in missing_pairs(FACTORS, rendered) if set(m.split(" with ")) not in excluded]
    assert missing == []


def test_every_values_example_declares_what_its_environment_must_supply():
    for path in all_examples():
        assert "# needs:" in path.read_text(), f"{path.name} has no '# needs:' header"
        assert example_needs(path) <= {"lookup", "dns", "cilium"}, path.name


@pytest.mark.parametrize("values", [v for _, v in CASES], ids=[n for n, _ in CASES])
def test_case_renders_valid_fail_closed_policies(values):
    assert validate_values(CHART, values) == []
    api_versions = [flag for api in SPEC.api_versions for flag in ("--api-versions", api)]
    result = render(CHART, values=values, release="jes", namespace="keptn-exec", extra_args=api_versions)
    assert result.ok, result.stderr
    cilium = [o for o in result.objects if o["kind"] == "CiliumNetworkPolicy"]
    if value_at(values, "networkPolicy.dataplane") != "cilium":
        assert cilium == []
    assert wider_than_values(cilium, merged_values(CHART, values), also_allowed=["169.254.20.10/32"]) == []

    assert validate_kubernetes(result.objects) == []
    for obj in result.objects:
        assert obj["metadata"].get("namespace") == "keptn-exec", f"{obj['kind']} {obj['metadata']['name']}"

    deployment = result.get("Deployment", "jes-job-executor-service")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    policies = networkpolicies(result.objects)
    np_values = values.get("networkPolicy", {})
    expected = {
        f"jes-job-executor-service-{d}" for d in ("ingress", "egress") if np_values.get(d, {}).get("enabled")
    }
    assert {p["metadata"]["name"] for p in policies} == expected

    for policy in policies:
        spec = policy["spec"]
        assert networkpolicy_errors(policy) == []
        assert empty_peer_rules(policy) == [], "a rule with no peers allows everyone"
        assert spec["podSelector"] == deployment["spec"]["selector"]
        assert selector_matches(spec["podSelector"], pod_labels)
        assert spec["policyTypes"], "policyTypes must always be explicit"

    egress = next((p for p in policies if p["metadata"]["name"].endswith("-egress")), None)
    if egress is not None:
        assert_ip_blocks_within_what_values_gave(egress, values)


def given_networks(values: dict) -> list[ipaddress._BaseNetwork]:
    """Every CIDR or address the values mention, plus the DNS presets' fixed ones."""
    found: list[str] = ["169.254.20.10/32"]

    def walk(node):
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        elif isinstance(node, str):
            text = node.strip("[]").split("]:")[0]
            for candidate in (text, text.split("//")[-1].split("/")[0].rsplit(":", 1)[0]):
                try:
                    found.append(str(ipaddress.ip_network(candidate, strict=False)))
                except ValueError:
                    pass

    walk(values)
    return [ipaddress.ip_network(n) for n in found]


def assert_ip_blocks_within_what_values_gave(policy: dict, values: dict) -> None:
    allowed = given_networks(values)
    for block in ip_blocks(policy, "egress"):
        net = ipaddress.ip_network(block["cidr"])
        assert any(
            net.version == a.version and net.subnet_of(a) for a in allowed
        ), f"{net} is wider than anything the values gave ({[str(a) for a in allowed]})"
