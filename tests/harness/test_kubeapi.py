"""The in-memory Kubernetes API server speaks enough of the real protocol for helm,
and refuses what it does not implement with a Kubernetes Status."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from netpol_harness.kubeapi import (
    control_plane,
    json_merge_patch,
    json_patch,
    label_selector,
    strategic_merge_patch,
)

PROBE_CHART = Path(__file__).parents[1] / "data" / "charts" / "lookup-probe"
CILIUM_CHART = Path(__file__).parents[1] / "data" / "charts" / "cilium-capability"


def call(kubeapi, method: str, path: str, body: Any = None,
         content_type: str = "application/json") -> tuple[int, dict]:
    """One raw REST call, the way client-go makes it."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(kubeapi.server.url + path, data=data, method=method,
                                 headers={"Content-Type": content_type, "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def secret(name: str, labels: dict[str, str], **data: str) -> dict:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "labels": labels},
            "type": "Opaque", "data": data}


@pytest.fixture
def api(kubeapi):
    kubeapi.cluster  # skips on a real cluster: these tests talk to the server directly
    return kubeapi


# ---------------------------------------------------------------- discovery

def test_discovery_lists_every_group_version_helm_reads(api):
    assert call(api, "GET", "/version")[1]["gitVersion"] == "v1.30.0"
    assert call(api, "GET", "/api")[1]["versions"] == ["v1"]
    groups = {g["name"]: g["preferredVersion"]["groupVersion"] for g in call(api, "GET", "/apis")[1]["groups"]}
    assert groups["discovery.k8s.io"] == "discovery.k8s.io/v1"
    assert groups["networking.k8s.io"] == "networking.k8s.io/v1"
    kinds = {r["kind"]: r["namespaced"] for r in call(api, "GET", "/apis/discovery.k8s.io/v1")[1]["resources"]}
    assert kinds == {"EndpointSlice": True}
    core = {r["name"] for r in call(api, "GET", "/api/v1")[1]["resources"]}
    assert {"secrets", "endpoints", "namespaces", "serviceaccounts", "configmaps", "services"} <= core


def test_discovery_serves_ciliums_policy_kinds(api):
    """What a cluster running Cilium lists, so charts can ask for cilium.io/v2 by capability."""
    groups = {g["name"]: g["preferredVersion"]["groupVersion"] for g in call(api, "GET", "/apis")[1]["groups"]}
    assert groups["cilium.io"] == "cilium.io/v2"
    assert call(api, "GET", "/apis/cilium.io")[1]["preferredVersion"]["groupVersion"] == "cilium.io/v2"
    resources = {r["kind"]: (r["name"], r["namespaced"], r["shortNames"])
                 for r in call(api, "GET", "/apis/cilium.io/v2")[1]["resources"]}
    assert resources == {
        "CiliumNetworkPolicy": ("ciliumnetworkpolicies", True, ["cnp", "ciliumnp"]),
        "CiliumClusterwideNetworkPolicy": ("ciliumclusterwidenetworkpolicies", False, ["ccnp"]),
    }
    ccnp = {"apiVersion": "cilium.io/v2", "kind": "CiliumClusterwideNetworkPolicy", "metadata": {"name": "c"},
            "spec": {"endpointSelector": {}}}
    assert call(api, "POST", "/apis/cilium.io/v2/ciliumclusterwidenetworkpolicies", ccnp)[0] == 201
    assert [o["metadata"]["name"] for o in api.objects("CiliumClusterwideNetworkPolicy")] == ["c"]
    # Cluster-scoped: a namespaced path is not served.
    assert call(api, "GET", "/apis/cilium.io/v2/namespaces/default/ciliumclusterwidenetworkpolicies")[0] == 404


# ---------------------------------------------------------------- refusals

