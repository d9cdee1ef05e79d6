"""job-executor-service: every bad input stops the render with a message that names
the value and the fix, and no NetworkPolicy is produced."""
from __future__ import annotations

import pytest

from netpol_harness.helm.template import render
from netpol_harness.project import root as repo_root

CHART = repo_root() / "charts" / "job-executor-service"
EGRESS_WITH_API = {
    "networkPolicy": {
        "egress": {"enabled": True, "k8sMasterCIDR": "192.0.2.10/32", "k8sMasterPort": 6443}
    }
}


def with_egress(**egress) -> dict:
    values = {"networkPolicy": {"egress": {"enabled": True, "k8sMasterCIDR": "192.0.2.10/32"}}}
    values["networkPolicy"]["egress"].update(egress)
    return values


INTN = "error calling getHostByName: invalid argument to Intn"


def assert_fails_with(values: dict, *fragments: str, **kwargs) -> str:
    result = render(CHART, values=values, release="jes", **kwargs)
    assert not result.ok, f"render should have failed, produced:\n{result.stdout}"
    assert result.objects == [], "a failed render must not produce objects"
    for fragment in fragments:
        assert fragment in result.stderr, f"{fragment!r} not in:\n{result.stderr}"
    # Our messages, never a Go template trace; but sprig's getHostByName error happens
    # inside helm, before the chart can say anything (the README quotes it).
    if INTN not in fragments:
        assert "error calling include" not in result.stderr
    return result.stderr


def test_invalid_cidr_names_the_value():
    assert_fails_with(
        with_egress(k8sMasterCIDR="10.0.0.300/32"),
        "networkPolicy.egress.k8sMasterCIDR",
        "not a valid IPv4 address",
    )


def test_cidr_with_host_bits_set_is_refused_rather_than_widened():
    assert_fails_with(
        with_egress(k8sMasterCIDR="10.0.0.1/8"),
        "networkPolicy.egress.k8sMasterCIDR",
        "host bits set",
        "10.0.0.0",
    )


def test_ipv6_cidr_with_bad_group_names_the_value():
    assert_fails_with(
        with_egress(k8sMasterCIDR=["192.0.2.10/32", "fd00::12345/128"]),
        "networkPolicy.egress.k8sMasterCIDR[1]",
        "not a valid IPv6 address",
    )


@pytest.mark.helm_difference("values schema error: `k8sMasterPort: 70000`", {
    "3.10": "- networkPolicy.egress.k8sMasterPort: Must be less than or equal to 65535",
    "3.19": "- at '/networkPolicy/egress/k8sMasterPort': maximum: got 70,000, want 65,535",
})
def test_api_server_port_above_65535_is_rejected_by_the_schema(helm_expects):
    assert_fails_with(with_egress(k8sMasterPort=70000), "values don't meet the specifications of the schema", helm_expects)


@pytest.mark.helm_difference("values schema error: `k8sMasterPort: [0, 6443]`", {
    "3.10": "- networkPolicy.egress.k8sMasterPort.0: Must be greater than or equal to 1",
    "3.19": "- at '/networkPolicy/egress/k8sMasterPort/0': minimum: got 0, want 1",
})
def test_port_zero_mixed_with_ports_is_refused(helm_expects):
    assert_fails_with(with_egress(k8sMasterPort=[0, 6443]), helm_expects)


@pytest.mark.helm_difference("values schema error: an extra rule's `port: 0`", {
    "3.10": "- networkPolicy.egress.extraRules.0.ports.0.port: Must be greater than or equal to 1",
    "3.19": "- at '/networkPolicy/egress/extraRules/0/ports/0/port': minimum: got 0, want 1",
})
def test_extra_rule_port_outside_range_is_rejected(helm_expects):
    rule = {"name": "metrics", "ports": [{"port": 0}], "to": [{"cidr": "198.51.100.0/24"}]}
    assert_fails_with(with_egress(extraRules=[rule]), helm_expects)


