"""job-executor-service: every bad input stops the render with a message that names
the value and the fix, and no NetworkPolicy is produced."""
from __future__ import annotations

import pytest

from netpol_harness.helm.template import render
from netpol_harness.helm.binary import helm_supports_enable_dns
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


def assert_fails_with(values: dict, *fragments: str, **kwargs) -> str:
    result = render(CHART, values=values, release="jes", **kwargs)
    assert not result.ok, f"render should have failed, produced:\n{result.stdout}"
    assert result.objects == [], "a failed render must not produce objects"
    for fragment in fragments:
        assert fragment in result.stderr, f"{fragment!r} not in:\n{result.stderr}"
    # Our messages, never a Go template trace.
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


def test_api_server_port_above_65535_is_rejected_by_the_schema():
    assert_fails_with(with_egress(k8sMasterPort=70000), "networkPolicy.egress.k8sMasterPort", "65535")


def test_port_zero_mixed_with_ports_is_refused():
    assert_fails_with(with_egress(k8sMasterPort=[0, 6443]), "networkPolicy.egress.k8sMasterPort")


def test_extra_rule_port_outside_range_is_rejected():
    rule = {"name": "metrics", "ports": [{"port": 0}], "to": [{"cidr": "198.51.100.0/24"}]}
    assert_fails_with(with_egress(extraRules=[rule]), "networkPolicy.egress.extraRules")


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


def test_discovery_url_without_host_names_the_value():
    values = with_egress()
    values["remoteControlPlane"] = {
        "api": {"authMode": "oauth", "oauth": {"clientDiscovery": "/realms/keptn/.well-known"}}
    }
    assert_fails_with(values, "remoteControlPlane.api.oauth.clientDiscovery", "has no host")


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


def test_unknown_api_server_not_found_mode_is_rejected():
    assert_fails_with(with_egress(k8sMasterCIDR="", apiServerNotFound="ignore"), "networkPolicy.egress.apiServerNotFound")


@pytest.mark.skipif(
    helm_supports_enable_dns(), reason="Helm >= 3.11.1 returns '' instead of erroring; see test_empty_dns_answer_*"
)
def test_unresolvable_host_fails_on_helm_3_10_and_produces_no_policy():
    # Helm 3.10's getHostByName errors inside the template ("invalid argument to
    # Intn"); the chart cannot catch that, so the README documents the text.
    values = with_egress()
    values["remoteControlPlane"] = {"api": {"hostname": "keptn.example.invalid"}}
    result = render(CHART, values=values, release="jes")
    assert not result.ok
    assert result.objects == []
    assert "invalid argument to Intn" in result.stderr


@pytest.mark.skipif(not helm_supports_enable_dns(), reason="needs Helm >= 3.11.1, which returns '' without --enable-dns")
def test_empty_dns_answer_names_enable_dns_and_the_explicit_cidr_value():
    values = with_egress()
    values["remoteControlPlane"] = {"api": {"hostname": "keptn.example.com"}}
    assert_fails_with(values, "--enable-dns", "networkPolicy.egress.remoteControlPlane.cidrs")
