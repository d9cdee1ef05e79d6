"""Matrices over classes of pods no policy tells apart equal the per-pod ones.

The reference is the evaluator's per-pod path (`Evaluator(..., classes=False)`): tables of
one bitset per pod, which shares nothing with the class map. Clusters are generated with
what splits classes and what must not: labels no policy reads (pod-template-hash), a
StatefulSet pod-name label some policies select, named ports that differ between pods of
equal labels, ipBlocks with excepts on pod addresses, a host-network pod, admin tiers.
"""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from netpol_harness.net import Cluster, Evaluator, query
from netpol_harness.net.classes import PodClasses
from netpol_harness.net.dataplanes import dataplane

NAMESPACES = ("ns-a", "ns-b", "ns-c")
PROBES = ((80, "TCP"), (8080, "TCP"), (53, "UDP"))


def _pod_selector(draw) -> dict:
    return draw(st.sampled_from((
        {}, {"matchLabels": {"app": "web"}}, {"matchLabels": {"app": "db"}},
        {"matchLabels": {"statefulset.kubernetes.io/pod-name": "p1"}},
        {"matchExpressions": [{"key": "tier", "operator": "Exists"}]},
        {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["db"]}]})))


def _peer(draw, ips: list[str]) -> dict:
    kind = draw(st.sampled_from(("pod", "ns", "both", "block")))
    if kind == "block":
        block = {"cidr": "10.9.0.0/24"}
        if draw(st.booleans()):
            block["except"] = [f"{draw(st.sampled_from(ips))}/32"]
        return {"ipBlock": block}
    peer = {}
    if kind in ("pod", "both"):
        peer["podSelector"] = _pod_selector(draw)
    if kind in ("ns", "both"):
        peer["namespaceSelector"] = draw(st.sampled_from(({}, {"matchLabels": {"team": "red"}})))
    return peer


def _ports(draw) -> list[dict]:
    return draw(st.sampled_from(([], [{"port": 80}], [{"port": "http"}], [{"port": 53, "protocol": "UDP"}],
                                 [{"port": 8000, "endPort": 8100}])))


@st.composite
def clusters(draw) -> Cluster:
    cluster = Cluster()
    for name in NAMESPACES:
        cluster.add_namespace(name, {"team": draw(st.sampled_from(("red", "blue"))),
                                     "hash": draw(st.sampled_from(("x1", "x2")))})
    count = draw(st.integers(3, 12))
    ips = [f"10.9.0.{i + 1}" for i in range(count)]
    for i in range(count):
        labels = {"app": draw(st.sampled_from(("web", "db"))),
                  "pod-template-hash": draw(st.sampled_from(("5d8f", "77c9", "a1b2"))),
                  "statefulset.kubernetes.io/pod-name": f"p{i}"}
        if draw(st.booleans()):
            labels["tier"] = "front"
        port = draw(st.sampled_from((None, 80, 8080)))
        cluster.add_pod(draw(st.sampled_from(NAMESPACES)), f"p{i}", labels, ips=[ips[i]],
                        ports=[{"name": "http", "containerPort": port}] if port else [],
                        host_network=i == 0 and draw(st.booleans()), node=draw(st.sampled_from(("", "n1", "n2"))))
    cluster.add_node("n1", ips=["10.9.0.200"])
    for k in range(draw(st.integers(0, 5))):
        direction = draw(st.sampled_from(("ingress", "egress")))
        peers = [_peer(draw, ips) for _ in range(draw(st.integers(0, 2)))]
        rule = {("from" if direction == "ingress" else "to"): peers, "ports": _ports(draw)}
        cluster.add_policy({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                            "metadata": {"name": f"np{k}", "namespace": draw(st.sampled_from(NAMESPACES))},
                            "spec": {"podSelector": _pod_selector(draw), "policyTypes": [direction.capitalize()],
                                     direction: [rule] if draw(st.booleans()) else []}})
    for k in range(draw(st.integers(0, 2))):
        cluster.add_admin_policy(_admin(draw, k, ips))
    for k in range(draw(st.integers(0, 2))):
        cluster.add_cilium_policy(_cilium(draw, k))
    return cluster


def _cilium(draw, k: int) -> dict:
    section = draw(st.sampled_from(("ingress", "egress", "ingressDeny", "egressDeny")))
    peer_key = "fromEndpoints" if section.startswith("ingress") else "toEndpoints"
    rule = draw(st.sampled_from((
        {peer_key: [{"matchLabels": {"app": "db"}}]},
        {peer_key: [{"matchLabels": {"statefulset.kubernetes.io/pod-name": "p2"}}]},
        {("fromEntities" if section.startswith("ingress") else "toEntities"): ["host", "remote-node"][:draw(
            st.integers(1, 2))]},
        {})))
    if draw(st.booleans()):
        rule["toPorts"] = [{"ports": [{"port": "80", "protocol": "TCP"}]}]
    return {"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
            "metadata": {"name": f"cnp{k}", "namespace": draw(st.sampled_from(NAMESPACES))},
            "spec": {"endpointSelector": _pod_selector(draw), section: [rule]}}


