"""Witnesses for Cilium's rules: every endpoint selector of a CiliumNetworkPolicy or
CiliumClusterwideNetworkPolicy peer gets a pod it admits and outsiders the whole rule
refuses, every CIDR an address inside it and one in its first except, each judged by the
report as its description says."""
from __future__ import annotations

import re

import pytest
import yaml

from netpol_harness.net import LabelSelector
from netpol_harness.report import Report, build_cluster, connectivity_report
from netpol_harness.report.ciliumwitness import as_peer

DOCS = [d for d in yaml.safe_load_all("""
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec: {containers: [{name: db, image: registry.invalid/db, ports: [{containerPort: 5432}, {containerPort: 9090}]}]}
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  endpointSelector: {matchLabels: {app: db}}
  ingress:
    - fromEndpoints:
        - matchLabels: {k8s:app: web}
        - matchLabels: {k8s:io.kubernetes.pod.namespace: ops, role: admin}
        - matchLabels: {io.cilium.k8s.policy.serviceaccount: backup}
      toPorts: [{ports: [{port: "5432", protocol: TCP}]}]
  egress:
    - toCIDRSet: [{cidr: 0.0.0.0/0, except: [169.254.0.0/16]}]
      toPorts: [{ports: [{port: "443", protocol: TCP}]}]
    - toEndpoints: [{matchExpressions: [{key: k8s:app, operator: In, values: [cache]}]}]
      toPorts: [{ports: [{port: "6379", protocol: TCP}]}]
    - toEntities: [kube-apiserver]
---
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: metrics}
spec:
  endpointSelector: {matchLabels: {app: db}}
  ingress:
    - fromEndpoints:
        - matchLabels: {k8s:app: prometheus, io.cilium.k8s.namespace.labels.team: observability}
        - matchExpressions: [{key: k8s:io.kubernetes.pod.namespace, operator: In, values: [monitoring]}]
      toPorts: [{ports: [{port: "9090", protocol: TCP}]}]
  ingressDeny:
    - fromEndpoints: [{matchLabels: {k8s:app: scanner}}]
""") if d]
SUBJECT = "shop/db"
PROBES = {"CNP shop/db ingress[0]": "5432/TCP", "CNP shop/db egress[0]": "443/TCP", "CNP shop/db egress[1]": "6379/TCP",
          "CCNP metrics ingress[0]": "9090/TCP", "CCNP metrics ingressDeny[0]": "9090/TCP"}
CLAIM = re.compile(r"(admitted by|denied by|outsider of) ((?:CNP|CCNP) \S+ (\w+)\[\d+\]) (\w+\[\d+\]|toCIDR \S+)")


@pytest.fixture(scope="module", params=["cilium", "kubernetes"])
def report(request) -> Report:
    return connectivity_report(DOCS, sorted(set(PROBES.values())), namespace="shop", dataplane=request.param)


def _claims(report: Report):
    for witness in report.added:
        for claim in CLAIM.finditer(witness.why):
            yield witness.id, claim.groups()


def _added(report: Report, why_part: str) -> list[str]:
    return [w.id for w in report.added if why_part in w.why]


def test_every_cilium_witness_is_judged_as_its_description_says(report):
    # kubernetes (the API's own reading) judges Cilium's policies as the cilium profile does.
    claims = list(_claims(report))
    assert {rule for _, (_, rule, _, _) in claims} == set(PROBES)
    for witness, (kind, rule, section, _) in claims:
        src, dst = (witness, SUBJECT) if section.startswith("ingress") else (SUBJECT, witness)
        row = report.row(src, dst, PROBES[rule])
        if kind == "admitted by":
            assert row.allowed and rule in row.by, (witness, kind, rule, row)
        elif kind == "denied by":
            assert not row.allowed and rule in row.by, (witness, kind, rule, row)
        else:
            assert rule not in row.by, (witness, kind, rule, row)
            if section in ("ingress", "egress"):
                assert not row.allowed, (witness, kind, rule, row)  # the subject has no other way in or out