@pytest.mark.parametrize("method, path, code, reason", [
    ("GET", "/apis/example.com/v1/widgets", 404, "NotFound"),
    ("GET", "/api/v1/namespaces/default/widgets", 404, "NotFound"),
    ("GET", "/api/v1/namespaces/default/pods/p/log", 404, "NotFound"),
    ("GET", "/api/v1/namespaces/default/secrets?watch=true", 405, "MethodNotAllowed"),
    ("DELETE", "/api/v1/namespaces/default/secrets", 405, "MethodNotAllowed"),
    ("GET", "/api/v1/namespaces/default/secrets/absent", 404, "NotFound"),
])
def test_what_is_not_served_is_refused_with_a_status(api, method, path, code, reason):
    status, body = call(api, method, path)
    assert (status, body["kind"], body["status"], body["reason"], body["code"]) == \
        (code, "Status", "Failure", reason, code)


def pb(number: int, payload: bytes) -> bytes:
    """One length-delimited protobuf field (payloads < 128 bytes)."""
    return bytes([number << 3 | 2, len(payload)]) + payload


def protobuf_object(api_version: str, kind: str, raw: bytes) -> bytes:
    """Kubernetes' protobuf envelope: magic, then runtime.Unknown{typeMeta, raw}."""
    return b"k8s\x00" + pb(1, pb(1, api_version.encode()) + pb(2, kind.encode())) + pb(2, raw)


def test_protobuf_secrets_are_decoded_as_helm4_writes_them(api):
    meta = pb(1, b"sh.helm.release.v1.r.v1") + pb(11, pb(1, b"owner") + pb(2, b"helm")) + \
        pb(11, pb(1, b"name") + pb(2, b"r"))
    body = protobuf_object("v1", "Secret", pb(1, meta) + pb(2, pb(1, b"release") + pb(2, b"H4sI")) +
                           pb(3, b"helm.sh/release.v1"))
    status, created = call(api, "POST", "/api/v1/namespaces/default/secrets", body,
                           content_type="application/vnd.kubernetes.protobuf")
    assert status == 201, created
    assert created["metadata"]["labels"] == {"owner": "helm", "name": "r"}
    assert created["data"] == {"release": "SDRzSQ=="}  # bytes come back base64, as in JSON
    assert created["type"] == "helm.sh/release.v1"


def test_protobuf_bodies_of_other_kinds_are_refused_not_misread(api):
    body = protobuf_object("v1", "ConfigMap", pb(1, pb(1, b"c")))
    status, reply = call(api, "POST", "/api/v1/namespaces/default/configmaps", body,
                         content_type="application/vnd.kubernetes.protobuf")
    assert (status, reply["kind"], reply["reason"]) == (415, "Status", "UnsupportedMediaType")
    status, reply = call(api, "POST", "/api/v1/namespaces/default/secrets", b"k8s\x00\x0a\x7f",
                         content_type="application/vnd.kubernetes.protobuf")
    assert (status, reply["reason"]) == (400, "BadRequest")


# ---------------------------------------------------------------- Secrets: helm's release storage

def test_secrets_round_trip_with_label_selectors(api):
    base = "/api/v1/namespaces/default/secrets"
    assert call(api, "POST", base, secret("r.v1", {"name": "r", "owner": "helm", "status": "superseded"}))[0] == 201
    assert call(api, "POST", base, secret("r.v2", {"name": "r", "owner": "helm", "status": "deployed"}))[0] == 201
    assert call(api, "POST", base, secret("other", {"name": "s", "owner": "helm"}))[0] == 201

    def names(selector: str) -> list[str]:
        status, body = call(api, "GET", f"{base}?labelSelector={urllib.request.quote(selector)}")
        assert status == 200 and body["kind"] == "SecretList"
        return [i["metadata"]["name"] for i in body["items"]]

    assert names("name=r,owner=helm") == ["r.v1", "r.v2"]
    assert names("owner=helm,status=deployed") == ["r.v2"]
    assert names("name!=r") == ["other"]
    assert names("status in (deployed,superseded),name==r") == ["r.v1", "r.v2"]
    assert names("status notin (deployed)") == ["other", "r.v1"]
    assert names("!status") == ["other"]


def test_update_checks_the_resource_version_and_bumps_it(api):
    base = "/api/v1/namespaces/default/secrets"
    _, created = call(api, "POST", base, secret("s", {"a": "1"}))
    rv = created["metadata"]["resourceVersion"]
    changed = dict(created, data={"k": "dg=="})
    status, updated = call(api, "PUT", f"{base}/s", changed)
    assert status == 200 and int(updated["metadata"]["resourceVersion"]) > int(rv)
    assert updated["metadata"]["uid"] == created["metadata"]["uid"]
    status, conflict = call(api, "PUT", f"{base}/s", changed)  # still carries the old version
    assert (status, conflict["reason"]) == (409, "Conflict")


