"""Witness endpoints: the report makes, from the policies themselves, a pod every rule
admits and outsiders it refuses, and stand-ins for the pods a policy selects when the
manifests run none, so every rule is seen both working and holding."""
from __future__ import annotations

import re

import pytest
import yaml

from netpol_harness.net import LabelSelector
from netpol_harness.report import Report, build_cluster, connectivity_report, render_text
from netpol_harness.report.witness import outsider, satisfying



def verdict(report: Report, src: str, dst: str, probe: str) -> tuple[bool, str]:
    row = report.row(src, dst, probe)
    return row.allowed, row.by


@pytest.mark.parametrize("selector, admitted, refused", [
    ({"matchLabels": {"app": "web"}}, {"app": "web"}, {}),
    ({"matchLabels": {"rd-redis-client": "true"}}, {"rd-redis-client": "true"}, {"rd-redis-client": "false"}),
    ({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["web", "api"]}]}, {"tier": "web"}, {"tier": "other"}),
    ({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["batch"]}]}, {}, {"tier": "batch"}),
    ({"matchExpressions": [{"key": "team", "operator": "Exists"}]}, {"team": "set"}, {}),
    ({"matchExpressions": [{"key": "legacy", "operator": "DoesNotExist"}]}, {}, {"legacy": "set"}),
])
def test_every_selector_operator_gets_a_pod_it_admits_and_one_it_refuses(selector, admitted, refused):
    parsed = LabelSelector.parse(selector)
    assert satisfying(parsed) == admitted and parsed.matches(admitted)
    labels, _ = outsider(parsed)
    assert labels == refused and not parsed.matches(labels)


