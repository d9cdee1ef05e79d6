"""Host names in the job-executor-service values become ipBlocks through the real
`getHostByName` of the real helm, against a resolver the test controls.

The remote Keptn control plane (remoteControlPlane.api.hostname) and the OAuth
provider (remoteControlPlane.api.oauth.clientDiscovery) are reached by name; the
policy needs their addresses: /32 for IPv4, /128 for IPv6, the port from the URL
or the scheme, IP literals as given, and a failed render -- never a policy that
lost its peer -- when a name does not resolve.
"""
from __future__ import annotations

from typing import Any

import pytest

from netpol_harness.matrix import deep_merge
from netpol_harness.helm.template import RenderResult
from netpol_harness.helm.resolver import Resolver, make_resolver, unavailable_reason

pytestmark = pytest.mark.helm

API_SERVER = "10.0.0.10/32"  # explicit: helm template cannot look it up
NAMES = {
    "keptn.example.com": "203.0.113.10",
    "keptn-v6.example.com": "2001:db8::10",
    "sso.example.com": "198.51.100.20",
}


@pytest.fixture(scope="module")
def resolver(tmp_path_factory) -> Resolver:
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"no controlled resolver: {reason}")
    return make_resolver(NAMES, tmp_path_factory.mktemp("resolver"))


@pytest.fixture
def render_jes(render, chart_dir, resolver):
    def run(values: dict[str, Any], *, enable_dns: bool = True) -> RenderResult:
        base = {"networkPolicy": {"egress": {"enabled": True, "k8sMasterCIDR": API_SERVER, "k8sMasterPort": 6443}}}
        return render(chart_dir("job-executor-service"), values=deep_merge(base, values), wrapper=resolver,
                      enable_dns=enable_dns, notes=True)
    return run


def remote(hostname: str, **egress: Any) -> dict[str, Any]:
    return {"remoteControlPlane": {"api": {"hostname": hostname}}, "networkPolicy": {"egress": egress}}


def external_targets(result: RenderResult) -> set[tuple[str, int | None]]:
    """(cidr, port) of the egress ipBlock rules other than the API server's."""
    assert result.ok, result.stderr
    (policy,) = [o for o in result.by_kind("NetworkPolicy") if o["metadata"]["name"].endswith("-egress")]
    targets = set()
    for rule in policy["spec"]["egress"]:
        blocks = [p["ipBlock"]["cidr"] for p in rule.get("to") or [] if "ipBlock" in p]
        for cidr in blocks:
            if cidr == API_SERVER:
                continue
            for port in [p.get("port") for p in rule.get("ports") or []] or [None]:
                targets.add((cidr, port))
    return targets


def test_a_host_name_becomes_its_ipv4_address_slash32_on_the_schemes_port(render_jes):
    assert external_targets(render_jes(remote("keptn.example.com"))) == {("203.0.113.10/32", 443)}


def test_an_ipv6_only_name_becomes_a_slash128(render_jes):
    assert external_targets(render_jes(remote("keptn-v6.example.com"))) == {("2001:db8::10/128", 443)}


def test_a_dual_stack_name_gives_one_of_its_addresses_with_the_matching_prefix(render, chart_dir, resolver,
                                                                               tmp_path):
    # getHostByName returns one address, chosen at random among the answers:
    # either family may come out, but never with the other family's prefix.
    dual = make_resolver({**NAMES, "dual.example.com": ["203.0.113.30", "2001:db8::30"]}, tmp_path)
    values = deep_merge({"networkPolicy": {"egress": {"enabled": True, "k8sMasterCIDR": API_SERVER}}},
                        remote("dual.example.com"))
    result = render(chart_dir("job-executor-service"), values=values, wrapper=dual, enable_dns=True, cache=False)
    assert external_targets(result) in ({("203.0.113.30/32", 443)}, {("2001:db8::30/128", 443)})


def test_the_port_written_after_the_host_is_the_port_allowed(render_jes):
    assert external_targets(render_jes(remote("keptn.example.com:8443"))) == {("203.0.113.10/32", 8443)}


def test_plain_http_means_port_80(render_jes):
    values = deep_merge(remote("keptn.example.com"), {"remoteControlPlane": {"api": {"protocol": "http"}}})
    assert external_targets(render_jes(values)) == {("203.0.113.10/32", 80)}


def test_the_oauth_discovery_urls_host_and_port_are_allowed(render_jes):
    values = {"remoteControlPlane": {"api": {"authMode": "oauth", "oauth": {
        "clientDiscovery": "https://sso.example.com:8443/realms/keptn/.well-known/openid-configuration"}}}}
    assert external_targets(render_jes(values)) == {("198.51.100.20/32", 8443)}


@pytest.mark.parametrize("hostname, expected", [
    ("203.0.113.7", {("203.0.113.7/32", 443)}),
    ("203.0.113.7:9443", {("203.0.113.7/32", 9443)}),
    ("[2001:db8::7]:8443", {("2001:db8::7/128", 8443)}),
])
def test_ip_literals_are_used_as_given_without_a_lookup(render_jes, hostname, expected):
    # Not in the hosts file, and no DNS answers here: only a literal can come out.
    assert external_targets(render_jes(remote(hostname))) == expected


def test_an_unresolvable_name_fails_the_render_and_leaves_no_policy(render_jes):
    result = render_jes(remote("nowhere.example.com"))
    assert not result.ok
    assert result.objects == []
    # Helm 3.10 fails inside getHostByName; newer helm returns "" and the chart fails.
    assert "getHostByName" in result.stderr or "nowhere.example.com" in result.stderr


def test_explicit_cidrs_replace_resolution_so_gitops_needs_no_dns(render_jes):
    values = remote("nowhere.example.com", remoteControlPlane={"cidrs": ["192.0.2.0/28"], "ports": [8443]})
    assert external_targets(render_jes(values)) == {("192.0.2.0/28", 8443)}


@pytest.mark.helm_difference("getHostByName without `--enable-dns` (the name resolves)", {
    "3.10": "203.0.113.10/32",
    "3.11.1": 'the host "keptn.example.com" resolved to nothing. Helm >= 3.11.1 resolves names only with --enable-dns',
})
def test_without_enable_dns_helm_3_10_resolves_and_newer_helm_gets_an_empty_answer(render_jes, helm_expects):
    result = render_jes(remote("keptn.example.com"), enable_dns=False)
    # 3.10 resolves (the rule names the address); newer helm answers "" and the chart
    # stops, naming the flag and the value that pins the address instead.
    assert helm_expects in result.stdout + result.stderr
    if result.ok:
        assert external_targets(result) == {("203.0.113.10/32", 443)}
    else:
        assert result.objects == [] and "networkPolicy.egress.remoteControlPlane.cidrs" in result.stderr


def test_notes_say_resolved_addresses_are_a_snapshot(render_jes):
    result = render_jes(remote("keptn.example.com"))
    assert result.ok, result.stderr
    assert "snapshot" in (result.notes or "")
