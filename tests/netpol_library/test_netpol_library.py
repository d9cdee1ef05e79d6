"""The netpol library's contract, through a probe chart that renders one NetworkPolicy
per `.Values.policies` entry (tests/data/charts/netpol-probe).

Every rendered policy is checked against the Kubernetes schema and the API server's
NetworkPolicy rules; where a peer's meaning matters (what a CIDR covers, which pods a
selector reaches) the evaluator judges the rendered policy in a small world:

    namespace   labels       pods (labels)
    team        team=a       web (app=web; http=8080/TCP) -- governed by every policy
                             db (app=db), cache (app=cache)
    other       team=b       db (app=db)
    kube-system -            kube-dns (k8s-app=kube-dns; 53/UDP, 53/TCP, 9153/TCP)

Every bad input stops the render with the library's own message naming the value
path (`policies[0]....`), never a Go template trace.
"""
from __future__ import annotations

from typing import Any, Iterable

import pytest

from netpol_harness.manifests import empty_peer_rules
from netpol_harness.net import Cluster, ContainerPort
from netpol_harness.assertions.network import NetworkAssertions, add_kube_dns, build_network
from netpol_harness.assertions.render import render_valid
from netpol_harness.helm.template import render
from netpol_harness.project import root as repo_root

CHART = repo_root() / "tests" / "data" / "charts" / "netpol-probe"
RELEASE = "probe"
NAMESPACE = "team"
WEB = {"app": "web"}


# --------------------------------------------------------------------------- helpers


def egress(*rules: dict) -> dict:
    return {"podSelector": WEB, "egress": list(rules)}


def ingress(*rules: dict) -> dict:
    return {"podSelector": WEB, "ingress": list(rules)}


def render_policies(*policies: dict, components: dict | None = None):
    return render(
        CHART,
        values={"policies": list(policies), "components": components or {}},
        release=RELEASE,
        namespace=NAMESPACE,
    )


def render_one(policy: dict, components: dict | None = None) -> dict:
    """The one NetworkPolicy the spec renders, after checking it is one the API server takes."""
    result = render_valid(CHART, values={"policies": [policy], "components": components or {}},
                          release=RELEASE, namespace=NAMESPACE)
    assert [o["kind"] for o in result.objects] == ["NetworkPolicy"], result.stdout
    return result.objects[0]


def spec_of(policy: dict, components: dict | None = None) -> dict:
    return render_one(policy, components)["spec"]


def peers(spec: dict, direction: str = "egress", rule: int = 0) -> list[dict]:
    return spec[direction][rule]["to" if direction == "egress" else "from"]


def populate(cluster: Cluster) -> None:
    """The small world of the module docstring."""
    cluster.add_namespace(NAMESPACE, {"team": "a"})
    cluster.add_namespace("other", {"team": "b"})
    cluster.add_pod(NAMESPACE, "web", WEB, ports=[ContainerPort("http", 8080, "TCP")])
    cluster.add_pod(NAMESPACE, "db", {"app": "db"})
    cluster.add_pod(NAMESPACE, "cache", {"app": "cache"})
    cluster.add_pod("other", "db", {"app": "db"})
    add_kube_dns(cluster)


def net(policy_obj: dict, externals: Iterable[str] = ()) -> NetworkAssertions:
    return build_network([policy_obj], default_namespace=NAMESPACE, externals=externals, setup=populate)


def assert_fails_with(policy: Any, *fragments: str, components: dict | None = None) -> str:
    result = render_policies(policy, components=components)
    assert not result.ok, f"render should have failed, produced:\n{result.stdout}"
    assert result.objects == []
    for fragment in fragments:
        assert fragment in result.stderr, f"{fragment!r} not in:\n{result.stderr}"
    # A `fail` of ours, not a Go template error surfacing through the includes.
    assert "execution error at" in result.stderr, result.stderr
    assert "error calling include" not in result.stderr, result.stderr
    return result.stderr


TO_DB = {"to": [{"pods": {"app": "db"}}]}
P = "policies[0]"
R = f"{P}.egress[0]"
PEER = f"{R}.to[0]"


# --------------------------------------------------------------------------- metadata, policyTypes


def test_the_policy_lives_in_the_release_namespace_under_its_name():
    obj = render_one({"name": "web-egress", "podSelector": WEB, "egress": [TO_DB]})
    assert obj["metadata"]["name"] == "web-egress"
    assert obj["metadata"]["namespace"] == NAMESPACE
    assert obj["spec"]["podSelector"] == {"matchLabels": WEB}


def test_pod_selector_star_governs_every_pod_of_the_namespace():
    assert spec_of({"podSelector": "*", "egress": [TO_DB]})["podSelector"] == {}


@pytest.mark.parametrize(
    "directions, types",
    [
        ({"ingress": [{"from": [{"pods": {"app": "db"}}]}]}, ["Ingress"]),
        ({"egress": [TO_DB]}, ["Egress"]),
        ({"ingress": [{"from": [{"pods": {"app": "db"}}]}], "egress": [TO_DB]}, ["Ingress", "Egress"]),
        ({"ingress": [], "egress": []}, ["Ingress", "Egress"]),
    ],
    ids=["ingress-only", "egress-only", "both", "both-denied"],
)
def test_policy_types_are_always_written_out(directions, types):
    assert spec_of({"podSelector": WEB, **directions})["policyTypes"] == types


def test_an_empty_egress_list_denies_all_egress_and_still_names_egress():
    spec = spec_of({"podSelector": WEB, "egress": []})
    # Without policyTypes the API server would not treat `egress: []` as Egress at all.
    assert spec["policyTypes"] == ["Egress"] and spec["egress"] == []
    n = net(render_one({"podSelector": WEB, "egress": []}), externals=["1.1.1.1"])
    n.denies(f"{NAMESPACE}/web", f"{NAMESPACE}/db", 80)
    n.denies(f"{NAMESPACE}/web", "kube-system/kube-dns", 53, "UDP")
    n.denies(f"{NAMESPACE}/web", "ip:1.1.1.1", 443)


def test_an_empty_ingress_list_denies_all_ingress():
    obj = render_one({"podSelector": WEB, "ingress": []})
    assert obj["spec"]["policyTypes"] == ["Ingress"] and obj["spec"]["ingress"] == []
    n = net(obj)
    n.denies(f"{NAMESPACE}/db", f"{NAMESPACE}/web", 8080)
    n.denies("other/db", f"{NAMESPACE}/web", 8080)
    n.allows(f"{NAMESPACE}/web", f"{NAMESPACE}/db", 80)  # egress is not governed


