"""What the evaluator leaves uncompiled until asked, and that what it works out lazily is
what it would have worked out up front: a rule's answer for one pod is that pod's bit of
the rule's peer bitset, the port index's lazily made tables answer as `ports_match` judges
each pod, and a matrix over
classes counts as the per-pod one."""
from __future__ import annotations

import pytest

from netpol_harness import synthetic
from netpol_harness.net import Cluster, Evaluator
from netpol_harness.net.dataplanes import dataplane
from netpol_harness.net.peers import PeerMatcher
from netpol_harness.net.policy import PolicyPort, ports_match
from netpol_harness.net.ports import PortIndex
from netpol_harness.net.selection import PodIndex


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    return Cluster.from_manifests(synthetic.scale_cluster(400, 160, 12, 5))


def test_a_matrix_over_classes_compiles_no_policy_kind_over_every_pod(cluster):
    ev = Evaluator(cluster)
    ev.matrix(*synthetic.PROBE).count_allowed()
    assert "kinds" not in vars(ev._query)


def test_a_pods_row_and_column_make_no_per_pod_policy_lists(cluster):
    ev = Evaluator(cluster)
    pod = ev.pods[7].id
    ev.reachable_from(pod, *synthetic.PROBE)
    ev.reaching(pod, *synthetic.PROBE)
    assert ev._query.kinds["NetworkPolicy"]._per_pod is None


def test_the_evaluators_policy_lists_are_there_when_read(cluster):
    ev = Evaluator(cluster)
    i = next(i for i, selecting in enumerate(Evaluator(cluster, classes=False).selecting) if selecting)
    assert [cp.policy.id for cp in ev.selecting[i]]
    assert len(ev.policies) == len(cluster.policies)


@pytest.mark.parametrize("profile", ["kubernetes", "cilium", "calico", "ovn-kubernetes"])
@pytest.mark.parametrize("family", [None, 4, 6])
def test_a_rules_answer_for_one_pod_is_that_pods_bit_of_its_peers(cluster, profile, family):
    pods = PodIndex(cluster)
    whole = PeerMatcher(pods, cluster, dataplane=dataplane(profile), family=family)
    one = PeerMatcher(pods, cluster, dataplane=dataplane(profile), family=family)  # no bitsets made
    for policy in cluster.policies:
        for direction, rules in (("ingress", policy.ingress), ("egress", policy.egress)):
            for rule in rules:
                peers, _ = whole.rule_peers(rule.peers, policy.namespace, direction)
                for i in range(0, len(pods.pods), 7):
                    assert one.admits_pod(rule.peers, policy.namespace, direction, i) == bool((peers >> i) & 1)


def test_the_port_index_made_when_read_answers_as_ports_match_judges_each_pod(cluster):
    index = PortIndex(cluster.pods)
    named = [{(cp.name, cp.protocol): frozenset(c.port for c in pod.ports
                                                if (c.name, c.protocol) == (cp.name, cp.protocol))
              for cp in pod.ports if cp.name} for pod in cluster.pods]
    assert any(named)  # the cluster's pods do name ports
    assert index.pod_named == named
    for name in ("http", "metrics", "", "unknown", 8080, None):
        for protocol in ("TCP", "UDP"):
            for port in (8080, 9090, 53):
                ports = [PolicyPort(protocol, name)]
                judged = sum(1 << i for i in range(len(cluster.pods)) if ports_match(ports, port, protocol, named[i]))
                assert index.destinations(ports, port, protocol) == judged


@pytest.mark.parametrize("port", [8080, 9090, 53])
def test_a_matrix_over_classes_counts_the_pairs_the_per_pod_one_does(cluster, port):
    classes, pods = Evaluator(cluster).matrix(port), Evaluator(cluster, classes=False).matrix(port)
    assert classes.count_allowed() == pods.count_allowed()


def _dual_stack() -> Cluster:
    pods = [{"kind": "Pod", "metadata": {"name": f"p{k}", "namespace": "a", "labels": {"app": f"x{k % 3}"}},
             "status": {"podIPs": [{"ip": f"10.244.0.{k + 1}"}, {"ip": f"fd00:10:244::{k + 1:x}"}]}}
            for k in range(12)]
    policy = {"kind": "NetworkPolicy", "metadata": {"name": "v6", "namespace": "a"},
              "spec": {"podSelector": {"matchLabels": {"app": "x0"}}, "policyTypes": ["Ingress", "Egress"],
                       "ingress": [{"from": [{"ipBlock": {"cidr": "fd00:10:244::/120", "except": ["fd00:10:244::4/126"]}}]}],
                       "egress": [{"to": [{"ipBlock": {"cidr": "10.244.0.0/29"}}]}]}}
    return Cluster.from_manifests([{"kind": "Namespace", "metadata": {"name": "a"}}, *pods, policy])


@pytest.mark.parametrize("family", [None, 4, 6])
def test_a_pods_row_over_both_families_is_the_per_pod_matrix_row(family):
    cluster = _dual_stack()
    lines, slow = Evaluator(cluster, family=family), Evaluator(cluster, family=family, classes=False)
    for pod in slow.pods:
        assert lines.reachable_from(pod.id, 80) == slow.reachable_from(pod.id, 80)
        assert lines.reaching(pod.id, 80) == slow.reaching(pod.id, 80)
