"""The Admin tier, NetworkPolicy and the Baseline tier together, as the network-policy-api
types define them: what decides, what is passed over, and how a verdict says so."""
from __future__ import annotations

import pytest

from netpol_harness import build_network

V1A1, V1A2 = "policy.networking.k8s.io/v1alpha1", "policy.networking.k8s.io/v1alpha2"


def namespace(name, **labels):
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def pod(ns, name, ports=(("http", 8080, "TCP"),), host_network=False, ip=None, **labels):
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns, "labels": labels},
           "spec": {"hostNetwork": host_network, "containers": [
               {"name": "c", "ports": [{"name": n, "containerPort": p, "protocol": proto} for n, p, proto in ports]}]}}
    if ip:
        obj["status"] = {"podIP": ip}
    return obj


def anp(name, priority, ingress=(), egress=(), subject=None):
    return {"apiVersion": V1A1, "kind": "AdminNetworkPolicy", "metadata": {"name": name},
            "spec": {"priority": priority, "subject": subject or {"namespaces": {"matchLabels": {"tier": "app"}}},
                     "ingress": list(ingress), "egress": list(egress)}}


def banp(ingress=(), egress=()):
    return {"apiVersion": V1A1, "kind": "BaselineAdminNetworkPolicy", "metadata": {"name": "default"},
            "spec": {"subject": {"namespaces": {}}, "ingress": list(ingress), "egress": list(egress)}}


def cnp(name, tier, priority, ingress=(), egress=()):
    return {"apiVersion": V1A2, "kind": "ClusterNetworkPolicy", "metadata": {"name": name},
            "spec": {"tier": tier, "priority": priority, "subject": {"namespaces": {"matchLabels": {"tier": "app"}}},
                     "ingress": list(ingress), "egress": list(egress)}}


def from_namespace(name, action, rule_name="", ports=None):
    rule = {"action": action, "from": [{"namespaces": {"matchLabels": {"kubernetes.io/metadata.name": name}}}]}
    if rule_name:
        rule["name"] = rule_name
    if ports is not None:
        rule["ports"] = ports
    return rule


ALLOW_ALL_INGRESS_NP = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                        "metadata": {"name": "web", "namespace": "shop"},
                        "spec": {"podSelector": {}, "policyTypes": ["Ingress"],
                                 "ingress": [{"from": [{"namespaceSelector": {}}]}]}}
WORLD = [namespace("shop", tier="app"), namespace("monitoring"), namespace("other"),
         pod("shop", "web", app="web"), pod("monitoring", "prom", app="prom"), pod("other", "x", app="x")]


def test_an_admin_deny_wins_over_a_networkpolicy_that_allows():
    net = build_network(WORLD + [ALLOW_ALL_INGRESS_NP, anp("guard", 10, [from_namespace("other", "Deny", "no-other")])])
    verdict = net.verdict("other/x", "shop/web", 8080)
    assert verdict.denied
    assert '[Admin] ANP guard ingress[0] "no-other": Deny -> denied' in verdict.explain()
    net.allows("monitoring/prom", "shop/web", 8080)  # no admin rule matches: NetworkPolicy decides


def test_an_admin_pass_hands_the_connection_to_networkpolicy_and_the_verdict_says_so():
    guard = anp("guard", 10, [from_namespace("monitoring", "Pass", "to-the-app-team"), from_namespace("monitoring", "Deny")])
    net = build_network(WORLD + [ALLOW_ALL_INGRESS_NP, guard])
    verdict = net.verdict("monitoring/prom", "shop/web", 8080)
    assert verdict.allowed  # the later Deny of the same tier is skipped
    assert verdict.ingress.tier_steps[0].effect == "pass" and verdict.ingress.allowed_by
    assert ('ingress: [Admin] ANP guard ingress[0] "to-the-app-team": Pass -> [NetworkPolicy] allowed by shop/web ingress[0]'
            in verdict.reason)


def test_a_pass_with_no_networkpolicy_falls_through_to_the_baseline_tier():
    guard = anp("guard", 10, [from_namespace("monitoring", "Pass")])
    baseline = banp(ingress=[from_namespace("monitoring", "Deny", "baseline-deny")])
    net = build_network(WORLD + [guard, baseline])
    verdict = net.verdict("monitoring/prom", "shop/web", 8080)
    assert verdict.denied
    assert [str(s) for s in verdict.ingress.tier_steps] == [
        "[Admin] ANP guard ingress[0]: Pass", '[Baseline] BANP default ingress[0] "baseline-deny": Deny']