def test_a_direction_written_without_rules_denies_all_of_it_and_an_absent_one_is_left_alone():
    # `ingress:` with no value is null: an explicit key governs its direction (fail closed).
    spec = spec_of({"podSelector": WEB, "ingress": None, "egress": [TO_DB]})
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    assert spec["ingress"] == []
    absent = spec_of({"podSelector": WEB, "egress": [TO_DB]})
    assert absent["policyTypes"] == ["Egress"] and "ingress" not in absent


# --------------------------------------------------------------------------- selector peers


def test_pods_peer_renders_a_pod_selector_for_the_policy_namespace_only():
    obj = render_one(egress(TO_DB))
    assert peers(obj["spec"]) == [{"podSelector": {"matchLabels": {"app": "db"}}}]
    n = net(obj)
    n.allows(f"{NAMESPACE}/web", f"{NAMESPACE}/db", 5432)
    n.denies(f"{NAMESPACE}/web", "other/db", 5432)
    n.denies(f"{NAMESPACE}/web", f"{NAMESPACE}/cache", 5432)


def test_pods_star_reaches_every_pod_of_the_policy_namespace():
    obj = render_one(egress({"to": [{"pods": "*"}]}))
    assert peers(obj["spec"]) == [{"podSelector": {}}]
    n = net(obj)
    n.allows(f"{NAMESPACE}/web", f"{NAMESPACE}/cache", 80)
    n.denies(f"{NAMESPACE}/web", "other/db", 80)


def test_namespaces_labels_render_a_namespace_selector():
    obj = render_one(egress({"to": [{"namespaces": {"team": "b"}}]}))
    assert peers(obj["spec"]) == [{"namespaceSelector": {"matchLabels": {"team": "b"}}}]
    n = net(obj)
    n.allows(f"{NAMESPACE}/web", "other/db", 80)
    n.denies(f"{NAMESPACE}/web", f"{NAMESPACE}/db", 80)


def test_namespaces_names_match_the_metadata_name_label():
    obj = render_one(egress({"to": [{"namespaces": {"names": ["other", "kube-system"]}}]}))
    assert peers(obj["spec"]) == [
        {
            "namespaceSelector": {
                "matchExpressions": [
                    {"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["other", "kube-system"]}
                ]
            }
        }
    ]
    n = net(obj)
    n.allows(f"{NAMESPACE}/web", "other/db", 80)
    n.allows(f"{NAMESPACE}/web", "kube-system/kube-dns", 53, "UDP")
    n.denies(f"{NAMESPACE}/web", f"{NAMESPACE}/db", 80)


def test_namespaces_star_reaches_every_namespace():
    obj = render_one(egress({"to": [{"namespaces": "*"}]}))
    assert peers(obj["spec"]) == [{"namespaceSelector": {}}]
    n = net(obj, externals=["1.1.1.1"])
    n.allows(f"{NAMESPACE}/web", "other/db", 80)
    n.allows(f"{NAMESPACE}/web", f"{NAMESPACE}/db", 80)
    n.denies(f"{NAMESPACE}/web", "ip:1.1.1.1", 80)  # pods only, not the world


def test_pods_and_namespaces_in_one_peer_mean_those_pods_in_those_namespaces():
    obj = render_one(egress({"to": [{"pods": {"app": "db"}, "namespaces": {"names": ["other"]}}]}))
    # One peer with both selectors (AND), not two peers (OR).
    assert peers(obj["spec"]) == [
        {
            "podSelector": {"matchLabels": {"app": "db"}},
            "namespaceSelector": {
                "matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["other"]}]
            },
        }
    ]
    n = net(obj)
    n.allows(f"{NAMESPACE}/web", "other/db", 5432)
    n.denies(f"{NAMESPACE}/web", f"{NAMESPACE}/db", 5432)
    n.denies(f"{NAMESPACE}/web", "kube-system/kube-dns", 53, "UDP")


def test_match_expressions_are_passed_through_validated():
    exprs = [
        {"key": "app", "operator": "In", "values": ["db", "cache"]},
        {"key": "tier", "operator": "DoesNotExist"},
    ]
    assert peers(spec_of(egress({"to": [{"pods": {"matchExpressions": exprs}}]}))) == [
        {"podSelector": {"matchExpressions": exprs}}
    ]


def test_label_values_go_through_tpl():
    spec = spec_of(
        egress(
            {
                "to": [
                    {
                        "pods": {"app": "{{ .Release.Name }}-db"},
                        "namespaces": {"names": ["{{ .Release.Namespace }}"]},
                    },
                    {"pods": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["{{ .Release.Name }}"]}]}},
                ]
            }
        )
    )
    assert peers(spec) == [
        {
            "podSelector": {"matchLabels": {"app": f"{RELEASE}-db"}},
            "namespaceSelector": {
                "matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": [NAMESPACE]}]
            },
        },
        {"podSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": [RELEASE]}]}},
    ]


def test_several_peers_of_one_rule_stay_in_one_rule():
    spec = spec_of(egress({"ports": [80], "to": [{"pods": {"app": "db"}}, {"cidr": "192.0.2.0/24"}]}))
    assert len(spec["egress"]) == 1
    assert peers(spec) == [{"podSelector": {"matchLabels": {"app": "db"}}}, {"ipBlock": {"cidr": "192.0.2.0/24"}}]


# --------------------------------------------------------------------------- address peers


def test_cidr_with_except_renders_one_ip_block_that_carves_the_except_out():
    obj = render_one(egress({"to": [{"cidr": "192.0.2.0/24", "except": ["192.0.2.128/25"]}]}))
    assert peers(obj["spec"]) == [{"ipBlock": {"cidr": "192.0.2.0/24", "except": ["192.0.2.128/25"]}}]
    n = net(obj)
    n.allows(f"{NAMESPACE}/web", "ip:192.0.2.5", 443)
    n.denies(f"{NAMESPACE}/web", "ip:192.0.2.200", 443)
    n.denies(f"{NAMESPACE}/web", "ip:198.51.100.1", 443)


def test_ipv6_cidr_with_except_renders_as_given():
    spec = spec_of(egress({"to": [{"cidr": "2001:db8::/32", "except": ["2001:db8:1::/48"]}]}))
    assert peers(spec) == [{"ipBlock": {"cidr": "2001:db8::/32", "except": ["2001:db8:1::/48"]}}]


@pytest.mark.parametrize("address, cidr", [("192.0.2.7", "192.0.2.7/32"), ("2001:db8::7", "2001:db8::7/128")])
def test_a_bare_address_is_a_host_route(address, cidr):
    assert peers(spec_of(egress({"to": [{"cidr": address}]}))) == [{"ipBlock": {"cidr": cidr}}]


