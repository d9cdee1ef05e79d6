"""A chart inside a cluster's dump: `--with` reads what `kubectl get namespaces,nodes,pods,
services,endpointslices,networkpolicies,... -A -o yaml` (or `-o json`) writes -- a `kind: List`
whose items carry status, managedFields, resourceVersion, uid, ownerReferences -- and the
chart's render goes into that cluster as it would be installed.

The dump here: namespace `shop` (the release namespace) labelled team=payments, namespace
`data` with a running pod `db` (a ReplicaSet's, with its real address) and a NetworkPolicy
letting in only namespaces labelled team=payments, a running pod of the chart's own `web`
(which the render stands for), a node, and kinds the model does not read.
"""
from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from netpol_harness import build_network
from netpol_harness.clusterfiles import ClusterFileError, read_cluster_file
from netpol_harness.loader import reset_limits, set_limits
from netpol_harness.net.cluster import Cluster
from netpol_harness.project import root as repo_root

CHART = repo_root() / "tests" / "data" / "harness" / "charts" / "twotier"
STAMP = "2026-01-02T03:04:05Z"
DB_IP = "10.12.7.9"


def served(obj: dict, k: int) -> dict:
    """`obj` as the API server returns it: uid, resourceVersion, creationTimestamp, managedFields."""
    meta = {**obj["metadata"], "uid": f"5e1c0a2e-0000-4000-8000-{k:012x}", "resourceVersion": str(1000 + k),
            "creationTimestamp": STAMP,
            "managedFields": [{"apiVersion": obj["apiVersion"], "fieldsType": "FieldsV1", "manager": "kubectl",
                               "operation": "Update", "time": STAMP, "fieldsV1": {"f:metadata": {"f:labels": {}}}}]}
    return {**obj, "metadata": meta}


def running_pod(namespace: str, name: str, replica_set: str, labels: dict, ip: str) -> dict:
    template_hash = replica_set.rpartition("-")[2]
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "generateName": f"{replica_set}-",
                         "labels": {**labels, "pod-template-hash": template_hash},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": replica_set,
                                              "uid": "0000", "controller": True, "blockOwnerDeletion": True}]},
            "spec": {"nodeName": "node-1", "containers": [
                {"name": "app", "image": "registry.example/app:1", "ports": [{"containerPort": 5432, "name": "pg"}],
                 "volumeMounts": [{"mountPath": "/var/run/secrets", "name": "token"}], "resources": {}}],
                     "volumes": [{"name": "token", "projected": {"sources": []}}]},
            "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}], "hostIP": "192.168.0.11",
                       "conditions": [{"type": "Ready", "status": "True"}],
                       "containerStatuses": [{"name": "app", "ready": True, "state": {"running": {}}}]}}


def dump(team: str = "payments") -> dict:
    shop_labels = {"kubernetes.io/metadata.name": "shop", **({"team": team} if team else {})}
    objects = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "labels": shop_labels},
         "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}},
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "data", "labels": {"team": "data"}},
         "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}},
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1", "labels": {"role": "worker"}},
         "status": {"addresses": [{"type": "InternalIP", "address": "192.168.0.11"},
                                  {"type": "Hostname", "address": "node-1"}], "images": [{"names": ["x"]}]}},
        running_pod("data", "db-6d8f9-x7k2p", "db-6d8f9", {"app": "db"}, DB_IP),
        running_pod("shop", "web-5c4b7-q9z8w", "web-5c4b7", {"app": "web"}, "10.12.1.4"),
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
         "metadata": {"name": "db-from-payments", "namespace": "data"},
         "spec": {"podSelector": {"matchLabels": {"app": "db"}}, "policyTypes": ["Ingress"],
                  "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": "payments"}}}]}]}},
        {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
         "metadata": {"name": "db-abcde", "namespace": "data", "labels": {"kubernetes.io/service-name": "db"}},
         "addressType": "IPv4", "endpoints": [{"addresses": [DB_IP]}], "ports": [{"port": 5432}]},
        {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "node-1",
                                                                              "namespace": "kube-node-lease"}},
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "data"},
         "spec": {"anything": [1, {"at": "all"}]}},
    ]
    return {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""},
            "items": [served(obj, k) for k, obj in enumerate(objects)]}


