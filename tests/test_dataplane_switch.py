"""The dataplane switch (`networkPolicy.dataplane` in job-executor-service, `dataplane` in
network-policies): each object a dataplane adds, judged by that dataplane's profile, allowed
where it should be, and the same flow denied when the switch says `kubernetes` (the failure
the switch fixes). Also what the switch refuses, and that the old `openshift: true` key
still renders what `dataplane: openshift` does.

The clusters are values-examples/clusters/; names the chart allows by name resolve, at
judging time, to addresses the render never saw (`resolve`), as after an address change.
"""
from __future__ import annotations

from typing import Any, Mapping

import pytest

from netpol_harness.assertions.network import NetworkAssertions, add_kube_dns, build_network
from netpol_harness.clusterfiles import read_cluster_file
from netpol_harness.helm.template import RenderResult
from netpol_harness.matrix import deep_merge
from netpol_harness.project import root as repo_root

pytestmark = pytest.mark.helm

ROOT = repo_root()
JES_CHART = ROOT / "charts" / "job-executor-service"
NP_CHART = ROOT / "charts" / "network-policies"
CILIUM_API = ["--api-versions", "cilium.io/v2/CiliumNetworkPolicy"]
JES = "jes-job-executor-service"
OPERATOR_LABELS = {"app.kubernetes.io/instance": "ibm-ep-operator", "app.kubernetes.io/name": "ibm-event-processing"}
OPERATOR = "apps/ep-operator"

# The API server at three control-plane addresses, given explicitly (GitOps).
JES_EXPLICIT = {"networkPolicy": {"ingress": {"enabled": True}, "egress": {
    "enabled": True, "k8sMasterCIDR": ["192.0.2.10/32", "192.0.2.11/32", "192.0.2.12/32"], "k8sMasterPort": 6443}}}
# A remote control plane and an OAuth provider known by name.
JES_REMOTE = deep_merge(JES_EXPLICIT, {"remoteControlPlane": {"api": {
    "hostname": "keptn.example.com", "authMode": "oauth",
    "oauth": {"clientID": "jes", "clientDiscovery": "https://sso.example.com/realms/keptn/.well-known/openid-configuration"}}}})
# The addresses the render saw (kubernetes: resolved at install) and the ones the names have now.
AT_INSTALL = {"networkPolicy": {"egress": {"remoteControlPlane": {"cidrs": ["203.0.113.20/32"]},
                                           "oauth": {"cidrs": ["203.0.113.30/32"]}}}}
NOW = {"keptn.example.com": ["203.0.113.21"], "sso.example.com": ["203.0.113.31"]}
EP_OPERATOR = {"components": {"ep-operator": {"podSelector": OPERATOR_LABELS, "webhook": {"port": 8443}}}}


def switch(values: Mapping[str, Any], dataplane: str, chart: str = "jes") -> dict:
    key = {"networkPolicy": {"dataplane": dataplane}} if chart == "jes" else {"dataplane": dataplane}
    return deep_merge(dict(values), key)


def rendered(render, chart, values: Mapping[str, Any], **kwargs) -> RenderResult:
    release, namespace = ("jes", "keptn") if chart == JES_CHART else ("ep", "apps")
    result = render(chart, values=dict(values), release=release, namespace=namespace, extra_args=CILIUM_API, **kwargs)
    assert result.ok, result.stderr
    return result


def failed(render, chart, values: Mapping[str, Any], extra_args=CILIUM_API) -> str:
    result = render(chart, values=dict(values), release="r", namespace="apps", extra_args=extra_args)
    assert not result.ok, f"the render should have stopped:\n{result.stdout}"
    assert "error calling include" not in result.stderr, result.stderr
    return result.stderr


def network(result: RenderResult, cluster_file: str, profile: str, resolve=None) -> NetworkAssertions:
    net = build_network(result, extra_objects=read_cluster_file(ROOT / "values-examples" / "clusters" / cluster_file),
                        setup=add_kube_dns, externals=["203.0.113.20", "203.0.113.30", "203.0.113.99"],
                        resolve=resolve, dataplane=profile)
    if result.namespace == "apps":
        net.add_pod("apps", "ep-operator", OPERATOR_LABELS)
    return net


def kinds(result: RenderResult) -> list[str]:
    return sorted(f"{o['kind']}/{o['metadata']['name']}" for o in result.objects if "Policy" in o["kind"])