def test_cidrs_render_one_ip_block_each():
    spec = spec_of(egress({"to": [{"cidrs": ["192.0.2.0/24", "2001:db8::/32"]}]}))
    assert peers(spec) == [{"ipBlock": {"cidr": "192.0.2.0/24"}}, {"ipBlock": {"cidr": "2001:db8::/32"}}]


def test_any_ipv4_renders_the_whole_ipv4_space_and_does_not_cover_ipv6():
    obj = render_one(egress({"to": [{"anyIPv4": True}]}))
    assert peers(obj["spec"]) == [{"ipBlock": {"cidr": "0.0.0.0/0"}}]
    n = net(obj)
    n.allows(f"{NAMESPACE}/web", "ip:1.1.1.1", 443)
    n.denies(f"{NAMESPACE}/web", "ip:2001:db8::1", 443)


def test_any_ipv6_renders_the_whole_ipv6_space_and_does_not_cover_ipv4():
    obj = render_one(egress({"to": [{"anyIPv6": True}]}))
    assert peers(obj["spec"]) == [{"ipBlock": {"cidr": "::/0"}}]
    n = net(obj)
    n.allows(f"{NAMESPACE}/web", "ip:2001:db8::1", 443)
    n.denies(f"{NAMESPACE}/web", "ip:1.1.1.1", 443)


def test_host_network_openshift_selects_the_host_network_namespace_label():
    spec = spec_of(ingress({"ports": [8443], "from": [{"hostNetwork": {"openshift": True}}]}))
    assert peers(spec, "ingress") == [
        {"namespaceSelector": {"matchLabels": {"policy-group.network.openshift.io/host-network": ""}}}
    ]
    assert spec["ingress"][0]["ports"] == [{"port": 8443, "protocol": "TCP"}]


def test_host_network_cidrs_render_ip_blocks():
    spec = spec_of(ingress({"ports": [8443], "from": [{"hostNetwork": {"cidrs": ["192.0.2.0/28", "2001:db8::/64"]}}]}))
    assert peers(spec, "ingress") == [{"ipBlock": {"cidr": "192.0.2.0/28"}}, {"ipBlock": {"cidr": "2001:db8::/64"}}]


# --------------------------------------------------------------------------- DNS


def test_dns_kubernetes_preset_reaches_kube_dns_on_53_udp_and_tcp_and_nothing_else():
    obj = render_one(egress({"to": [{"dns": "kubernetes"}]}))
    assert obj["spec"]["egress"] == [
        {
            "to": [
                {
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                }
            ],
            "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
        }
    ]
    n = net(obj)
    n.allows(f"{NAMESPACE}/web", "kube-system/kube-dns", 53, "UDP")
    n.allows(f"{NAMESPACE}/web", "kube-system/kube-dns", 53, "TCP")
    n.denies(f"{NAMESPACE}/web", "kube-system/kube-dns", 9153)
    n.denies(f"{NAMESPACE}/web", f"{NAMESPACE}/db", 53, "UDP")


def test_dns_openshift_preset_reaches_openshift_dns_on_5353_udp_and_tcp():
    spec = spec_of(egress({"to": [{"dns": {"preset": "openshift"}}]}))
    assert spec["egress"] == [
        {
            "to": [
                {
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "openshift-dns"}},
                    "podSelector": {"matchLabels": {"dns.operator.openshift.io/daemonset-dns": "default"}},
                }
            ],
            "ports": [{"port": 5353, "protocol": "UDP"}, {"port": 5353, "protocol": "TCP"}],
        }
    ]


def test_dns_nodelocal_preset_adds_the_node_local_address_to_kube_dns():
    obj = render_one(egress({"to": [{"dns": {"preset": "nodelocal"}}]}))
    udp_tcp_53 = [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]
    assert obj["spec"]["egress"][0] == {"to": [{"ipBlock": {"cidr": "169.254.20.10/32"}}], "ports": udp_tcp_53}
    assert obj["spec"]["egress"][1]["ports"] == udp_tcp_53
    n = net(obj)
    for proto in ("UDP", "TCP"):
        n.allows(f"{NAMESPACE}/web", "ip:169.254.20.10", 53, proto)
        n.allows(f"{NAMESPACE}/web", "kube-system/kube-dns", 53, proto)
    n.denies(f"{NAMESPACE}/web", "ip:169.254.20.11", 53, "UDP")
    n.denies(f"{NAMESPACE}/web", "ip:169.254.20.10", 80)


def test_dns_nodelocal_preset_takes_another_address():
    spec = spec_of(egress({"to": [{"dns": {"preset": "nodelocal", "nodeLocalAddress": "169.254.0.10"}}]}))
    assert spec["egress"][0]["to"] == [{"ipBlock": {"cidr": "169.254.0.10/32"}}]


def test_dns_custom_preset_uses_the_given_peers_and_ports():
    dns = {
        "preset": "custom",
        "peers": [{"namespaces": {"names": ["dns"]}, "pods": {"app": "coredns"}}],
        "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
    }
    spec = spec_of(egress({"to": [{"dns": dns}]}))
    assert spec["egress"] == [
        {
            "to": [
                {
                    "podSelector": {"matchLabels": {"app": "coredns"}},
                    "namespaceSelector": {
                        "matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["dns"]}]
                    },
                }
            ],
            "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}],
        }
    ]


def test_dns_rule_sits_beside_the_other_peers_of_its_rule():
    spec = spec_of(egress({"to": [{"pods": {"app": "db"}}, {"dns": "kubernetes"}]}))
    # The dns peer brings its own ports, so it becomes a rule of its own; the pods peer
    # keeps the rule's (absent = every) ports.
    assert spec["egress"][0] == {"to": [{"podSelector": {"matchLabels": {"app": "db"}}}]}
    assert spec["egress"][1]["ports"] == [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]


# --------------------------------------------------------------------------- API server


def test_api_server_explicit_cidrs_and_port():
    obj = render_one(egress({"to": [{"apiServer": {"cidrs": ["192.0.2.10/32", "2001:db8::10/128"], "ports": [6443]}}]}))
    assert obj["spec"]["egress"] == [
        {
            "to": [{"ipBlock": {"cidr": "192.0.2.10/32"}}, {"ipBlock": {"cidr": "2001:db8::10/128"}}],
            "ports": [{"port": 6443, "protocol": "TCP"}],
        }
    ]
    n = net(obj)
    n.allows(f"{NAMESPACE}/web", "ip:192.0.2.10", 6443)
    n.denies(f"{NAMESPACE}/web", "ip:192.0.2.10", 443)
    n.denies(f"{NAMESPACE}/web", "ip:192.0.2.11", 6443)