def test_the_baseline_tier_applies_only_to_pods_no_networkpolicy_isolates():
    baseline = banp(ingress=[from_namespace("other", "Deny")])
    net = build_network(WORLD + [baseline])
    net.denies("other/x", "shop/web", 8080)
    net = build_network(WORLD + [baseline, ALLOW_ALL_INGRESS_NP])
    net.allows("other/x", "shop/web", 8080)  # a NetworkPolicy selects web: it decides, the Baseline is not asked


def test_the_lower_priority_number_wins_within_the_admin_tier():
    deny = anp("deny-other", 20, [from_namespace("other", "Deny")])
    allow = anp("allow-other", 5, [from_namespace("other", "Allow")])
    net = build_network(WORLD + [deny, allow])
    verdict = net.verdict("other/x", "shop/web", 8080)
    assert verdict.allowed and verdict.ingress.decided_by.policy == "ANP allow-other"


def test_rules_of_one_policy_are_taken_in_order_and_only_matching_ports_count():
    rules = [from_namespace("other", "Allow", ports=[{"portNumber": {"protocol": "TCP", "port": 9090}}]),
             from_namespace("other", "Deny")]
    net = build_network(WORLD + [anp("guard", 10, rules)])
    net.denies("other/x", "shop/web", 8080)
    net.allows("other/x", "shop/web", 9090)


def test_a_named_port_matches_the_container_port_of_that_name_whatever_its_protocol():
    world = WORLD[:3] + [pod("shop", "dns", ports=(("dns", 53, "UDP"),), app="dns"), WORLD[5]]
    rules = [from_namespace("other", "Allow", ports=[{"namedPort": "dns"}]), from_namespace("other", "Deny")]
    net = build_network(world + [anp("guard", 10, rules)])
    net.allows("other/x", "shop/dns", 53, "UDP")
    net.denies("other/x", "shop/dns", 53, "TCP")  # no container port named dns for TCP


def test_clusternetworkpolicy_accept_means_allow_and_its_protocols_say_the_ports():
    rule = {"action": "Accept", "from": [{"namespaces": {}}], "protocols": [{"tcp": {"destinationPort": {"number": 8080}}}]}
    deny = {"action": "Deny", "from": [{"namespaces": {}}]}
    net = build_network(WORLD + [cnp("guard", "Admin", 10, [rule, deny])])
    net.allows("other/x", "shop/web", 8080)
    net.denies("other/x", "shop/web", 8081)


def test_an_egress_accept_does_not_open_the_destinations_ingress():
    accept = {"action": "Accept", "to": [{"namespaces": {}}]}
    deny_web = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "deny", "namespace": "other"},
                "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}
    world = WORLD[:3] + [pod("other", "x", app="x"), pod("shop", "web", app="web")]
    net = build_network(world + [cnp("out", "Admin", 1, egress=[accept]), deny_web])
    net.denies("shop/web", "other/x", 8080)


def test_networks_match_outside_addresses_and_pod_addresses_alike():
    deny = {"action": "Deny", "to": [{"networks": ["10.244.0.0/16"]}]}
    world = WORLD[:3] + [pod("shop", "web", app="web", ip="10.244.0.5"), pod("other", "x", app="x", ip="10.244.0.6")]
    net = build_network(world + [anp("no-pod-network", 10, egress=[deny])], externals=["10.244.9.9", "1.1.1.1"])
    net.denies("shop/web", "other/x", 8080)
    net.denies("shop/web", "ip:10.244.9.9", 443)
    net.allows("shop/web", "ip:1.1.1.1", 443)


def test_a_nodes_peer_means_the_nodes_addresses_and_the_host_network_pods_on_them():
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "labels": {"kubernetes.io/os": "linux"}},
            "status": {"addresses": [{"type": "InternalIP", "address": "172.18.0.2"}, {"type": "Hostname", "address": "n1"}]}}
    deny = {"action": "Deny", "to": [{"nodes": {"matchLabels": {"kubernetes.io/os": "linux"}}}]}
    agent = pod("kube-system", "agent", host_network=True, ip="172.18.0.2", app="agent")
    net = build_network(WORLD + [node, agent, anp("no-nodes", 10, egress=[deny])], externals=["172.18.0.2", "172.18.0.3"])
    net.denies("shop/web", "ip:172.18.0.2", 10250)
    net.denies("shop/web", "kube-system/agent", 8080)
    net.allows("shop/web", "ip:172.18.0.3", 10250)


def test_host_network_pods_are_never_subjects_of_an_admin_policy():
    agent = pod("shop", "agent", host_network=True, ip="172.18.0.2", app="agent")
    deny = {"action": "Deny", "to": [{"networks": ["0.0.0.0/0"]}]}
    net = build_network(WORLD + [agent, anp("lockdown", 10, egress=[deny])], externals=["1.1.1.1"])
    net.allows("shop/agent", "ip:1.1.1.1", 443)
    net.denies("shop/web", "ip:1.1.1.1", 443)


