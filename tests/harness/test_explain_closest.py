"""The closest misses an explanation shows are ranked by score before their reasons are
written: the count and the three shown are those of writing every miss and sorting them."""
from __future__ import annotations

import random

from netpol_harness.net import Cluster, Evaluator
from netpol_harness.net.explain_misses import closest, rule_misses
from netpol_harness.net.cluster import Pod
from netpol_harness.synthetic import scale_cluster

PORTS = ((8080, "TCP"), (9090, "TCP"), (53, "TCP"), (53, "UDP"), (5432, "SCTP"))


def _denying_sides(verdict):
    for side, end, other in ((verdict.egress, verdict.src_endpoint, verdict.dst_endpoint),
                             (verdict.ingress, verdict.dst_endpoint, verdict.src_endpoint)):
        if side.judged and not side.allowed and isinstance(end, Pod) and other is not None:
            yield side, other


def test_the_closest_misses_are_the_head_of_every_miss_sorted():
    cluster = Cluster.from_manifests(scale_cluster(1500, 600, 40, 3))
    ev = Evaluator(cluster)
    rnd = random.Random(3)
    ends = [p.id for p in cluster.pods] + ["203.0.113.9", "10.0.0.7"]
    compared = 0
    for _ in range(1500):
        verdict = ev.check(rnd.choice(ends), rnd.choice(ends), *rnd.choice(PORTS))
        for side, other in _denying_sides(verdict):
            every = rule_misses(verdict, side, other)
            assert closest(verdict, side, other) == (len(every), every[:3])
            compared += 1
    assert compared > 1000


def test_the_explanation_names_the_misses_in_score_order():
    cluster = Cluster()
    cluster.add_pod("shop", "web", {"app": "web"})
    cluster.add_pod("shop", "db", {"app": "db"})
    cluster.add_policy({"kind": "NetworkPolicy", "metadata": {"name": "db", "namespace": "shop"},
                        "spec": {"podSelector": {"matchLabels": {"app": "db"}},
                                 "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "api"}}}]},
                                             {"from": [{"podSelector": {"matchLabels": {"app": "web"}}}],
                                              "ports": [{"port": 5432}]}]}})
    text = Evaluator(cluster).check("shop/web", "shop/db", 80).explain()
    assert text.splitlines()[-4:-1] == [
        "  closest misses:",
        "    - shop/db ingress[1]: right peer, wrong port: the rule allows 5432/TCP, not 80/TCP",
        "    - shop/db ingress[0]: port 80/TCP is allowed, but the peer does not match: "
        "pod labels {app=web} do not match podSelector {app=api}",
    ]


def test_a_peers_score_is_the_one_its_written_miss_has():
    from netpol_harness.net.explain_misses import Context, _peer_miss, _peer_score
    cluster = Cluster.from_manifests(scale_cluster(600, 300, 20, 4))
    ev = Evaluator(cluster)
    rnd = random.Random(4)
    ends = list(cluster.pods) + [ev.resolve("203.0.113.9"), ev.resolve("10.0.0.7")]
    labels = {ns.name: ns.labels for ns in cluster.namespaces}
    peers = [(peer, policy) for policy in cluster.policies for rule in (*policy.ingress, *policy.egress) for peer in rule.peers]
    for matches_pods in (True, False):
        ctx = Context(labels, matches_pods)
        for peer, policy in rnd.sample(peers, 400):
            for other in rnd.sample(ends, 20):
                ns_labels = labels.get(other.namespace, {}) if isinstance(other, Pod) else None
                miss = _peer_miss(peer, policy, other, ctx)
                assert _peer_score(peer, policy.namespace, other, ns_labels, ctx) == (None if miss is None else miss[0])
