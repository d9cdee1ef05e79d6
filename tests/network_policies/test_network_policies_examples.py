"""The values examples of charts/network-policies reproduce the products' documented
policies (seeds 000 and 001) exactly: every documented connection is allowed, and a
sample of undocumented ones (other ports, other pods, outside addresses) is denied."""
from __future__ import annotations

from pathlib import Path

import pytest

from netpol_harness.check.apirules import networkpolicy_errors
from netpol_harness.assertions.network import NetworkAssertions, build_network
from netpol_harness.helm.template import RenderResult, render
from netpol_harness.project import root as repo_root
from netpol_harness.check import validate_kubernetes

CHART = repo_root() / "charts" / "network-policies"
EXAMPLES = repo_root() / "values-examples" / "network-policies"
NS = "products"
OUTSIDE = "198.51.100.7"

# Pods carrying the labels the product documentation selects on.
EP_OPERATOR = {"app.kubernetes.io/instance": "ibm-ep-operator", "app.kubernetes.io/name": "ibm-event-processing"}
EP_POD = {"app.kubernetes.io/component": "ibm-ep", "app.kubernetes.io/managed-by": "ibm-ep-operator",
          "app.kubernetes.io/instance": "my-ep"}
EP_OTHER_INSTANCE = {**EP_POD, "app.kubernetes.io/instance": "other-ep"}
FLINK = {"app.kubernetes.io/instance": "ibm-eventautomation-flink",
         "app.kubernetes.io/managed-by": "ibm-eventautomation-flink-operator",
         "app.kubernetes.io/name": "ibm-eventautomation-flink"}
FLINK_OPERATOR = {"app.kubernetes.io/instance": "ibm-eventautomation-flink-operator",
                  "app.kubernetes.io/name": "flink-kubernetes-operator"}
EEM_OPERATOR = {"app.kubernetes.io/instance": "ibm-eem-operator", "app.kubernetes.io/name": "ibm-event-endpoint-management"}
EEM_MANAGER = {"eem.ei.ibm.com/component": "my-eem"}
EEM_GATEWAY = {"eem.ei.ibm.com/component": "my-eem-gateway"}


def render_example(name: str, *set_values: str) -> RenderResult:
    # --set, because helm gives files precedence over the harness's `values` document; the
    # cluster serves Cilium's API, for the example of the cilium dataplane.
    result = render(CHART, values_files=[EXAMPLES / name], set_values=set_values, release="np", namespace=NS,
                    extra_args=["--api-versions", "cilium.io/v2/CiliumNetworkPolicy"])
    assert result.ok, result.stderr
    return result


def network(result: RenderResult) -> NetworkAssertions:
    net = build_network(result, default_namespace=NS, externals=[OUTSIDE],
                        namespaces={"elsewhere": {}, "openshift-kube-apiserver": {
                            "policy-group.network.openshift.io/host-network": ""}})
    net.add_pod(NS, "ep-operator", EP_OPERATOR)
    net.add_pod(NS, "ep", EP_POD)
    net.add_pod(NS, "ep-2", EP_POD)
    net.add_pod(NS, "ep-other", EP_OTHER_INSTANCE)
    net.add_pod(NS, "jobmanager", {**FLINK, "component": "jobmanager"})
    net.add_pod(NS, "taskmanager", {**FLINK, "component": "taskmanager"})
    net.add_pod(NS, "flink-operator", FLINK_OPERATOR)
    net.add_pod(NS, "eem-operator", EEM_OPERATOR)
    net.add_pod(NS, "eem-manager", EEM_MANAGER)
    net.add_pod(NS, "eem-gateway", EEM_GATEWAY)
    net.add_pod(NS, "neighbour", {"app": "unrelated"})
    net.add_pod("elsewhere", "client", {"app": "client"})
    net.add_pod("openshift-kube-apiserver", "apiserver", {"app": "openshift-kube-apiserver"})
    return net


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_every_example_renders_and_passes_strict_schema_and_api_server_rules(example: str) -> None:
    result = render_example(example)
    policies = result.by_kind("NetworkPolicy")
    assert policies, "an example must render policies"
    assert validate_kubernetes(result.objects) == []
    assert [e for p in policies for e in networkpolicy_errors(p)] == []
    assert Path(EXAMPLES / example).read_text().startswith("# "), "header comment says what it reproduces"


def test_event_processing_operator_webhook_is_open_on_8443_from_anywhere_and_nothing_else() -> None:
    net = network(render_example("event-processing.yaml"))
    for src in ("neighbour", "elsewhere/client", f"ip:{OUTSIDE}"):
        net.allows(src, "ep-operator", 8443)
        net.denies(src, "ep-operator", 8080)
    net.denies("ep", "ep-operator", 8443, "UDP")


def test_event_processing_instance_serves_ui_to_anyone_and_7000_3000_8888_to_its_own_pods() -> None:
    net = network(render_example("event-processing.yaml"))
    net.allows(f"ip:{OUTSIDE}", "ep", 8443)
    net.allows("elsewhere/client", "ep", 8443)
    for port in (7000, 3000, 8888):
        net.allows("ep-2", "ep", port)
        net.allows(f"{NS}/ep-operator", "ep", 8443)
        net.denies("ep-other", "ep", port)
        net.denies("neighbour", "ep", port)
        net.denies("elsewhere/client", "ep", port)
        net.denies(f"ip:{OUTSIDE}", "ep", port)
    net.denies("ep-other", "ep", 9999)
    # Pods the examples do not select are left alone.
    net.allows("elsewhere/client", "neighbour", 1234)