@pytest.mark.parametrize("other, note", [
    (anp("twin", 10, [from_namespace("other", "Allow")]), "at the same priority 10 in the Admin tier"),
    (cnp("modern", "Admin", 3, [from_namespace("other", "Accept")]), "both select shop/web"),
], ids=["same-priority", "two-api-versions"])
def test_what_the_api_leaves_to_the_implementation_is_said_on_the_verdict(other, note):
    net = build_network(WORLD + [anp("guard", 10, [from_namespace("other", "Deny")]), other])
    verdict = net.verdict("other/x", "shop/web", 8080)
    assert any(note in c and c.startswith("not modelled:") for c in verdict.caveats), verdict.caveats


def test_domain_names_match_the_addresses_given_for_them_and_say_how_they_are_known():
    allow = {"action": "Allow", "to": [{"domainNames": ["*.example.com"]}]}
    deny = {"action": "Deny", "to": [{"networks": ["0.0.0.0/0"]}]}
    net = build_network(WORLD + [anp("dns-names", 10, egress=[allow, deny])], externals=["93.184.216.35"],
                        resolve={"www.example.com": ["93.184.216.34"], "example.com": ["93.184.216.36"]})
    verdict = net.verdict("shop/web", "ip:93.184.216.34", 443)
    assert verdict.allowed and any("*.example.com" in c and "resolve=" in c for c in verdict.caveats)
    net.denies("shop/web", "ip:93.184.216.36", 443)  # *.example.com needs a label before example.com
    net.denies("shop/web", "ip:93.184.216.35", 443)  # no name given resolves to it


def test_the_matrix_agrees_with_single_verdicts_across_the_three_tiers():
    guard = anp("guard", 10, [from_namespace("monitoring", "Pass"), from_namespace("other", "Deny")])
    baseline = banp(ingress=[{"action": "Deny", "from": [{"namespaces": {}}]}],
                    egress=[{"action": "Deny", "to": [{"namespaces": {"matchLabels": {"tier": "app"}}}]}])
    net = build_network(WORLD + [guard, baseline, ALLOW_ALL_INGRESS_NP])
    matrix = net.evaluator.matrix(8080)
    for src in ("shop/web", "monitoring/prom", "other/x"):
        for dst in ("shop/web", "monitoring/prom", "other/x"):
            if src != dst:
                assert matrix[(src, dst)] == net.verdict(src, dst, 8080).allowed, (src, dst)


# --------------------------------------------------------------------------- lints beside the cluster's policies

def deployment(ns, name, port=8080, **labels):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
            "spec": {"selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}, "spec": {
                "containers": [{"name": "c", "ports": [{"containerPort": port}]}]}}}}


ALLOW_FROM_OTHER = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "web", "namespace": "shop"},
                    "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress"], "ingress": [
                        {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "other"}}}],
                         "ports": [{"port": 8080}]}]}}
CLUSTER = [namespace("shop", tier="app"), namespace("other"), pod("other", "client", app="client")]


def test_a_lint_says_when_the_charts_own_rule_is_overridden_by_an_admin_deny():
    from netpol_harness import lint
    render = [deployment("shop", "web", app="web"), ALLOW_FROM_OTHER]
    guard = anp("guard", 10, [from_namespace("other", "Deny", "no-other")])
    found = [f for f in lint(render, namespace="shop", extra_objects=CLUSTER + [guard]) if f.id == "admin-deny-overrides"]
    assert [(f.object, f.path) for f in found] == [("NetworkPolicy/web", "spec.ingress[0]")]
    assert 'allows shop/web ingress from other/client on 8080/TCP, but the cluster\'s [Admin] ANP guard ingress[0] "no-other": Deny' in found[0].why
    assert not [f for f in lint(render, namespace="shop") if f.id == "admin-deny-overrides"]  # the render alone


