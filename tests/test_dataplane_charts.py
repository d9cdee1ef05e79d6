"""Our own charts under every dataplane profile (netpol_harness.net.dataplanes).

Each values example is rendered as `netpol check` renders it (netpol_harness.environments:
`helm template`, the in-memory API server for `needs: lookup`, the controlled resolver for
`needs: dns`) and judged in the cluster it documents (values-examples/clusters/: its nodes
and the API server's endpoints, and OpenShift's host-network namespace) under each profile,
with the verdict every profile must give written out. Renders happen once per module, with
the default helm: what differs between helms is the chart tests' business.

What fails on some dataplane is recorded, not fixed: the charts' netpol-expect.yaml files
hold the same flows, marked per profile, for the Cilium-specific policies to come.
"""
from __future__ import annotations

import functools
import json
from typing import Any, Mapping

import pytest
import yaml

from netpol_harness.assertions.network import NetworkAssertions, add_kube_dns, build_network
from netpol_harness.clusterfiles import read_cluster_file
from netpol_harness.environments import Example, needs_of, run_example
from netpol_harness.matrix import deep_merge
from netpol_harness.net.dataplanes import dataplane
from netpol_harness.project import root as repo_root

ROOT = repo_root()
CLUSTERS = ROOT / "values-examples" / "clusters"
CILIUM_NODES = "cilium:policy-cidr-match-mode=nodes"
PROFILES = ("kubernetes", "cilium", CILIUM_NODES, "calico", "ovn-kubernetes", "openshift", "kube-router")

JES = "jes-job-executor-service"
JES_NS = "keptn"
REMOTE_CONTROL_PLANE, OAUTH, ELSEWHERE = "203.0.113.20", "203.0.113.30", "203.0.113.99"

PRODUCTS_NS = "apps"
OPERATOR = "apps/ep-operator"  # Event Processing's operator: the pod with the validating webhook on 8443
OPERATOR_LABELS = {"app.kubernetes.io/instance": "ibm-ep-operator", "app.kubernetes.io/name": "ibm-event-processing"}
CIDRS_MODE = {"components": {"ep-operator": {"webhook": {"mode": "cidrs", "cidrs": ["192.0.2.10/32"]}}}}

# Verdicts, profile by profile, in PROFILES' order.
A, D = "allowed", "denied"


def expected(*verdicts: str) -> dict[str, str]:
    assert len(verdicts) == len(PROFILES)
    return dict(zip(PROFILES, verdicts))


#                     kubernetes cilium nodes calico ovn openshift kube-router
BY_IPBLOCK_EGRESS = expected(A, D, A, A, A, A, A)  # an ipBlock of a host address, in egress
EVERYWHERE = expected(A, A, A, A, A, A, A)
NOWHERE = expected(D, D, D, D, D, D, D)


@functools.cache
def _rendered(chart: str, values: str, overrides: str) -> tuple[dict, ...]:
    path = ROOT / "values-examples" / chart / values
    merged = deep_merge(yaml.safe_load(path.read_text()) or {}, json.loads(overrides))
    release, namespace = ("jes", JES_NS) if chart == "job-executor-service" else ("ep", PRODUCTS_NS)
    outcome = run_example(Example(ROOT / "charts" / chart, path, needs_of(path)), release=release,
                          namespace=namespace, values=merged)
    if outcome.skipped:
        pytest.skip(f"{values}: {outcome.how}: {outcome.skipped}")
    assert outcome.error is None, f"{chart}/{values}: {outcome.how}: {outcome.error}"
    return tuple(outcome.objects)


def rendered(chart: str, values: str, overrides: Mapping[str, Any] | None = None) -> tuple[dict, ...]:
    return _rendered(chart, values, json.dumps(overrides or {}, sort_keys=True))


@functools.cache
def cluster(name: str) -> tuple[dict, ...]:
    return tuple(read_cluster_file(CLUSTERS / name))


def network(objects: tuple[dict, ...], cluster_file: str, profile: str) -> NetworkAssertions:
    """The render in its cluster, under `profile`; the products' chart selects pods that
    already run, so the operator is added by its labels."""
    net = build_network(list(objects), extra_objects=list(cluster(cluster_file)), setup=add_kube_dns,
                        externals=[REMOTE_CONTROL_PLANE, OAUTH, ELSEWHERE], dataplane=profile)
    net.add_pod(PRODUCTS_NS, "ep-operator", OPERATOR_LABELS)
    net.add_pod("elsewhere", "stranger", {"app": "stranger"})
    return net


def everywhere(objects: tuple[dict, ...], cluster_file: str, src: str, dst: str, port: int,
               protocol: str = "TCP") -> dict[str, Any]:
    """The verdict on src -> dst under each profile."""
    return {p: network(objects, cluster_file, p).judged(src, dst, port, protocol) for p in PROFILES}


def outcomes(verdicts: Mapping[str, Any]) -> dict[str, str]:
    return {p: A if v.allowed else D for p, v in verdicts.items()}


def cites(verdict: Any, profile: str, key: str) -> bool:
    """Whether the verdict's explanation names the profile's departure and its source."""
    departure = dataplane(profile).departure(key)
    return departure.says in verdict.explain() and departure.source in verdict.explain()


# ---------------------------------------------------------------- job-executor-service

