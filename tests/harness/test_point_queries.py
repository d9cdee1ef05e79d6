"""Point queries answer from the class tables and explain on demand, and say exactly what
the per-pod path says: the same verdicts, reasons, caveats and explanations."""
from __future__ import annotations

import pickle
import random

from netpol_harness.net import Cluster, Evaluator
from netpol_harness.net.lazyverdict import LazyVerdict
from netpol_harness.net.query import CHECKS_BEFORE_ROWS
from netpol_harness.net.verdict import Verdict
from netpol_harness.synthetic import synthetic_cluster


def test_check_on_a_10000_pod_cluster_answers_as_the_per_pod_path():
    cluster = Cluster.from_manifests(synthetic_cluster(10_000, 100, 1_000, 3))
    fast, slow = Evaluator(cluster), Evaluator(cluster, classes=False)
    rnd = random.Random(5)
    ids = [p.id for p in cluster.pods]
    pairs = [(rnd.choice(ids), rnd.choice(ids)) for _ in range(CHECKS_BEFORE_ROWS + 200)]
    lazy = 0
    for k, (s, d) in enumerate(pairs):
        mine, reference = fast.check(s, d, 8080), slow.check(s, d, 8080)
        assert mine.allowed == reference.allowed == fast.allowed(s, d, 8080)
        lazy += isinstance(mine, LazyVerdict)
        if k % 10 == 0:  # the explanation, made when read, is the eager one
            assert mine.explain() == reference.explain()
            assert (mine.reason, mine.caveats, mine.egress, mine.ingress) == \
                (reference.reason, reference.caveats, reference.egress, reference.ingress)
            assert mine == reference
    assert lazy >= 200  # once the port earned its class rows, every answer came from them


def test_a_lazy_verdict_is_a_verdict_in_every_way_callers_use():
    cluster = Cluster()
    cluster.add_pod("shop", "web", {"app": "web"})
    cluster.add_pod("shop", "db", {"app": "db"})
    cluster.add_policy({"kind": "NetworkPolicy", "metadata": {"name": "db", "namespace": "shop"},
                        "spec": {"podSelector": {"matchLabels": {"app": "db"}},
                                 "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}]}]}})
    ev = Evaluator(cluster)
    for _ in range(CHECKS_BEFORE_ROWS):
        verdict = ev.check("shop/web", "shop/db", 5432)
    assert isinstance(verdict, LazyVerdict) and verdict.allowed
    eager = Evaluator(cluster, classes=False).check("shop/web", "shop/db", 5432)
    assert verdict == eager and eager == verdict and hash(verdict) == hash(eager)
    assert repr(verdict) == repr(eager)
    copy = pickle.loads(pickle.dumps(verdict))
    assert type(copy) is Verdict and copy == eager and copy.explain() == eager.explain()