def test_a_selector_nothing_can_satisfy_gets_no_witness():
    contradiction = LabelSelector.parse({"matchLabels": {"tier": "web"},
                                         "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["web"]}]})
    assert satisfying(contradiction) is None
    assert outsider(LabelSelector.parse({})) is None  # the empty selector admits every pod


REDIS = [d for d in yaml.safe_load_all("""
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: rd-redis-master, namespace: data}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: redis}}
  template:
    metadata: {labels: {app.kubernetes.io/name: redis}}
    spec: {containers: [{name: redis, image: registry.invalid/redis, ports: [{name: redis, containerPort: 6379}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: rd-redis, namespace: data}
spec:
  podSelector: {matchLabels: {app.kubernetes.io/name: redis}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector: {matchLabels: {rd-redis-client: "true"}}
        - namespaceSelector: {matchLabels: {team: shop}}
          podSelector: {matchLabels: {rd-redis-client: "true"}}
      ports: [{port: 6379}]
""") if d]
REDIS_POD = "data/rd-redis-master-0"


@pytest.fixture(scope="module")
def redis() -> Report:
    return connectivity_report(REDIS, ["6379/TCP"], namespace="data")


def _added(report: Report, why_part: str) -> list[str]:
    return [w.id for w in report.added if why_part in w.why]


def test_bitnami_redis_shows_a_client_pod_label_that_may_reach_6379_and_one_that_may_not(redis):
    client = _added(redis, "admitted by data/rd-redis ingress[0] peer 0")
    assert client == ["data/rd-redis-client"]
    assert verdict(redis, "data/rd-redis-client", REDIS_POD, "6379/TCP")[0] is True
    outsiders = _added(redis, "outsider of data/rd-redis ingress[0] peer 0: like data/rd-redis-client but rd-redis-client=false")
    assert verdict(redis, outsiders[0], REDIS_POD, "6379/TCP")[0] is False


def test_bitnami_redis_shows_a_namespace_label_that_admits_clients_and_a_namespace_that_does_not(redis):
    cluster, _, _ = build_cluster(REDIS, namespace="data")
    shop_client = _added(redis, "admitted by data/rd-redis ingress[0] peer 1")[0]
    assert cluster.namespace(shop_client.split("/")[0]).labels["team"] == "shop"
    assert verdict(redis, shop_client, REDIS_POD, "6379/TCP")[0] is True
    moved = _added(redis, "outsider of data/rd-redis ingress[0] peer 1: like " + shop_client + " but in namespace")
    assert moved and "team" not in cluster.namespace(moved[0].split("/")[0]).labels
    assert verdict(redis, moved[0], REDIS_POD, "6379/TCP")[0] is False


def test_the_text_says_which_pods_were_added_and_why(redis):
    text = render_text(redis)
    assert "added by the report (not in the manifests):\n" in text
    assert ("  data/rd-redis-client: admitted by data/rd-redis ingress[0] peer 0 (pods {rd-redis-client=true} in namespace data)"
            in re.sub(r"\n {6,}", " ", text))  # the line goes on under it


POLICIES_ONLY = [d for d in yaml.safe_load_all("""
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: jobmanager, namespace: stream}
spec:
  podSelector:
    matchLabels: {app: flink}
    matchExpressions: [{key: component, operator: In, values: [jobmanager]}]
  policyTypes: [Ingress]
  ingress:
    - from: [{podSelector: {matchLabels: {app: flink-operator}}}]
      ports: [{port: 8081}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: stream}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
""") if d]


def test_a_chart_of_policies_alone_gets_a_stand_in_for_the_pods_each_policy_selects():
    report = connectivity_report(POLICIES_ONLY, namespace="stream")
    stand_ins = {w.workload: w for w in report.workloads}
    # default-deny's empty podSelector selects the jobmanager stand-in already: it needs none of its own.
    assert list(stand_ins) == ["stream/jobmanager"]
    assert stand_ins["stream/jobmanager"].kind == "stand-in"
    assert stand_ins["stream/jobmanager"].ingress_policies == ("stream/jobmanager", "stream/default-deny")
    # The operator the rule admits reaches 8081 on the stand-in; the default deny still stops its egress.
    assert verdict(report, "stream/flink-operator", "stream/jobmanager", "8081/TCP") == (
        False, "egress denied (isolated by stream/default-deny)")
    assert "stand-in for the pods stream/jobmanager selects ({app=flink, component in (jobmanager)})" in " ".join(
        render_text(report).split())


def test_an_ip_block_gets_an_address_inside_it_and_one_in_its_except():
    policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "out", "namespace": "app"},
              "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [
                  {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}}], "ports": [{"port": 443}]},
                  {"to": [{"ipBlock": {"cidr": "10.96.0.0/12"}}], "ports": [{"port": 443}]}]}}
    report = connectivity_report([policy], ["443/TCP"], namespace="app")
    workload = report.workloads[0].workload
    assert "ip:169.254.169.254" in _added(report, "outsider of app/out egress[0] peer 0: inside 0.0.0.0/0 but carved out")
    assert "ip:10.96.0.1" in _added(report, "inside ipBlock 10.96.0.0/12")
    assert not _added(report, "inside ipBlock 0.0.0.0/0")  # 1.1.1.1 is inside already
    assert verdict(report, workload, "ip:1.1.1.1", "443/TCP")[0] is True
    assert verdict(report, workload, "ip:169.254.169.254", "443/TCP")[0] is False
    assert verdict(report, workload, "ip:10.96.0.1", "443/TCP")[0] is True


def test_witnesses_never_relabel_a_namespace_the_manifests_define():
    objects = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "labels": {"team": "retail"}}},
               {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "p", "namespace": "db"},
                "spec": {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {
                    "matchLabels": {"kubernetes.io/metadata.name": "shop", "pci": "true"}}}]}]}}]
    cluster, _, added = build_cluster(objects, namespace="db")
    assert cluster.namespace("shop").labels == {"team": "retail", "kubernetes.io/metadata.name": "shop"}
    assert not [w for w in added if "admitted by db/p" in w.why]


