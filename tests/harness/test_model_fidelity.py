"""The cluster built from manifests gives the verdicts a real cluster gives on charts we
did not write: the release namespace for objects without one, pods as controllers make
them, Services mapped to pod ports, and a clear word where policies of other kinds (or
the host network) could change a verdict."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from netpol_harness import build_network
from netpol_harness.report import connectivity_report, render_text
from netpol_harness.helm.template import RenderResult
from netpol_harness.matrix import Replace, deep_merge, missing_pairs, pairwise


def deployment(name, labels, namespace=None, replicas=None, ports=(), kind="Deployment", host_network=False):
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    pod_spec = {"containers": [{"name": "c", "image": "i", "ports": list(ports)}]}
    if host_network:
        pod_spec["hostNetwork"] = True
    spec = {"selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}, "spec": pod_spec}}
    if replicas is not None:
        spec["replicas"] = replicas
    if kind == "CronJob":
        spec = {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": spec["template"]}}}
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": meta, "spec": spec}


def policy(name, selector, ingress=None, namespace=None, egress=None):
    spec = {"podSelector": {"matchLabels": selector} if selector else {}, "policyTypes": []}
    if ingress is not None:
        spec["policyTypes"].append("Ingress")
        spec["ingress"] = ingress
    if egress is not None:
        spec["policyTypes"].append("Egress")
        spec["egress"] = egress
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta, "spec": spec}


def rendered(objects, namespace):
    return RenderResult(True, 0, "", "", objects, None, namespace=namespace)


# 1: the release namespace -----------------------------------------------------------


def test_a_subchart_that_sets_its_namespace_meets_parent_objects_that_do_not():
    # Airflow's shape: the parent's templates leave namespace out, its postgresql
    # subchart writes it; both are in the release namespace.
    objects = [
        deployment("pgbouncer", {"app": "pgbouncer"}),
        deployment("postgresql", {"app": "postgresql"}, namespace="airflow", kind="StatefulSet"),
        policy("postgresql", {"app": "postgresql"}, namespace="airflow",
               ingress=[{"from": [{"podSelector": {"matchLabels": {"app": "pgbouncer"}}}], "ports": [{"port": 5432}]}]),
    ]
    net = build_network(rendered(objects, "airflow"))
    net.allows("airflow/pgbouncer", "airflow/postgresql-0", 5432)
    assert {p.namespace for p in net.cluster.pods} == {"airflow"}


# 2: pods as controllers make them ----------------------------------------------------


def test_replicas_are_distinct_pods_and_reach_each_other_only_when_a_rule_allows():
    objects = [deployment("redis", {"app": "redis"}, kind="StatefulSet", replicas=3),
               policy("redis", {"app": "redis"}, ingress=[])]  # the replication rule removed
    net = build_network(rendered(objects, "cache"))
    assert [p.id for p in net.cluster.pods] == ["cache/redis-0", "cache/redis-1"]
    net.denies("cache/redis-0", "cache/redis-1", 6379)
    net.denies("cache/redis-1", "cache/redis-0", 26379)
    assert net.verdict("cache/redis-0", "cache/redis-0", 6379).allowed  # the same pod only


def test_a_policy_on_a_statefulset_pod_name_selects_that_pod_only():
    objects = [deployment("db", {"app": "db"}, kind="StatefulSet", replicas=2),
               policy("db-0-only", {"statefulset.kubernetes.io/pod-name": "db-0"}, ingress=[])]
    net = build_network(rendered(objects, "data"), externals=["192.0.2.1"])
    net.denies("ip:192.0.2.1", "data/db-0", 5432)
    net.allows("ip:192.0.2.1", "data/db-1", 5432)
    assert net.cluster.pod("data/db-1").labels["apps.kubernetes.io/pod-index"] == "1"


def test_a_policy_on_job_name_isolates_the_jobs_pod():
    objects = [deployment("migrate", {"app": "migrate"}, kind="Job"),
               deployment("backup", {"app": "backup"}, kind="CronJob"),
               policy("migrate", {"job-name": "migrate"}, egress=[])]
    net = build_network(rendered(objects, "app"), externals=["192.0.2.1"])
    net.denies("app/migrate", "ip:192.0.2.1", 5432)
    net.allows("app/backup", "ip:192.0.2.1", 5432)
    assert net.cluster.pod("app/backup").labels["batch.kubernetes.io/job-name"].startswith("backup-")


def test_deployment_pods_carry_pod_template_hash_and_two_replicas_are_two_pods():
    net = build_network(rendered([deployment("web", {"app": "web"}, replicas=4)], "shop"))
    pods = net.cluster.pods
    assert len(pods) == 2 and all(p.id.startswith("shop/web-") for p in pods)
    assert len({p.labels["pod-template-hash"] for p in pods}) == 1
    net.allows("shop/web", pods[1].id, 80)  # the workload's name stands for its first pod


def test_a_daemonset_is_one_pod_on_each_of_two_nodes():
    net = build_network(rendered([deployment("agent", {"app": "agent"}, kind="DaemonSet")], "ops"))
    assert len(net.cluster.pods) == 2
    assert all("controller-revision-hash" in p.labels for p in net.cluster.pods)


# 3: Services -------------------------------------------------------------------------


def service(name, selector, ports, namespace=None):
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": {"selector": selector, "ports": ports}}


ARGOCD = [
    deployment("argocd-server", {"app": "argocd-server"}, ports=[{"name": "server", "containerPort": 8080}]),
    service("argocd-server", {"app": "argocd-server"},
            [{"name": "http", "port": 80, "targetPort": "server"}, {"name": "https", "port": 443, "targetPort": 8080}]),
    deployment("client", {"app": "client"}),
    policy("argocd-server", {"app": "argocd-server"},
           ingress=[{"from": [{"podSelector": {"matchLabels": {"app": "client"}}}], "ports": [{"port": 8080}]}]),
]


def test_a_service_port_maps_to_a_named_target_port_on_the_pods_it_selects():
    net = build_network(rendered(ARGOCD, "argocd"))
    net.allows("argocd/client", "svc:argocd/argocd-server:80")
    net.allows("argocd/client", "svc:argocd/argocd-server:443")
    verdict = net.evaluator.check_service("argocd/client", "svc:argocd/argocd-server:80")
    assert "80/TCP -> targetPort server = 8080" in verdict.explain()
    net.denies(net.probe({"app": "client"}), "svc:argocd/argocd-server", 443)  # another namespace; the port apart


def test_a_service_port_that_does_not_exist_says_what_the_service_offers():
    net = build_network(rendered(ARGOCD, "argocd"))
    with pytest.raises(KeyError, match=r"has no port 8443/TCP \(it offers 80/TCP, 443/TCP\)"):
        net.evaluator.check_service("argocd/client", "svc:argocd/argocd-server:8443")


# 4: policies not modelled, and the host network -------------------------------------


CILIUM = {"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": {"name": "lock", "namespace": "shop"},
          "spec": {"endpointSelector": {}, "ingress": [{"fromEntities": ["cluster"]}]}}
CALICO = {"apiVersion": "projectcalico.org/v3", "kind": "NetworkPolicy", "metadata": {"name": "calico", "namespace": "shop"},
          "spec": {"selector": "all()"}}
# Antrea's cluster-wide kind shares its name with policy.networking.k8s.io's ClusterNetworkPolicy,
# which the evaluator reads; this one it does not.
ANTREA = {"apiVersion": "crd.antrea.io/v1beta1", "kind": "ClusterNetworkPolicy", "metadata": {"name": "acnp"},
          "spec": {"priority": 10, "appliedTo": [{"namespaceSelector": {}}]}}


# Antrea's namespaced policy: Cilium's own kinds are read (net.kinds.cilium), Antrea's are not.
ANTREA_NP = {"apiVersion": "crd.antrea.io/v1beta1", "kind": "NetworkPolicy", "metadata": {"name": "anp", "namespace": "shop"},
             "spec": {"priority": 5, "appliedTo": [{"podSelector": {}}]}}


@pytest.mark.parametrize("other", [ANTREA_NP, CALICO, ANTREA], ids=["antrea", "calico", "antrea-cluster-wide"])
def test_a_verdict_a_policy_of_another_kind_could_change_says_not_modelled(other):
    net = build_network(rendered([deployment("web", {"app": "web"}), other], "shop"), externals=["192.0.2.1"])
    verdict = net.verdict("ip:192.0.2.1", "shop/web", 80)
    assert verdict.caveats and verdict.caveats[0].startswith(f"not modelled: {other['kind']} {other['metadata']['name']}")
    assert "not modelled" in verdict.explain() and "not modelled" in str(verdict)
    assert net.cluster.policies == []  # Calico's kind NetworkPolicy is not read as Kubernetes'


def test_a_namespaced_policy_of_another_kind_says_nothing_about_other_namespaces():
    net = build_network(rendered([deployment("web", {"app": "web"}, namespace="other"), CILIUM], "shop"),
                        externals=["192.0.2.1"])
    assert net.verdict("ip:192.0.2.1", "other/web", 80).caveats == ()


def test_a_host_network_pod_says_policies_may_not_apply():
    net = build_network(rendered([deployment("node-agent", {"app": "a"}, host_network=True)], "ops"),
                        externals=["192.0.2.1"])
    assert "runs on the host network" in net.verdict("ops/node-agent", "ip:192.0.2.1", 443).explain()


# 7: assertions a maintainer reaches for ----------------------------------------------


def test_only_reached_by_names_each_wrong_endpoint_with_its_reasoning():
    net = build_network(rendered(ARGOCD, "argocd"))
    net.only_reached_by("argocd/argocd-server", ["argocd/client"], 8080)
    intruder = net.probe({"app": "client"}, "argocd")
    with pytest.raises(AssertionError, match=r"reached by \['argocd/client', 'argocd/probe-1'\]"):
        net.only_reached_by("argocd/argocd-server", ["argocd/client"], 8080)
    assert intruder == "argocd/probe-1"


def test_probes_stand_for_any_pod_with_labels_here_or_in_any_other_namespace():
    net = build_network(rendered(ARGOCD, "argocd"))
    net.allows(net.probe({"app": "client"}, "argocd"), "argocd/argocd-server", 8080)
    net.denies(net.probe({"app": "client"}), "argocd/argocd-server", 8080)  # same labels, another namespace


def test_pairwise_leaves_out_excluded_combinations_and_covers_required_ones():
    factors = {"dns": ["kubernetes", "openshift", "custom"], "openshift": [True, False], "peers": [[], ["x"]]}
    exclude = [{"dns": "openshift", "openshift": False}, {"dns": "custom", "peers": []}]
    cases = pairwise(factors, exclude=exclude, require=[{"dns": "kubernetes", "openshift": True, "peers": ["x"]}])
    assert not any(c["dns"] == "openshift" and c["openshift"] is False for c in cases)
    assert not any(c["dns"] == "custom" and c["peers"] == [] for c in cases)
    assert {"dns": "kubernetes", "openshift": True, "peers": ["x"]} in cases
    assert missing_pairs(factors, cases) == ["dns='openshift' with openshift=False", "dns='custom' with peers=[]"]


def test_replace_clears_a_map_instead_of_merging_into_it():
    defaults = {"podLabels": {"app.kubernetes.io/name": "x", "team": "a"}}
    assert deep_merge(defaults, {"podLabels": {"team": "b"}}) == {"podLabels": {"app.kubernetes.io/name": "x", "team": "b"}}
    assert deep_merge(defaults, {"podLabels": Replace({"team": "b"})}) == {"podLabels": {"team": "b"}}


def test_reach_and_report_say_not_modelled_on_the_pods_an_antrea_policy_could_select(tmp_path):

    objects = [deployment("web", {"app": "web"}, namespace="shop"), ANTREA_NP]
    manifests = tmp_path / "m.yaml"
    manifests.write_text(yaml.safe_dump_all(objects))
    out = subprocess.run([sys.executable, "-m", "netpol_harness.cli", "reach", str(manifests), "--port", "80",
                          "--external", "192.0.2.1"], capture_output=True, text=True, timeout=60)
    # One workload: reach adds the report's endpoints around it; the pairs with web are the ones to say it.
    lines = [line for line in map(json.loads, out.stdout.splitlines()) if "shop/web" in (line["from"], line["to"])]
    assert lines and all(line["not_modelled"][0].startswith("not modelled: NetworkPolicy anp (crd.antrea.io") for line in lines)
    text = render_text(connectivity_report(objects, [80], namespace="shop"))
    assert "allowed on 80/TCP: egress open; ingress open [* not modelled: NetworkPolicy anp (crd.antrea.io" in " ".join(
        text.split())  # the item wraps at 100 characters


def test_reach_explains_a_service_destination(tmp_path):

    manifests = tmp_path / "argocd.yaml"
    manifests.write_text(yaml.safe_dump_all(ARGOCD))
    out = subprocess.run([sys.executable, "-m", "netpol_harness.cli", "reach", str(manifests), "--namespace", "argocd",
                          "--port", "80", "--explain", "argocd/client", "svc:argocd/argocd-server:80",
                          "--expect", "allowed"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "argocd/argocd-server: 80/TCP -> targetPort server = 8080" in out.stdout


def test_the_report_lists_each_service_port_with_the_pod_port_it_lands_on():
    text = render_text(connectivity_report(ARGOCD, [8080], namespace="argocd"))
    assert "svc:argocd/argocd-server:80/TCP -> argocd/argocd-server:8080" in text
