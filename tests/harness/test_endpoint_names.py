"""Endpoints by the names specs write: pod ids, pod names and workload names; pods a spec
declares never silently replace modelled ones; Helm hooks are marked, not linted as
workloads; an unknown name says which names are near."""
from __future__ import annotations

import pytest

from netpol_harness.assertions import build_network
from netpol_harness.check.lints import lint
from netpol_harness.net import Cluster, Evaluator
from netpol_harness.net.workloads import hook_of
from netpol_harness.report import connectivity_report, render_html, render_text


def workload(kind: str, name: str, labels: dict, replicas: int = 1, namespace: str = "airflow",
             annotations: dict | None = None) -> dict:
    template = {"metadata": {"labels": labels, **({"annotations": annotations} if annotations else {})},
                "spec": {"containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 8080}]}]}}
    spec = {"template": template} if kind == "Job" else {
        "replicas": replicas, "selector": {"matchLabels": labels}, "template": template}
    return {"apiVersion": "batch/v1" if kind == "Job" else "apps/v1", "kind": kind,
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def only_from(app: str, source: str, namespace: str = "airflow") -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": f"{app}-in", "namespace": namespace},
            "spec": {"podSelector": {"matchLabels": {"app": app}}, "policyTypes": ["Ingress"],
                     "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": source}}}]}]}}


AIRFLOW = [workload("StatefulSet", "af-worker", {"app": "worker"}), workload("Deployment", "web", {"app": "web"}),
           workload("StatefulSet", "db", {"app": "db"}, replicas=2), only_from("web", "worker")]


def evaluator(objects: list[dict]) -> Evaluator:
    return Evaluator(Cluster.from_manifests(objects, "airflow"))


# ------------------------------------------------------------------ workload names
@pytest.mark.parametrize("ref", ["airflow/af-worker", "af-worker", "airflow/af-worker-0", "af-worker-0"])
def test_a_statefulset_is_named_by_its_workload_name_or_its_pod_id(ref):
    assert evaluator(AIRFLOW).resolve(ref).id == "airflow/af-worker-0"


def test_answers_keep_pod_ids_a_statefulset_pod_is_name_0_and_a_single_deployment_pod_is_name():
    assert evaluator(AIRFLOW).reaching("airflow/web", 8080) == {"airflow/af-worker-0"}


def test_only_reached_by_accepts_a_statefulset_by_its_workload_name():
    net = build_network(AIRFLOW, default_namespace="airflow")
    assert net.only_reached_by("airflow/web", ["airflow/af-worker"], 8080)
    assert net.allows("af-worker", "web", 8080) and net.denies("airflow/db", "airflow/web", 8080)


def test_a_workload_of_several_replicas_stands_for_its_first_pod():
    assert evaluator(AIRFLOW).resolve("airflow/db").id == "airflow/db-0"


def test_a_workload_name_in_two_namespaces_is_ambiguous_until_its_namespace_is_written():
    ev = evaluator([workload("StatefulSet", "db", {"app": "db"}),
                    workload("StatefulSet", "db", {"app": "db"}, namespace="other")])
    with pytest.raises(KeyError, match="ambiguous.*airflow, other"):
        ev.resolve("db")
    assert ev.resolve("other/db").id == "other/db-0"


def test_a_namespace_alone_names_no_endpoint():
    with pytest.raises(KeyError, match="unknown endpoint 'airflow/'"):
        evaluator(AIRFLOW).resolve("airflow/")


# ------------------------------------------------------------------ unknown names
def test_an_unknown_endpoint_is_a_key_error_listing_the_nearest_names():
    with pytest.raises(KeyError) as caught:
        evaluator(AIRFLOW).resolve("airflow/af-wroker")
    assert "did you mean airflow/af-worker" in caught.value.args[0]


def test_an_unknown_bare_name_is_matched_against_the_names_without_namespace():
    with pytest.raises(KeyError, match="did you mean airflow/web"):
        evaluator(AIRFLOW).resolve("webb")


def test_a_missing_kube_dns_says_to_add_it_with_setup_add_kube_dns():
    with pytest.raises(KeyError, match="setup=add_kube_dns"):
        evaluator(AIRFLOW).resolve("kube-system/kube-dns")


# ------------------------------------------------------------------ add_pod
def test_add_pod_refuses_an_id_a_controller_already_made_naming_the_workload():
    cluster = Cluster.from_manifests(AIRFLOW, "airflow")
    with pytest.raises(ValueError, match="pod airflow/db-1 .*made by StatefulSet/db.*replace=True"):
        cluster.add_pod("airflow", "db-1", {"app": "other"})
    assert cluster.pod("airflow/db-1").labels["statefulset.kubernetes.io/pod-name"] == "db-1"


def test_add_pod_with_replace_true_replaces_the_modelled_pod():
    cluster = Cluster.from_manifests(AIRFLOW, "airflow")
    pod = cluster.add_pod("airflow", "db-1", {"app": "other"}, replace=True)
    assert cluster.pod("airflow/db-1") is pod and dict(pod.labels) == {"app": "other"}


def test_a_spec_declaring_a_pod_that_exists_gets_an_error_not_a_silent_replacement():
    net = build_network(AIRFLOW, default_namespace="airflow")
    with pytest.raises(ValueError, match="already in the cluster"):
        net.add_pod("airflow", "af-worker-0", {"app": "web"})


# ------------------------------------------------------------------ Helm hooks
TEST_HOOK = {"apiVersion": "v1", "kind": "Pod",
             "metadata": {"name": "rd-test", "namespace": "airflow", "annotations": {"helm.sh/hook": "test"}},
             "spec": {"containers": [{"name": "c", "image": "i"}]}}
MIGRATE = workload("Job", "migrate", {"app": "migrate"}, annotations={"helm.sh/hook": "pre-install"})


def test_the_hook_is_read_from_the_object_or_its_pod_template():
    assert (hook_of(TEST_HOOK), hook_of(MIGRATE), hook_of(AIRFLOW[0])) == ("test", "pre-install", "")


def test_hook_jobs_are_not_reported_as_unselected_workloads():
    findings = [(f.id, f.object) for f in lint([*AIRFLOW, MIGRATE, TEST_HOOK], namespace="airflow")]
    assert ("unselected-workload", "Job/migrate") not in findings
    assert ("unselected-workload", "StatefulSet/db") in findings


def test_the_report_marks_hook_pods_in_text_and_html():
    report = connectivity_report([*AIRFLOW, TEST_HOOK, MIGRATE], [8080], namespace="airflow")
    hooks = {ep.id: ep.hook for ep in report.endpoints if ep.hook}
    assert hooks == {"airflow/rd-test": "test", "airflow/migrate": "pre-install"}
    text = render_text(report)
    assert "helm hooks" in text and "## airflow/migrate (Job/migrate) [hook: pre-install]" in text
    assert "rd-test [hook: test]" in render_html(report)
    assert not any(ep.hook for ep in report.endpoints if ep.id == "airflow/web")


def test_manifests_are_applied_so_a_later_pod_of_the_same_id_replaces_the_earlier_one():
    from netpol_harness.net import Cluster

    first = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "labels": {"v": "1"}}}
    later = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "labels": {"v": "2"}}}
    cluster = Cluster.from_manifests([first, later])  # a render and a --with cluster dump may both carry it
    assert [(p.id, dict(p.labels)) for p in cluster.pods] == [("default/a", {"v": "2"})]