def write(path: Path, document: dict, form: str = "yaml") -> Path:
    """As kubectl writes it: block YAML with list items at their key's indent, or 4-space JSON."""
    if form == "json":
        path.write_text(json.dumps(document, indent=4))
    else:
        path.write_text(yaml.safe_dump(document, sort_keys=False, default_flow_style=False))
    return path


def netpol(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netpol_harness.cli", "--root", str(repo_root()), *map(str, args)],
                          capture_output=True, text=True, timeout=300, cwd=repo_root())


def model(objects: list[dict]) -> dict:
    cluster = Cluster.from_manifests(objects, "shop")
    return {"namespaces": {n.name: dict(n.labels) for n in cluster.namespaces},
            "pods": {p.id: (dict(p.labels), p.ips, p.ports, p.node, p.host_network) for p in cluster.pods},
            "nodes": {n.name: n.ips for n in cluster.nodes},
            "policies": sorted(p.id for p in cluster.policies)}


# --------------------------------------------------------------------------- the chart in the cluster

@pytest.mark.helm
@pytest.mark.parametrize("team, verdict", [("payments", "allowed"), ("", "denied")])
def test_the_release_namespace_takes_its_labels_from_the_dump_so_a_namespace_selector_admits_the_chart(
        tmp_path, default_helm, team, verdict):
    cluster = write(tmp_path / "dump.yaml", dump(team))
    out = netpol("reach", CHART, "--with", cluster, "--namespace", "shop", "--port", "5432", "--helm", default_helm,
                 "--explain", "shop/web", "data/db-6d8f9-x7k2p", "--expect", verdict)
    assert out.returncode == 0, out.stdout + out.stderr


def test_a_running_pod_of_a_workload_the_chart_renders_is_not_counted_twice(tmp_path):
    template = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "w"}]}}
    rendered = [{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                 "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": template}}]
    cluster = Cluster.from_manifests(rendered + read_cluster_file(write(tmp_path / "dump.yaml", dump())), "shop")
    shop = sorted(p.id for p in cluster.pods if p.namespace == "shop")
    assert shop == ["shop/web"], "the render's web stands for the dump's running web pod"
    assert cluster.pod("data/db-6d8f9-x7k2p") is not None, "another release's running pod is just a pod"


def test_a_running_workload_in_a_dump_is_its_running_pods_not_a_template(tmp_path):
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment",
                  "metadata": {"name": "db", "namespace": "data", "uid": "d-1"},
                  "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "db"}}, "template": {
                      "metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "d"}]}}}}
    document = dump()
    document["items"].append(deployment)
    cluster = Cluster.from_manifests(read_cluster_file(write(tmp_path / "dump.yaml", document)), "shop")
    assert sorted(p.id for p in cluster.pods if p.namespace == "data") == ["data/db-6d8f9-x7k2p"]


# --------------------------------------------------------------------------- reading the dump

def test_the_json_dump_gives_the_same_model_as_the_yaml_dump(tmp_path):
    from_yaml = read_cluster_file(write(tmp_path / "dump.yaml", dump()))
    from_json = read_cluster_file(write(tmp_path / "dump.json", dump(), "json"))
    assert model(from_yaml) == model(from_json)
    assert model(from_yaml)["nodes"] == {"node-1": ("192.168.0.11",)}


def test_a_dump_pod_keeps_its_address_node_and_ports_so_an_ipblock_on_its_address_selects_it(tmp_path):
    objects = read_cluster_file(write(tmp_path / "dump.yaml", dump()))
    db = Cluster.from_manifests(objects, "shop").pod("data/db-6d8f9-x7k2p")
    assert (db.ips, db.node, [p.port for p in db.ports]) == ((DB_IP,), "node-1", [5432])
    only_db = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "out"},
               "spec": {"podSelector": {}, "policyTypes": ["Egress"],
                        "egress": [{"to": [{"ipBlock": {"cidr": f"{DB_IP}/32"}}]}]}}
    client = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "client", "namespace": "shop"}, "spec": {}}
    net = build_network([only_db, client], extra_objects=objects, default_namespace="shop")
    net.allows("shop/client", "data/db-6d8f9-x7k2p", 5432)
    with pytest.raises(AssertionError):
        net.allows("shop/client", "shop/web-5c4b7-q9z8w", 5432)


def test_kinds_the_model_does_not_read_are_kept_out_quietly(tmp_path):
    objects = read_cluster_file(write(tmp_path / "dump.yaml", dump()))
    assert {o["kind"] for o in objects} >= {"Lease", "Widget", "EndpointSlice"}
    assert model(objects)["policies"] == ["data/db-from-payments"]


