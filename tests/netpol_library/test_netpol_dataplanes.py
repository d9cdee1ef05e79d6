"""The library's dataplane switch (the spec's `dataplane`), through the probe chart: what
each dataplane adds beside the NetworkPolicy, how peers are said for Cilium, and what
it refuses. The charts' own tests judge the results under the dataplanes' profiles
(tests/test_dataplane_switch.py); these pin the objects themselves."""
from __future__ import annotations

from typing import Any

import pytest

from netpol_harness.assertions.render import render_valid
from netpol_harness.helm.template import render
from netpol_harness.project import root as repo_root

CHART = repo_root() / "tests" / "data" / "charts" / "netpol-probe"
CILIUM_API = ["--api-versions", "cilium.io/v2/CiliumNetworkPolicy"]
P = "policies[0]"
DNS = {"to": [{"dns": "kubernetes"}]}


def objects(policy: dict[str, Any]) -> dict[str, dict]:
    """The policy's objects by kind, checked as the API server would."""
    result = render_valid(CHART, values={"policies": [policy]}, release="probe", namespace="team", extra_args=CILIUM_API)
    return {o["kind"]: o for o in result.objects}


def refused(policy: dict[str, Any], *fragments: str, extra_args=CILIUM_API) -> None:
    result = render(CHART, values={"policies": [policy]}, release="probe", namespace="team", extra_args=extra_args)
    assert not result.ok, result.stdout
    assert "error calling include" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def cilium(policy: dict[str, Any]) -> dict:
    return objects({**policy, "dataplane": "cilium"})["CiliumNetworkPolicy"]["spec"]


@pytest.mark.parametrize("dataplane", [None, "", "kubernetes", "openshift", "cilium"])
def test_peers_every_dataplane_says_alike_render_one_network_policy_only(dataplane):
    policy = {"podSelector": {"app": "web"}, "ingress": [{"from": [{"pods": {"app": "db"}}], "ports": [8080]}],
              "egress": [{"to": [{"cidr": "192.0.2.0/24"}]}], "dataplane": dataplane}
    assert list(objects(policy)) == ["NetworkPolicy"]


def test_the_cilium_policy_shares_the_network_policys_name_labels_and_pods_and_isolates_nothing():
    policy = {"name": "web", "labels": {"team": "a"}, "podSelector": {"app": "web"}, "dataplane": "cilium",
              "egress": [{"to": [{"apiServer": {"cidrs": ["192.0.2.10/32"], "ports": 6443}}]}]}
    both = objects(policy)
    cnp = both["CiliumNetworkPolicy"]
    assert cnp["metadata"] == {**both["NetworkPolicy"]["metadata"], "name": "web"}
    assert cnp["spec"]["endpointSelector"] == both["NetworkPolicy"]["spec"]["podSelector"]
    assert cnp["spec"]["enableDefaultDeny"] == {"ingress": False, "egress": False}
    assert "ingress" not in cnp["spec"]


def test_an_api_server_on_any_port_is_refused_on_cilium_whose_entity_would_open_its_hosts_every_port():
    refused({"podSelector": {"app": "web"}, "dataplane": "cilium",
             "egress": [{"to": [{"apiServer": {"cidrs": ["192.0.2.10/32"]}}]}]},
            f"{P}.egress[0].to[0].apiServer.ports: on the cilium dataplane the API server is also named as the "
            "kube-apiserver entity, which on every port would open every port of the API server's hosts")


def test_ports_past_fortys_take_another_to_ports_entry():
    spec = cilium({"podSelector": {"app": "web"},
                   "egress": [{"ports": list(range(1000, 1041)), "to": [{"hosts": "api.example.com"}]}, DNS]})
    assert [len(entry["ports"]) for entry in spec["egress"][1]["toPorts"]] == [40, 1]


@pytest.mark.parametrize("port, says", [({"port": 53, "endPort": 54, "protocol": "UDP"}, "53-54/UDP"),
                                        ({"port": 53, "protocol": "SCTP"}, "53/SCTP")])
def test_dns_ports_ciliums_dns_rule_cannot_take_stop_the_render_when_names_need_it(port, says):
    custom = {"preset": "custom", "ports": [port], "peers": [{"cidr": "192.0.2.53/32"}]}
    refused({"podSelector": {"app": "web"}, "dataplane": "cilium",
             "egress": [{"to": [{"dns": custom}]}, {"ports": [443], "to": [{"hosts": "api.example.com"}]}]},
            f"{P}: Cilium's DNS rule, which names on the cilium dataplane need, takes single UDP or TCP ports, "
            f"and the DNS port {says} is not one")


def test_a_host_name_longer_than_dns_allows_stops_the_render():
    refused({"podSelector": {"app": "web"}, "egress": [{"to": [{"hosts": "a" * 64 + ".example.com"}]}]},
            "is not a valid host name: at most 253 characters, 63 per label")


def test_hosts_are_said_by_name_on_the_rules_ports_after_the_dns_rule_and_ip_literals_stay_addresses():
    spec = cilium({"podSelector": {"app": "web"}, "egress": [
        {"ports": [443, {"port": 8000, "endPort": 8100}], "to": [{"hosts": ["API.example.com.", "203.0.113.5"]}]}, DNS]})
    dns, named = spec["egress"]
    assert dns["toPorts"][0]["rules"] == {"dns": [{"matchPattern": "*"}]}
    assert named == {"toFQDNs": [{"matchName": "api.example.com"}], "toPorts": [{"ports": [
        {"port": "443", "protocol": "TCP"}, {"port": "8000", "endPort": 8100, "protocol": "TCP"}]}]}
    network_policy = objects({"podSelector": {"app": "web"}, "dataplane": "cilium", "egress": [
        {"ports": [443], "to": [{"hosts": ["api.example.com", "203.0.113.5"]}]}, DNS]})["NetworkPolicy"]
    assert network_policy["spec"]["egress"][0]["to"] == [{"ipBlock": {"cidr": "203.0.113.5/32"}}]


