"""The shape of synthetic.scale_cluster, the cluster `make bench` measures at 100,000 pods,
checked at a small scale (no timing here: benchmarks are not tests)."""
from __future__ import annotations

import collections
import ipaddress

from netpol_harness.synthetic import POD_CIDR, kubectl_list, scale_cluster

PODS, POLICIES, NAMESPACES = 3_000, 1_200, 3_000


def _by_kind(docs):
    out = collections.defaultdict(list)
    for doc in docs:
        out[doc["kind"]].append(doc)
    return out


def test_counts_and_namespaces():
    kinds = _by_kind(scale_cluster(PODS, POLICIES, NAMESPACES, seed=5))
    assert (len(kinds["Pod"]), len(kinds["NetworkPolicy"]), len(kinds["Namespace"])) == (PODS, POLICIES, NAMESPACES)
    assert len({d["metadata"]["name"] for d in kinds["Namespace"]}) == NAMESPACES
    assert all({"team", "env"} <= set(d["metadata"]["labels"]) for d in kinds["Namespace"])


def test_pods_come_in_replica_sets_of_1_to_50_sharing_their_labels():
    pods = _by_kind(scale_cluster(PODS, POLICIES, 300, seed=5))["Pod"]
    sets = collections.defaultdict(list)
    for pod in pods:
        (owner,) = pod["metadata"]["ownerReferences"]
        assert owner["kind"] == "ReplicaSet" and owner["controller"] is True
        sets[(pod["metadata"]["namespace"], owner["name"])].append(pod)
    assert all(1 <= len(members) <= 50 for members in sets.values())
    assert max(map(len, sets.values())) > 10  # some large sets, not only singletons
    for (_, owner), members in sets.items():
        labels = members[0]["metadata"]["labels"]
        assert set(labels) == {"app", "pod-template-hash"} and owner == f"{labels['app']}-{labels['pod-template-hash']}"
        assert all(m["metadata"]["labels"] == labels for m in members)
    assert len({p["metadata"]["namespace"] + "/" + p["metadata"]["name"] for p in pods}) == PODS
    ips = {p["status"]["podIP"] for p in pods}
    assert len(ips) == PODS and all(ipaddress.ip_address(ip) in ipaddress.ip_network(POD_CIDR) for ip in ips)


def test_policies_select_by_app_and_namespace_labels_and_about_a_tenth_have_ip_blocks():
    docs = scale_cluster(PODS, POLICIES, 300, seed=5)
    policies = _by_kind(docs)["NetworkPolicy"]
    peers = [[peer for key in ("ingress", "egress") for rule in p["spec"].get(key, []) for peer in
              rule.get("from", rule.get("to", []))] for p in policies]
    with_blocks = [ps for ps in peers if any("ipBlock" in peer for peer in ps)]
    assert 0.06 < len(with_blocks) / len(policies) < 0.14
    pod_range = ipaddress.ip_network(POD_CIDR)
    blocks = [peer["ipBlock"] for ps in with_blocks for peer in ps if "ipBlock" in peer]
    assert any(ipaddress.ip_network(b["cidr"]).subnet_of(pod_range) and b.get("except") for b in blocks)
    assert all("app" in p["spec"]["podSelector"].get("matchLabels", {"app": 1}) for p in policies)
    assert any("namespaceSelector" in peer for ps in peers for peer in ps)
    # No policy reads the replica sets' template hash.
    assert "pod-template-hash" not in repr([p["spec"] for p in policies])


def test_same_seed_same_cluster_and_the_kubectl_form_keeps_the_objects():
    small = scale_cluster(200, 80, 20, seed=3)
    assert small == scale_cluster(200, 80, 20, seed=3) != scale_cluster(200, 80, 20, seed=4)
    dump = kubectl_list(small)
    assert dump["kind"] == "List" and len(dump["items"]) == len(small)
    pod = next(item for item in dump["items"] if item["kind"] == "Pod")
    assert {"uid", "resourceVersion", "managedFields", "ownerReferences"} <= set(pod["metadata"])
    assert pod["status"]["phase"] == "Running" and pod["status"]["podIP"]