def test_a_kind_that_is_a_list_or_a_map_beside_running_pods_is_left_out_not_a_crash():
    # Found by the fuzzed manifests: looking such a kind up among the workload kinds raised TypeError.
    pod = running_pod("shop", "web-5d9c7b6f4-abcde", "web-5d9c7b6f4", {"app": "web"}, "10.0.0.5")
    odd = [{"apiVersion": "networking.k8s.io/v1", "kind": [], "metadata": {"name": "web", "namespace": "shop"}},
           {"apiVersion": "apps/v1", "kind": {"Deployment": 1}, "metadata": {"name": "web", "namespace": "shop"}}]
    cluster = Cluster.from_manifests([*odd, pod], "default")
    assert [p.id for p in cluster.pods] == ["shop/web-5d9c7b6f4-abcde"]


def test_a_dump_over_the_input_limit_is_one_line_naming_the_file(tmp_path):
    path = write(tmp_path / "dump.json", dump(), "json")
    set_limits(input_bytes=1024)
    try:
        with pytest.raises(ClusterFileError) as caught:
            read_cluster_file(path)
    finally:
        reset_limits()
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_a_dump_nested_past_the_depth_limit_is_one_line_naming_the_file(tmp_path):
    document = dump()
    document["items"][-1]["spec"]["anything"] = json.loads("[" * 120 + "]" * 120)
    for form in ("json", "yaml"):
        path = write(tmp_path / f"deep.{form}", document, form)
        with pytest.raises(ClusterFileError, match="deeper than 100 levels") as caught:
            read_cluster_file(path)
        assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_the_blocks_a_dump_reader_cuts_out_change_nothing_the_model_reads(tmp_path):
    from netpol_harness.loader import parse_manifests
    path = write(tmp_path / "dump.yaml", dump())
    assert model(read_cluster_file(path)) == model(parse_manifests(path.read_text(), str(path)))


def test_a_yaml_dump_with_anchors_and_a_duplicate_key_reads_as_the_loader_reads_it(tmp_path):
    document = copy.deepcopy(dump())
    text = yaml.safe_dump(document, sort_keys=False).replace("team: payments", "team: &t payments", 1)
    anchored = tmp_path / "anchored.yaml"
    anchored.write_text(text.replace("team: data", "team: *t", 1))
    assert model(read_cluster_file(anchored))["namespaces"]["data"]["team"] == "payments"
    duplicate = tmp_path / "duplicate.yaml"
    duplicate.write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  name: b\n")
    with pytest.raises(ClusterFileError, match="duplicate key 'name'"):
        read_cluster_file(duplicate)


def test_pods_read_line_by_line_equal_what_the_yaml_parser_reads(tmp_path):
    from netpol_harness.loader import parse_manifests
    text = (tmp_path / "dump.yaml")
    hooks = ["|-\n        test", "test", "test"]  # a block scalar: that pod goes to the parser
    quoted = '"a \\"quoted\\" #value"'
    pods = "".join(f"""- apiVersion: v1
  kind: Pod
  metadata:
    name: p{k}
    namespace: "data"
    labels:
      app: 'it''s'
      yes: 01
      version: 1.10
    annotations:
      helm.sh/hook: {hooks[k]}
      note: {quoted}
  spec:
    nodeName: node-{k}
    hostNetwork: {"true" if k == 2 else "false"}
    containers:
    - name: c
      ports:
      - containerPort: 80{k}
        name: http
      securityContext: {{}}
  status:
    podIP: 10.0.0.{k + 1}
    podIPs:
    - ip: 10.0.0.{k + 1}
""" for k in range(3))
    text.write_text(f"apiVersion: v1\nitems:\n{pods}kind: List\nmetadata:\n  resourceVersion: \"\"\n")
    from netpol_harness.dumps import _pruned
    assert len(_pruned(text.read_text(), 100)[1]) == 2, "the pods without a block scalar are read line by line"
    expected = [p for d in parse_manifests(text.read_text(), "x") for p in d["items"]]
    read = read_cluster_file(text)
    assert model(read) == model(expected)
    assert [p["metadata"]["labels"] for p in read] == [p["metadata"]["labels"] for p in expected]
    assert [p["metadata"]["annotations"] for p in read] == [p["metadata"]["annotations"] for p in expected]