@pytest.mark.parametrize("ports", [0, [0], None, []], ids=["zero", "list-of-zero", "null", "empty"])
def test_api_server_port_zero_or_none_means_any_port_to_those_addresses_only(ports):
    obj = render_one(egress({"to": [{"apiServer": {"cidrs": "192.0.2.10/32", "ports": ports}}]}))
    assert obj["spec"]["egress"] == [{"to": [{"ipBlock": {"cidr": "192.0.2.10/32"}}]}]
    n = net(obj)
    n.allows(f"{NAMESPACE}/web", "ip:192.0.2.10", 6443)
    n.allows(f"{NAMESPACE}/web", "ip:192.0.2.10", 16443)
    n.denies(f"{NAMESPACE}/web", "ip:192.0.2.11", 6443)


def test_api_server_not_found_with_omit_renders_no_rule_rather_than_an_open_one():
    # Under helm template, lookup finds nothing: omit must narrow, never widen.
    spec = spec_of(egress({"to": [{"apiServer": {"onNotFound": "omit"}}]}))
    assert spec["egress"] == []
    assert spec["policyTypes"] == ["Egress"]


def test_api_server_omitted_leaves_the_other_peers_of_the_rule():
    spec = spec_of(egress({"to": [{"apiServer": {"onNotFound": "omit"}}, {"pods": {"app": "db"}}]}))
    assert spec["egress"] == [{"to": [{"podSelector": {"matchLabels": {"app": "db"}}}]}]


# --------------------------------------------------------------------------- hosts and URLs


@pytest.mark.parametrize(
    "host, cidr",
    [("192.0.2.1", "192.0.2.1/32"), ("2001:db8::1", "2001:db8::1/128"), ("[2001:db8::2]", "2001:db8::2/128")],
    ids=["ipv4", "ipv6", "bracketed-ipv6"],
)
def test_host_ip_literals_become_host_routes_without_a_lookup(host, cidr):
    assert peers(spec_of(egress({"ports": [443], "to": [{"hosts": [host]}]}))) == [{"ipBlock": {"cidr": cidr}}]


@pytest.mark.parametrize(
    "url, cidr, port",
    [
        ("https://192.0.2.1:8443/x", "192.0.2.1/32", 8443),
        ("https://192.0.2.1/x", "192.0.2.1/32", 443),
        ("http://192.0.2.1", "192.0.2.1/32", 80),
        ("https://[2001:db8::1]:8443/x", "2001:db8::1/128", 8443),
        ("https://[2001:db8::1]/x", "2001:db8::1/128", 443),
    ],
    ids=["url-port", "https-default", "http-default", "bracketed-ipv6-with-port", "bracketed-ipv6-default"],
)
def test_url_with_ip_literal_allows_its_host_on_its_port(url, cidr, port):
    obj = render_one(egress({"to": [{"urls": [url]}]}))
    assert obj["spec"]["egress"] == [{"to": [{"ipBlock": {"cidr": cidr}}], "ports": [{"port": port, "protocol": "TCP"}]}]


def test_url_port_gives_way_to_the_rule_ports():
    spec = spec_of(egress({"ports": [9000], "to": [{"urls": ["https://192.0.2.1:8443/x"]}]}))
    assert spec["egress"] == [{"to": [{"ipBlock": {"cidr": "192.0.2.1/32"}}], "ports": [{"port": 9000, "protocol": "TCP"}]}]


# --------------------------------------------------------------------------- components


def test_component_peer_renders_the_components_pod_selector():
    components = {"db": {"matchLabels": {"app": "db"}}}
    obj = render_one(egress({"ports": [5432], "to": [{"component": "db"}]}), components)
    assert peers(obj["spec"]) == [{"podSelector": {"matchLabels": {"app": "db"}}}]
    n = net(obj)
    n.allows(f"{NAMESPACE}/web", f"{NAMESPACE}/db", 5432)
    n.denies(f"{NAMESPACE}/web", "other/db", 5432)
    n.denies(f"{NAMESPACE}/web", f"{NAMESPACE}/cache", 5432)


def test_component_given_as_a_label_map_renders_match_labels():
    obj = render_one(egress({"ports": [5432], "to": [{"component": "db"}]}), {"db": {"app": "db"}})
    assert peers(obj["spec"]) == [{"podSelector": {"matchLabels": {"app": "db"}}}]


def test_component_given_as_star_renders_the_empty_pod_selector():
    obj = render_one(egress({"ports": [5432], "to": [{"component": "all"}]}), {"all": "*"})
    assert peers(obj["spec"]) == [{"podSelector": {}}]


# --------------------------------------------------------------------------- allowAll


def test_allow_all_renders_a_rule_without_peers_only_when_asked():
    obj = render_one(egress({"allowAll": True, "ports": [443]}, TO_DB))
    assert obj["spec"]["egress"][0] == {"ports": [{"port": 443, "protocol": "TCP"}]}
    assert empty_peer_rules(obj) == ["spec.egress[0]: no 'to' peers, so it allows every peer on ports [443]"]
    n = net(obj, externals=["1.1.1.1"])
    n.allows(f"{NAMESPACE}/web", "ip:1.1.1.1", 443)
    n.allows(f"{NAMESPACE}/web", "other/db", 443)
    n.denies(f"{NAMESPACE}/web", "ip:1.1.1.1", 80)


def test_rules_with_peers_never_render_an_empty_peer_list():
    obj = render_one(
        egress(
            TO_DB,
            {"to": [{"dns": "kubernetes"}]},
            {"to": [{"apiServer": {"cidrs": ["192.0.2.10/32"]}}]},
            {"to": [{"urls": ["https://192.0.2.1"]}, {"hosts": ["192.0.2.2"]}]},
        )
    )
    assert empty_peer_rules(obj) == []


@pytest.mark.parametrize("text", ["false", "no"])
def test_allow_all_as_a_string_that_says_no_does_not_open_the_rule(text):
    result = render_policies(egress({"allowAll": text, "ports": [80]}))
    assert not (result.ok and empty_peer_rules(result.objects[0]))


# --------------------------------------------------------------------------- ports


def test_ports_take_numbers_names_ranges_and_protocols_with_tcp_written_out():
    spec = spec_of(
        egress(
            {
                "ports": [
                    80,
                    "8443",
                    "http",
                    {"port": 8000, "endPort": 8100},
                    {"port": 53, "protocol": "UDP"},
                    {"port": 3868, "protocol": "sctp"},
                    {"port": 9000, "endPort": 9000},
                ],
                **TO_DB,
            }
        )
    )
    assert spec["egress"][0]["ports"] == [
        {"port": 80, "protocol": "TCP"},
        {"port": 8443, "protocol": "TCP"},
        {"port": "http", "protocol": "TCP"},
        {"port": 8000, "endPort": 8100, "protocol": "TCP"},
        {"port": 53, "protocol": "UDP"},
        {"port": 3868, "protocol": "SCTP"},
        {"port": 9000, "protocol": "TCP"},  # a one-port range is that port
    ]