def test_except_outside_its_cidr_names_the_except():
    rule = {"to": [{"cidr": "10.0.0.0/8", "except": ["192.168.0.0/16"]}], "ports": [443]}
    assert_fails_with(
        with_egress(extraRules=[rule]),
        "networkPolicy.egress.extraRules[0]",
        "except[0]",
        "not strictly inside",
    )


def test_except_of_the_other_family_is_refused():
    rule = {"to": [{"cidr": "10.0.0.0/8", "except": ["fd00::/64"]}], "ports": [443]}
    assert_fails_with(with_egress(extraRules=[rule]), "same family")


def test_oauth_without_discovery_url_names_the_value():
    values = with_egress()
    values["remoteControlPlane"] = {"api": {"authMode": "oauth"}}
    assert_fails_with(values, "remoteControlPlane.api.oauth.clientDiscovery", "authMode: token")


@pytest.mark.parametrize("url, says", [
    ("/realms/keptn/.well-known", "is not a URL; write scheme://host[:port]/path"),
    ("https:///realms/keptn/.well-known", "has no host"),
])
def test_discovery_url_without_host_names_the_value(url, says):
    values = with_egress()
    values["remoteControlPlane"] = {"api": {"authMode": "oauth", "oauth": {"clientDiscovery": url}}}
    assert_fails_with(values, f'remoteControlPlane.api.oauth.clientDiscovery: "{url}" {says}')


def test_egress_without_api_server_address_fails_naming_the_value_and_server_dry_run():
    values = {"networkPolicy": {"egress": {"enabled": True}}}
    assert_fails_with(values, "networkPolicy.egress.k8sMasterCIDR", "--dry-run=server", "apiServerNotFound=omit")


def test_unknown_dns_preset_names_the_value():
    assert_fails_with(with_egress(dns={"preset": "coredns"}), "networkPolicy.egress.dns.preset", "kubernetes, openshift")


def test_custom_dns_preset_without_peers_is_refused():
    assert_fails_with(with_egress(dns={"preset": "custom", "ports": [53]}), "networkPolicy.egress.dns.peers")


def test_extra_rule_without_peers_is_refused_instead_of_allowing_everyone():
    assert_fails_with(
        with_egress(extraRules=[{"name": "metrics", "ports": [9090], "to": []}]),
        "networkPolicy.egress.extraRules[0] (metrics)",
        "allowAll: true",
    )


@pytest.mark.helm_difference("values schema error: `apiServerNotFound: ignore`", {
    "3.10": '- networkPolicy.egress.apiServerNotFound: networkPolicy.egress.apiServerNotFound must be one of the following: "fail", "omit"',
    "3.19": "- at '/networkPolicy/egress/apiServerNotFound': value must be one of 'fail', 'omit'",
})
def test_unknown_api_server_not_found_mode_is_rejected(helm_expects):
    assert_fails_with(with_egress(k8sMasterCIDR="", apiServerNotFound="ignore"), helm_expects)


@pytest.mark.helm_difference("a host name that does not resolve, without `--enable-dns`", {
    "3.10": INTN,
    "3.11.1": 'remoteControlPlane.api.hostname: the host "keptn.example.invalid" resolved to nothing. '
              "Helm >= 3.11.1 resolves names only with --enable-dns (helm install/upgrade/template --enable-dns), "
              'and then a name that does not resolve stops helm with "invalid argument to Intn"',
})
def test_an_unresolvable_host_stops_the_render_and_produces_no_policy(helm_expects):
    # Helm 3.10 resolves every name and errors inside getHostByName, which the chart
    # cannot catch (the README quotes the text); newer helm answers "" without
    # --enable-dns, and the chart names the flag and the explicit-CIDR value.
    values = with_egress()
    values["remoteControlPlane"] = {"api": {"hostname": "keptn.example.invalid"}}
    assert_fails_with(values, helm_expects)


def test_an_unresolvable_host_with_enable_dns_stops_the_render_on_every_helm():
    # With --enable-dns (always, on 3.10) sprig's getHostByName fails on a name
    # that does not resolve: the same Go error on every version.
    values = with_egress()
    values["remoteControlPlane"] = {"api": {"hostname": "keptn.example.invalid"}}
    assert_fails_with(values, INTN, enable_dns=True)