def _admin(draw, k: int, ips: list[str]) -> dict:
    baseline = k == 1
    actions = ("Allow", "Deny") if baseline else ("Allow", "Deny", "Pass")
    peer = draw(st.sampled_from((
        {"namespaces": {"matchLabels": {"team": "red"}}},
        {"pods": {"namespaceSelector": {},
                  "podSelector": {"matchLabels": {"statefulset.kubernetes.io/pod-name": "p2"}}}},
        {"networks": [f"{draw(st.sampled_from(ips))}/32"]})))
    direction = "egress" if "networks" in peer else draw(st.sampled_from(("ingress", "egress")))
    rule = {"action": draw(st.sampled_from(actions)), ("from" if direction == "ingress" else "to"): [peer]}
    if draw(st.booleans()):
        rule["ports"] = [{"portNumber": {"protocol": "TCP", "port": 80}}]
    spec = {"subject": {"pods": {"namespaceSelector": {}, "podSelector": _pod_selector(draw)}}, direction: [rule]}
    if baseline:
        return {"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "BaselineAdminNetworkPolicy",
                "metadata": {"name": "default"}, "spec": spec}
    return {"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "AdminNetworkPolicy",
            "metadata": {"name": f"anp{k}"}, "spec": {"priority": 5, **spec}}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters(), st.sampled_from(("kubernetes", "calico", "cilium", "ovn-kubernetes")), st.booleans())
def test_the_class_matrix_equals_the_per_pod_one(cluster, profile, always_classes):
    cluster.add_external("192.0.2.1")
    worth = query.CLASSES_WORTH
    query.CLASSES_WORTH = 2.0 if always_classes else worth  # small clusters: classes even when nearly all apart
    try:
        _same_answers(cluster, profile)
    finally:
        query.CLASSES_WORTH = worth


def _same_answers(cluster: Cluster, profile: str) -> None:
    fast, slow = Evaluator(cluster, dataplane=profile), Evaluator(cluster, dataplane=profile, classes=False)
    ids = [p.id for p in cluster.pods]
    lines = Evaluator(cluster, dataplane=profile)  # no matrix asked of it: rows and columns pod by pod
    for port, protocol in PROBES:
        for pid in ids:
            assert lines.reachable_from(pid, port, protocol) == slow.reachable_from(pid, port, protocol)
            assert lines.reaching(pid, port, protocol) == slow.reaching(pid, port, protocol)
    for port, protocol in PROBES:
        mine, reference = fast.matrix(port, protocol), slow.matrix(port, protocol)
        assert dict(mine) == dict(reference)
        assert mine.count_allowed() == reference.count_allowed()
        few = ids[: len(ids) // 3 + 1]  # few classes: rows over those classes alone
        assert dict(fast.matrix(port, protocol, few)) == dict(slow.matrix(port, protocol, few))
        for pid in ids:
            assert fast.reachable_from(pid, port, protocol) == slow.reachable_from(pid, port, protocol)
            assert fast.reaching(pid, port, protocol) == slow.reaching(pid, port, protocol)
            assert mine.row(pid) == reference.row(pid)
        for s in ids:
            for d in ids:
                assert fast.allowed(s, d, port, protocol) == reference.get((s, d), True)


def test_replicas_that_differ_only_in_unread_labels_are_one_class():
    cluster = Cluster()
    cluster.add_namespace("shop")
    for i in range(6):
        cluster.add_pod("shop", f"web-{i}", {"app": "web", "pod-template-hash": f"h{i}"},
                        ports=[{"name": "http", "containerPort": 8080}])
    for i in range(3):
        cluster.add_pod("shop", f"db-{i}", {"app": "db", "statefulset.kubernetes.io/pod-name": f"db-{i}",
                                            "controller-revision-hash": f"r{i}"})
    cluster.add_pod("shop", "web-odd", {"app": "web"}, ports=[{"name": "http", "containerPort": 9090}])
    cluster.add_policy({"kind": "NetworkPolicy", "metadata": {"name": "db", "namespace": "shop"},
                        "spec": {"podSelector": {"matchLabels": {"app": "db"}},
                                 "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}]}]}})
    classes = PodClasses(cluster, dataplane("kubernetes"), None)
    assert classes.count == 3  # web on 8080, web on 9090 (its named port), db
    # A policy on one StatefulSet pod by its pod-name label splits exactly that pod off.
    cluster.add_policy({"kind": "NetworkPolicy", "metadata": {"name": "db-1", "namespace": "shop"},
                        "spec": {"podSelector": {"matchLabels": {"statefulset.kubernetes.io/pod-name": "db-1"}},
                                 "policyTypes": ["Egress"]}})
    classes = PodClasses(cluster, dataplane("kubernetes"), None)
    assert classes.count == 4
    of = dict(zip((p.id for p in cluster.pods), classes.of))
    assert of["shop/db-0"] == of["shop/db-2"] != of["shop/db-1"]
    assert len({of[f"shop/web-{i}"] for i in range(6)}) == 1


def test_an_ipblock_except_splits_the_pod_it_names():
    cluster = Cluster()
    for i in range(4):
        cluster.add_pod("shop", f"web-{i}", {"app": "web"}, ips=[f"10.1.0.{i + 1}"])
    cluster.add_policy({"kind": "NetworkPolicy", "metadata": {"name": "out", "namespace": "shop"},
                        "spec": {"podSelector": {}, "policyTypes": ["Egress"],
                                 "egress": [{"to": [{"ipBlock": {"cidr": "10.1.0.0/24",
                                                                 "except": ["10.1.0.3/32"]}}]}]}})
    classes = PodClasses(cluster, dataplane("kubernetes"), None)
    assert classes.count == 2
    assert [c for p, c in zip(cluster.pods, classes.of) if p.name == "web-2"] != [classes.of[0]]
