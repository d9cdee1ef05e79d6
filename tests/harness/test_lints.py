"""Lints as findings a chart's CI can gate on: an id, a severity, the object and path,
and why; waivers in the chart's netpol.yaml, and a waiver that waives nothing reported."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from netpol_harness.check.lints import Finding, apply_waivers, failing, lint, load_waivers
from netpol_harness.assertions.render import render_valid
from netpol_harness.project import root as repo_root

LINTME = repo_root() / "tests" / "data" / "harness" / "charts" / "lintme"


def ids(findings: list[Finding]) -> list[tuple[str, str, str]]:
    return sorted((f.id, f.object, f.path) for f in findings)


def policy(spec: dict, name: str = "p") -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": name}, "spec": spec}


WEB = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
       "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {
           "metadata": {"labels": {"app": "web"}},
           "spec": {"containers": [{"name": "c", "image": "i", "ports": [{"name": "http", "containerPort": 80}]}]}}}}


def test_the_chart_reports_its_typo_and_waives_its_idioms_and_its_stale_waiver_is_reported():
    result = render_valid(LINTME, release="test")
    findings = apply_waivers(lint(result.objects), load_waivers(LINTME))
    assert [(f.id, f.object, f.path) for f in failing(findings)] == [
        ("unknown-named-port", "NetworkPolicy/test-redis", "spec.ingress[0].ports[0]")]
    waived = {f.id: f.waived for f in findings if f.waived}
    assert set(waived) == {"dns-without-to", "unselected-workload"}
    stale = [f for f in findings if f.id == "stale-waiver"]
    assert [(f.severity, f.path) for f in stale] == [("warning", "waivers[2]")]


def test_validate_fails_on_errors_only_and_prints_each_finding():
    run = [sys.executable, "-m", "netpol_harness.cli", "validate", str(LINTME)]
    broken = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert broken.returncode == 1
    assert "error   unknown-named-port   NetworkPolicy/test-redis spec.ingress[0].ports[0]" in broken.stdout
    fixed = subprocess.run(run + ["--set", "policyPort=redis"], capture_output=True, text=True, timeout=120)
    assert fixed.returncode == 0, fixed.stdout
    assert "warning stale-waiver" in fixed.stdout and "(waived: the DNS idiom" in fixed.stdout


def test_rules_under_a_direction_missing_from_policy_types_are_dead():
    dead = policy({"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [],
                   "egress": [{"to": [{"podSelector": {}}]}]})
    assert ("dead-rules", "NetworkPolicy/p", "spec.egress") in ids(lint([WEB, dead]))


def test_a_selector_with_a_typo_selects_nothing():
    typo = policy({"podSelector": {"matchLabels": {"app": "wbe"}}, "policyTypes": ["Ingress"],
                   "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "clinet"}}}]}]})
    found = ids(lint([WEB, typo]))
    assert ("selects-nothing", "NetworkPolicy/p", "spec.podSelector") in found
    assert ("selects-nothing", "NetworkPolicy/p", "spec.ingress[0].from[0]") in found


def test_egress_isolation_without_dns_is_a_warning_and_with_kube_dns_is_not():
    lonely = policy({"podSelector": {}, "policyTypes": ["Egress"], "egress": []})
    assert [(f.id, f.severity) for f in lint([WEB, lonely]) if f.id == "no-dns-egress"] == [("no-dns-egress", "warning")]
    dns = {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                   "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}], "ports": [{"port": 53, "protocol": "UDP"}]}
    assert "no-dns-egress" not in [f.id for f in lint([WEB, policy({**lonely["spec"], "egress": [dns]})])]


def test_an_open_rule_is_an_error_and_the_dns_idiom_a_warning():
    found = {f.id: f.severity for f in lint([WEB, policy({"podSelector": {}, "policyTypes": ["Ingress", "Egress"],
                                                          "ingress": [{"ports": [{"port": 80}]}],
                                                          "egress": [{"ports": [{"port": 53, "protocol": "UDP"}]}]})])}
    assert found["open-rule"] == "error" and found["dns-without-to"] == "warning"


def test_nothing_rendered_is_info_unless_policies_are_expected():
    assert [(f.id, f.severity) for f in lint([WEB])] == [("no-policies", "info")]
    assert [(f.id, f.severity) for f in lint([WEB], expect_policies=True)] == [("no-policies", "error")]


# --------------------------------------------------------------------------- the registry


def test_the_registry_has_unique_ids_known_severities_and_one_sentence_purposes():
    from netpol_harness.check.lints import RULES, SEVERITIES

    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids)), ids
    assert {r.severity for r in RULES} <= set(SEVERITIES)
    for r in RULES:
        one_sentence = r.purpose[:1].isupper() and r.purpose.endswith(".") and "\n" not in r.purpose
        assert one_sentence and not re.search(r"[.!?]\s", r.purpose), f"{r.id}: {r.purpose!r}"


def test_registering_an_id_twice_or_an_unknown_severity_is_refused():
    from netpol_harness.check.lints import RULES, lint_rule

    before = list(RULES)
    try:
        with pytest.raises(ValueError, match="registered twice"):
            lint_rule(id="open-rule", severity="error", purpose="Again.")(lambda inp: iter(()))
        with pytest.raises(ValueError, match="severity"):
            lint_rule(id="test-fatal", severity="fatal", purpose="Unknown.")(lambda inp: iter(()))
    finally:
        RULES[:] = before


def test_every_finding_is_a_registered_lint_at_its_registered_severity():
    from netpol_harness.check.lints import RULES

    severity = {r.id: r.severity for r in RULES}
    everything = policy({"podSelector": {"matchLabels": {"app": "wbe"}}, "policyTypes": ["Ingress"],
                         "ingress": [{"ports": [{"port": "nope"}]}],
                         "egress": [{"ports": [{"port": 53, "protocol": "UDP"}]}, {}]})
    lonely = policy({"podSelector": {}, "policyTypes": ["Egress"]}, name="lonely")
    found = lint([WEB, everything]) + lint([WEB, lonely]) + lint([WEB])
    assert {f.id for f in found} >= {"open-rule", "dns-without-to", "dead-rules", "selects-nothing",
                                      "no-dns-egress", "unselected-workload", "no-policies"}
    assert [(f.id, f.severity) for f in found if severity.get(f.id) != f.severity] == []


def test_a_lint_added_to_the_registry_is_run_by_lint_with_no_other_change():
    from netpol_harness.check.lints import RULES, lint_rule

    before = list(RULES)
    two = [WEB, policy({"podSelector": {}, "ingress": [{}]}, "a"), policy({"podSelector": {}}, "b")]
    try:
        @lint_rule(id="test-each-policy", severity="info", purpose="Notes each policy.", each_policy=True)
        def each_policy(inp):
            for p in inp.policies:
                yield Finding("test-each-policy", "info", p.label, "", f"{len(inp.objects)} objects")

        @lint_rule(id="test-render", severity="warning", purpose="Notes the render once.")
        def render(inp):
            yield Finding("test-render", "warning", "", "", f"{len(inp.policies)} policies in {inp.namespace}")

        found = [(f.id, f.object, f.why) for f in lint(two, namespace="shop")]
    finally:
        RULES[:] = before
    assert found == [("open-rule", "NetworkPolicy/a", "no `from` peers: it allows every peer on every port"),
                     ("test-each-policy", "NetworkPolicy/a", "3 objects"),
                     ("test-each-policy", "NetworkPolicy/b", "3 objects"),
                     ("test-render", "", "2 policies in shop")]
    assert "test-render" not in [f.id for f in lint(two)]
