"""The edges a maintainer met on charts we did not write (issue 24, items 1-6), on one test
chart that has them all (tests/data/charts/rough-edges): a StatefulSet `db` of two pods, a
Deployment `web` of three replicas behind a Service, a `helm test` pod that calls it, and a
waiver in netpol.yaml for one of the chart's two values files (ci/open.yaml, ci/closed.yaml).
"""
from __future__ import annotations

import subprocess
import sys

import pytest

from netpol_harness.assertions.workloads import WorkloadVerdict
from netpol_harness.check.lints import lint
from netpol_harness.helm.template import render
from netpol_harness.project import root as repo_root

CHART = repo_root() / "tests" / "data" / "charts" / "rough-edges"
NS = "apps"
TEST_POD = "apps/re-test-connection"


def rendered(values_file: str = "ci/closed.yaml"):
    result = render(CHART, values_files=[CHART / values_file], release="re", namespace=NS)
    assert result.ok, result.stderr
    return result


def validate(values_file: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "netpol_harness.cli", "--root", str(repo_root()), "validate", str(CHART),
                           "-f", str(CHART / values_file), "--release", "re", "-n", NS],
                          capture_output=True, text=True, timeout=300)


# 1. A waiver written as the README shows (`path: spec.egress[0]`) matches that path.
def test_the_waivers_path_with_an_index_matches_the_finding_at_that_path():
    out = validate("ci/open.yaml")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "open-cidr-rule" in out.stdout and "(waived: the open variant" in out.stdout
    assert "stale-waiver" not in out.stdout


# 2. A waiver for one values file is no advice to remove it when another is validated.
def test_a_waiver_for_one_values_file_is_not_stale_when_another_is_validated():
    out = validate("ci/closed.yaml")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "stale-waiver" not in out.stdout and "remove it" not in out.stdout


# 3. A workload's name denotes the workload: every pod of it.
def test_a_workload_name_denotes_every_pod_of_the_statefulset_and_of_the_deployment(net_from):
    net = net_from(rendered())
    verdict = net.judged("web", "db", 5432)
    assert isinstance(verdict, WorkloadVerdict) and verdict.allowed
    webs = {p.id for p in net.evaluator.denoted("web")}  # three replicas: two pods, generated names
    assert len(webs) == 2 and {(s, d) for s, d, _ in verdict.pairs} == {
        (w, d) for w in webs for d in ("apps/db-0", "apps/db-1")}
    assert net.denies("db", "db", 5432)  # db-0 -> db-1 and back: db takes web only
    assert net.only_reached_by("db", ["web"], 5432)
    assert net.reaching("db", 5432, by="workload") == {"apps/web"}
    assert net.reaching("apps/db-1", 5432) == webs


def test_a_flow_that_holds_for_some_pods_of_a_workload_only_fails_naming_the_pod_pairs(net_from):
    net = net_from(rendered())
    with pytest.raises(AssertionError, match=r"(?s)DENIED: web -> web on 8080/TCP, judged for each of its 2 pod pairs"):
        net.allows("web", "web", 8080)
    with pytest.raises(AssertionError, match=r"apps/db-0 on 5432/TCP: reached by .*expected \[\]"):
        net.only_reached_by("db", [], 5432)


# 4. A pod a test declares never silently replaces a modelled one.
def test_add_pod_refuses_the_id_of_a_statefulsets_pod(net_from):
    net = net_from(rendered())
    with pytest.raises(ValueError, match="pod apps/db-1 is already in the cluster \\(made by StatefulSet/db\\)"):
        net.add_pod(NS, "db-1", {"app": "db"})


# 5. The helm test pod is marked as a hook, reaches what it tests, and is no unselected workload.
def test_the_helm_test_pod_is_marked_as_a_hook_and_reaches_the_service_it_tests(net_from):
    result = rendered()
    net = net_from(result)
    assert net.cluster.pod(TEST_POD).hook == "test"
    assert net.allows(TEST_POD, "svc:apps/web:80")
    assert not [f for f in lint(result.objects) if f.id == "unselected-workload" and "test-connection" in f.object]


# 6. kube-dns is there in the plugin's networks, as in `netpol check`, unless left out.
def test_kube_dns_is_in_the_plugins_network_by_default_and_can_be_left_out(net_from):
    assert net_from(rendered()).allows("web", "kube-system/kube-dns", 53, "UDP")
    with pytest.raises(KeyError, match="kube-dns is not in the manifests"):
        net_from(rendered(), kube_dns=False).allows("web", "kube-system/kube-dns", 53, "UDP")


def reach(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "netpol_harness.cli", "--root", str(repo_root()), "reach", str(CHART),
                           "--release", "re", "-n", NS, "--port", "8080", *args], capture_output=True, text=True,
                          timeout=300)


def test_reach_marks_the_helm_test_pod_in_its_table_and_jsonl_and_can_leave_it_out():
    table = reach("--format", "table")
    assert table.returncode == 0, table.stderr
    assert "apps/re-test-connection [hook: test]" in table.stdout
    jsonl = reach()
    assert '"from": "apps/re-test-connection"' in jsonl.stdout and '"from_hook": "test"' in jsonl.stdout
    skipped = reach("--skip-hooks")
    assert skipped.returncode == 0 and "re-test-connection" not in skipped.stdout


@pytest.mark.parametrize("name", ["db", "apps/db"])
def test_the_report_takes_a_statefulsets_workload_name_for_all_its_pods(name):
    from netpol_harness.report import connectivity_report

    report = connectivity_report(rendered().objects, [5432], namespace=NS, workloads=[name])
    assert [w.workload for w in report.workloads] == ["apps/db-0", "apps/db-1"]


def test_a_helm_test_pod_the_policies_stop_is_a_lint_finding_and_one_they_let_through_is_not():
    objects = rendered().objects
    assert [f for f in lint(objects, namespace=NS) if f.id == "helm-test-denied"] == []
    closed = [o for o in objects if o["metadata"]["name"] != "web-ingress"] + [{
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "web-ingress", "namespace": NS},
        "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress"], "ingress": []}}]
    (found,) = [f for f in lint(closed, namespace=NS) if f.id == "helm-test-denied"]
    assert found.object == "Pod/re-test-connection"
    assert "calls Service apps/web on 80/TCP (its command names it), which the policies deny" in found.why


def test_report_leaves_the_helm_test_pod_out_when_asked_and_marks_it_otherwise():
    def report(*args: str) -> str:
        out = subprocess.run([sys.executable, "-m", "netpol_harness.cli", "--root", str(repo_root()), "report", str(CHART),
                              "--release", "re", "-n", NS, *args], capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        return out.stdout

    assert "re-test-connection [hook: test]" in report()
    assert "re-test-connection" not in report("--skip-hooks")
