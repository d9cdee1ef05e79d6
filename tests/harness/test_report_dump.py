"""`netpol report CHART --with dump.yaml` on a cluster's running pods: the chart's workloads are
the rows, the dump's pods are columns by class (pods no policy tells apart), each saying how
many pods it stands for, and the report never builds the matrix of every pod.

The chart is tests/data/harness/charts/twotier (web takes http from client; client sends only
to web) rendered into `shop`; the dump holds replica sets in shop, pay and ops and a policy
in pay letting shop's clients reach the ledger.
"""
from __future__ import annotations

import pytest

from netpol_harness import render
from netpol_harness.net import Cluster, Evaluator
from netpol_harness.net.query import Query
from netpol_harness.project import root as repo_root
from netpol_harness.report import connectivity_report, render_html, render_text
from netpol_harness.report.classes import GROUP_ABOVE

pytestmark = pytest.mark.helm

TWOTIER = repo_root() / "tests" / "data" / "harness" / "charts" / "twotier"
# (namespace, replica set, labels, pods): ops' two sets differ only in labels no policy reads.
SETS = [("shop", "frontend-7d9f8b6c5d", {"app": "client"}, 30), ("shop", "cache-5f6d7c8b9a", {"app": "cache"}, 30),
        ("pay", "ledger-6c7d8e9f0a", {"app": "ledger"}, 40), ("pay", "web-4b5c6d7e8f", {"app": "web"}, 30),
        ("ops", "agent-3a4b5c6d7e", {"app": "agent", "tier": "ops"}, 60),
        ("ops", "metrics-2a3b4c5d6e", {"app": "metrics", "tier": "ops"}, 10)]
LEDGER_POLICY = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                 "metadata": {"name": "ledger", "namespace": "pay", "uid": "0001"},
                 "spec": {"podSelector": {"matchLabels": {"app": "ledger"}}, "policyTypes": ["Ingress"],
                          "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": "shop"}},
                                                 "podSelector": {"matchLabels": {"app": "client"}}}]}]}}


def running_pod(namespace: str, replica_set: str, labels: dict, k: int) -> dict:
    """A pod as `kubectl get pods -o yaml` gives it: owned by its ReplicaSet, with a status."""
    template_hash = replica_set.rpartition("-")[2]
    ip = f"10.{40 + (k >> 16)}.{(k >> 8) & 255}.{k & 255}"
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"{replica_set}-{k:05x}", "namespace": namespace, "uid": f"pod-{k}",
                         "labels": {**labels, "pod-template-hash": template_hash},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": replica_set,
                                              "uid": "0000", "controller": True}]},
            "spec": {"containers": [{"name": "app", "image": "registry.example/app:1",
                                     "ports": [{"name": "http", "containerPort": 8080}]}]},
            "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]}}


def namespace(name: str, labels: dict | None = None) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "uid": f"ns-{name}",
                         "labels": {"kubernetes.io/metadata.name": name, **(labels or {})}}}


def dump(sets=SETS) -> list[dict]:
    """The items of the `kind: List` a dump is (clusterfiles reads them in its place)."""
    items = [namespace("shop", {"team": "shop"}), namespace("pay"), namespace("ops"), LEDGER_POLICY]
    k = 0
    for ns, replica_set, labels, size in sets:
        for _ in range(size):
            items.append(running_pod(ns, replica_set, labels, k))
            k += 1
    return items


@pytest.fixture(scope="module")
def chart(default_helm: str) -> list[dict]:
    result = render(TWOTIER, namespace="shop", helm=default_helm)
    assert result.ok, result.stderr
    return result.objects


@pytest.fixture(scope="module")
def report(chart):
    return connectivity_report(chart + dump(), title="twotier with a dump", namespace="shop")


def test_the_chart_workloads_are_the_rows_and_the_dump_pods_are_columns_by_class(report):
    assert [w.workload for w in report.workloads] == ["shop/web", "shop/client"]
    names = sorted(g.name for g in report.pod_groups)
    assert names == ["ops/tier=ops (70 pods)", "pay/ledger (40 pods)", "pay/web (30 pods)",
                     "shop/cache (30 pods)", "shop/frontend (30 pods)"]
    columns = [ep for ep in report.endpoints if ep.kind == "pods"]
    assert sorted(ep.pods for ep in columns) == [30, 30, 30, 40, 70]
    assert len(report.endpoints) < 40  # the chart's, the added ones, five classes: not 200 pods


def test_every_pod_of_a_class_gets_the_verdicts_of_its_representative(chart, report):
    ev = Evaluator(Cluster.from_manifests(chart + dump(), "shop"))
    for wl in report.workloads:
        for group in report.pod_groups:
            for probe in report.probes:
                out = report.row(wl.workload, group.rep, probe).allowed
                into = report.row(group.rep, wl.workload, probe).allowed
                for pod in group.pods:
                    assert ev.check(wl.workload, pod, probe.port, probe.protocol).allowed == out, (wl.workload, pod)
                    assert ev.check(pod, wl.workload, probe.port, probe.protocol).allowed == into, (pod, wl.workload)
    # The verdicts differ between classes, so the check above is not vacuous.
    frontend = next(g for g in report.pod_groups if g.name.startswith("shop/frontend"))
    cache = next(g for g in report.pod_groups if g.name.startswith("shop/cache"))
    assert report.row(frontend.rep, "shop/web", "8080/TCP").allowed
    assert not report.row(cache.rep, "shop/web", "8080/TCP").allowed


def test_the_text_and_the_page_say_a_column_stands_for_its_pods(report):
    text = render_text(report)
    assert "one endpoint per class of pods no policy tells apart" in text
    assert "shop/frontend (30 pods)" in text
    page = render_html(report)
    assert "a column stands for N pods" in page
    assert "shop/frontend (30 pods): a column for 30 pods" in page