def test_a_cnp_selector_means_its_namespace_unless_it_names_one(report):
    assert _added(report, "admitted by CNP shop/db ingress[0] fromEndpoints[0] (pods {app=web} in namespace shop)") == [
        "shop/web"]
    assert _added(report, "outsider of CNP shop/db ingress[0] fromEndpoints[0]: like shop/web but without app=web")
    assert _added(report, "outsider of CNP shop/db ingress[0] fromEndpoints[0]: like shop/web but in namespace "
                          "elsewhere")
    assert _added(report, "admitted by CNP shop/db ingress[0] fromEndpoints[1] (pods {role=admin} in namespaces "
                          "{kubernetes.io/metadata.name=ops})") == ["ops/role-admin"]
    assert _added(report, "outsider of CNP shop/db ingress[0] fromEndpoints[1]: like ops/role-admin but in namespace")


def test_a_ccnp_selector_means_every_namespace_and_reads_namespace_labels(report):
    cluster, _, _ = build_cluster(DOCS, namespace="shop")
    prometheus = _added(report, "admitted by CCNP metrics ingress[0] fromEndpoints[0]")
    assert len(prometheus) == 1
    assert cluster.namespace(prometheus[0].split("/")[0]).labels["team"] == "observability"
    moved = _added(report, f"outsider of CCNP metrics ingress[0] fromEndpoints[0]: like {prometheus[0]} but in "
                           "namespace")
    assert moved and "team" not in cluster.namespace(moved[0].split("/")[0]).labels
    assert _added(report, "admitted by CCNP metrics ingress[0] fromEndpoints[1] (all pods in namespaces "
                          "{kubernetes.io/metadata.name in (monitoring)})") == ["monitoring/pod"]


def test_cidrs_get_an_outsider_in_their_except_and_entities_nothing(report):
    assert _added(report, "outsider of CNP shop/db egress[0] toCIDR 0.0.0.0/0: inside 0.0.0.0/0 but carved out by "
                          "except 169.254.0.0/16") == ["ip:169.254.0.1"]
    assert report.row(SUBJECT, "ip:1.1.1.1", "443/TCP").by == "egress: CNP shop/db egress[0]"  # inside, there already
    assert not _added(report, "egress[2]")  # toEntities: kube-apiserver
    assert not _added(report, "fromEndpoints[2]")  # a service account the model gives no pod


def test_a_deny_rule_gets_a_pod_it_denies_and_an_outsider_it_lets_be(report):
    assert _added(report, "denied by CCNP metrics ingressDeny[0] fromEndpoints[0] (pods {app=scanner} in any "
                          "namespace)")
    assert _added(report, "outsider of CCNP metrics ingressDeny[0] fromEndpoints[0]: like")


def test_a_dataplane_that_does_not_enforce_cilium_shows_the_same_witnesses_and_says_so():
    cilium = connectivity_report(DOCS, sorted(set(PROBES.values())), namespace="shop", dataplane="cilium")
    calico = connectivity_report(DOCS, sorted(set(PROBES.values())), namespace="shop", dataplane="calico")
    assert [w.id for w in calico.added] == [w.id for w in cilium.added]
    row = calico.row("shop/not-web", SUBJECT, "5432/TCP")
    assert row.allowed and "CNP shop/db, CCNP metrics not enforced here" in row.caveat


@pytest.mark.parametrize("selector, namespace, expected", [
    ({"app": "web", "io.kubernetes.pod.namespace": "shop"}, "shop", ({"app": "web"}, None)),
    ({"app": "web", "io.kubernetes.pod.namespace": "ops"}, "shop",
     ({"app": "web"}, {"kubernetes.io/metadata.name": "ops"})),
    ({"app": "web"}, None, ({"app": "web"}, {})),
    ({"io.cilium.k8s.namespace.labels.team": "a"}, None, ({}, {"team": "a"})),
])
def test_a_cilium_selector_reads_as_a_peer(selector, namespace, expected):
    peer = as_peer(LabelSelector.parse({"matchLabels": selector}), namespace)
    pods, namespaces = expected
    assert dict(peer.pod_selector.match_labels) == pods
    assert (None if peer.namespace_selector is None else dict(peer.namespace_selector.match_labels)) == namespaces


@pytest.mark.parametrize("key", ["io.cilium.k8s.policy.serviceaccount", "reserved:host",
                                 "io.cilium.k8s.policy.cluster"])
def test_a_selector_on_labels_the_model_gives_no_pod_gets_no_peer(key):
    assert as_peer(LabelSelector.parse({"matchLabels": {key: "x"}}), None) is None
