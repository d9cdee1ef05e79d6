"""What fuzzing job-executor-service's values found (issue 10), kept as tests: each bad
value stops the render with a message that names the value the user wrote and what to
write instead, or renders what the values mean; never Go's error text, never an object
the API server refuses. Numbers refer to the findings."""
from __future__ import annotations

import pytest

from netpol_harness.check import validate_all
from netpol_harness.check.errors import schema_error_paths
from netpol_harness.assertions.render import render_fails
from netpol_harness.helm.template import RenderResult, render
from netpol_harness.project import root as repo_root

CHART = repo_root() / "charts" / "job-executor-service"
EGRESS = {"networkPolicy": {"egress": {"enabled": True, "k8sMasterCIDR": "192.0.2.10/32", "k8sMasterPort": 6443}}}


def with_egress(**egress) -> dict:
    return {"networkPolicy": {"egress": {**EGRESS["networkPolicy"]["egress"], **egress}}}


def with_api(**api) -> dict:
    return {**EGRESS, "remoteControlPlane": {"api": api}}


def fails(values: dict | None = None, *fragments: str, **kwargs) -> str:
    return render_fails(CHART, *fragments, values=values, release="jes", **kwargs)


def renders(result: RenderResult) -> RenderResult:
    assert result.ok, result.stderr
    assert validate_all(result.objects) == []
    return result


def egress_blocks(result: RenderResult) -> list[tuple[str, list]]:
    policy = result.get("NetworkPolicy", "jes-job-executor-service-egress")
    return [(peer["ipBlock"]["cidr"], [p["port"] for p in rule.get("ports", [])])
            for rule in policy["spec"]["egress"] for peer in rule["to"] if "ipBlock" in peer]


# 1 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("key, parent, missing", [
    ("networkPolicy", "(root)", "networkPolicy"),
    ("networkPolicy.ingress", "networkPolicy", "ingress"),
    ("networkPolicy.egress", "networkPolicy", "egress"),
    ("image", "(root)", "image"),
    ("jobConfig", "(root)", "jobConfig"),
    ("serviceAccount", "(root)", "serviceAccount"),
    ("remoteControlPlane", "(root)", "remoteControlPlane"),
    ("remoteControlPlane.api", "remoteControlPlane", "api"),
    ("remoteControlPlane.api.oauth", "remoteControlPlane.api", "oauth"),
])
def test_1_a_default_map_set_to_null_is_named_by_the_schema_not_a_nil_pointer(key, parent, missing):
    # `--set x=null` deletes the default, so the schema sees the map missing.
    stderr = fails(None, missing, set_values=[f"{key}=null"])
    assert parent in schema_error_paths(stderr), stderr


# 3 ---------------------------------------------------------------------------------


def test_3_a_scalar_match_expressions_is_named_with_its_value_path():
    values = with_egress(controlPlaneGateway={"namespaceLabels": {"matchExpressions": "app"}})
    fails(values,
          "networkPolicy.egress.controlPlaneGateway.namespaceLabels.matchExpressions: app is not a list")


# 4 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url, says", [
    ("203.0.113.20:8443", '"203.0.113.20:8443" is not a URL; write scheme://host[:port]/path'),
    ("https://203.0.113.10:http/x", 'has port "http"; a URL\'s port is a number from 1 to 65535'),
    ("https://sso%zz.example.com/x", '"sso%zz.example.com" is not a valid host name'),
    ("https://sso example.com/x", '"sso example.com" is not a valid host name'),
    ("https://[2001:db8::20/x", "has a bracketed host that is not an IPv6 address with an optional :port"),
    ("https://203.0.113.20:8443:9/x", '"203.0.113.20:8443:9" is not host[:port]'),
])
def test_4_a_bad_discovery_url_is_named_with_what_is_wrong_instead_of_url_parse_errors(url, says):
    values = with_api(authMode="oauth", oauth={"clientDiscovery": url})
    fails(values, "remoteControlPlane.api.oauth.clientDiscovery: ", says)


# 5 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("hostname, block", [
    ("2001:db8::7:8443", ("2001:db8::7:8443/128", [443])),  # an unbracketed IPv6 address has no port
    ("2001:db8::7", ("2001:db8::7/128", [443])),
    ("[2001:db8::7]:8443", ("2001:db8::7/128", [8443])),
    ("::", ("::/128", [443])),
])
def test_5_an_ipv6_hostname_means_the_address_written(hostname, block):
    result = renders(render(CHART, values=with_api(hostname=hostname), release="jes"))
    assert block in egress_blocks(result)