def test_event_processing_on_openshift_takes_webhook_calls_only_from_the_host_network_namespace() -> None:
    net = network(render_example("event-processing-openshift.yaml"))
    net.allows("openshift-kube-apiserver/apiserver", "ep-operator", 8443)
    net.denies("neighbour", "ep-operator", 8443)
    net.denies("elsewhere/client", "ep-operator", 8443)
    net.denies(f"ip:{OUTSIDE}", "ep-operator", 8443)
    net.denies("openshift-kube-apiserver/apiserver", "ep-operator", 8444)


def test_flink_policies_allow_exactly_the_documented_flows() -> None:
    net = network(render_example("flink.yaml"))
    # Operator webhook 9443 from anywhere.
    net.allows(f"ip:{OUTSIDE}", "flink-operator", 9443)
    net.denies(f"ip:{OUTSIDE}", "flink-operator", 8443)
    # Job manager REST 8081: Flink pods, the Flink operator, Event Processing pods.
    for src in ("taskmanager", "flink-operator", "ep", "ep-other"):
        net.allows(src, "jobmanager", 8081)
    for src in ("neighbour", "eem-manager", "elsewhere/client", f"ip:{OUTSIDE}"):
        net.denies(src, "jobmanager", 8081)
    # RPC and blob server between Flink pods only.
    for port in (6123, 6124):
        net.allows("taskmanager", "jobmanager", port)
        net.allows("jobmanager", "taskmanager", port)
        for src in ("flink-operator", "ep", "neighbour"):
            net.denies(src, "jobmanager", port)
            net.denies(src, "taskmanager", port)
    # Task manager REST 8081 from Flink pods only.
    net.allows("jobmanager", "taskmanager", 8081)
    for src in ("flink-operator", "ep", "neighbour"):
        net.denies(src, "taskmanager", 8081)
    # The metrics policy is off unless asked for.
    net.denies(f"ip:{OUTSIDE}", "jobmanager", 9249)


def test_flink_metrics_port_opens_on_the_job_manager_only_when_enabled() -> None:
    result = render_example("flink.yaml", "components.jobmanager-monitoring.enabled=true",
                            "components.jobmanager-monitoring.ingress[0].ports[0]=9250")
    net = network(result)
    net.allows(f"ip:{OUTSIDE}", "jobmanager", 9250)
    net.denies(f"ip:{OUTSIDE}", "taskmanager", 9250)
    net.denies(f"ip:{OUTSIDE}", "jobmanager", 9251)


def test_event_endpoint_management_ingress_matches_its_tables() -> None:
    net = network(render_example("event-endpoint-management.yaml"))
    for src in (f"ip:{OUTSIDE}", "elsewhere/client", "neighbour"):
        net.allows(src, "eem-operator", 8443)
        net.allows(src, "eem-manager", 3000)
        net.allows(src, "eem-manager", 8081)
        net.allows(src, "eem-gateway", 8092)
        net.denies(src, "eem-operator", 8081)
        net.denies(src, "eem-manager", 8092)
        net.denies(src, "eem-gateway", 3000)
    # Egress is not restricted by default, as documented.
    net.allows("eem-operator", f"ip:{OUTSIDE}", 443)
    net.allows("eem-gateway", f"ip:{OUTSIDE}", 9092)


def test_event_endpoint_management_opt_in_egress_allows_only_the_documented_rows() -> None:
    result = render_example("event-endpoint-management.yaml", "components.eem-operator-egress.enabled=true",
                            "components.eem-gateway-egress.enabled=true")
    net = network(result)
    net.allows("eem-operator", "eem-manager", 8081)
    net.denies("eem-operator", "eem-manager", 3000)
    net.denies("eem-operator", f"ip:{OUTSIDE}", 443)
    net.allows("eem-gateway", "eem-manager", 3000)
    net.denies("eem-gateway", "eem-manager", 8081)
    net.denies("eem-gateway", "neighbour", 3000)


def test_namespace_default_deny_closes_every_pod_except_the_documented_ports() -> None:
    result = render_example("namespace-default-deny.yaml")
    deny = result.get("NetworkPolicy", "np-default-deny-ingress")
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": []}
    net = network(result)
    net.denies("elsewhere/client", "neighbour", 1234)
    net.denies("ep", "neighbour", 80)
    net.allows(f"ip:{OUTSIDE}", "ep-operator", 8443)
    net.allows(f"ip:{OUTSIDE}", "ep", 8443)
    net.denies("ep-other", "ep", 7000)
    net.allows("ep", "jobmanager", 8081)
    net.allows("taskmanager", "jobmanager", 6123)
    net.denies(f"ip:{OUTSIDE}", "jobmanager", 8081)
    # Ingress only: egress stays open.
    net.allows("neighbour", f"ip:{OUTSIDE}", 443)