# ---------------------------------------------------------------- the API server


def test_cilium_switch_names_the_api_server_as_the_kube_apiserver_entity_which_the_kubernetes_switch_loses_on_cilium(
        render):
    portable = network(rendered(render, JES_CHART, JES_EXPLICIT), "three-masters.yaml", "cilium")
    named = network(rendered(render, JES_CHART, switch(JES_EXPLICIT, "cilium")), "three-masters.yaml", "cilium")
    for api_server in ("apiserver", "ip:192.0.2.12", "svc:default/kubernetes:443"):
        port = 443 if api_server.startswith("svc:") else 6443
        assert portable.judged(JES, api_server, port).denied
        assert named.judged(JES, api_server, port).allowed, named.judged(JES, api_server, port).explain()
    assert named.judged(JES, "apiserver", 443).denied  # the entity on the API server's port only
    assert named.judged(JES, "ip:192.0.2.21", 6443).denied  # a worker is not the API server


def test_cilium_switch_renders_the_entity_rule_beside_an_unchanged_network_policy(render):
    portable = rendered(render, JES_CHART, JES_EXPLICIT)
    named = rendered(render, JES_CHART, switch(JES_EXPLICIT, "cilium"))
    assert [o for o in named.objects if o["kind"] != "CiliumNetworkPolicy"] == portable.objects
    cnp = next(o for o in named.objects if o["kind"] == "CiliumNetworkPolicy")
    assert cnp["metadata"]["name"] == f"{JES}-egress"
    assert cnp["spec"]["enableDefaultDeny"] == {"ingress": False, "egress": False}
    assert cnp["spec"]["egress"] == [{"toEntities": ["kube-apiserver"],
                                      "toPorts": [{"ports": [{"port": "6443", "protocol": "TCP"}]}]}]


def test_cilium_switch_under_gitops_needs_only_the_api_servers_port(render):
    values = switch({"networkPolicy": {"egress": {"enabled": True, "k8sMasterPort": 6443}}}, "cilium")
    result = rendered(render, JES_CHART, values)
    egress = next(o for o in result.objects if o["kind"] == "NetworkPolicy" and o["metadata"]["name"].endswith("egress"))
    assert all("ipBlock" not in p for r in egress["spec"]["egress"] for p in r.get("to", []))
    assert network(result, "three-masters.yaml", "cilium").judged(JES, "apiserver", 6443).allowed
    stderr = failed(render, JES_CHART, switch({"networkPolicy": {"egress": {"enabled": True}}}, "cilium"))
    assert "networkPolicy.egress.k8sMasterCIDR" in stderr
    assert "On the cilium dataplane networkPolicy.egress.k8sMasterPort alone is enough" in stderr


def test_cilium_switch_refuses_the_api_server_on_every_port_which_would_open_its_hosts_every_port(render):
    values = switch(deep_merge(JES_EXPLICIT, {"networkPolicy": {"egress": {"k8sMasterPort": 0}}}), "cilium")
    stderr = failed(render, JES_CHART, values)
    assert "networkPolicy.egress.k8sMasterPort: on the cilium dataplane the API server is also named as the " \
           "kube-apiserver entity, which on every port would open every port of the API server's hosts" in stderr


# ---------------------------------------------------------------- hosts by name


@pytest.mark.parametrize("host, at_install, now", [("keptn.example.com", "203.0.113.20", "203.0.113.21"),
                                                   ("sso.example.com", "203.0.113.30", "203.0.113.31")])
def test_cilium_switch_allows_a_host_by_name_after_its_address_changes_where_the_kubernetes_switch_keeps_the_old_one(
        render, host, at_install, now):
    portable = network(rendered(render, JES_CHART, deep_merge(JES_REMOTE, AT_INSTALL)), "one-master.yaml", "cilium",
                       resolve=NOW)
    named = network(rendered(render, JES_CHART, switch(JES_REMOTE, "cilium")), "one-master.yaml", "cilium", resolve=NOW)
    assert portable.judged(JES, f"ip:{at_install}", 443).allowed
    assert portable.judged(JES, f"ip:{now}", 443).denied
    assert named.judged(JES, f"ip:{now}", 443).allowed, named.judged(JES, f"ip:{now}", 443).explain()
    assert named.judged(JES, f"ip:{at_install}", 443).denied  # nothing was resolved at install
    assert named.judged(JES, f"ip:{now}", 80).denied
    assert named.judged(JES, "ip:203.0.113.99", 443).denied