def test_a_dump_of_a_few_pods_is_reported_pod_by_pod(chart):
    few = dump([("pay", "ledger-6c7d8e9f0a", {"app": "ledger"}, GROUP_ABOVE)])
    report = connectivity_report(chart + few, namespace="shop")
    assert not report.pod_groups
    assert sum(ep.id.startswith("pay/ledger-") for ep in report.endpoints) == GROUP_ABOVE


def test_a_20000_pod_dump_is_reported_without_the_full_matrix(chart, monkeypatch):
    sets = [(f"team-{n % 40}", f"app{n}-{n:010x}"[:24], {"app": f"app{n % 7}"}, 50) for n in range(400)]
    items = dump(sets)
    assert sum(item["kind"] == "Pod" for item in items) == 20_000
    full_matrix = Evaluator.matrix
    rows = Query.rows

    def matrix(self, port, protocol="TCP", endpoints=None):
        assert endpoints is not None, "the report asked for the matrix of every pod"
        return full_matrix(self, port, protocol, endpoints)

    def pod_rows(self, port, protocol):
        assert len(self.pods.pods) < 20_000, "the report worked out the rows of every pod"
        return rows(self, port, protocol)

    monkeypatch.setattr(Evaluator, "matrix", matrix)
    monkeypatch.setattr(Query, "rows", pod_rows)
    report = connectivity_report(chart + items, namespace="shop")
    assert [w.workload for w in report.workloads] == ["shop/web", "shop/client"]
    assert sum(g.pods.__len__() for g in report.pod_groups) + _left_out(report.pods_left_out) == 20_000
    assert len(report.endpoints) < 200
    assert "team-0/app=OTHER" not in render_text(report) and "(500 pods)" in render_text(report)


def _left_out(words: str) -> int:
    return int(words.split()[0]) if words else 0


# A policy of the cluster in each of the dump's namespaces; with at most two class columns only
# shop's classes are shown, so pay's and ops' policies select and name no shown endpoint.
SHOP_POLICY = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
               "metadata": {"name": "cache", "namespace": "shop", "uid": "0002"},
               "spec": {"podSelector": {"matchLabels": {"app": "cache"}}, "policyTypes": ["Ingress"],
                        "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "client"}}}]}]}}
OPS_POLICY = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
              "metadata": {"name": "quiet", "namespace": "ops", "uid": "0003"},
              "spec": {"podSelector": {"matchLabels": {"tier": "ops"}}, "policyTypes": ["Ingress"]}}


def _verdicts(report) -> list:
    return [(wl.workload, wl.outgoing, wl.incoming) for wl in report.workloads]


@pytest.fixture()
def few_columns(monkeypatch):
    from netpol_harness.report import classes

    monkeypatch.setattr(classes, "MAX_CLASS_COLUMNS", 2)


def test_with_grouped_pods_the_policy_list_holds_the_charts_and_the_shown_namespaces(chart, few_columns):
    cluster = dump() + [SHOP_POLICY, OPS_POLICY]
    report = connectivity_report(chart, namespace="shop", cluster_objects=cluster)
    assert {g.namespace for g in report.pod_groups} == {"shop"}
    text = render_text(report)
    listed = set(report.policy_words)
    assert "shop/cache" in listed and {"pay/ledger", "ops/quiet"}.isdisjoint(listed)
    assert {p for p in report.policies if p.startswith("shop/")} <= listed  # the chart's own among them
    assert "not listed: 2 policies of the cluster in 2 other namespaces; they are judged all the same" in text
    assert "Not listed: 2 policies of the cluster in 2 other namespaces" in render_html(report)
    assert "ops/quiet" not in text and set(report.policies) >= {"pay/ledger", "ops/quiet"}


def test_the_shorter_list_leaves_every_verdict_as_it_was(chart, few_columns, monkeypatch):
    from netpol_harness.report import data

    cluster = dump() + [SHOP_POLICY, OPS_POLICY]
    listed = connectivity_report(chart, namespace="shop", cluster_objects=cluster)
    monkeypatch.setattr(data, "listed_policies", lambda dump, policies, shown: (list(policies), ""))
    unlisted = connectivity_report(chart, namespace="shop", cluster_objects=cluster)
    assert "ops/quiet" in unlisted.policy_words and not unlisted.policies_left_out
    assert _verdicts(listed) == _verdicts(unlisted) and listed.cells == unlisted.cells


def test_without_grouping_every_policy_is_listed(chart):
    few = dump([("pay", "ledger-6c7d8e9f0a", {"app": "ledger"}, GROUP_ABOVE)]) + [OPS_POLICY]
    report = connectivity_report(chart, namespace="shop", cluster_objects=few)
    assert {"pay/ledger", "ops/quiet"} <= set(report.policy_words)
    assert "not listed" not in render_text(report)


def test_the_cli_passes_the_dump_apart_so_pods_without_status_are_the_clusters(chart, tmp_path, capsys):
    import argparse

    import yaml

    from netpol_harness.cli import report as cli

    items = dump()
    for item in items:
        item.pop("status", None)  # a hand-written dump: the pods carry no status
    manifests, cluster = tmp_path / "chart.yaml", tmp_path / "cluster.yaml"
    manifests.write_text(yaml.safe_dump_all(chart, sort_keys=False))
    cluster.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": items}, sort_keys=False))
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    assert cli.run(parser.parse_args([str(manifests), "--namespace", "shop", "--with", str(cluster)])) == 0
    text = capsys.readouterr().out
    assert "one endpoint per class of pods no policy tells apart" in text and "shop/frontend (30 pods)" in text
    assert "\nshop/frontend-7d9f8b6c5d-" not in text  # no dump pod is a row