def test_a_rule_without_ports_allows_every_port_of_its_peers():
    obj = render_one(egress(TO_DB))
    assert "ports" not in obj["spec"]["egress"][0]
    n = net(obj)
    n.allows(f"{NAMESPACE}/web", f"{NAMESPACE}/db", 1, "UDP")
    n.allows(f"{NAMESPACE}/web", f"{NAMESPACE}/db", 65535, "SCTP")


def test_port_ranges_and_named_ports_mean_what_they_say():
    obj = render_one(ingress({"ports": ["http", {"port": 9000, "endPort": 9010}], "from": [{"pods": {"app": "db"}}]}))
    n = net(obj)
    n.allows(f"{NAMESPACE}/db", f"{NAMESPACE}/web", 8080)  # web's container port "http"
    n.allows(f"{NAMESPACE}/db", f"{NAMESPACE}/web", 9010)
    n.denies(f"{NAMESPACE}/db", f"{NAMESPACE}/web", 9011)
    n.denies(f"{NAMESPACE}/db", f"{NAMESPACE}/web", 9005, "UDP")
    n.denies(f"{NAMESPACE}/cache", f"{NAMESPACE}/web", 8080)


# --------------------------------------------------------------------------- what stops a render


def fails(case_id: str, policy: Any, *fragments: str, components: dict | None = None):
    return pytest.param(policy, fragments, components, id=case_id)


def to(*peer_list: Any, **rule: Any) -> dict:
    return egress({"to": list(peer_list), **rule})


POLICY_ERRORS = [
    fails("direction-not-a-list", {"podSelector": WEB, "egress": {"to": []}}, f"{P}.egress: give a list of rules"),
    fails("pod-selector-missing", {"egress": []}, f"{P}.podSelector: <nil> is not a selector"),
    fails("neither-direction", {"podSelector": WEB}, f"{P}: the policy governs neither ingress nor egress"),
    fails("rule-not-a-map", egress("allow db"), f"{R}: allow db is not a rule"),
    fails("from-in-an-egress-rule", egress({"from": [{"pods": {"app": "db"}}]}), f'{R}: egress rules list their peers under "to", not "from"'),
    fails("to-in-an-ingress-rule", ingress({"to": [{"pods": {"app": "db"}}]}), f'{P}.ingress[0]: ingress rules list their peers under "from", not "to"'),
    fails("unknown-rule-key", egress({"peers": [], **TO_DB}), f'{R}: unknown key "peers"'),
    fails("peers-not-a-list", egress({"to": {"pods": {"app": "db"}}}), f"{R}.to: give a list of peers"),
    fails("empty-to", egress({"to": [], "ports": [80]}), f"{R}.to: the rule has no peers", "allowAll: true"),
    fails("missing-to", egress({"ports": [80]}), f"{R}.to: the rule has no peers"),
    fails("allow-all-false-without-peers", egress({"allowAll": False, "ports": [80]}), f"{R}.to: the rule has no peers"),
    fails("allow-all-with-peers", egress({"allowAll": True, **TO_DB}), f"{R}: allowAll: true allows every peer; remove to"),
    fails("named-rule-in-messages", egress({"name": "metrics", "to": []}), f"{R} (metrics).to: the rule has no peers"),
]

PEER_ERRORS = [
    fails("peer-not-a-map", to("db"), f"{PEER}: db is not a peer"),
    fails("unknown-peer-type", to({"service": "db"}), f'{PEER}: unknown peer type "service"'),
    fails("peer-without-type", to({"explicitValue": "x"}), f"{PEER}: the peer names no type"),
    fails("peer-mixes-cidr-and-pods", to({"cidr": "10.0.0.0/8", "pods": {"app": "db"}}), f"{PEER}: the peer mixes pods and cidr"),
    fails("peer-mixes-dns-and-namespaces", to({"dns": "kubernetes", "namespaces": "*"}), f"{PEER}: the peer mixes namespaces and dns"),
    fails("except-without-cidr", to({"cidrs": ["10.0.0.0/8"], "except": ["10.1.0.0/16"]}), f"{PEER}.except: except belongs to a single cidr"),
    fails("cidrs-empty", to({"cidrs": []}), f"{PEER}.cidrs: give a non-empty list of CIDRs"),
    fails("cidrs-not-a-list", to({"cidrs": "10.0.0.0/8"}), f"{PEER}.cidrs: give a non-empty list of CIDRs"),
    fails("any-ipv4-false", to({"anyIPv4": False}), f"{PEER}.anyIPv4: write anyIPv4: true"),
    fails("any-ipv6-yes", to({"anyIPv6": "yes"}), f"{PEER}.anyIPv6: write anyIPv6: true"),
    fails("dns-with-rule-ports", to({"dns": "kubernetes"}, ports=[53]), f"{PEER}: a dns peer brings its own ports"),
    fails("api-server-with-rule-ports", to({"apiServer": {"cidrs": ["192.0.2.1/32"]}}, ports=[443]), f"{PEER}: a apiServer peer brings its own ports"),
    fails("hosts-empty", to({"hosts": []}), f"{PEER}.hosts: give at least one host name"),
    fails("host-empty-string", to({"hosts": [""]}, ports=[443]), f"{PEER}.hosts[0]: the host name is empty"),
    fails("host-invalid-name", to({"hosts": ["bad_host!"]}, ports=[443]), f'{PEER}.hosts[0]: "bad_host!" is not a valid host name'),
    fails("host-invalid-ip", to({"hosts": ["192.0.2.300"]}, ports=[443]), f"{PEER}.hosts[0]", "not a valid IPv4 address"),
    fails("urls-empty", to({"urls": []}), f"{PEER}.urls: give at least one URL"),
    fails("url-without-host", to({"urls": ["/just/a/path"]}), f'{PEER}.urls[0]: "/just/a/path" is not a URL; write scheme://host[:port]/path'),
    fails("url-unknown-scheme-without-port", to({"urls": ["ftp://192.0.2.1/x"]}), f'{PEER}.urls[0]: "ftp://192.0.2.1/x" has scheme "ftp" and no port'),
    fails("url-port-out-of-range", to({"urls": ["https://192.0.2.1:99999/x"]}), f"{PEER}.urls[0] (port of", "99999 is outside 1-65535"),
    fails("host-network-not-a-map", ingress({"from": [{"hostNetwork": True}]}), f"{P}.ingress[0].from[0].hostNetwork: write {{openshift: true}}, {{apiServer: true}} or {{cidrs: [...]}}"),
    fails("host-network-both", ingress({"from": [{"hostNetwork": {"openshift": True, "cidrs": ["192.0.2.0/24"]}}]}), f"{P}.ingress[0].from[0].hostNetwork: give exactly one of openshift: true, apiServer: true or a non-empty cidrs list"),
    fails("host-network-neither", ingress({"from": [{"hostNetwork": {"openshift": False}}]}), f"{P}.ingress[0].from[0].hostNetwork: give exactly one"),
    fails("host-network-bad-cidr", ingress({"from": [{"hostNetwork": {"cidrs": ["192.0.2.1/24"]}}]}), f"{P}.ingress[0].from[0].hostNetwork.cidrs[0]", "host bits set"),
    fails("unknown-component", to({"component": "queue"}), f'{PEER}.component: "queue" is not a component of this release; known components: db', components={"db": {"matchLabels": {"app": "db"}}}),
    fails("peer-where-renames-the-path", to({"cidr": "10.0.0.1/8", "where": "network.egress.corporate"}), "network.egress.corporate.cidr", "host bits set"),
]

