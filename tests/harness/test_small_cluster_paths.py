"""The shortcuts a small model takes (a chart's render, checked case after case) give what the
general way gives: the same tables, the same compiled tiers, the same pods and addresses."""
from __future__ import annotations

import hashlib
import ipaddress
import json

import pytest

from netpol_harness.net import Cluster, Evaluator
from netpol_harness.net import selection, workloads
from netpol_harness.net.kinds.admintier import AdminTier, partition
from netpol_harness.net.kinds.cilium import CiliumAllows, CiliumDenies
from netpol_harness.net.objects import External
from netpol_harness.net.selection import PodIndex


def _cluster(pods: int) -> Cluster:
    cluster = Cluster()
    cluster.add_namespace("shop", {"team": "a"})
    for k in range(pods):
        cluster.add_pod("shop" if k % 3 else "default", f"p{k}", {"app": f"a{k % 4}", "tier": "web" if k % 2 else "db"})
    return cluster


@pytest.mark.parametrize("pods", [0, 1, 5, 64, 65, 200])
def test_pod_tables_of_a_small_cluster_equal_those_made_from_member_lists(pods, monkeypatch):
    small = PodIndex(_cluster(pods))
    monkeypatch.setattr(selection, "SMALL_CLUSTER", -1)  # every cluster the general way
    general = PodIndex(_cluster(pods))
    for name in ("_ns_pods", "_pod_labels", "_pod_keys"):
        assert list(getattr(small, name).items()) == list(getattr(general, name).items())


def test_a_tier_without_policies_compiles_to_what_the_general_way_makes_of_none():
    cluster = _cluster(5)
    query = Evaluator(cluster)._query
    tier = AdminTier("Admin", cluster, query.matchers)
    groups = partition(query.pods.all_pods, [])  # what the general way starts from, for no policies
    assert tier.groups == groups == [(0b11111, set())]
    assert tier.group_of == [0] * 5
    assert tier.selecting == [[]]
    assert tier.applicable == {"ingress": [[]], "egress": [[]]}
    assert tier.rules == {"ingress": [], "egress": []}
    assert tier.side("ingress", cluster.pods[0], cluster.pods[1], 80, "TCP").decided_by is None


def test_a_tier_over_no_pods_has_no_groups():
    tier = AdminTier("Baseline", Cluster(), Evaluator(Cluster())._query.matchers)
    assert (tier.groups, tier.group_of, tier.selecting) == ([], [], [])


def test_ciliums_kinds_make_their_peers_only_when_a_cluster_has_ciliums_policies():
    cluster = _cluster(3)
    matchers = Evaluator(cluster)._query.matchers
    allows, denies = CiliumAllows(cluster, matchers), CiliumDenies(cluster, matchers)
    assert "peers" not in allows.__dict__ and "peers" not in denies.__dict__
    assert allows.peers is denies.peers  # made when read, and shared as before
    assert allows.side("ingress", cluster.pods[0], cluster.pods[1], 80, "TCP").allowed_by == ()


@pytest.mark.parametrize("written", ["1.1.1.1", "010.1.1.1", "::1", "2001:DB8::1", "203.0.113.5", 3232235777, "nonsense"])
def test_an_added_external_is_the_external_its_address_makes(written):
    try:
        expected = External(written)
    except ValueError as err:
        with pytest.raises(ValueError, match=str(err).replace("(", r"\(").replace(")", r"\)")):
            Cluster().add_external(written)
        return
    added = Cluster().add_external(written)
    assert (added, hash(added), added.id) == (expected, hash(expected), expected.id)
    assert added.ip == str(ipaddress.ip_address(written))


def test_objects_no_branch_reads_leave_the_model_as_it_was():
    chart = [{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa"}},
             {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r"}},
             {"apiVersion": "crd.example/v1", "kind": "FancyNetworkPolicy", "metadata": {"name": "f"}},
             {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
              "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c"}]}}}}]
    cluster = Cluster.from_manifests(chart)
    assert [p.id for p in cluster.pods] == ["default/web"]
    assert [str(u) for u in cluster.unmodelled] == ["FancyNetworkPolicy f (crd.example/v1, namespace default)"]


def test_a_remembered_template_hash_is_the_hash_of_the_template():
    template = {"metadata": {"labels": {"b": "2", "a": "1"}}, "spec": {"containers": [{"name": "c", "ports": [1.5, None]}]}}
    first = workloads._template_hash(template)
    assert first == workloads._template_hash(dict(template)) == workloads._hash(template)
    digest = hashlib.sha256(json.dumps(template, sort_keys=True, default=str).encode()).digest()
    assert first == "".join(workloads._ALPHABET[b % len(workloads._ALPHABET)] for b in digest[:10])
