"""The job-executor-service chart finds the Kubernetes API server with `lookup`,
installed by the real `helm install` / `helm upgrade` against an API server.

The egress policy's API-server rule must name the endpoint addresses and the
endpoint port (policies see traffic after Service translation), read from the
EndpointSlices of the `kubernetes` Service first and from v1 Endpoints second;
explicit values win; when nothing is found or the read is refused, the install
stops with a message that says what to do.
"""
from __future__ import annotations

import json
from typing import Any

import pytest

from netpol_harness.environments import install_in_memory
from netpol_harness.helm.install import HelmRun
from netpol_harness.kubeapi import control_plane
from netpol_harness.project import root as repo_root

pytestmark = pytest.mark.helm

PROBE_CHART = repo_root() / "tests" / "data" / "charts" / "lookup-probe"
JES_CHART = repo_root() / "charts" / "job-executor-service"
DEPLOYER = "system:serviceaccount:ci:deployer"


def egress_values(**egress: Any) -> dict:
    return {"networkPolicy": {"egress": {"enabled": True, **egress}}}


def install(kubeapi, **egress: Any) -> HelmRun:
    return kubeapi.helm().install(kubeapi.release_name(), JES_CHART, values=egress_values(**egress))


def egress_policy(objects: list[dict]) -> dict:
    found = [o for o in objects if o.get("kind") == "NetworkPolicy" and o["metadata"]["name"].endswith("-egress")]
    assert len(found) == 1, [o["metadata"]["name"] for o in objects if o.get("kind") == "NetworkPolicy"]
    return found[0]


def api_server_targets(policy: dict) -> set[tuple[str, int | None]]:
    """(cidr, TCP port) for every egress rule made of ipBlocks only: the API-server rules.

    With the default values no other rule uses ipBlocks (DNS and the Keptn
    gateway are selected by labels). A rule without ports yields port None.
    """
    targets: set[tuple[str, int | None]] = set()
    for rule in policy["spec"].get("egress") or []:
        peers = rule.get("to") or []
        if not peers or not all(set(p) == {"ipBlock"} for p in peers):
            continue
        ports = [(p.get("port"), p.get("protocol", "TCP")) for p in rule.get("ports") or []]
        assert all(proto == "TCP" for _, proto in ports), rule
        for peer in peers:
            assert "except" not in peer["ipBlock"], rule
            for port in [p for p, _ in ports] or [None]:
                targets.add((peer["ipBlock"]["cidr"], port))
    return targets


def installed_targets(run: HelmRun) -> set[tuple[str, int | None]]:
    assert run.ok, run.error
    return api_server_targets(egress_policy(run.objects))


# ---------------------------------------------------------------- autodetection

def test_single_master_gives_its_address_and_port(kubeapi):
    kubeapi.seed("single-master")
    assert installed_targets(install(kubeapi)) == {("10.0.0.10/32", 6443)}


def test_three_masters_give_three_addresses_on_one_port(kubeapi):
    kubeapi.seed("three-masters")
    assert installed_targets(install(kubeapi)) == {
        ("10.0.0.10/32", 6443), ("10.0.0.11/32", 6443), ("10.0.0.12/32", 6443)}


def test_dual_stack_gives_a_slash32_and_a_slash128(kubeapi):
    kubeapi.seed("dual-stack")
    assert installed_targets(install(kubeapi)) == {("10.0.0.10/32", 6443), ("fd00::10/128", 6443)}


def test_endpointslices_win_over_endpoints(kubeapi):
    kubeapi.seed(control_plane(slices=[("IPv4", ["10.0.0.20"])], endpoints=["10.0.0.99"]))
    assert installed_targets(install(kubeapi)) == {("10.0.0.20/32", 6443)}


def test_endpoints_are_the_fallback_when_there_are_no_slices(kubeapi):
    kubeapi.seed("endpoints-only")
    assert installed_targets(install(kubeapi)) == {("10.0.0.10/32", 6443)}


def test_only_ready_endpoints_are_allowed(kubeapi):
    kubeapi.seed(control_plane(slices=[("IPv4", ["10.0.0.10", "10.0.0.11"])], endpoints=["10.0.0.10", "10.0.0.11"],
                               not_ready=["10.0.0.11"]))
    assert installed_targets(install(kubeapi)) == {("10.0.0.10/32", 6443)}


