"""A point query's explanation read off per-class plans (`explain_sides`) is the one the
general path writes: the same sides (policies, rules, bystanders), reason, caveats, context
and text, on clusters where the plans apply and on those where they step aside."""
from __future__ import annotations

import pickle
import random

from netpol_harness.net import Cluster, Evaluator
from netpol_harness.net.explain_sides import deferred
from netpol_harness.net.verdict import Verdict
from netpol_harness.synthetic import scale_cluster

PORTS = ((8080, "TCP"), (9090, "TCP"), (53, "TCP"), (53, "UDP"), (80, "SCTP"))


def _same(query, i, j, port, protocol):
    pods = query.pods.pods
    reference = query.verdict(pods[i], pods[j], port, protocol)
    mine = deferred(query, reference.allowed, i, j, port, protocol)
    assert (mine.reason, mine.egress, mine.ingress, mine.caveats) == \
        (reference.reason, reference.egress, reference.ingress, reference.caveats)
    for side, theirs in ((mine.egress, reference.egress), (mine.ingress, reference.ingress)):
        assert (side.isolating, side.bystanders) == (theirs.isolating, theirs.bystanders)
    assert mine.context == reference.context
    assert mine.explain() == reference.explain()
    assert mine == reference and repr(mine) == repr(reference)
    return mine


def test_sides_from_the_plans_are_the_general_paths_on_random_pairs():
    query = Evaluator(Cluster.from_manifests(scale_cluster(1500, 600, 40, 5)))._fresh()
    rnd = random.Random(2)
    n = len(query.pods.pods)
    for _ in range(1500):
        i, j = rnd.randrange(n), rnd.randrange(n)
        if i != j:
            _same(query, i, j, *rnd.choice(PORTS))


def test_the_reason_can_be_read_before_the_context_and_either_way_round():
    query = Evaluator(Cluster.from_manifests(scale_cluster(300, 120, 10, 5)))._fresh()
    first = deferred(query, False, 1, 2, 8080, "TCP")
    assert "context" not in vars(first) and first.reason
    assert "context" not in vars(first)
    second = deferred(query, False, 1, 2, 8080, "TCP")
    assert second.context == first.context and "reason" not in vars(second)
    assert pickle.loads(pickle.dumps(second)) == query.verdict(query.pods.pods[1], query.pods.pods[2], 8080, "TCP")
    assert type(pickle.loads(pickle.dumps(second))) is Verdict


def _tiered_cluster() -> Cluster:
    cluster = Cluster()
    cluster.add_pod("shop", "web", {"app": "web"})
    cluster.add_pod("shop", "db", {"app": "db"})
    cluster.add_pod("ops", "probe", {"app": "probe"})
    cluster.add_policy({"kind": "NetworkPolicy", "metadata": {"name": "db", "namespace": "shop"},
                        "spec": {"podSelector": {"matchLabels": {"app": "db"}},
                                 "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}],
                                              "ports": [{"port": 5432}]}]}})
    cluster.add_admin_policy({"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "AdminNetworkPolicy",
                        "metadata": {"name": "guard"},
                        "spec": {"priority": 5, "subject": {"namespaces": {}},
                                 "ingress": [{"name": "probes", "action": "Pass",
                                              "from": [{"namespaces": {"matchLabels":
                                                                       {"kubernetes.io/metadata.name": "ops"}}}]}]}})
    return cluster


def test_with_admin_policies_the_general_path_explains():
    query = Evaluator(_tiered_cluster())._fresh()
    n = len(query.pods.pods)
    for i in range(n):
        for j in range(n):
            if i != j:
                for port, protocol in ((5432, "TCP"), (80, "TCP")):
                    _same(query, i, j, port, protocol)
