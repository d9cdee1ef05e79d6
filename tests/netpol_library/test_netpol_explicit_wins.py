"""Explicit addresses win over resolution for every peer resolved at install time.

`cidrs` written beside `hosts` or `urls` are the hosts' addresses: nothing is looked up
(the names below end in .invalid, which never resolves, so a lookup would stop the
render), the ports still come from the rule or else the URL, and the URL is still checked.
"""
from __future__ import annotations

import pytest
from test_netpol_library import assert_fails_with, egress, render_policies, spec_of

P = "policies[0]"


def test_cidrs_beside_urls_are_used_and_the_port_comes_from_the_url():
    spec = spec_of(egress({"to": [{"urls": "https://sso.invalid:8443/realms/x", "cidrs": ["198.51.100.0/24"]}]}))
    assert spec["egress"] == [{"to": [{"ipBlock": {"cidr": "198.51.100.0/24"}}],
                               "ports": [{"port": 8443, "protocol": "TCP"}]}]


def test_cidrs_beside_urls_take_the_rules_ports_when_it_has_them():
    spec = spec_of(egress({"ports": [9443], "to": [{"urls": ["https://sso.invalid/"], "cidrs": ["198.51.100.7"]}]}))
    assert spec["egress"] == [{"to": [{"ipBlock": {"cidr": "198.51.100.7/32"}}],
                               "ports": [{"port": 9443, "protocol": "TCP"}]}]


def test_cidrs_beside_hosts_are_used_on_the_rules_ports():
    spec = spec_of(egress({"ports": [5432], "to": [{"hosts": ["db.invalid"], "cidrs": ["192.0.2.0/28", "2001:db8::/64"]}]}))
    assert spec["egress"] == [{"to": [{"ipBlock": {"cidr": "192.0.2.0/28"}}, {"ipBlock": {"cidr": "2001:db8::/64"}}],
                               "ports": [{"port": 5432, "protocol": "TCP"}]}]


def test_a_bad_url_is_refused_even_when_its_addresses_are_given():
    assert_fails_with(egress({"to": [{"urls": "sso.invalid", "cidrs": ["198.51.100.0/24"]}]}),
                      f'{P}.egress[0].to[0].urls[0]: "sso.invalid" is not a URL')


def test_a_bad_explicit_cidr_is_named_beside_its_urls():
    assert_fails_with(egress({"to": [{"urls": "https://sso.invalid/", "cidrs": ["198.51.100.1/24"]}]}),
                      f"{P}.egress[0].to[0].cidrs[0]", "host bits set")


@pytest.mark.helm_difference("a peer's host that does not resolve, with no `cidrs` beside it", {
    "3.10": ["error calling getHostByName: invalid argument to Intn"],
    "3.11.1": [f'{P}.egress[0].to[0].hosts[0]: the host "db.invalid" resolved to nothing',
               f"set {P}.egress[0].to[0].cidrs to the host's addresses"],
})
def test_without_cidrs_the_unresolvable_name_stops_the_render_and_newer_helms_say_to_set_cidrs_beside_it(helm_expects):
    # Helm 3.10 resolves in getHostByName itself and stops on the name; newer helms answer ""
    # without --enable-dns, and the library's own message names the value to set.
    result = render_policies(egress({"to": [{"hosts": ["db.invalid"]}], "ports": [5432]}))
    assert not result.ok and result.objects == []
    for fragment in helm_expects:
        assert fragment in result.stderr, f"{fragment!r} not in:\n{result.stderr}"


def test_cidrs_still_do_not_combine_with_other_peer_types():
    assert_fails_with(egress({"to": [{"dns": "kubernetes", "cidrs": ["10.0.0.0/8"]}]}),
                      f"{P}.egress[0].to[0]: the peer mixes cidrs and dns")


def test_cidrs_belong_to_one_url_so_a_peer_with_several_urls_and_cidrs_is_refused():
    # Every cidr on every URL's port would allow more than either URL needs.
    assert_fails_with(egress({"to": [{"urls": ["https://a.invalid:8443/", "http://b.invalid/"],
                                      "cidrs": ["10.0.0.1", "10.0.0.2"]}]}),
                      f"{P}.egress[0].to[0]: cidrs are the addresses of one URL, but the peer lists 2")


@pytest.mark.parametrize("host, message", [
    ("db.invalid:5432", "carries a port"),
    ("bad_host", "is not a valid host name"),
    (5, "5 is not a host name"),
])
def test_hosts_beside_cidrs_are_still_checked(host, message):
    assert_fails_with(egress({"ports": [5432], "to": [{"hosts": [host], "cidrs": ["192.0.2.0/28"]}]}),
                      f"{P}.egress[0].to[0].hosts[0]", message)


def test_a_blank_explicit_list_means_resolve_and_a_blank_host_list_means_none():
    assert_fails_with(egress({"ports": [5432], "to": [{"hosts": " ", "cidrs": []}]}),
                      f"{P}.egress[0].to[0].hosts: give at least one host name")


@pytest.mark.parametrize("peer, message", [
    ({"hosts": ["10.0.0.256"], "cidrs": ["10.0.0.1"]}, "256 is above 255"),
    ({"hosts": ["fd00::zz"], "cidrs": ["10.0.0.1"]}, "is not a valid IPv6 address"),
    ({"urls": ["https://10.0.0.256/x"], "cidrs": ["10.0.0.1"]}, "256 is above 255"),
    ({"urls": ["https://bad_name.example/x"], "cidrs": ["10.0.0.1"]}, "is not a valid host name"),
])
def test_hosts_given_with_their_addresses_must_still_be_valid_hosts(peer, message):
    assert_fails_with(egress({"ports": [443], "to": [peer]}), f"{P}.egress[0].to[0]", message)