def test_create_refuses_duplicates_and_missing_namespaces(api):
    base = "/api/v1/namespaces/default/secrets"
    assert call(api, "POST", base, secret("s", {}))[0] == 201
    status, body = call(api, "POST", base, secret("s", {}))
    assert (status, body["reason"], body["message"]) == (409, "AlreadyExists", 'secrets "s" already exists')
    status, body = call(api, "POST", "/api/v1/namespaces/nowhere/secrets", secret("s", {}))
    assert (status, body["message"]) == (404, 'namespaces "nowhere" not found')


def test_delete_removes_and_then_answers_not_found(api):
    base = "/apis/networking.k8s.io/v1/namespaces/default/networkpolicies"
    pol = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "p"},
           "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}
    assert call(api, "POST", base, pol)[0] == 201
    status, body = call(api, "DELETE", f"{base}/p")
    assert (status, body["status"]) == (200, "Success")
    status, body = call(api, "GET", f"{base}/p")
    assert (status, body["message"]) == (404, 'networkpolicies.networking.k8s.io "p" not found')


def test_server_side_apply_creates_then_replaces_for_one_manager(api):
    path = "/api/v1/namespaces/default/configmaps/c"
    doc = b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: '1', b: '2'}\n"
    status, _ = call(api, "PATCH", path, doc, content_type="application/apply-patch+yaml")
    assert status == 422  # fieldManager is required for apply
    status, created = call(api, "PATCH", path + "?fieldManager=helm", doc, content_type="application/apply-patch+yaml")
    assert (status, created["data"]) == (201, {"a": "1", "b": "2"})
    doc2 = b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: '3'}\n"
    status, applied = call(api, "PATCH", path + "?fieldManager=helm", doc2, content_type="application/apply-patch+yaml")
    assert (status, applied["data"]) == (200, {"a": "3"})
    assert applied["metadata"]["uid"] == created["metadata"]["uid"]


# ---------------------------------------------------------------- faults

