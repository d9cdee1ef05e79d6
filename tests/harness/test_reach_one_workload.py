"""`netpol reach` on one workload (issue 24, item 11): the README's own example shows the
workload against the endpoints `netpol report` adds instead of "0 of 0 ordered pairs", and
`--explain FROM svc:NS/NAME:PORT` takes the port from the Service endpoint."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from netpol_harness.cli import main
from netpol_harness.project import root as repo_root

JES = repo_root() / "charts" / "job-executor-service"
TWOTIER = repo_root() / "tests" / "data" / "harness" / "charts" / "twotier"

WEB = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
       "spec": {"selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                             "spec": {"containers": [{"name": "web", "image": "web",
                                                      "ports": [{"name": "http", "containerPort": 8080}]}]}}}}
CLIENT = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "client", "namespace": "shop", "labels": {"app": "client"}},
          "spec": {"containers": [{"name": "client", "image": "client"}]}}
SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
           "spec": {"selector": {"app": "web"}, "ports": [{"port": 443, "targetPort": "http"}]}}
INGRESS = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "web", "namespace": "shop"},
           "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress"],
                    "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "client"}}}],
                                 "ports": [{"port": 8080}]}]}}


def reach(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["reach", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def verdicts(jsonl: str) -> dict[tuple[str, str], bool]:
    """reach's jsonl as {(from, to): allowed}."""
    return {(d["from"], d["to"]): d["allowed"] for d in map(json.loads, jsonl.splitlines())}


@pytest.fixture
def manifests(tmp_path: Path):
    def write(*objects: dict) -> str:
        path = tmp_path / "manifests.yaml"
        path.write_text(yaml.safe_dump_all(objects))
        return str(path)
    return write


@pytest.mark.helm
def test_reach_on_the_readmes_one_workload_chart_shows_it_against_the_reports_probe_endpoints(capsys, default_helm):
    code, out, err = reach(capsys, str(JES), "--set", "networkPolicy.ingress.enabled=true", "--port", "8080",
                           "--format", "table", "--helm", default_helm)
    assert code == 0, err
    assert "0 of 0 ordered pairs" not in out
    for endpoint in ("default/test-job-executor-service", "kube-system/kube-dns", "elsewhere/pod", "ip:1.1.1.1"):
        assert endpoint in out
    assert "added the endpoints netpol report adds" in out and "a pod without labels in another namespace" in out


def test_reach_jsonl_on_one_workload_gives_its_pairs_and_says_on_stderr_what_was_added(capsys, manifests):
    code, out, err = reach(capsys, manifests(WEB, INGRESS), "--port", "8080")
    assert code == 0, err
    flows = verdicts(out)
    assert flows[("shop/web", "kube-system/kube-dns")] is True
    assert flows[("elsewhere/pod", "shop/web")] is False
    assert "netpol reach: fewer than two pods in the input: added" in err and "kube-system/kube-dns" in err


def test_one_workload_gets_the_witnesses_the_report_makes_of_its_policies_rules(capsys, manifests):
    code, out, err = reach(capsys, manifests(WEB, INGRESS), "--port", "8080")
    assert code == 0, err
    flows = verdicts(out)
    # The ingress rule admits app=client pods of shop: the report adds one, and one without the label.
    assert flows[("shop/client", "shop/web")] is True
    assert flows[("shop/not-client", "shop/web")] is False
    assert "shop/client: admitted by shop/web ingress[0]" in err


def test_two_workloads_get_no_added_endpoints(capsys, manifests):
    code, out, err = reach(capsys, manifests(WEB, CLIENT), "--port", "8080", "--format", "table")
    assert code == 0, err
    assert "kube-dns" not in out and "added" not in out + err
    assert "2 of 2 ordered pairs allowed" in out


def test_explain_to_a_service_port_needs_no_port_option(capsys, manifests):
    code, out, err = reach(capsys, manifests(WEB, CLIENT, SERVICE, INGRESS), "--explain", "shop/client", "svc:shop/web:443")
    assert code == 0, err
    assert "443" in out and "8080" in out  # the Service port, and the pod port it lands on


def test_explain_to_a_service_with_the_same_port_given_twice_is_fine(capsys, manifests):
    code, _, err = reach(capsys, manifests(WEB, CLIENT, SERVICE), "--port", "443", "--explain", "shop/client",
                         "svc:shop/web:443")
    assert code == 0, err


def test_explain_to_a_service_port_with_a_different_port_option_is_a_usage_error_naming_both(capsys, manifests):
    code, out, err = reach(capsys, manifests(WEB, CLIENT, SERVICE), "--port", "8080", "--explain", "shop/client",
                           "svc:shop/web:443")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "--port 8080" in err and "svc:shop/web:443" in err


def test_explain_to_a_service_without_any_port_is_a_usage_error(capsys, manifests):
    code, _, err = reach(capsys, manifests(WEB, CLIENT, SERVICE), "--explain", "shop/client", "svc:shop/web")
    assert code == 2 and err.count("\n") == 1 and "svc:shop/web:PORT" in err


@pytest.mark.parametrize("extra", [[], ["--explain", "shop/client", "shop/web"]])
def test_without_a_service_port_the_port_option_is_still_required(capsys, manifests, extra):
    code, _, err = reach(capsys, manifests(WEB, CLIENT), *extra)
    assert code == 2 and err.count("\n") == 1 and "--port is required" in err