# Each example, the cluster it documents, and its API server as the evaluator names it.
API_SERVERS = [
    pytest.param("kubernetes.yaml", "kubernetes.yaml", "apiserver", id="kubernetes-lookup"),
    pytest.param("openshift.yaml", "openshift.yaml", "apiserver", id="openshift-lookup"),
    pytest.param("gitops-explicit-cidrs.yaml", "three-masters.yaml", "apiserver", id="gitops-first-master"),
    pytest.param("gitops-explicit-cidrs.yaml", "three-masters.yaml", "ip:192.0.2.12", id="gitops-third-master"),
    pytest.param("nodelocal-dns.yaml", "one-master.yaml", "apiserver", id="nodelocal-dns"),
    pytest.param("remote-control-plane-oauth.yaml", "one-master.yaml", "apiserver", id="remote-oauth"),
    pytest.param("dual-stack.yaml", "dual-stack.yaml", "apiserver", id="dual-stack-ipv4"),
    pytest.param("dual-stack.yaml", "dual-stack.yaml", "ip:2001:db8::10", id="dual-stack-ipv6"),
]


@pytest.mark.parametrize("values, cluster_file, api_server", API_SERVERS)
def test_jes_reaches_its_api_server_through_the_ipblock_on_every_dataplane_but_cilium_unless_cidrs_select_nodes(
        values, cluster_file, api_server):
    verdicts = everywhere(rendered("job-executor-service", values), cluster_file, JES, api_server, 6443)
    assert outcomes(verdicts) == BY_IPBLOCK_EGRESS
    assert cites(verdicts["cilium"], "cilium", "ipblock-hosts"), verdicts["cilium"].explain()


@pytest.mark.parametrize("values, cluster_file", [("kubernetes.yaml", "kubernetes.yaml"),
                                                  ("gitops-explicit-cidrs.yaml", "three-masters.yaml")])
def test_jes_calling_the_kubernetes_service_on_443_is_judged_on_its_endpoints_6443_so_fares_as_the_api_server(
        values, cluster_file):
    verdicts = everywhere(rendered("job-executor-service", values), cluster_file, JES,
                          "svc:default/kubernetes:443", 443)
    assert outcomes(verdicts) == BY_IPBLOCK_EGRESS
    assert cites(verdicts["cilium"], "cilium", "service-translation")
    assert cites(verdicts["cilium"], "cilium", "ipblock-hosts")


def test_jes_reaches_no_api_server_port_but_the_one_the_values_give_on_any_dataplane():
    objects = rendered("job-executor-service", "kubernetes.yaml")
    assert outcomes(everywhere(objects, "kubernetes.yaml", JES, "apiserver", 443)) == NOWHERE
    assert outcomes(everywhere(objects, "kubernetes.yaml", JES, "ip:10.0.0.21", 6443)) == NOWHERE  # a worker


@pytest.mark.parametrize("values, cluster_file, oauth_port", [
    pytest.param("gitops-explicit-cidrs.yaml", "three-masters.yaml", 443, id="explicit-cidrs"),
    pytest.param("remote-control-plane-oauth.yaml", "one-master.yaml", 8443, id="resolved-names"),
])
def test_jes_reaches_the_remote_control_plane_and_the_oauth_provider_on_every_dataplane_as_outside_addresses(
        values, cluster_file, oauth_port):
    objects = rendered("job-executor-service", values)
    assert outcomes(everywhere(objects, cluster_file, JES, f"ip:{REMOTE_CONTROL_PLANE}", 443)) == EVERYWHERE
    assert outcomes(everywhere(objects, cluster_file, JES, f"ip:{OAUTH}", oauth_port)) == EVERYWHERE
    assert outcomes(everywhere(objects, cluster_file, JES, f"ip:{ELSEWHERE}", 443)) == NOWHERE


# ---------------------------------------------------------------- network-policies' webhook rule

def webhook_verdicts(values: str, cluster_file: str, src: str = "apiserver",
                     overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return everywhere(rendered("network-policies", values, overrides), cluster_file, src, OPERATOR, 8443)


def test_the_seeds_webhook_rule_admits_the_api_server_on_openshift_and_ovn_not_on_calico_where_the_cidr_rule_does():
    openshift_mode = webhook_verdicts("event-processing-openshift.yaml", "openshift.yaml")
    cidrs_mode = webhook_verdicts("event-processing.yaml", "one-master.yaml", overrides=CIDRS_MODE)
    #                                          kubernetes cilium nodes calico ovn openshift kube-router
    assert outcomes(openshift_mode) == expected(D, D, D, D, A, A, D)
    assert outcomes(cidrs_mode) == expected(A, D, A, A, D, D, A)
    for profile in ("ovn-kubernetes", "openshift"):
        assert cites(openshift_mode[profile], profile, "host-network-namespace")
        assert cites(cidrs_mode[profile], profile, "host-network-namespace")
    assert cites(cidrs_mode["cilium"], "cilium", "ipblock-hosts")


def test_on_cilium_without_node_cidrs_only_the_anywhere_webhook_rule_admits_the_api_server():
    anywhere = webhook_verdicts("event-processing.yaml", "one-master.yaml")
    assert outcomes(anywhere) == EVERYWHERE
    assert outcomes(webhook_verdicts("event-processing-openshift.yaml", "openshift.yaml"))["cilium"] == D
    assert outcomes(webhook_verdicts("event-processing.yaml", "one-master.yaml", overrides=CIDRS_MODE))["cilium"] == D


def test_the_openshift_webhook_rule_admits_every_nodes_host_traffic_on_ovn_kubernetes_and_no_pod_anywhere():
    worker = webhook_verdicts("event-processing-openshift.yaml", "openshift.yaml", src="ip:10.0.0.21")
    assert outcomes(worker) == expected(D, D, D, D, A, A, D)
    stranger = webhook_verdicts("event-processing-openshift.yaml", "openshift.yaml", src="elsewhere/stranger")
    assert outcomes(stranger) == NOWHERE


def test_the_cidrs_webhook_rule_admits_no_worker_node_on_any_dataplane():
    worker = webhook_verdicts("event-processing.yaml", "one-master.yaml", src="ip:192.0.2.21", overrides=CIDRS_MODE)
    assert outcomes(worker) == NOWHERE