def test_cilium_switch_adds_the_dns_rule_cilium_needs_to_see_the_lookups_and_only_then(render):
    cnp = next(o for o in rendered(render, JES_CHART, switch(JES_REMOTE, "cilium")).objects
               if o["kind"] == "CiliumNetworkPolicy")
    dns = cnp["spec"]["egress"][0]
    assert dns["toEndpoints"] == [{"matchLabels": {"k8s:k8s-app": "kube-dns", "k8s:io.kubernetes.pod.namespace": "kube-system"},
                                   "matchExpressions": [{"key": "k8s:io.kubernetes.pod.namespace", "operator": "Exists"}]}]
    assert dns["toPorts"][0]["rules"] == {"dns": [{"matchPattern": "*"}]}
    assert {f["matchName"] for r in cnp["spec"]["egress"] for f in r.get("toFQDNs", [])} == \
        {"keptn.example.com", "sso.example.com"}
    no_names = next(o for o in rendered(render, JES_CHART, switch(JES_EXPLICIT, "cilium")).objects
                    if o["kind"] == "CiliumNetworkPolicy")
    assert not any("toEndpoints" in r for r in no_names["spec"]["egress"])


def test_address_fallback_keeps_the_address_resolved_at_install_beside_the_name(render):
    values = switch(deep_merge(JES_REMOTE, {"remoteControlPlane": {"api": {"hostname": "203.0.113.20"}},
                                            "networkPolicy": {"egress": {"oauth": {"addressFallback": True}}}}), "cilium")
    # An IP literal needs no resolver; the OAuth host falls back to its explicit address below.
    values = deep_merge(values, {"networkPolicy": {"egress": {"oauth": {"cidrs": ["203.0.113.30/32"]}}}})
    net = network(rendered(render, JES_CHART, values), "one-master.yaml", "cilium", resolve=NOW)
    assert net.judged(JES, "ip:203.0.113.20", 443).allowed  # the literal: an ipBlock on every dataplane
    assert net.judged(JES, "ip:203.0.113.30", 443).allowed  # the address given
    assert net.judged(JES, "ip:203.0.113.31", 443).allowed  # and the name


def test_names_without_a_dns_peer_in_the_policy_stop_the_render_on_cilium(render):
    values = switch({"components": {"web": {"podSelector": {"app": "web"},
                                            "egress": [{"ports": [443], "to": [{"hosts": "api.example.com"}]}]}}},
                    "cilium", chart="np")
    stderr = failed(render, NP_CHART, values)
    assert "components.web: hosts or urls peers are enforced by name on the cilium dataplane" in stderr
    assert "add a dns peer" in stderr


# ---------------------------------------------------------------- webhook callers


def test_cilium_switch_admits_the_api_servers_webhook_calls_that_the_cidrs_mode_loses_on_cilium(render):
    cidrs = deep_merge(EP_OPERATOR, {"components": {"ep-operator": {"webhook": {"mode": "cidrs",
                                                                                 "cidrs": ["192.0.2.10/32"]}}}})
    entity = switch(deep_merge(EP_OPERATOR, {"components": {"ep-operator": {"webhook": {"mode": "apiServer"}}}}),
                    "cilium", chart="np")
    portable = network(rendered(render, NP_CHART, cidrs), "one-master.yaml", "cilium")
    named = network(rendered(render, NP_CHART, entity), "one-master.yaml", "cilium")
    assert portable.judged("apiserver", OPERATOR, 8443).denied
    assert named.judged("apiserver", OPERATOR, 8443).allowed, named.judged("apiserver", OPERATOR, 8443).explain()
    assert named.judged("ip:192.0.2.21", OPERATOR, 8443).denied  # another node's host traffic
    assert named.judged("apiserver", OPERATOR, 9443).denied


@pytest.mark.parametrize("dataplane, fragment", [
    ("kubernetes", "a NetworkPolicy cannot name them on the kubernetes dataplane"),
    ("openshift", "OpenShift's host-network namespace also holds every other host-network caller"),
])
def test_webhook_mode_api_server_is_refused_where_the_dataplane_cannot_tell_the_api_server_apart(
        render, dataplane, fragment):
    values = switch(deep_merge(EP_OPERATOR, {"components": {"ep-operator": {"webhook": {"mode": "apiServer"}}}}),
                    dataplane, chart="np")
    stderr = failed(render, NP_CHART, values)
    assert "components.ep-operator.webhook.hostNetwork.apiServer" in stderr and fragment in stderr