def test_a_lint_says_when_a_workload_gets_dns_only_from_the_baseline_tier():
    from netpol_harness import lint
    dns = {"action": "Allow", "to": [{"pods": {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                                               "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}}]}
    baseline = banp(egress=[dns, {"action": "Deny", "to": [{"networks": ["0.0.0.0/0"]}]}])
    render = [deployment("shop", "web", app="web"), ALLOW_FROM_OTHER]  # its NetworkPolicy isolates ingress only
    found = [f for f in lint(render, namespace="shop", extra_objects=[baseline]) if f.id == "relies-on-baseline"]
    assert found and found[0].object == "Deployment/web" and found[0].severity == "info"
    assert "its egress to kube-system/kube-dns on 53/TCP is allowed only by the cluster's [Baseline] BANP default egress[0]: Allow" in found[0].why


def test_the_report_makes_an_admitted_pod_and_an_outsider_for_each_admin_peer():
    from netpol_harness.report import connectivity_report
    guard = anp("guard", 10, [from_namespace("monitoring", "Allow", "scrape")])
    report = connectivity_report([namespace("shop", tier="app"), deployment("shop", "web", app="web"), guard], [8080],
                                 namespace="shop")
    why = {e.id: e.why for e in report.endpoints}
    admitted = next(i for i, w in why.items() if w.startswith("admitted by ANP guard ingress[0] peer 0"))
    assert admitted.startswith("monitoring/")
    assert any(w.startswith("outsider of ANP guard ingress[0] peer 0") for w in why.values())
    assert report.cells[(admitted, "shop/web")].state == "allowed"
    assert "[Admin] ANP guard ingress[0] \"scrape\": Allow" in report.cells[(admitted, "shop/web")].parts[0].by


# --------------------------------------------------------------------------- review findings, pinned

def cilium(name, ns, spec):
    return {"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": {"name": name, "namespace": ns}, "spec": spec}


def test_the_matrix_never_allows_what_a_cilium_deny_and_an_admin_deny_leave_denied():
    deny_other = cilium("deny", "shop", {"endpointSelector": {}, "ingressDeny": [{"fromEndpoints": [
        {"matchLabels": {"k8s:io.kubernetes.pod.namespace": "other"}}]}]})
    quiet_allow = cilium("allow", "shop", {"endpointSelector": {}, "enableDefaultDeny": {"ingress": False},
                                        "ingress": [{"fromEntities": ["cluster"]}]})
    guard = anp("guard", 10, [{"action": "Deny", "from": [{"namespaces": {}}]}])
    net = build_network(WORLD + [deny_other, quiet_allow, guard])
    for src in ("other/x", "monitoring/prom"):
        verdict = net.verdict(src, "shop/web", 8080)
        assert verdict.denied
        assert net.evaluator.matrix(8080)[(src, "shop/web")] is False
    assert net.reaching("shop/web", 8080) == set()


def test_a_cilium_deny_is_explained_as_the_rule_that_decided():
    deny = cilium("deny", "shop", {"endpointSelector": {}, "ingressDeny": [{"fromEntities": ["cluster"]}]})
    text = build_network(WORLD + [ALLOW_ALL_INGRESS_NP, deny]).verdict("other/x", "shop/web", 8080).explain()
    assert "[Cilium deny] CNP shop/deny ingressDeny[0]: Deny -> denied" in text
    assert "not isolated" not in text.split("Ingress of shop/web")[1]


def test_a_layer_7_note_stays_when_the_baseline_tier_decides():
    l7 = cilium("l7", "shop", {"endpointSelector": {}, "enableDefaultDeny": {"ingress": False}, "ingress": [
        {"fromEntities": ["cluster"], "toPorts": [{"ports": [{"port": "8080", "protocol": "TCP"}],
                                                   "rules": {"http": [{"method": "GET"}]}}]}]})
    baseline = banp(ingress=[{"action": "Allow", "from": [{"namespaces": {}}]}])
    verdict = build_network(WORLD + [l7, baseline]).verdict("other/x", "shop/web", 8080)
    assert any(c.startswith("layer 7 not modelled") for c in verdict.caveats)


def test_relies_on_baseline_is_silent_where_a_cilium_policy_isolates_the_workload():
    from netpol_harness import lint
    dns = {"action": "Allow", "to": [{"namespaces": {}}]}
    isolate = cilium("lock", "shop", {"endpointSelector": {}, "egress": [{"toEntities": ["world"]}]})
    render = [deployment("shop", "web", app="web"), ALLOW_FROM_OTHER]
    found = lint(render, namespace="shop", extra_objects=[banp(egress=[dns]), isolate])
    assert [f for f in found if f.id == "relies-on-baseline"] == []


@pytest.mark.parametrize("bad", [
    {"apiVersion": V1A1, "kind": "AdminNetworkPolicy", "metadata": {"name": "a"},
     "spec": {"priority": 1, "subject": {"namespaces": {}}, "ingress": ["not-a-rule"]}},
    {"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": {"name": "c", "namespace": "shop"},
     "spec": {"endpointSelector": {}, "ingress": ["not-a-rule"]}},
], ids=["anp", "cnp"])
def test_a_malformed_policy_is_one_policy_error_naming_it(bad):
    from netpol_harness.net import PolicyError
    # Refused before it is read (check.admission), named with its namespace where it has one.
    with pytest.raises(PolicyError, match=f"{bad['kind']} (shop/)?{bad['metadata']['name']}:"):
        build_network(WORLD + [bad])
