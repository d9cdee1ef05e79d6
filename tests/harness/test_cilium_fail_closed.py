"""Fail closed for Cilium's policies (`wider_than_values` with check.ciliumfailclosed):
each kind of Cilium peer reaches no further than the values name, one passing and one
failing case per check, on hand-written CiliumNetworkPolicies."""
from __future__ import annotations

import pytest

from netpol_harness.check.failclosed import hosts_in, wider_than_values
from netpol_harness.fuzz import judge
from netpol_harness.helm.template import RenderResult


def cnp(*egress: dict, ingress: tuple[dict, ...] = (), kind: str = "CiliumNetworkPolicy", **spec) -> dict:
    body = {"endpointSelector": {"matchLabels": {"app": "a"}}, **spec}
    if egress:
        body["egress"] = list(egress)
    if ingress:
        body["ingress"] = list(ingress)
    return {"apiVersion": "cilium.io/v2", "kind": kind, "metadata": {"name": "p"}, "spec": body}


PORTS = [{"ports": [{"port": "443", "protocol": "TCP"}]}]


@pytest.mark.parametrize("rule, values, problem", [
    # toCIDR / toCIDRSet / fromCIDR / fromCIDRSet: inside a network the values name.
    ({"toCIDR": ["10.1.2.0/24"]}, {"cidrs": ["10.1.0.0/16"]}, None),
    ({"toCIDR": ["10.0.0.0/8"]}, {"cidrs": ["10.1.0.0/16"]},
     "spec.egress[0].toCIDR[0]: 10.0.0.0/8 is wider than any network the values name"),
    ({"toCIDR": ["203.0.113.5"]}, {"url": "https://203.0.113.5:8443/x"}, None),
    ({"toCIDRSet": [{"cidr": "10.1.0.0/16", "except": ["10.1.1.0/24"]}]}, {"cidrs": ["10.1.0.0/16"]}, None),
    ({"toCIDRSet": [{"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}]}, {"cidrs": ["10.1.0.0/16"]},
     "spec.egress[0].toCIDRSet[0].cidr: 0.0.0.0/0 is wider than any network the values name"),
    ({"toCIDRSet": [{"cidrGroupRef": "partners"}]}, {"groups": ["partners"]}, None),
    ({"toCIDRSet": [{"cidrGroupRef": "partners"}]}, {},
     "spec.egress[0].toCIDRSet[0].cidrGroupRef: partners is a CiliumCIDRGroup the values do not name"),
    # toFQDNs: matchName a host the values name; matchPattern only word for word.
    ({"toFQDNs": [{"matchName": "sso.example.com"}]}, {"url": "https://SSO.example.com.:8443/auth"}, None),
    ({"toFQDNs": [{"matchName": "sso.example.com."}]}, {"host": "sso.example.com"}, None),
    ({"toFQDNs": [{"matchName": "evil.example.com"}]}, {"host": "sso.example.com"},
     "spec.egress[0].toFQDNs[0]: evil.example.com is not a host the values name"),
    ({"toFQDNs": [{"matchPattern": "*.example.com"}]}, {"patterns": ["*.example.com"]}, None),
    ({"toFQDNs": [{"matchPattern": "*.example.com"}]}, {"host": "sso.example.com"},
     "spec.egress[0].toFQDNs[0]: the pattern *.example.com is not in the values"),
    # toEntities: kube-apiserver always; any other only when the values name it.
    ({"toEntities": ["kube-apiserver"], "toPorts": PORTS}, {}, None),
    ({"toEntities": ["world"]}, {"reach": "world"}, None),
    ({"toEntities": ["world"]}, {},
     "spec.egress[0].toEntities[0]: world is an entity the values do not name"),
    ({"toEntities": ["kube-apiserver", "cluster"]}, {"host": "sso.example.com"},
     "spec.egress[0].toEntities[1]: cluster is an entity the values do not name"),
    # No L3 peer: every peer, unless the values ask for everyone; `{}` admits nothing.
    ({"toPorts": PORTS}, {"allowAll": True}, None),
    ({}, {}, None),
    ({"toPorts": PORTS}, {}, "spec.egress[0]: names no peer"),
    ({"icmps": [{"fields": [{"type": 8}]}]}, {}, "spec.egress[0]: names no peer"),
    # An empty endpoint selector in a namespaced policy: the namespace's pods, as a
    # NetworkPolicy's `podSelector: {}` peer (what `pods: "*"` asks for).
    ({"toEndpoints": [{"matchLabels": {"k8s-app": "kube-dns"}}], "toPorts": PORTS}, {}, None),
    ({"toEndpoints": [{}]}, {"allowAll": True}, None),
    ({"toEndpoints": [{"matchLabels": {}}]}, {}, None),
])
def test_each_cilium_egress_peer_reaches_no_further_than_the_values(rule, values, problem):
    found = wider_than_values([cnp(rule)], values)
    if problem is None:
        assert found == []
    else:
        assert len(found) == 1 and found[0].startswith(f"CiliumNetworkPolicy/p: {problem}"), found


@pytest.mark.parametrize("rule, values, problem", [
    ({"fromCIDR": ["192.0.2.0/28"]}, {"sources": ["192.0.2.0/24"]}, None),
    ({"fromCIDR": ["192.0.2.0/23"]}, {"sources": ["192.0.2.0/24"]},
     "spec.ingress[0].fromCIDR[0]: 192.0.2.0/23 is wider than any network the values name"),
    ({"fromCIDRSet": [{"cidr": "2001:db8::/64"}]}, {"sources": ["2001:db8::/48"]}, None),
    ({"fromCIDRSet": [{"cidr": "2001:db8::/32"}]}, {"sources": ["2001:db8::/48"]},
     "spec.ingress[0].fromCIDRSet[0].cidr: 2001:db8::/32 is wider than any network the values name"),
    ({"fromEntities": ["kube-apiserver"]}, {}, None),
    ({"fromEntities": ["host"]}, {},
     "spec.ingress[0].fromEntities[0]: host is an entity the values do not name"),
    ({"fromEndpoints": [{"matchExpressions": [{"key": "app", "operator": "Exists"}]}]}, {}, None),
    ({"fromEndpoints": [{}], "toPorts": PORTS}, {}, None),
    ({"toPorts": PORTS}, {}, "spec.ingress[0]: names no peer"),
])
def test_each_cilium_ingress_peer_reaches_no_further_than_the_values(rule, values, problem):
    found = wider_than_values([cnp(ingress=(rule,))], values)
    if problem is None:
        assert found == []
    else:
        assert len(found) == 1 and found[0].startswith(f"CiliumNetworkPolicy/p: {problem}"), found


def test_clusterwide_policies_and_specs_lists_are_read_with_their_own_paths():
    ccnp = cnp(kind="CiliumClusterwideNetworkPolicy")
    ccnp.pop("spec")
    ccnp["specs"] = [{"endpointSelector": {}, "egress": [{"toEntities": ["kube-apiserver"]}]},
                     {"endpointSelector": {}, "egress": [{"toFQDNs": [{"matchName": "a.example.com"}]},
                                                          {"toEndpoints": [{}]}]}]
    assert wider_than_values([ccnp], {"host": "a.example.com"}) == [
        "CiliumClusterwideNetworkPolicy/p: specs[1].egress[1].toEndpoints[0]: an empty selector selects every "
        "endpoint of the cluster"]


def test_deny_sections_and_default_deny_are_not_judged():
    policy = cnp({"toEntities": ["kube-apiserver"]}, egressDeny=[{"toEntities": ["world"]}, {"toPorts": PORTS}],
                 enableDefaultDeny={"egress": False, "ingress": True})
    assert wider_than_values([policy], {}) == []
    assert wider_than_values([cnp({"toEntities": ["kube-apiserver"]})], {}) == []  # default deny on: fine


def test_the_values_hosts_are_strings_and_url_hosts_in_lower_case():
    assert hosts_in({"a": ["https://User@Keptn.Example.com:8443/api"], "b": "sso.example.com.", "c": 5}) >= {
        "keptn.example.com", "sso.example.com"}


def test_the_fuzz_judge_reports_a_cilium_violation_beside_the_api_rules(tmp_path):
    (tmp_path / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (tmp_path / "values.yaml").write_text("host: sso.example.com\n")
    policy = cnp({"toFQDNs": [{"matchName": "evil.example.com"}], "toPorts": PORTS})
    result = RenderResult(True, 0, "", "", [policy], None)
    verdict = judge(result, {}, tmp_path)
    assert not verdict.ok and verdict.problems == (
        "CiliumNetworkPolicy/p: spec.egress[0].toFQDNs[0]: evil.example.com is not a host the values name",)
    fine = cnp({"toFQDNs": [{"matchName": "sso.example.com"}], "toPorts": PORTS})
    assert judge(RenderResult(True, 0, "", "", [fine], None), {}, tmp_path).ok
