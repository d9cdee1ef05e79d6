"""Helm 4's engine (in-process, helm-python-sdk) renders the job-executor-service
chart as the Helm 3 CLI does, except for the documented Helm-version behaviours
(netpol_harness.helm.sdk): DNS answers "" and lookup without a cluster is empty -- and there
the chart stops with its own message instead of rendering a policy without peers."""
from __future__ import annotations

from typing import Any

import pytest
import yaml

from netpol_harness.helm import sdk as helm4
from netpol_harness.matrix import deep_merge
from netpol_harness.helm.resolver import make_resolver, unavailable_reason as resolver_unavailable
from jes_cases import CHART, matrix_cases, offline_examples

pytestmark = [
    pytest.mark.helm,
    pytest.mark.skipif(helm4.unavailable_reason() is not None, reason=str(helm4.unavailable_reason())),
]

EXPLICIT_API = {"networkPolicy": {"egress": {"enabled": True, "k8sMasterCIDR": "10.0.0.10/32",
                                             "k8sMasterPort": 6443}}}
CASES = [pytest.param(values, id=name) for name, values in matrix_cases()] + [
    pytest.param(yaml.safe_load(path.read_text()) or {}, id=path.stem) for path in offline_examples()]


def egress_policy(objects: list[dict]) -> dict:
    (policy,) = [o for o in objects if o.get("kind") == "NetworkPolicy" and o["metadata"]["name"].endswith("-egress")]
    return policy


def ipblocks(policy: dict) -> set[tuple[str, int | None]]:
    return {(peer["ipBlock"]["cidr"], port)
            for rule in policy["spec"]["egress"] for peer in rule.get("to") or [] if "ipBlock" in peer
            for port in [p.get("port") for p in rule.get("ports") or []] or [None]}


@pytest.mark.parametrize("values", CASES)
def test_helm4_renders_the_value_matrix_like_the_helm3_cli(render, values: dict[str, Any]):
    cli = render(CHART, values=values, notes=True)
    sdk = helm4.render(CHART, values=values)
    assert sdk.ok == cli.ok, (cli.stderr, sdk.stderr)
    if not cli.ok:
        assert helm4.chart_message(sdk.stderr) == helm4.chart_message(cli.stderr)
        return
    assert helm4.canonical(sdk.objects) == helm4.canonical(cli.objects)
    assert sdk.notes == cli.notes


def test_a_host_name_gets_an_empty_answer_and_the_chart_names_enable_dns():
    values = deep_merge(EXPLICIT_API, {"remoteControlPlane": {"api": {"hostname": "keptn.example.com"}}})
    result = helm4.render(CHART, values=values)
    assert not result.ok and result.objects == []
    message = helm4.chart_message(result.stderr)
    assert message.startswith('remoteControlPlane.api.hostname: the host "keptn.example.com" resolved to nothing')
    assert "--enable-dns" in message and "networkPolicy.egress.remoteControlPlane.cidrs" in message


def test_the_oauth_provider_name_gets_the_same_message():
    values = deep_merge(EXPLICIT_API, {"remoteControlPlane": {"api": {"authMode": "oauth", "oauth": {
        "clientDiscovery": "https://sso.example.com/.well-known/openid-configuration"}}}})
    result = helm4.render(CHART, values=values)
    assert not result.ok
    assert "--enable-dns" in result.stderr and "networkPolicy.egress.oauth.cidrs" in result.stderr


def test_the_cli_resolves_where_helm4_does_not(render, tmp_path):
    """The documented difference, shown on both engines with the same values."""
    if resolver_unavailable():
        pytest.skip(f"no controlled resolver: {resolver_unavailable()}")
    values = deep_merge(EXPLICIT_API, {"remoteControlPlane": {"api": {"hostname": "keptn.example.com"}}})
    cli = render(CHART, values=values, wrapper=make_resolver({"keptn.example.com": "203.0.113.10"}, tmp_path),
                 enable_dns=True)
    assert ("203.0.113.10/32", 443) in ipblocks(egress_policy(cli.objects))
    assert not helm4.render(CHART, values=values).ok


@pytest.mark.parametrize("hostname, expected", [("203.0.113.7", ("203.0.113.7/32", 443)),
                                                ("[2001:db8::7]:8443", ("2001:db8::7/128", 8443))])
def test_ip_literals_need_no_dns_on_helm4(hostname, expected):
    values = deep_merge(EXPLICIT_API, {"remoteControlPlane": {"api": {"hostname": hostname}}})
    result = helm4.render(CHART, values=values)
    assert result.ok, result.stderr
    assert expected in ipblocks(egress_policy(result.objects))


def test_without_a_cluster_lookup_is_empty_and_the_chart_names_the_value_to_set():
    result = helm4.render(CHART, values={"networkPolicy": {"egress": {"enabled": True}}})
    assert not result.ok and result.objects == []
    message = helm4.chart_message(result.stderr)
    assert "networkPolicy.egress.k8sMasterCIDR" in message and "--dry-run=server" in message


