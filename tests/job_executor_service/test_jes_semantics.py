"""What the job-executor-service policies mean, checked with the evaluator: the pod
reaches DNS, the API server, the Keptn gateway, the remote control plane and OAuth on
their ports and protocols, and nothing else; nothing reaches the pod."""
from __future__ import annotations

import pytest

from netpol_harness.manifests import policies_selecting
from netpol_harness.matrix import deep_merge, to_values
from netpol_harness.net import Cluster
from netpol_harness.assertions.network import NetworkAssertions, add_kube_dns, build_network
from netpol_harness.assertions.render import render_valid
from netpol_harness.helm.template import render
from jes_cases import CHART

API_SERVER = "192.0.2.10"
REMOTE = "203.0.113.20"
OAUTH = "203.0.113.30"
JES = "keptn-exec/jes-job-executor-service"


def jes_network(setup=None, **extra_values) -> NetworkAssertions:
    """Render the chart with egress and ingress on, and place it in a small cluster:
    kube-dns in kube-system, a look-alike kube-dns elsewhere, the Keptn gateway, a
    neighbour pod, and the outside addresses the service talks to. Keyword names are
    value paths with "__" for dots."""
    values = {
        "networkPolicy": {
            "ingress": {"enabled": True},
            "egress": {"enabled": True, "k8sMasterCIDR": f"{API_SERVER}/32", "k8sMasterPort": 6443},
        }
    }
    values = deep_merge(values, to_values({path.replace("__", "."): v for path, v in extra_values.items()}))
    result = render_valid(CHART, values=values, release="jes", namespace="keptn-exec")

    def surroundings(cluster: Cluster) -> None:
        add_kube_dns(cluster)
        cluster.add_pod("rogue", "fake-dns", {"k8s-app": "kube-dns"})
        cluster.add_pod("keptn", "api-gateway-nginx", {"app.kubernetes.io/name": "api-gateway-nginx", "app.kubernetes.io/instance": "keptn"})
        cluster.add_pod("keptn-exec", "neighbour", {"app": "neighbour"})
        if setup is not None:
            setup(cluster)

    return build_network(
        result,
        default_namespace="keptn-exec",
        externals=[API_SERVER, "192.0.2.11", REMOTE, OAUTH, "1.1.1.1"],
        setup=surroundings,
    )


@pytest.fixture(scope="module")
def net(helm) -> NetworkAssertions:
    return jes_network()


def test_jes_reaches_kube_dns_on_53_udp_and_tcp(net):
    net.allows(JES, "kube-system/kube-dns", 53, "UDP")
    net.allows(JES, "kube-system/kube-dns", 53, "TCP")


def test_jes_reaches_nothing_else_on_kube_dns(net):
    net.denies(JES, "kube-system/kube-dns", 54, "UDP")
    net.denies(JES, "kube-system/kube-dns", 53, "SCTP")


def test_pods_labelled_kube_dns_outside_kube_system_are_not_dns(net):
    net.denies(JES, "rogue/fake-dns", 53, "UDP")


def test_jes_reaches_the_api_server_address_on_its_port_only(net):
    net.allows(JES, f"ip:{API_SERVER}", 6443, "TCP")
    net.denies(JES, f"ip:{API_SERVER}", 443, "TCP")
    net.denies(JES, "ip:192.0.2.11", 6443, "TCP")


def test_jes_reaches_the_keptn_gateway_in_any_namespace(net):
    net.allows(JES, "keptn/api-gateway-nginx", 8080, "TCP")


def test_external_addresses_are_denied(net):
    net.denies(JES, "ip:1.1.1.1", 443, "TCP")
    net.denies(JES, "ip:1.1.1.1", 53, "UDP")


def test_nothing_reaches_jes(net):
    net.denies("keptn-exec/neighbour", JES, 8080, "TCP")
    net.denies("keptn/api-gateway-nginx", JES, 8080, "TCP")
    net.denies("ip:1.1.1.1", JES, 8080, "TCP")


def test_other_pods_in_the_namespace_are_not_restricted_by_jes_policies(net):
    net.allows("keptn-exec/neighbour", "ip:1.1.1.1", 443, "TCP")