def test_5_empty_brackets_are_an_empty_host():
    fails(with_api(hostname="[]"),
          "remoteControlPlane.api.hostname: the host name is empty")


# 6 and 7 ---------------------------------------------------------------------------


def test_6_a_name_yaml_reads_as_a_boolean_stays_the_string_written():
    result = renders(render(CHART, set_values=["nameOverride=yes"], values=EGRESS, release="jes"))
    deployment = result.get("Deployment", "jes-yes")
    assert deployment["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"] == "yes"
    assert result.get("NetworkPolicy", "jes-yes-egress")["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == "yes"


@pytest.mark.parametrize("key, value", [("nameOverride", "&a"), ("fullnameOverride", "Bad_Name"),
                                        ("serviceAccount.name", "[]"), ("jobConfig.namespace", "*a")])
def test_6_7_a_name_that_cannot_name_an_object_is_refused_by_the_schema(key, value):
    stderr = fails(None, set_values=[f"{key}={value}"])
    assert key in schema_error_paths(stderr), stderr


@pytest.mark.helm_difference("a name the schema refuses, rendered with `--skip-schema-validation`", {
    "3.10": "unknown flag: --skip-schema-validation",
    "3.16": 'fullnameOverride: "Bad_Name" is not a valid object name',
})
def test_7_the_chart_checks_names_itself_when_the_schema_is_skipped(helm_expects):
    result = render(CHART, values={"fullnameOverride": "Bad_Name"}, release="jes", extra_args=["--skip-schema-validation"])
    assert not result.ok and helm_expects in result.stderr


# 8 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("label", ["app.kubernetes.io/instance", "app.kubernetes.io/name", "helm.sh/chart",
                                   "app.kubernetes.io/version", "app.kubernetes.io/part-of"])
def test_8_pod_labels_may_not_redefine_a_label_the_chart_sets(label):
    fails({"podLabels": {label: "other"}},
          f"podLabels.{label}: the chart sets this label itself")


def test_8_other_pod_labels_are_added_and_the_selector_still_matches():
    result = renders(render(CHART, values={**EGRESS, "podLabels": {"team": "keptn"}}, release="jes"))
    labels = result.get("Deployment", "jes-job-executor-service")["spec"]["template"]["metadata"]["labels"]
    assert labels["team"] == "keptn" and labels["app.kubernetes.io/instance"] == "jes"


# 10 --------------------------------------------------------------------------------


@pytest.mark.parametrize("written, rendered", [("2001:0db8::/32", "2001:db8::/32"),
                                               ("fd00:0:0:0:0:0:0:0/64", "fd00::/64"),
                                               ("2001:DB8::10", "2001:db8::10/128")])
def test_10_ipv6_cidrs_are_rendered_in_canonical_form(written, rendered):
    result = renders(render(CHART, values=with_egress(k8sMasterCIDR=written), release="jes"))
    assert (rendered, [6443]) in egress_blocks(result)


def test_10_an_ipv4_mapped_address_is_refused_with_the_ipv4_form():
    fails(with_egress(k8sMasterCIDR="::ffff:a00:1/128"),
          'networkPolicy.egress.k8sMasterCIDR: "::ffff:a00:1/128" is an IPv4-mapped IPv6 address',
          "write the IPv4 address (10.0.0.1) instead")


# 11 --------------------------------------------------------------------------------


def test_11_a_gateway_label_is_named_by_the_gateway_value():
    values = with_egress(controlPlaneGateway={"podLabels": {"team": "a b"}})
    fails(values,
          'networkPolicy.egress.controlPlaneGateway.podLabels[team]: label value "a b" is invalid')


def test_11_a_gateway_port_is_named_by_the_gateway_value():
    values = with_egress(controlPlaneGateway={"ports": [{"port": 80, "endPort": 79}]})
    fails(values,
          "networkPolicy.egress.controlPlaneGateway (keptn-api-gateway).ports[0].endPort: 79 is below port 80")


def test_11_an_explicit_oauth_port_is_named_by_its_value():
    values = {**with_egress(oauth={"cidrs": ["198.51.100.0/28"], "ports": ["not a port"]}),
              "remoteControlPlane": {"api": {"authMode": "oauth", "oauth": {"clientDiscovery": "https://sso.example.com/"}}}}
    fails(values, "networkPolicy.egress.oauth (oauth-provider).ports[0]: ")


def test_11_a_hostname_written_as_a_url_says_to_drop_the_scheme():
    fails(with_api(hostname="https://203.0.113.10"),
          'remoteControlPlane.api.hostname: "https://203.0.113.10" is not a host name',
          "the scheme is remoteControlPlane.api.protocol")