CIDR_ERRORS = [
    fails("not-a-string", to({"cidr": 10}), f"{PEER}.cidr: 10 is not a CIDR"),
    fails("two-slashes", to({"cidr": "10.0.0.0/8/8"}), f'{PEER}.cidr: "10.0.0.0/8/8" is not a CIDR (more than one "/")'),
    fails("a-host-name", to({"cidr": "example.com/8"}), f'{PEER}.cidr: "example.com/8" is not an IPv4 or IPv6 CIDR'),
    fails("prefix-not-a-number", to({"cidr": "10.0.0.0/x"}), f'{PEER}.cidr: "10.0.0.0/x" has prefix length "x"'),
    fails("prefix-with-leading-zero", to({"cidr": "10.0.0.0/08"}), f'{PEER}.cidr: "10.0.0.0/08" has prefix length "08"'),
    fails("ipv4-prefix-too-long", to({"cidr": "10.0.0.0/33"}), f'{PEER}.cidr: "10.0.0.0/33" has prefix length 33; an IPv4 prefix is at most 32'),
    fails("ipv6-prefix-too-long", to({"cidr": "fd00::/129"}), f'{PEER}.cidr: "fd00::/129" has prefix length 129; an IPv6 prefix is at most 128'),
    fails("ipv4-host-bits", to({"cidr": "10.0.0.1/8"}), f'{PEER}.cidr: "10.0.0.1/8" has host bits set', "(10.0.0.0)"),
    fails("ipv6-host-bits", to({"cidr": "fd00::1/64"}), f'{PEER}.cidr: "fd00::1/64" has host bits set', "(fd00::)"),
    fails("ipv4-three-octets", to({"cidr": "10.0.0/24"}), f'{PEER}.cidr: "10.0.0/24" is not a valid IPv4 address (it needs four'),
    fails("ipv4-leading-zero", to({"cidr": "10.0.0.01/32"}), f'{PEER}.cidr: "10.0.0.01/32" is not a valid IPv4 address ("01"'),
    fails("ipv4-octet-above-255", to({"cidr": "10.0.0.300/32"}), f'{PEER}.cidr: "10.0.0.300/32" is not a valid IPv4 address (300 is above 255)'),
    fails("ipv6-not-hex", to({"cidr": "fd00::g/64"}), f'{PEER}.cidr: "fd00::g/64" is not a valid IPv6 address (only hex digits'),
    fails("ipv6-ipv4-mapped-dotted", to({"cidr": "::ffff:10.0.0.0/104"}), f'{PEER}.cidr: "::ffff:10.0.0.0/104" is not a valid IPv6 address'),
    fails("ipv6-double-colon-twice", to({"cidr": "fd00::1::/64"}), f'{PEER}.cidr: "fd00::1::/64" is not a valid IPv6 address ("::" may appear only once)'),
    fails("ipv6-too-few-groups", to({"cidr": "fd00:1:2/48"}), f'{PEER}.cidr: "fd00:1:2/48" is not a valid IPv6 address (it needs eight groups'),
    fails("ipv6-too-many-groups", to({"cidr": "1:2:3:4:5:6:7:8::/128"}), f'{PEER}.cidr: "1:2:3:4:5:6:7:8::/128" is not a valid IPv6 address (too many groups'),
    fails("ipv6-long-group", to({"cidr": "fd00::12345/128"}), f'{PEER}.cidr: "fd00::12345/128" is not a valid IPv6 address (group "12345"'),
    fails("except-outside", to({"cidr": "10.0.0.0/8", "except": ["11.0.0.0/16"]}), f'{PEER}.except[0]: "11.0.0.0/16" is not strictly inside "10.0.0.0/8"'),
    fails("except-equal", to({"cidr": "10.0.0.0/8", "except": ["10.0.0.0/8"]}), f'{PEER}.except[0]: "10.0.0.0/8" is not strictly inside'),
    fails("except-wider", to({"cidr": "10.1.0.0/16", "except": ["10.0.0.0/8"]}), f'{PEER}.except[0]: "10.0.0.0/8" is not strictly inside "10.1.0.0/16"'),
    fails("except-other-family", to({"cidr": "10.0.0.0/8", "except": ["fd00::/64"]}), f'{PEER}.except[0]: "fd00::/64" is IPv6 but its cidr "10.0.0.0/8" is IPv4'),
    fails("except-ipv4-in-ipv6", to({"cidr": "2001:db8::/32", "except": ["10.0.0.0/8"]}), f'{PEER}.except[0]: "10.0.0.0/8" is IPv4 but its cidr "2001:db8::/32" is IPv6'),
    fails("except-with-host-bits", to({"cidr": "10.0.0.0/8", "except": ["10.1.0.1/16"]}), f'{PEER}.except[0]: "10.1.0.1/16" has host bits set'),
    fails("cidrs-entry-invalid", to({"cidrs": ["10.0.0.0/8", "10.0.0.0/-1"]}), f'{PEER}.cidrs[1]: "10.0.0.0/-1" has prefix length "-1"'),
]