def test_slices_of_other_services_are_ignored(kubeapi):
    other = control_plane(slices=[("IPv4", ["10.96.5.5"])], port=8443)[0]
    other["metadata"].update(name="webhook-abcde", labels={"kubernetes.io/service-name": "webhook"})
    kubeapi.seed([other, *control_plane(slices=[("IPv4", ["10.0.0.10"])])])
    assert installed_targets(install(kubeapi)) == {("10.0.0.10/32", 6443)}


@pytest.mark.parametrize("state, port", [("single-master", 6443), ("single-master-443", 443),
                                         ("single-master-k3s", 6444)])
def test_the_port_is_the_endpoint_port_not_the_service_port(kubeapi, state, port):
    kubeapi.seed(state)
    assert installed_targets(install(kubeapi)) == {("10.0.0.10/32", port)}


def test_the_rule_matches_what_lookup_sees_in_the_cluster(kubeapi):
    """Also meaningful on a real cluster: the probe chart records what lookup returns."""
    if not kubeapi.real:
        kubeapi.seed("three-masters")
    probe = kubeapi.helm().install(kubeapi.release_name("probe"), PROBE_CHART)
    assert probe.ok, probe.error
    seen = next(o for o in probe.kind("ConfigMap") if o["metadata"]["name"].endswith("-probe"))["data"]
    expected = set()
    for s in json.loads(seen["endpointSlices"]).get("items", []):
        if s["metadata"].get("labels", {}).get("kubernetes.io/service-name") != "kubernetes":
            continue
        port = next(p["port"] for p in s["ports"] if p.get("name") == "https")
        suffix = "/32" if s["addressType"] == "IPv4" else "/128"
        expected |= {(a + suffix, port) for e in s["endpoints"] if e.get("conditions", {}).get("ready", True)
                     for a in e["addresses"]}
    assert expected, "the cluster publishes no EndpointSlices for the kubernetes Service"
    assert installed_targets(install(kubeapi)) == expected


# ---------------------------------------------------------------- nothing found, refused, broken

def test_nothing_found_stops_the_install_with_the_charts_message(kubeapi):
    kubeapi.seed("empty")
    run = install(kubeapi)
    assert not run.ok
    assert "networkPolicy.egress.k8sMasterCIDR" in run.error
    assert "--dry-run=server" in run.error
    assert kubeapi.objects("NetworkPolicy") == [] and kubeapi.objects("Deployment") == []


def test_nothing_found_with_omit_installs_without_any_api_server_rule(kubeapi):
    kubeapi.seed("empty")
    run = install(kubeapi, apiServerNotFound="omit")
    assert installed_targets(run) == set()
    # Narrower, never wider: the policy still restricts egress (DNS and the gateway only).
    policy = egress_policy(run.objects)
    assert policy["spec"]["policyTypes"] == ["Egress"]
    assert all(rule.get("to") for rule in policy["spec"]["egress"])


def test_forbidden_endpointslices_fail_with_the_rbac_that_is_missing(kubeapi):
    kubeapi.seed("single-master")
    kubeapi.fail("endpointslices", 403)
    run = install(kubeapi)
    assert not run.ok
    assert (f'endpointslices.discovery.k8s.io is forbidden: User "{DEPLOYER}" cannot list resource '
            '"endpointslices" in API group "discovery.k8s.io" in the namespace "default"') in run.error
    assert kubeapi.objects("NetworkPolicy") == []


def test_forbidden_endpoints_fail_when_the_fallback_needs_them(kubeapi):
    kubeapi.seed("empty")
    kubeapi.fail("endpoints", 403)
    run = install(kubeapi)
    assert not run.ok
    assert (f'endpoints "kubernetes" is forbidden: User "{DEPLOYER}" cannot get resource "endpoints" '
            'in API group "" in the namespace "default"') in run.error


def test_a_server_error_fails_the_install_instead_of_dropping_the_rule(kubeapi):
    kubeapi.seed("single-master")
    kubeapi.fail("endpointslices", 500)
    run = install(kubeapi)
    assert not run.ok
    assert "injected fault on endpointslices.discovery.k8s.io" in run.error
    assert kubeapi.objects("NetworkPolicy") == []


def test_a_slow_api_server_is_waited_for(kubeapi):
    kubeapi.seed("single-master")
    kubeapi.slow("endpointslices", 0.5)
    assert installed_targets(install(kubeapi)) == {("10.0.0.10/32", 6443)}


# ---------------------------------------------------------------- explicit values

