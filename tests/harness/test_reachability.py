"""The full matrix as packed bit rows: the mapping view, the rows and the counts agree with
one another and with point queries, on a seeded random cluster."""
from __future__ import annotations

import random

from netpol_harness.net import Cluster, Evaluator
from netpol_harness.net.reachability import pack, transpose


def random_cluster(seed: int) -> Cluster:
    rnd = random.Random(seed)
    docs = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"ns-{k}", "labels": {"team": rnd.choice("ab")}}}
            for k in range(3)]
    for i in range(37):  # not a multiple of 8: the last byte of each row is partly padding
        docs.append({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}", "namespace": f"ns-{i % 3}",
                                                                    "labels": {"app": rnd.choice("xyz")}}})
    for k in range(6):
        docs.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                     "metadata": {"name": f"np{k}", "namespace": f"ns-{k % 3}"},
                     "spec": {"podSelector": {"matchLabels": {"app": rnd.choice("xyz")}}, "policyTypes": ["Ingress", "Egress"],
                              "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": rnd.choice("xyz")}}}]}],
                              "egress": [{"to": [{"namespaceSelector": {"matchLabels": {"team": rnd.choice("ab")}}}]}]}})
    cluster = Cluster.from_manifests(docs)
    cluster.add_external("192.0.2.1")
    return cluster


def test_the_mapping_view_rows_and_counts_agree_with_point_queries():
    ev = Evaluator(random_cluster(3))
    m = ev.matrix(80)
    ids = [p.id for p in ev.pods]
    assert len(m) == len(ids) * (len(ids) - 1) + 2 * len(ids)
    for (src, dst), allowed in m.items():
        assert allowed == ev.check(src, dst, 80).allowed, (src, dst)
    assert m.count_allowed() == sum(m.values())
    assert m.row(ids[0]) == {dst for (src, dst), ok in m.items() if src == ids[0] and ok and not dst.startswith("ip:")}
    assert ev.reachable_from(ids[0], 80) == m.row(ids[0]) | {d for (s, d), ok in m.items() if s == ids[0] and d.startswith("ip:") and ok}


def test_a_matrix_over_chosen_endpoints_holds_only_their_pairs():
    ev = Evaluator(random_cluster(5))
    chosen = [ev.pods[1].id, ev.pods[4].id, "ip:192.0.2.1"]
    m = ev.matrix(80, endpoints=chosen)
    assert set(m) == {(a, b) for a in chosen for b in chosen if a != b and not (a.startswith("ip:") and b.startswith("ip:"))}


def test_transposing_packed_rows_moves_every_bit_across_the_diagonal():
    rnd = random.Random(1)
    n = 45
    rows = [rnd.getrandbits(n) for _ in range(n)]
    flipped = transpose(pack(rows, n), n)
    for s in range(n):
        for d in range(n):
            assert bool((flipped[d, s >> 3] >> (s & 7)) & 1) == bool((rows[s] >> d) & 1)


def test_transposing_in_blocks_gives_the_same_bits(monkeypatch):
    from netpol_harness.net import reachability

    rnd = random.Random(2)
    n = 53
    packed = pack([rnd.getrandbits(n) for _ in range(n)], n)
    whole = transpose(packed, n)
    monkeypatch.setattr(reachability, "TRANSPOSE_BLOCK", 16)
    assert (transpose(packed, n) == whole).all()