def test_dns_peers_are_said_again_for_cilium_with_namespaces_as_cilium_sees_them():
    custom = {"preset": "custom", "ports": [{"port": 53, "protocol": "UDP"}],
              "peers": [{"namespaces": {"team": "dns"}, "pods": {"app": "dns"}}, {"cidr": "192.0.2.53/32"},
                        {"namespaces": {"names": ["dns"]}}]}
    spec = cilium({"podSelector": {"app": "web"},
                   "egress": [{"to": [{"dns": custom}]}, {"ports": [443], "to": [{"hosts": "api.example.com"}]}]})
    in_namespace = {"key": "k8s:io.kubernetes.pod.namespace", "operator": "Exists"}
    by_labels, by_address, by_name = spec["egress"][:3]
    assert by_labels["toEndpoints"] == [{"matchLabels": {"k8s:app": "dns", "k8s:io.cilium.k8s.namespace.labels.team": "dns"},
                                         "matchExpressions": [in_namespace]}]
    assert by_address["toCIDRSet"] == [{"cidr": "192.0.2.53/32"}]
    assert by_name["toEndpoints"] == [{"matchExpressions": [
        {"key": "k8s:io.kubernetes.pod.namespace", "operator": "In", "values": ["dns"]}, in_namespace]}]


def test_namespace_terms_that_also_match_non_pods_are_held_to_pods():
    # NotIn and DoesNotExist match identities without the label too: the world, the nodes.
    custom = {"preset": "custom", "ports": [{"port": 53, "protocol": "UDP"}], "peers": [
        {"namespaces": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn",
                                              "values": ["prod"]}]}}]}
    spec = cilium({"podSelector": {"app": "web"},
                   "egress": [{"to": [{"dns": custom}]}, {"ports": [443], "to": [{"hosts": "api.example.com"}]}]})
    assert spec["egress"][0]["toEndpoints"] == [{"matchExpressions": [
        {"key": "k8s:io.kubernetes.pod.namespace", "operator": "NotIn", "values": ["prod"]},
        {"key": "k8s:io.kubernetes.pod.namespace", "operator": "Exists"}]}]


@pytest.mark.parametrize("key", ["io.kubernetes.pod.namespace", "io.cilium.k8s.namespace.labels.team"])
def test_pod_label_keys_cilium_keeps_for_itself_stop_the_render(key):
    custom = {"preset": "custom", "ports": [{"port": 53, "protocol": "UDP"}],
              "peers": [{"pods": {"matchExpressions": [{"key": key, "operator": "DoesNotExist"}]}}]}
    refused({"podSelector": {"app": "web"}, "dataplane": "cilium",
             "egress": [{"to": [{"dns": custom}]}, {"ports": [443], "to": [{"hosts": "api.example.com"}]}]},
            f'{P}: the pod label key "{key}" is one Cilium keeps for itself')


def test_ingress_from_hosts_stays_by_address_for_cilium_has_no_names_in_ingress():
    policy = {"podSelector": {"app": "web"}, "dataplane": "cilium",
              "ingress": [{"from": [{"hosts": "203.0.113.5"}]}]}
    assert list(objects(policy)) == ["NetworkPolicy"]


@pytest.mark.parametrize("value, fragment", [
    ("calico", 'dataplane: "calico" is not a dataplane; use kubernetes'),
    (5, "dataplane: 5 is not a dataplane"),
])
def test_an_unknown_dataplane_stops_the_render_naming_the_choices(value, fragment):
    refused({"podSelector": {"app": "web"}, "egress": [], "dataplane": value}, fragment, "cilium or openshift")


def test_the_switchs_value_path_is_the_charts_when_it_gives_one():
    refused({"podSelector": {"app": "web"}, "egress": [], "dataplane": "x", "dataplaneWhere": "networkPolicy.dataplane"},
            'networkPolicy.dataplane: "x" is not a dataplane')


def test_cilium_without_ciliums_api_stops_the_render_and_says_how_to_give_it():
    refused({"podSelector": {"app": "web"}, "egress": [], "dataplane": "cilium"},
            "does not serve cilium.io/v2/CiliumNetworkPolicy", "--api-versions", extra_args=[])


@pytest.mark.parametrize("dataplane, fragment", [
    ("kubernetes", "cannot name them on the kubernetes dataplane"),
    (None, "cannot name them on the kubernetes dataplane"),
    ("openshift", "also holds every other host-network caller"),
])
def test_the_api_servers_calls_are_refused_where_they_cannot_be_told_apart(dataplane, fragment):
    refused({"podSelector": {"app": "web"}, "dataplane": dataplane,
             "ingress": [{"ports": [8443], "from": [{"hostNetwork": {"apiServer": True}}]}]},
            f"{P}.ingress[0].from[0].hostNetwork.apiServer", fragment)


def test_address_fallback_belongs_to_hosts_and_urls_and_is_a_boolean():
    refused({"podSelector": {"app": "web"}, "egress": [{"to": [{"pods": {"a": "b"}, "addressFallback": True}]}]},
            f"{P}.egress[0].to[0].addressFallback: belongs to hosts and urls peers")
    refused({"podSelector": {"app": "web"}, "egress": [{"to": [{"hosts": "203.0.113.5", "addressFallback": "yes"}]}]},
            f'{P}.egress[0].to[0].addressFallback: "yes" is not true or false')
