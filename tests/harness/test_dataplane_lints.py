"""The flows whose verdict depends on the CNI, found for the user: `lint(..., dataplanes=)`
and `netpol validate --dataplane all` warn of each one (lint `dataplane-dependent`), with
each profile's verdict and the departure that makes it differ; the other lints judge
under the first profile named."""
from __future__ import annotations

import subprocess
import sys

import yaml

from netpol_harness.assertions.render import render_valid
from netpol_harness.check.lints import lint
from netpol_harness.project import root as repo_root

JES = repo_root() / "charts" / "job-executor-service"
GITOPS = repo_root() / "values-examples" / "job-executor-service" / "gitops-explicit-cidrs.yaml"

# The API server of the gitops example (192.0.2.11) on a control-plane node.
APISERVER = [
    {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "cp"},
     "status": {"addresses": [{"type": "InternalIP", "address": "192.0.2.11"}]}},
    {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
     "metadata": {"name": "kubernetes", "namespace": "default", "labels": {"kubernetes.io/service-name": "kubernetes"}},
     "endpoints": [{"addresses": ["192.0.2.11"]}], "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]},
]


def gitops_render():
    return render_valid(JES, values_files=[GITOPS], release="jes", namespace="keptn")


def dependent(findings) -> list[str]:
    return [f.why for f in findings if f.id == "dataplane-dependent"]


def test_egress_to_the_api_servers_address_is_flagged_as_denied_on_cilium_with_the_cited_reason():
    found = dependent(lint(gitops_render().objects, namespace="keptn", extra_objects=APISERVER,
                           dataplanes=["kubernetes", "cilium", "calico"]))
    flow = next(why for why in found if "-> ip:192.0.2.11 on 6443/TCP" in why)
    assert "allowed on kubernetes, calico; denied on cilium" in flow
    assert "https://docs.cilium.io/en/stable/security/policy/language/#selecting-nodes-with-cidr-ipblock" in flow


def test_the_cluster_dns_of_openshift_on_5353_is_flagged_where_the_chart_allows_only_53():
    found = dependent(lint(gitops_render().objects, namespace="keptn", dataplanes=["kubernetes", "openshift"]))
    assert found == ["keptn/jes-job-executor-service reaches the cluster DNS (53/UDP through its Service) on "
                     "kubernetes; not on openshift, whose DNS is svc:openshift-dns/dns-default on 5353"]


def test_one_profile_compares_nothing_and_without_the_api_server_in_the_model_nothing_differs_on_cilium():
    objects = gitops_render().objects
    assert dependent(lint(objects, namespace="keptn", extra_objects=APISERVER, dataplanes=["cilium"])) == []
    assert dependent(lint(objects, namespace="keptn", dataplanes=["kubernetes", "cilium"])) == []


def test_under_openshift_the_dns_lint_asks_for_openshifts_dns():
    found = lint(gitops_render().objects, namespace="keptn", dataplanes=["openshift"])
    assert [f.object for f in found if f.id == "no-dns-egress"] == ["Deployment/jes-job-executor-service"]
    assert [f for f in lint(gitops_render().objects, namespace="keptn") if f.id == "no-dns-egress"] == []


def test_validate_dataplane_all_prints_each_dependent_flow_and_a_wrong_name_exits_2(tmp_path):
    cluster = tmp_path / "apiserver.yaml"
    cluster.write_text(yaml.safe_dump_all(APISERVER))
    base = [sys.executable, "-m", "netpol_harness.cli", "--root", str(repo_root()), "validate", str(JES),
            "-f", str(GITOPS), "-n", "keptn", "--release", "jes"]
    out = subprocess.run([*base, "--with", str(cluster), "--dataplane", "all"], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("warning dataplane-dependent") == 2
    wrong = subprocess.run([*base, "--dataplane", "weave"], capture_output=True, text=True, timeout=300)
    assert wrong.returncode == 2
    assert wrong.stderr.strip().splitlines() == [
        "netpol validate: --dataplane: unknown dataplane 'weave': use one of kubernetes, cilium, calico, "
        "ovn-kubernetes, openshift, kube-router (or all)"]