def test_remote_control_plane_and_oauth_are_reached_on_their_url_ports_only():
    net = jes_network(
        remoteControlPlane__api__hostname=REMOTE,
        remoteControlPlane__api__authMode="oauth",
        remoteControlPlane__api__oauth__clientDiscovery=f"https://{OAUTH}:8443/realms/keptn/.well-known/openid-configuration",
    )
    net.allows(JES, f"ip:{REMOTE}", 443, "TCP")
    net.denies(JES, f"ip:{REMOTE}", 80, "TCP")
    net.allows(JES, f"ip:{OAUTH}", 8443, "TCP")
    net.denies(JES, f"ip:{OAUTH}", 443, "TCP")


def test_gateway_limited_to_a_namespace_is_not_reached_elsewhere():
    net = jes_network(networkPolicy__egress__controlPlaneGateway={
        "enabled": True,
        "podLabels": {"app.kubernetes.io/name": "api-gateway-nginx", "app.kubernetes.io/instance": "keptn"},
        "namespaceLabels": {"kubernetes.io/metadata.name": "keptn-other"},
    })
    net.denies(JES, "keptn/api-gateway-nginx", 8080, "TCP")


def test_api_server_port_zero_allows_every_port_on_that_address_only():
    net = jes_network(networkPolicy__egress__k8sMasterPort=0)
    net.allows(JES, f"ip:{API_SERVER}", 6443, "TCP")
    net.allows(JES, f"ip:{API_SERVER}", 443, "TCP")
    net.denies(JES, "ip:192.0.2.11", 443, "TCP")


def test_openshift_dns_preset_allows_5353_in_openshift_dns_only():
    net = jes_network(
        setup=lambda c: c.add_pod("openshift-dns", "dns-default", {"dns.operator.openshift.io/daemonset-dns": "default"}),
        networkPolicy__egress__dns={"preset": "openshift"},
    )
    net.allows(JES, "openshift-dns/dns-default", 5353, "UDP")
    net.allows(JES, "openshift-dns/dns-default", 5353, "TCP")
    net.denies(JES, "kube-system/kube-dns", 53, "UDP")


def test_nodelocal_preset_allows_the_node_cache_and_kube_dns():
    net = jes_network(setup=lambda c: c.add_external("169.254.20.10"), networkPolicy__egress__dns={"preset": "nodelocal"})
    net.allows(JES, "ip:169.254.20.10", 53, "UDP")
    net.allows(JES, "ip:169.254.20.10", 53, "TCP")
    net.allows(JES, "kube-system/kube-dns", 53, "UDP")


def test_dual_stack_api_server_reaches_both_families():
    def v6(cluster: Cluster) -> None:
        cluster.add_external("2001:db8::10")
        cluster.add_external("2001:db8::11")

    net = jes_network(setup=v6, networkPolicy__egress__k8sMasterCIDR=[f"{API_SERVER}/32", "2001:db8::10/128"])
    net.allows(JES, "ip:2001:db8::10", 6443, "TCP")
    net.denies(JES, "ip:2001:db8::11", 6443, "TCP")


def test_two_releases_in_one_namespace_do_not_govern_each_other():
    values = {"networkPolicy": {"ingress": {"enabled": True}, "egress": {"enabled": True, "k8sMasterCIDR": f"{API_SERVER}/32"}}}
    a = render(CHART, values=values, release="alpha", namespace="shared")
    b = render(CHART, values=values, release="beta", namespace="shared")
    assert a.ok and b.ok
    names_a = {(o["kind"], o["metadata"]["name"]) for o in a.objects}
    names_b = {(o["kind"], o["metadata"]["name"]) for o in b.objects}
    assert names_a.isdisjoint(names_b), names_a & names_b
    for mine, theirs in ((a, b), (b, a)):
        their_pod = theirs.get("Deployment", theirs.by_kind("Deployment")[0]["metadata"]["name"])
        labels = their_pod["spec"]["template"]["metadata"]["labels"]
        assert policies_selecting(mine.objects, labels, "shared") == []
    net = build_network(a, b, default_namespace="shared", externals=["1.1.1.1"])
    net.denies("shared/alpha-job-executor-service", "shared/beta-job-executor-service", 8080, "TCP")
    net.denies("shared/alpha-job-executor-service", "ip:1.1.1.1", 443, "TCP")
    net.denies("shared/beta-job-executor-service", "ip:1.1.1.1", 443, "TCP")
