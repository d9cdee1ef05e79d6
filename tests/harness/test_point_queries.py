"""Point queries answer from the class tables and explain on demand, and say exactly what
the per-pod path says: the same verdicts, reasons, caveats and explanations."""
from __future__ import annotations

import pytest

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


@pytest.mark.parametrize("order", [("reason", "context"), ("context", "reason"), ("caveats", "egress", "context")])
def test_a_lazy_verdict_lets_go_of_its_model_once_every_field_is_read_in_any_order(order):
    cluster = Cluster()
    cluster.add_pod("shop", "web", {"app": "web"})
    cluster.add_pod("shop", "db", {"app": "db"})
    ev = Evaluator(cluster)
    for _ in range(CHECKS_BEFORE_ROWS + 1):
        verdict = ev.check("shop/web", "shop/db", 5432)
    assert isinstance(verdict, LazyVerdict)
    for name in order:
        getattr(verdict, name)
    held = {k for k in verdict.__dict__ if k.startswith("_")}
    assert held == set(), f"after reading {order}, the verdict still holds {held}"


def _asked_enough(ev: Evaluator, src: str, dst: str, port: int, protocol: str = "TCP") -> None:
    """Asks until `port` has its class rows, so that check() answers from them."""
    for _ in range(CHECKS_BEFORE_ROWS):
        ev.check(src, dst, port, protocol)


def _small_cluster(host_network: bool = False) -> Cluster:
    cluster = Cluster()
    cluster.add_pod("shop", "web", {"app": "web"}, ports=[{"name": "http", "containerPort": 8080}])
    cluster.add_pod("shop", "db", {"app": "db"}, ports=[{"name": "pg", "containerPort": 5432}])
    cluster.add_pod("ops", "probe", {"app": "probe"}, host_network=host_network, node="n1")
    cluster.add_policy({"kind": "NetworkPolicy", "metadata": {"name": "db", "namespace": "shop"},
                        "spec": {"podSelector": {"matchLabels": {"app": "db"}},
                                 "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}],
                                              "ports": [{"port": "pg"}]},
                                             {"from": [{"namespaceSelector": {}}], "ports": [{"port": 9090}]}]}})
    cluster.add_policy({"kind": "NetworkPolicy", "metadata": {"name": "web", "namespace": "shop"},
                        "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Egress"],
                                 "egress": [{"to": [{"podSelector": {}}], "ports": [{"port": 5432}]}]}})
    return cluster


def _every_answer(ev: Evaluator) -> list[tuple]:
    ids = [p.id for p in ev.pods]
    out = []
    for s in ids:
        for d in ids:
            for port, protocol in ((5432, "TCP"), (9090, "TCP"), (8080, "UDP"), (80, "SCTP")):
                v = ev.check(s, d, port, protocol)
                out.append((type(v) is LazyVerdict, v.allowed, v.reason, v.egress, v.ingress, v.caveats,
                            repr(v), v.explain(), v.egress.bystanders, v.ingress.isolating, v.context))
    return out


def test_answers_from_the_class_rows_equal_the_per_pod_paths_with_named_ports_and_host_pods():
    for host_network in (False, True):
        cluster = _small_cluster(host_network)
        fast, slow = Evaluator(cluster), Evaluator(cluster, classes=False)
        for port, protocol in ((5432, "TCP"), (9090, "TCP"), (8080, "UDP"), (80, "SCTP")):
            _asked_enough(fast, "shop/web", "shop/db", port, protocol)
        mine, reference = _every_answer(fast), _every_answer(slow)
        assert [row[1:] for row in mine] == [row[1:] for row in reference]
        assert sum(row[0] for row in mine) >= 24  # pairs of distinct pods, answered from the rows


def _seeded_pairs(ids: list[str], seed: int, count: int) -> list[tuple[str, str, int]]:
    """`count` (source, destination, port) questions drawn as the benchmark draws them."""
    rnd = random.Random(seed)
    return [(rnd.choice(ids), rnd.choice(ids), rnd.choice((8080, 9090, 53))) for _ in range(count)]


def test_plans_made_as_classes_are_met_explain_as_plans_made_ahead(monkeypatch):
    from netpol_harness.net import explain_sides
    cluster = Cluster.from_manifests(synthetic_cluster(600, 20, 80, 4))
    ids = [p.id for p in cluster.pods]
    pairs = _seeded_pairs(ids, 9, 400)
    answers = []
    for ahead in (explain_sides.PLANS_AHEAD, 0):
        monkeypatch.setattr(explain_sides, "PLANS_AHEAD", ahead)
        ev = Evaluator(cluster)
        for port in (8080, 9090, 53):
            _asked_enough(ev, ids[0], ids[1], port)
        answers.append([(v.reason, v.egress, v.ingress, v.caveats, v.explain())
                        for v in (ev.check(s, d, port) for s, d, port in pairs)])
    assert answers[0] == answers[1]


def test_a_protocol_is_read_as_its_name_in_capitals_and_anything_else_is_refused():
    ev = Evaluator(_small_cluster())
    assert ev.check("shop/web", "shop/db", 5432, "tcp") == ev.check("shop/web", "shop/db", 5432, "TCP")
    assert ev.check("shop/web", "shop/db", 5432, "tcp").protocol == "TCP"
    for wrong in ("ICMP", 6, None):
        try:
            ev.check("shop/web", "shop/db", 5432, wrong)
        except ValueError as error:
            assert str(error) == f"protocol must be one of TCP, UDP, SCTP, not {wrong!r}"
        else:
            raise AssertionError(f"{wrong!r} was accepted")


def test_closest_misses_are_the_same_whether_the_rule_tables_are_kept_or_cleared_each_time(monkeypatch):
    from netpol_harness.net import explain_misses
    cluster = Cluster.from_manifests(synthetic_cluster(400, 10, 60, 6))
    ev = Evaluator(cluster, classes=False)
    ids = [p.id for p in cluster.pods]
    pairs = _seeded_pairs(ids, 3, 150)
    texts = []
    for kept in (explain_misses.RULE_TABLES_KEPT, 1):
        monkeypatch.setattr(explain_misses, "RULE_TABLES_KEPT", kept)
        explain_misses._RULE_TABLES.clear()
        texts.append([(ev.check(s, d, port).explain(), ev.check(s, d, port).closest_misses()) for s, d, port in pairs])
    assert texts[0] == texts[1]
    assert any("closest miss" in text for text, _ in texts[0])