def test_openshift_webhook_mode_is_refused_on_cilium_where_the_label_selects_nothing(render):
    values = switch(deep_merge(EP_OPERATOR, {"components": {"ep-operator": {"webhook": {"mode": "openshift"}}}}),
                    "cilium", chart="np")
    assert "write hostNetwork: {apiServer: true}" in failed(render, NP_CHART, values)


# ---------------------------------------------------------------- openshift and the old key


def test_dataplane_openshift_renders_what_the_deprecated_openshift_key_did_and_notes_say_so(render):
    old = rendered(render, NP_CHART, {**EP_OPERATOR, "openshift": True}, notes=True)
    new = rendered(render, NP_CHART, switch(EP_OPERATOR, "openshift", chart="np"), notes=True)
    assert new.objects == old.objects
    rule = new.objects[0]["spec"]["ingress"][0]
    assert rule["from"] == [{"namespaceSelector": {"matchLabels": {"policy-group.network.openshift.io/host-network": ""}}}]
    assert "Deprecated: openshift: true" in old.notes and "set dataplane: openshift" in old.notes
    assert "Deprecated" not in new.notes


def test_the_openshift_key_beside_another_dataplane_stops_the_render(render):
    stderr = failed(render, NP_CHART, {**switch(EP_OPERATOR, "cilium", chart="np"), "openshift": True})
    assert 'openshift: true (deprecated) means dataplane: openshift, but dataplane is "cilium"' in stderr


def test_jes_openshift_switch_sends_dns_to_openshifts_5353_unless_the_preset_says_otherwise(render):
    egress = lambda values: next(o for o in rendered(render, JES_CHART, values).objects  # noqa: E731
                                 if o["metadata"]["name"].endswith("egress"))["spec"]["egress"][0]["ports"]
    assert {p["port"] for p in egress(switch(JES_EXPLICIT, "openshift"))} == {5353}
    preset = deep_merge(switch(JES_EXPLICIT, "openshift"), {"networkPolicy": {"egress": {"dns": {"preset": "kubernetes"}}}})
    assert {p["port"] for p in egress(preset)} == {53}


# ---------------------------------------------------------------- what the cluster must serve


@pytest.mark.parametrize("chart, values", [(JES_CHART, switch(JES_EXPLICIT, "cilium")),
                                           (NP_CHART, switch(EP_OPERATOR, "cilium", chart="np"))],
                         ids=["job-executor-service", "network-policies"])
def test_cilium_switch_stops_the_render_when_the_cluster_does_not_serve_cilium_network_policies(render, chart, values):
    stderr = failed(render, chart, values, extra_args=[])
    where = "networkPolicy.dataplane" if chart == JES_CHART else "dataplane"
    assert f"{where}: cilium renders CiliumNetworkPolicies, but the cluster does not serve " \
           "cilium.io/v2/CiliumNetworkPolicy" in stderr
    assert "--api-versions cilium.io/v2/CiliumNetworkPolicy" in stderr


def test_an_unknown_dataplane_is_refused_by_the_values_schema(render):
    stderr = failed(render, JES_CHART, switch(JES_EXPLICIT, "calico"))
    assert "dataplane" in stderr and "kubernetes" in stderr


def test_the_kubernetes_switch_renders_no_cilium_policy_and_notes_name_the_snapshot(render):
    portable = rendered(render, JES_CHART, deep_merge(switch(JES_REMOTE, "kubernetes"), AT_INSTALL), notes=True)
    assert kinds(portable) == [f"NetworkPolicy/{JES}-egress", f"NetworkPolicy/{JES}-ingress"]
    assert "a snapshot taken at install time" in portable.notes
    named = rendered(render, JES_CHART, switch(JES_REMOTE, "cilium"), notes=True)
    assert kinds(named) == [f"CiliumNetworkPolicy/{JES}-egress", f"NetworkPolicy/{JES}-egress",
                            f"NetworkPolicy/{JES}-ingress"]
    assert "Names\nstay right when their addresses change" in named.notes
    assert "kubectl get networkpolicy,ciliumnetworkpolicy" in named.notes