N = "kubernetes.io/metadata.name"
TRICKY_PEERS = {
    "namespace name must not exist": [{"namespaceSelector": {"matchExpressions": [{"key": N, "operator": "DoesNotExist"}]}}],
    "namespace name not in a list": [{"namespaceSelector": {"matchExpressions": [{"key": N, "operator": "NotIn", "values": ["shop", "ns-pod"]}]}}],
    "namespace name in a list": [{"namespaceSelector": {"matchExpressions": [{"key": N, "operator": "In", "values": ["monitoring", "ops"]}]}}],
    "namespace name and a label": [{"namespaceSelector": {"matchLabels": {N: "monitoring", "team": "x"}}}],
    "In and NotIn on one key": [{"podSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["a", "b"]},
                                                                      {"key": "app", "operator": "NotIn", "values": ["a"]}]}}],
    "two In on one key": [{"podSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["a", "b"]},
                                                                {"key": "app", "operator": "In", "values": ["b", "c"]}]}}],
    "overlapping peers": [{"podSelector": {"matchLabels": {"app": "a"}}}, {"podSelector": {}}],
    "any namespace and this one": [{"podSelector": {"matchLabels": {"app": "a"}}, "namespaceSelector": {}},
                                   {"podSelector": {"matchLabels": {"app": "a"}}}],
    "a label without another, then with it": [{"namespaceSelector": {"matchLabels": {"team": "a"}, "matchExpressions": [
        {"key": "tier", "operator": "DoesNotExist"}]}}, {"namespaceSelector": {"matchLabels": {"team": "a", "tier": "x"}}}],
    "except held by a sibling block": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}}, {"ipBlock": {"cidr": "10.0.0.0/24"}}],
    "a /31 without its first address": [{"ipBlock": {"cidr": "192.0.2.0/31", "except": ["192.0.2.0/32"]}}],
    "the pod range": [{"ipBlock": {"cidr": "10.244.0.0/16"}}],
    "IPv6 except": [{"ipBlock": {"cidr": "::/0", "except": ["2001:db8::/32"]}}],
}


def _policy_with(peers: list[dict]) -> list[dict]:
    return [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db", "namespace": "shop", "labels": {"app": "db"}}},
            {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "p", "namespace": "shop"},
             "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"], "ingress": [{"from": peers}], "egress": [{"to": peers}]}}]


@pytest.mark.parametrize("peers", TRICKY_PEERS.values(), ids=TRICKY_PEERS)
def test_every_witness_is_what_it_claims_to_be_for_the_whole_rule(peers):
    from netpol_harness.report.witness import admits

    cluster, _, added = build_cluster(_policy_with(peers), namespace="shop")
    policy = cluster.policies[0]
    pod_ips = {ip for p in cluster.pods for ip in p.ips}
    assert not pod_ips & {e.ip for e in cluster.externals}, "an outside address took a pod's address"
    for witness in added:
        for claim in re.finditer(r"(admitted by|outsider of) shop/p (ingress|egress)\[0\] peer (\d+)", witness.why):
            kind, direction, j = claim.groups()
            rule = (policy.ingress if direction == "ingress" else policy.egress)[0]
            if witness.id.startswith("ip:"):
                inside = [p.ip_block is not None and p.ip_block.contains(witness.id[3:]) for p in rule.peers]
                assert inside[int(j)] if kind == "admitted by" else not any(inside), witness
                continue
            pod = cluster.pod(witness.id)
            admitted = [admits(p, policy, pod.namespace, pod.labels, cluster) for p in rule.peers]
            assert admitted[int(j)] if kind == "admitted by" else not any(admitted), witness


def test_a_stand_in_gets_a_number_for_a_named_port_so_the_rule_can_be_seen_working():
    web = [{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "web", "namespace": "app"},
            "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress"],
                     "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "client"}}}], "ports": [{"port": "http"}]}]}}]
    report = connectivity_report(web, namespace="app")
    assert "8080/TCP" in [str(p) for p in report.probes]  # "http" is 8080 where no pod says otherwise
    assert verdict(report, "app/client", "app/web", "8080/TCP") == (True, "egress open; ingress: app/web ingress[0]")
    assert verdict(report, "app/not-client", "app/web", "8080/TCP")[0] is False