def test_an_explicit_cidr_wins_over_autodetection(kubeapi):
    kubeapi.seed("single-master")
    run = install(kubeapi, k8sMasterCIDR="192.168.10.5/32", k8sMasterPort=6443)
    assert installed_targets(run) == {("192.168.10.5/32", 6443)}


def test_explicit_cidrs_need_no_read_access_to_the_endpoints(kubeapi):
    kubeapi.seed("single-master")
    kubeapi.fail("endpointslices", 403)
    kubeapi.fail("endpoints", 403)
    run = install(kubeapi, k8sMasterCIDR=["192.168.10.5/32", "192.168.10.6/32"], k8sMasterPort=[6443])
    assert installed_targets(run) == {("192.168.10.5/32", 6443), ("192.168.10.6/32", 6443)}


# ---------------------------------------------------------------- upgrade

def test_upgrade_picks_up_a_moved_api_server(kubeapi):
    kubeapi.seed("single-master")
    helm = kubeapi.helm()
    release = kubeapi.release_name()
    assert installed_targets(helm.install(release, JES_CHART, values=egress_values())) == {("10.0.0.10/32", 6443)}

    # The control plane moved (new node, new port): same objects, new addresses.
    kubeapi.seed(control_plane(slices=[("IPv4", ["10.0.0.20", "10.0.0.21"])], endpoints=["10.0.0.20", "10.0.0.21"],
                               port=443))
    run = helm.upgrade(release, JES_CHART, values=egress_values())
    assert installed_targets(run) == {("10.0.0.20/32", 443), ("10.0.0.21/32", 443)}
    # The live object was patched, not just the stored manifest.
    live = egress_policy(kubeapi.objects("NetworkPolicy"))
    assert api_server_targets(live) == {("10.0.0.20/32", 443), ("10.0.0.21/32", 443)}
    assert live["metadata"]["generation"] == 2


@pytest.mark.helm_difference("how `helm install` writes the NetworkPolicy", {
    "3.10": "POST application/json",
    "4.0": "PATCH application/apply-patch+yaml",
})
def test_install_writes_objects_the_way_each_helm_does(kubeapi, helm_expects):
    # Helm 4 applies server-side; the in-memory API server must take both.
    kubeapi.seed("single-master")
    assert install(kubeapi).ok
    writes = {f"{r.method} {r.content_type.split(';')[0]}" for r in kubeapi.requests
              if r.path.endswith("/networkpolicies") or "/networkpolicies/" in r.path} - {"GET "}
    assert writes == {helm_expects}


# ---------------------------------------------------------------- dry runs

def slices_were_read(kubeapi) -> bool:
    return any(r.path == "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices" for r in kubeapi.requests)


def test_a_client_side_dry_run_never_looks_up_so_the_chart_says_what_to_do(kubeapi):
    kubeapi.seed("single-master")
    run = kubeapi.helm().install(kubeapi.release_name(), JES_CHART, values=egress_values(), extra=["--dry-run"])
    assert not run.ok
    assert "networkPolicy.egress.k8sMasterCIDR" in run.error and "--dry-run=server" in run.error
    assert not slices_were_read(kubeapi)


@pytest.mark.helm_difference("`helm install --dry-run=server` against the cluster", {
    "3.10": 'invalid argument "server" for "--dry-run" flag',
    "3.13": "10.0.0.10/32",
})
def test_a_server_side_dry_run_looks_up_and_stores_nothing(kubeapi, helm_expects):
    kubeapi.seed("single-master")
    run = kubeapi.helm().install(kubeapi.release_name(), JES_CHART, values=egress_values(), extra=["--dry-run=server"])
    # Helm 3.10 has no server-side dry run; from 3.13 it runs lookup and shows the rule.
    assert helm_expects in run.stdout + run.stderr
    if run.ok:
        assert api_server_targets(egress_policy(run.objects)) == {("10.0.0.10/32", 6443)}
    assert kubeapi.objects("NetworkPolicy") == []


# ---------------------------------------------------------------- make demo

def test_an_example_that_needs_lookup_is_installed_into_the_in_memory_api_server():
    objects, notes = install_in_memory(JES_CHART, egress_values(), release="jes-demo", namespace="demo")
    assert api_server_targets(egress_policy(objects)) == {("10.0.0.10/32", 6443)}
    assert "Kubernetes API server at 10.0.0.10/32, 6443/TCP (autodetected from the EndpointSlice of default/kubernetes)" in notes