def test_without_a_cluster_omit_renders_a_policy_without_an_api_server_rule():
    result = helm4.render(CHART, values={"networkPolicy": {"egress": {"enabled": True,
                                                                      "apiServerNotFound": "omit"}}})
    assert result.ok, result.stderr
    policy = egress_policy(result.objects)
    assert ipblocks(policy) == set()
    assert all(rule.get("to") for rule in policy["spec"]["egress"])  # no rule opened to everyone


def test_helm4_lookup_reads_the_api_server_from_endpointslices_when_given_a_cluster(kubeapi):
    # The SDK's render reports default capabilities; the chart reads slices without
    # asking Capabilities (Kubernetes >= 1.25 always serves discovery.k8s.io/v1).
    kubeapi.seed("three-masters")
    result = helm4.render(CHART, values={"networkPolicy": {"egress": {"enabled": True}}},
                          kubeconfig=kubeapi.kubeconfig)
    assert result.ok, result.stderr
    assert ipblocks(egress_policy(result.objects)) == {
        ("10.0.0.10/32", 6443), ("10.0.0.11/32", 6443), ("10.0.0.12/32", 6443)}
    calls = [(r.method, r.path) for r in kubeapi.requests]
    assert ("GET", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices") in calls
    assert ("GET", "/api/v1/namespaces/default/endpoints/kubernetes") not in calls


def test_helm4_lookup_reports_forbidden_with_the_rbac_message(kubeapi):
    kubeapi.seed("single-master")
    kubeapi.fail("endpointslices", 403)
    kubeapi.fail("endpoints", 403)
    result = helm4.render(CHART, values={"networkPolicy": {"egress": {"enabled": True}}},
                          kubeconfig=kubeapi.kubeconfig)
    assert not result.ok and result.objects == []
    assert 'is forbidden: User "system:serviceaccount:ci:deployer" cannot' in result.stderr


# ---------------------------------------------------------------- Helm 4 install (server-side apply)

def test_helm4_install_autodetects_dual_stack_from_the_endpointslices(kubeapi):
    kubeapi.seed("dual-stack")
    result = helm4.install(CHART, kubeapi.release_name(), kubeconfig=kubeapi.kubeconfig,
                           values={"networkPolicy": {"egress": {"enabled": True}}})
    assert result.ok, result.stderr
    assert ipblocks(egress_policy(result.objects)) == {("10.0.0.10/32", 6443), ("fd00::10/128", 6443)}
    assert ipblocks(egress_policy(kubeapi.objects("NetworkPolicy"))) == ipblocks(egress_policy(result.objects))
    (stored,) = [s for s in kubeapi.objects("Secret") if s.get("type") == "helm.sh/release.v1"]
    assert stored["metadata"]["labels"]["owner"] == "helm" and stored["metadata"]["labels"]["status"] == "deployed"


def test_helm4_upgrade_follows_a_moved_api_server(kubeapi):
    kubeapi.seed("single-master")
    release, values = kubeapi.release_name(), {"networkPolicy": {"egress": {"enabled": True}}}
    assert helm4.install(CHART, release, kubeconfig=kubeapi.kubeconfig, values=values).ok
    kubeapi.seed("single-master-k3s")  # same node, now behind k3s's 6444
    result = helm4.install(CHART, release, kubeconfig=kubeapi.kubeconfig, values=values, upgrade=True)
    assert result.ok, result.stderr
    assert ipblocks(egress_policy(kubeapi.objects("NetworkPolicy"))) == {("10.0.0.10/32", 6444)}


def test_helm4_install_stops_on_forbidden_endpointslices(kubeapi):
    kubeapi.seed("single-master")
    kubeapi.fail("endpointslices", 403)
    result = helm4.install(CHART, kubeapi.release_name(), kubeconfig=kubeapi.kubeconfig,
                           values={"networkPolicy": {"egress": {"enabled": True}}})
    assert not result.ok
    assert 'cannot list resource "endpointslices" in API group "discovery.k8s.io"' in result.stderr
    assert kubeapi.objects("NetworkPolicy") == []


def test_helm4_server_side_dry_run_looks_up_and_stores_nothing(kubeapi):
    kubeapi.seed("dual-stack")
    result = helm4.install(CHART, kubeapi.release_name(), kubeconfig=kubeapi.kubeconfig, dry_run="server",
                           values={"networkPolicy": {"egress": {"enabled": True}}})
    assert result.ok, result.stderr
    assert ipblocks(egress_policy(result.objects)) == {("10.0.0.10/32", 6443), ("fd00::10/128", 6443)}
    assert kubeapi.objects("NetworkPolicy") == []
    assert [s for s in kubeapi.objects("Secret") if s.get("type") == "helm.sh/release.v1"] == []


def test_helm4_client_side_dry_run_does_not_look_up(kubeapi):
    kubeapi.seed("dual-stack")
    result = helm4.install(CHART, kubeapi.release_name(), kubeconfig=kubeapi.kubeconfig, dry_run="client",
                           values={"networkPolicy": {"egress": {"enabled": True}}})
    assert not result.ok
    assert "--dry-run=server" in helm4.chart_message(result.stderr)
    assert not any("endpointslices" in r.path for r in kubeapi.requests)