PORT_ERRORS = [
    fails("port-zero", to(*TO_DB["to"], ports=[0]), f"{R}.ports[0]: 0 is outside 1-65535"),
    fails("port-70000", to(*TO_DB["to"], ports=[70000]), f"{R}.ports[0]: 70000 is outside 1-65535"),
    fails("port-negative-string", to(*TO_DB["to"], ports=["-1"]), f"{R}.ports[0]: -1 is outside 1-65535"),
    fails("port-fraction", to(*TO_DB["to"], ports=[53.5]), f"{R}.ports[0]: 53.5 is not a whole number"),
    fails("port-fraction-as-text", to(*TO_DB["to"], ports=["53.5"]), f'{R}.ports[0]: "53.5" is not a valid port name'),
    fails("port-bool", to(*TO_DB["to"], ports=[True]), f"{R}.ports[0]: true is neither a port number nor a port name"),
    fails("port-name-uppercase", to(*TO_DB["to"], ports=["HTTP"]), f'{R}.ports[0]: "HTTP" is not a valid port name'),
    fails("port-name-too-long", to(*TO_DB["to"], ports=["a-very-long-port-name"]), f'{R}.ports[0]: "a-very-long-port-name" is not a valid port name'),
    fails("port-name-double-dash", to(*TO_DB["to"], ports=["web--api"]), f'{R}.ports[0]: "web--api" is not a valid port name'),
    fails("port-name-edge-dash", to(*TO_DB["to"], ports=["-web"]), f'{R}.ports[0]: "-web" is not a valid port name'),
    fails("port-missing", to(*TO_DB["to"], ports=[{"protocol": "UDP"}]), f"{R}.ports[0]: port is missing"),
    fails("port-unknown-key", to(*TO_DB["to"], ports=[{"port": 80, "proto": "UDP"}]), f'{R}.ports[0]: unknown key "proto"'),
    fails("protocol-unknown", to(*TO_DB["to"], ports=[{"port": 80, "protocol": "ICMP"}]), f'{R}.ports[0].protocol: "ICMP" is not a protocol NetworkPolicy knows'),
    fails("end-port-on-a-name", to(*TO_DB["to"], ports=[{"port": "http", "endPort": 90}]), f'{R}.ports[0].endPort: a range needs a numeric port, but port is the name "http"'),
    fails("end-port-below-port", to(*TO_DB["to"], ports=[{"port": 9000, "endPort": 8000}]), f"{R}.ports[0].endPort: 8000 is below port 9000"),
    fails("end-port-a-name", to(*TO_DB["to"], ports=[{"port": 9000, "endPort": "http"}]), f'{R}.ports[0].endPort: "http" is not a number'),
    fails("end-port-70000", to(*TO_DB["to"], ports=[{"port": 9000, "endPort": 70000}]), f"{R}.ports[0].endPort: 70000 is outside 1-65535"),
]