def test_forbidden_answers_with_the_rbac_message_of_a_real_server(api):
    api.fail("endpointslices", 403)
    status, body = call(api, "GET", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices")
    assert (status, body["reason"]) == (403, "Forbidden")
    assert body["message"] == (
        'endpointslices.discovery.k8s.io is forbidden: User "system:serviceaccount:ci:deployer" cannot list '
        'resource "endpointslices" in API group "discovery.k8s.io" in the namespace "default"')
    api.fail("endpoints", 403)
    _, body = call(api, "GET", "/api/v1/namespaces/default/endpoints/kubernetes")
    assert body["message"] == ('endpoints "kubernetes" is forbidden: User "system:serviceaccount:ci:deployer" '
                               'cannot get resource "endpoints" in API group "" in the namespace "default"')


def test_internal_errors_and_slow_answers_are_injected_per_resource(api):
    api.seed(control_plane([("IPv4", ["10.0.0.10"])], ["10.0.0.10"]))
    api.fail("endpoints", 500)
    api.slow("endpointslices", 0.3)
    status, body = call(api, "GET", "/api/v1/namespaces/default/endpoints/kubernetes")
    assert (status, body["reason"], body["code"]) == (500, "InternalError", 500)
    started = time.monotonic()
    status, body = call(api, "GET", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices")
    assert time.monotonic() - started >= 0.3
    assert status == 200 and [s["metadata"]["name"] for s in body["items"]] == ["kubernetes"]


# ---------------------------------------------------------------- pure semantics

def test_label_selector_terms():
    match = label_selector("app=web,tier!=db,env in (prod, stage),!canary,release")
    assert match({"app": "web", "env": "prod", "release": "1"})
    assert not match({"app": "web", "env": "prod", "release": "1", "canary": "y"})
    assert not match({"app": "web", "env": "dev", "release": "1"})
    assert not match({"app": "web", "tier": "db", "env": "prod", "release": "1"})
    assert not match({"app": "web", "env": "prod"})


def test_strategic_merge_merges_containers_by_name_and_replaces_atomic_lists():
    live = {"spec": {"template": {"spec": {"containers": [
        {"name": "app", "image": "a:1", "env": [{"name": "X", "value": "1"}]},
        {"name": "sidecar", "image": "s:1"}]}},
        "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.10/32"}}]}, {"ports": [{"port": 53}]}]}}
    patch = {"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "app"}],
        "containers": [{"name": "app", "image": "a:2", "env": [{"name": "Y", "value": "2"}]},
                       {"name": "sidecar", "$patch": "delete"}]}},
        "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.20/32"}}]}]}}
    out = strategic_merge_patch(live, patch, "Deployment")
    assert out["spec"]["template"]["spec"]["containers"] == [
        {"name": "app", "image": "a:2", "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}]}]
    assert out["spec"]["egress"] == [{"to": [{"ipBlock": {"cidr": "10.0.0.20/32"}}]}]


def test_strategic_merge_null_deletes_and_replace_directive_replaces():
    live = {"metadata": {"labels": {"a": "1", "b": "2"}}, "data": {"x": "1", "y": "2"}}
    out = strategic_merge_patch(live, {"metadata": {"labels": {"b": None}}, "data": {"$patch": "replace", "z": "3"}},
                                "ConfigMap")
    assert out == {"metadata": {"labels": {"a": "1"}}, "data": {"z": "3"}}


def test_service_ports_merge_by_port_and_container_ports_by_container_port():
    live = {"spec": {"ports": [{"port": 80, "name": "http"}, {"port": 443, "name": "https"}]}}
    out = strategic_merge_patch(live, {"spec": {"ports": [{"port": 80, "targetPort": 8080}]}}, "Service")
    assert out["spec"]["ports"] == [{"port": 80, "name": "http", "targetPort": 8080}, {"port": 443, "name": "https"}]


def test_json_merge_and_json_patch_follow_their_rfcs():
    assert json_merge_patch({"a": {"b": 1, "c": 2}, "l": [1]}, {"a": {"b": None}, "l": [2]}) == \
        {"a": {"c": 2}, "l": [2]}
    doc = {"spec": {"ports": [{"port": 1}]}}
    assert json_patch(doc, [{"op": "add", "path": "/spec/ports/-", "value": {"port": 2}},
                            {"op": "replace", "path": "/spec/ports/0/port", "value": 3},
                            {"op": "test", "path": "/spec/ports/1/port", "value": 2}]) == \
        {"spec": {"ports": [{"port": 3}, {"port": 2}]}}


# ---------------------------------------------------------------- the real helm

@pytest.mark.helm
def test_helm_install_upgrade_uninstall_round_trip(api):
    api.seed("single-master")
    helm = api.helm()
    run = helm.install("probe", PROBE_CHART)
    assert run.ok, run.error
    # lookup read the seeded cluster: the probe recorded what it saw.
    seen = run.named("ConfigMap", "probe-probe")["data"]
    slices = json.loads(seen["endpointSlices"])["items"]
    assert [s["endpoints"][0]["addresses"] for s in slices] == [["10.0.0.10"]]
    assert json.loads(seen["endpoints"])["subsets"][0]["ports"][0]["port"] == 6443
    assert json.loads(seen["missing"]) == {}  # NotFound is an empty map, not an error
    assert seen["hasEndpointSlice"] == "true"
    stored = {o["kind"] for kind in ("ServiceAccount", "Role", "RoleBinding", "Deployment", "NetworkPolicy",
                                     "Service", "ConfigMap") for o in api.objects(kind)}
    assert stored == {"ServiceAccount", "Role", "RoleBinding", "Deployment", "NetworkPolicy", "Service", "ConfigMap"}
    release = [s for s in api.objects("Secret") if s.get("type") == "helm.sh/release.v1"]
    assert [(s["metadata"]["name"], s["metadata"]["labels"]["status"]) for s in release] == \
        [("sh.helm.release.v1.probe.v1", "deployed")]

    run = helm.upgrade("probe", PROBE_CHART, set_values=["replicas=2", "policyPort=9090", "service=false",
                                                         "env.MODE=strict"])
    assert run.ok, run.error
    deployment = api.objects("Deployment")[0]
    assert deployment["spec"]["replicas"] == 2
    assert deployment["metadata"]["generation"] == 2
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["ports"] == [{"name": "http", "containerPort": 9090}]
    assert container["env"] == [{"name": "MODE", "value": "strict"}]
    assert api.objects("NetworkPolicy")[0]["spec"]["ingress"] == [{"ports": [{"port": 9090, "protocol": "TCP"}]}]
    assert api.objects("Service") == []  # left the chart, so helm deleted it
    assert {s["metadata"]["labels"]["status"] for s in api.objects("Secret")
            if s.get("type") == "helm.sh/release.v1"} == {"superseded", "deployed"}

    assert helm.uninstall("probe").ok
    assert api.objects("Deployment") == [] and api.objects("NetworkPolicy") == []
    assert [s for s in api.objects("Secret") if s.get("type") == "helm.sh/release.v1"] == []


@pytest.mark.helm
def test_helm_creates_the_release_namespace_when_asked(api):
    run = api.helm(namespace="jobs").install("probe", PROBE_CHART, extra=["--create-namespace"])
    assert run.ok, run.error
    assert "jobs" in [n["metadata"]["name"] for n in api.objects("Namespace")]
    assert [d["metadata"]["namespace"] for d in api.objects("Deployment")] == ["jobs"]


@pytest.mark.helm
def test_helm_reports_a_forbidden_lookup_with_the_servers_message(api):
    api.seed("single-master")
    api.fail("endpointslices", 403)
    run = api.helm().install("probe", PROBE_CHART)
    assert not run.ok
    assert 'cannot list resource "endpointslices" in API group "discovery.k8s.io"' in run.error
    assert api.objects("Deployment") == []


@pytest.mark.helm
def test_helm_lists_endpointslices_in_default_for_lookup(api):
    api.seed("dual-stack")
    assert api.helm().install("probe", PROBE_CHART).ok
    calls = [(r.method, r.path) for r in api.requests]
    assert ("GET", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices") in calls
    assert ("GET", "/api/v1/namespaces/default/endpoints/kubernetes") in calls
    # Every answer the server gave helm was a success or an expected NotFound.
    assert {r.code for r in api.requests} <= {200, 201, 404}


@pytest.mark.helm
def test_helm_install_sees_the_cilium_capability_and_stores_the_policy(api):
    """The chart fails unless `.Capabilities.APIVersions.Has "cilium.io/v2/CiliumNetworkPolicy"`;
    helm install reads that from the server's discovery, with no --api-versions."""
    run = api.helm().install("cnp", CILIUM_CHART)
    assert run.ok, run.error
    assert [p["metadata"]["name"] for p in run.kind("CiliumNetworkPolicy")] == ["cnp-egress"]
    stored = api.objects("CiliumNetworkPolicy", "default")
    assert [(p["metadata"]["name"], p["spec"]["egress"][0]["toCIDR"]) for p in stored] == \
        [("cnp-egress", ["10.0.0.0/24"])]
    # An upgrade patches the custom resource with a merge patch (helm's choice for
    # kinds outside its scheme); strategic merge patch is refused, as for any CRD.
    run = api.helm().upgrade("cnp", CILIUM_CHART, set_values=["apiServerCIDR=10.1.0.0/24"])
    assert run.ok, run.error
    assert api.objects("CiliumNetworkPolicy")[0]["spec"]["egress"][0]["toCIDR"] == ["10.1.0.0/24"]
    assert {r.code for r in api.requests} <= {200, 201, 404}
    path = "/apis/cilium.io/v2/namespaces/default/ciliumnetworkpolicies/cnp-egress"
    status, body = call(api, "PATCH", path, {"spec": {}}, content_type="application/strategic-merge-patch+json")
    assert (status, body["reason"]) == (415, "UnsupportedMediaType")
    assert api.helm().uninstall("cnp").ok
    assert api.objects("CiliumNetworkPolicy") == []