SELECTOR_ERRORS = [
    fails("policy-pod-selector-empty", {"podSelector": {}, "egress": [TO_DB]}, f"{P}.podSelector: an empty selector selects every pod", '"*"'),
    fails("pods-empty", to({"pods": {}}), f"{PEER}.pods: an empty selector selects every pod"),
    fails("namespaces-empty", to({"namespaces": {}}), f"{PEER}.namespaces: an empty selector selects every namespace"),
    fails("pods-a-list", to({"pods": ["db"]}), f"{PEER}.pods: [db] is not a selector"),
    fails("unknown-key-next-to-match-labels", to({"pods": {"matchLabels": {"app": "db"}, "tier": "back"}}), f'{PEER}.pods: unknown key "tier" next to matchLabels'),
    fails("match-expressions-empty", to({"pods": {"matchExpressions": []}}), f"{PEER}.pods: the selector is empty and would select every pod"),
    fails("names-empty", to({"namespaces": {"names": []}}), f"{PEER}.namespaces.names: give a non-empty list of namespace names"),
    fails("match-labels-not-a-map", to({"pods": {"matchLabels": ["app"]}}), f"{PEER}.pods.matchLabels: [app] is not a map of labels"),
    fails("label-key-bad-prefix", to({"pods": {"Example.COM/app": "db"}}), f'{PEER}.pods: label key "Example.COM/app" has an invalid prefix'),
    fails("label-key-bad-name", to({"pods": {"-app": "db"}}), f'{PEER}.pods: label key "-app" is invalid'),
    fails("label-key-too-long", to({"pods": {"a" * 64: "db"}}), f'{PEER}.pods: label key "{"a" * 64}" is invalid'),
    fails("label-value-bad", to({"pods": {"app": "db!"}}), f'{PEER}.pods[app]: label value "db!" is invalid'),
    fails("label-value-too-long", to({"pods": {"app": "x" * 64}}), f"{PEER}.pods[app]: label value", "is invalid"),
    fails("label-value-bad-after-tpl", to({"pods": {"app": "{{ .Release.Name }}!"}}), f'{PEER}.pods[app]: label value "{RELEASE}!" is invalid'),
    fails("policy-pod-selector-bad-value", {"podSelector": {"app": "web app"}, "egress": []}, f'{P}.podSelector[app]: label value "web app" is invalid'),
    fails("expression-not-a-map", to({"pods": {"matchExpressions": ["app"]}}), f"{PEER}.pods.matchExpressions[0]: app is not a match expression"),
    fails("expression-without-key", to({"pods": {"matchExpressions": [{"operator": "Exists"}]}}), f"{PEER}.pods.matchExpressions[0].key: a match expression needs a label key"),
    fails("expression-bad-key", to({"pods": {"matchExpressions": [{"key": "a b", "operator": "Exists"}]}}), f'{PEER}.pods.matchExpressions[0]: label key "a b" is invalid'),
    fails("expression-unknown-operator", to({"pods": {"matchExpressions": [{"key": "app", "operator": "Equals", "values": ["db"]}]}}), f'{PEER}.pods.matchExpressions[0].operator: "Equals" is not a selector operator'),
    fails("in-without-values", to({"pods": {"matchExpressions": [{"key": "app", "operator": "In"}]}}), f"{PEER}.pods.matchExpressions[0].values: operator In needs a non-empty list of values"),
    fails("not-in-with-empty-values", to({"pods": {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": []}]}}), f"{PEER}.pods.matchExpressions[0].values: operator NotIn needs a non-empty list"),
    fails("exists-with-values", to({"pods": {"matchExpressions": [{"key": "app", "operator": "Exists", "values": ["db"]}]}}), f"{PEER}.pods.matchExpressions[0].values: operator Exists takes no values"),
    fails("does-not-exist-with-values", to({"pods": {"matchExpressions": [{"key": "app", "operator": "DoesNotExist", "values": ["db"]}]}}), f"{PEER}.pods.matchExpressions[0].values: operator DoesNotExist takes no values"),
    fails("expression-bad-value", to({"pods": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["ok", "not ok"]}]}}), f'{PEER}.pods.matchExpressions[0].values[1]: label value "not ok" is invalid'),
    fails("namespace-name-bad", to({"namespaces": {"names": ["team", "bad name"]}}), f'{PEER}.namespaces.names.values[1]: label value "bad name" is invalid'),
]

DNS_ERRORS = [
    fails("dns-not-a-preset", to({"dns": ["kubernetes"]}), f"{PEER}.dns: [kubernetes] is not a DNS preset"),
    fails("dns-unknown-preset-string", to({"dns": "coredns"}), f'{PEER}.dns: unknown DNS preset "coredns"'),
    fails("dns-unknown-preset-map", to({"dns": {"preset": "coredns"}}), f'{PEER}.dns.preset: unknown DNS preset "coredns"'),
    fails("dns-custom-without-peers", to({"dns": {"preset": "custom", "ports": [53]}}), f"{PEER}.dns.peers: the custom DNS preset needs at least one peer"),
    fails("dns-custom-without-ports", to({"dns": {"preset": "custom", "peers": [{"pods": {"app": "dns"}}]}}), f"{PEER}.dns.ports: the custom DNS preset needs its ports"),
    fails("dns-custom-bad-peer", to({"dns": {"preset": "custom", "peers": [{"cidr": "10.96.0.10/8"}], "ports": [53]}}), f"{PEER}.dns.to[0].cidr", "host bits set"),
    fails("dns-nodelocal-bad-address", to({"dns": {"preset": "nodelocal", "nodeLocalAddress": "169.254.20.300"}}), f"{PEER}.dns.nodeLocalAddress", "300 is above 255"),
]

API_SERVER_ERRORS = [
    fails("api-server-not-found", to({"apiServer": {}}), f"{PEER}.apiServer: the Kubernetes API server's addresses could not be found", f"Set {PEER}.apiServer.cidrs", f"{PEER}.apiServer.onNotFound=omit"),
    fails("api-server-not-found-fail", to({"apiServer": {"onNotFound": "fail", "ports": [6443]}}), f"{PEER}.apiServer: the Kubernetes API server's addresses could not be found"),
    fails("api-server-unknown-on-not-found", to({"apiServer": {"onNotFound": "ignore"}}), f'{PEER}.apiServer.onNotFound: "ignore" is not a choice; use fail or omit'),
    fails("api-server-value-paths", to({"apiServer": {"valuePaths": {"cidrs": "cluster.apiCIDRs", "ports": "cluster.apiPort", "onNotFound": "cluster.apiMissing"}}}), "Set cluster.apiCIDRs", "cluster.apiPort to their port", "cluster.apiMissing=omit"),
    fails("api-server-bad-cidr", to({"apiServer": {"cidrs": ["192.0.2.10/24"]}}), f"{PEER}.apiServer.cidrs[0]", "host bits set"),
    fails("api-server-port-70000", to({"apiServer": {"cidrs": ["192.0.2.10/32"], "ports": [70000]}}), f"{PEER}.apiServer.ports[0]: 70000 is outside 1-65535"),
    fails("api-server-zero-mixed", to({"apiServer": {"cidrs": ["192.0.2.10/32"], "ports": [0, 6443]}}), f"{PEER}.apiServer.ports: 0 means any port and cannot be mixed"),
]


@pytest.mark.parametrize("policy, fragments, components", POLICY_ERRORS)
def test_bad_policies_and_rules_stop_the_render_naming_the_value(policy, fragments, components):
    assert_fails_with(policy, *fragments, components=components)


@pytest.mark.parametrize("policy, fragments, components", PEER_ERRORS)
def test_bad_peers_stop_the_render_naming_the_value(policy, fragments, components):
    assert_fails_with(policy, *fragments, components=components)


@pytest.mark.parametrize("policy, fragments, components", CIDR_ERRORS)
def test_bad_cidrs_stop_the_render_naming_the_value(policy, fragments, components):
    assert_fails_with(policy, *fragments, components=components)


@pytest.mark.parametrize("policy, fragments, components", PORT_ERRORS)
def test_bad_ports_stop_the_render_naming_the_value(policy, fragments, components):
    assert_fails_with(policy, *fragments, components=components)


@pytest.mark.parametrize("policy, fragments, components", SELECTOR_ERRORS)
def test_bad_selectors_stop_the_render_naming_the_value(policy, fragments, components):
    assert_fails_with(policy, *fragments, components=components)


@pytest.mark.parametrize("policy, fragments, components", DNS_ERRORS)
def test_bad_dns_peers_stop_the_render_naming_the_value(policy, fragments, components):
    assert_fails_with(policy, *fragments, components=components)


@pytest.mark.parametrize("policy, fragments, components", API_SERVER_ERRORS)
def test_bad_or_missing_api_server_stops_the_render_naming_the_value(policy, fragments, components):
    assert_fails_with(policy, *fragments, components=components)


# Malformed input that once slipped through (found by these tests): each stops the render.
MALFORMED_INPUT = [
    pytest.param(
        to({"pods": {"matchLabels": {}}}),
        (f"{PEER}.pods", "every pod"),
        None,
        id="pods-match-labels-empty-selects-every-pod",
    ),
    pytest.param(
        to({"namespaces": {"matchLabels": {}}}),
        (f"{PEER}.namespaces", "every namespace"),
        None,
        id="namespaces-match-labels-empty-selects-every-namespace",
    ),
    pytest.param(
        {"podSelector": {"matchLabels": {}}, "egress": []},
        (f"{P}.podSelector", "every pod"),
        None,
        id="policy-pod-selector-match-labels-empty",
    ),
    pytest.param(
        to(*TO_DB["to"], ports=80),
        (f"{R}.ports",),
        None,
        id="ports-a-scalar",
    ),
    pytest.param(
        to({"cidr": "10.0.0.0/8", "except": "10.1.0.0/16"}),
        (f"{PEER}.except",),
        None,
        id="except-a-scalar",
    ),
    pytest.param(
        ingress({"from": [{"hostNetwork": {"cidrs": "192.0.2.0/24"}}]}),
        (f"{P}.ingress[0].from[0].hostNetwork.cidrs",),
        None,
        id="host-network-cidrs-a-scalar",
    ),
    pytest.param(
        to({"dns": {"preset": "custom", "peers": [{"pods": {"app": "dns"}}], "ports": 53}}),
        (f"{PEER}.dns.ports",),
        None,
        id="dns-custom-ports-a-scalar",
    ),
    pytest.param(
        to({"cidr": "10.0.0.0/"}),
        (f'{PEER}.cidr: "10.0.0.0/"',),
        None,
        id="cidr-with-empty-prefix",
    ),
]


@pytest.mark.parametrize("policy, fragments, components", MALFORMED_INPUT)
def test_malformed_input_stops_the_render_naming_the_value(policy, fragments, components):
    assert_fails_with(policy, *fragments, components=components)
