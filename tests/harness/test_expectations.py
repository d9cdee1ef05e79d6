"""Expectations as data: netpol check runs a chart's netpol-expect.yaml, writes JUnit
XML, and the pytest plugin collects the same file, one item per expectation; a typo in
the file is an error, never a silent pass."""
from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from netpol_harness.expect import ExpectationFileError, load, run
from netpol_harness.project import root as repo_root

JES = repo_root() / "charts" / "job-executor-service"
NP = repo_root() / "charts" / "network-policies"


def netpol(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netpol_harness.cli", "--root", str(repo_root()), *args],
                          capture_output=True, text=True, timeout=300, cwd=cwd)


@pytest.mark.parametrize("chart", [JES, NP], ids=["job-executor-service", "network-policies"])
def test_the_shipped_expectations_hold_for_every_values_example_they_name(chart, tmp_path):
    out = netpol("check", str(chart), "--junit", str(tmp_path / "junit.xml"))
    assert out.returncode == 0, out.stdout + out.stderr
    suite = ET.parse(tmp_path / "junit.xml").getroot()
    assert suite.get("failures") == "0" and int(suite.get("tests")) >= 4


def broken_copy(tmp_path: Path, values: str | None = None) -> Path:
    """The jes expectations with one flow turned around: the pod may not reach DNS."""
    data = yaml.safe_load((JES / "netpol-expect.yaml").read_text())
    data["cases"] = [c for c in data["cases"] if c["values"].endswith("/gitops-explicit-cidrs.yaml")]
    if values:
        data["cases"][0]["values"] = values
    data["cases"][0]["expect"].insert(0, {"from": "jes-job-executor-service", "to": "kube-system/kube-dns",
                                          "port": 53, "protocol": "UDP", "allowed": False})
    path = tmp_path / "netpol-expect.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_broken_expectation_fails_the_check_with_the_reasoning_and_in_junit(tmp_path):
    out = netpol("check", str(JES), "--expectations", str(broken_copy(tmp_path)), "--junit", str(tmp_path / "j.xml"))
    assert out.returncode == 1
    assert "FAIL  gitops-explicit-cidrs.yaml  jes-job-executor-service -> kube-system/kube-dns on 53/UDP: denied" in out.stdout
    assert "allowed by keptn/jes-job-executor-service-egress egress[0]" in out.stdout
    failure = ET.parse(tmp_path / "j.xml").getroot().find("testcase/failure")
    assert failure is not None and "ALLOWED: keptn/jes-job-executor-service" in failure.text


def test_pytest_collects_each_expectation_as_an_item_whose_failure_explains(tmp_path, default_helm):
    chart = tmp_path / "chart"
    shutil.copytree(JES, chart, symlinks=False)
    (chart / "ci").mkdir(exist_ok=True)  # the chart has ci/ files of its own
    shutil.copy(repo_root() / "values-examples" / "job-executor-service" / "gitops-explicit-cidrs.yaml", chart / "ci")
    shutil.copy(broken_copy(tmp_path, "ci/gitops-explicit-cidrs.yaml"), chart / "netpol-expect.yaml")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--netpol-helm={default_helm}",
                          str(chart / "netpol-expect.yaml")], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 1, out.stdout
    assert "1 failed, 5 passed" in out.stdout
    assert "Egress of keptn/jes-job-executor-service (source):" in out.stdout


@pytest.mark.parametrize("entry, says", [
    ({"from": "a", "to": "b", "port": 80, "alowed": True}, "Additional properties are not allowed ('alowed' was unexpected)"),
    ({"from": "a", "to": "b", "port": 80}, "is not valid under any of the given schemas"),
    ({"to": "b", "port": 80, "only": ["a"], "allowed": True}, "is not valid under any of the given schemas"),
    ({"from": "a", "to": "b", "port": 70000, "allowed": True}, "70000 is greater than the maximum of 65535"),
])
def test_a_typo_in_the_expectation_file_is_an_error(tmp_path, entry, says):
    path = tmp_path / "netpol-expect.yaml"
    path.write_text(yaml.safe_dump({"cases": [{"expect": [entry]}]}))
    with pytest.raises(ExpectationFileError, match="cases.0.expect.0") as err:
        load(JES, path)
    assert says in str(err.value)


APISERVER_ON_A_NODE = """\
apiVersion: v1
kind: Node
metadata: {name: cp}
status: {addresses: [{type: InternalIP, address: 192.0.2.11}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: kubernetes, namespace: default, labels: {kubernetes.io/service-name: kubernetes}}
addressType: IPv4
endpoints: [{addresses: [192.0.2.11]}]
ports: [{name: https, port: 6443, protocol: TCP}]
"""


def dataplane_expectations(tmp_path: Path, *flows: dict) -> Path:
    (tmp_path / "apiserver.yaml").write_text(APISERVER_ON_A_NODE)
    path = tmp_path / "netpol-expect.yaml"
    path.write_text(yaml.safe_dump({"cases": [{
        "values": "values-examples/job-executor-service/gitops-explicit-cidrs.yaml", "release": "jes",
        "namespace": "keptn", "with": ["apiserver.yaml"], "expect": list(flows)}]}))
    return path


def test_an_expectation_is_judged_under_each_dataplane_it_names(tmp_path):
    to_apiserver = {"from": "jes-job-executor-service", "to": "apiserver", "port": 6443}
    path = dataplane_expectations(tmp_path, {**to_apiserver, "allowed": True, "dataplanes": ["kubernetes", "calico"]},
                                  {**to_apiserver, "allowed": False, "dataplanes": ["cilium"]})
    outcomes = run(JES, path)
    assert [(o.expectation, o.ok) for o in outcomes] == [
        ("jes-job-executor-service -> apiserver on 6443/TCP: allowed [kubernetes]", True),
        ("jes-job-executor-service -> apiserver on 6443/TCP: allowed [calico]", True),
        ("jes-job-executor-service -> apiserver on 6443/TCP: denied [cilium]", True),
    ]


def test_a_run_names_the_dataplanes_for_the_expectations_that_name_none(tmp_path):
    path = dataplane_expectations(tmp_path, {"from": "jes-job-executor-service", "to": "apiserver", "port": 6443,
                                             "allowed": True})
    outcomes = run(JES, path, dataplanes=["kubernetes", "cilium"])
    assert [(o.expectation.rsplit(" ", 1)[1], o.ok) for o in outcomes] == [("[kubernetes]", True), ("[cilium]", False)]
    assert "[cilium] CIDR rules and ipBlocks do not select nodes" in outcomes[1].message


def test_an_unknown_dataplane_in_the_expectation_file_is_an_error(tmp_path):
    path = dataplane_expectations(tmp_path, {"from": "a", "to": "b", "port": 80, "allowed": True,
                                             "dataplanes": ["weave"]})
    with pytest.raises(ExpectationFileError, match=r"cases\.0\.expect\.0\.dataplanes: unknown dataplane 'weave'"):
        load(JES, path)


def test_two_cases_of_one_values_file_are_rendered_and_named_apart_by_the_plugin(tmp_path, default_helm):
    chart = tmp_path / "chart"
    shutil.copytree(JES, chart, symlinks=False)
    (chart / "ci").mkdir(exist_ok=True)  # the chart has ci/ files of its own
    shutil.copy(repo_root() / "values-examples" / "job-executor-service" / "gitops-explicit-cidrs.yaml", chart / "ci")
    flow = {"from": "jes-job-executor-service", "to": "ip:192.0.2.11", "port": 6443}
    (chart / "netpol-expect.yaml").write_text(yaml.safe_dump({"cases": [
        {"values": "ci/gitops-explicit-cidrs.yaml", "release": "jes", "namespace": "keptn",
         "externals": ["192.0.2.11"], "expect": [{**flow, "allowed": True}]},
        {"values": "ci/gitops-explicit-cidrs.yaml", "release": "jes", "namespace": "keptn",
         "externals": ["192.0.2.11"], "set": {"networkPolicy": {"egress": {"k8sMasterCIDR": ["192.0.2.10/32"]}}},
         "expect": [{**flow, "allowed": False}]}]}))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    out = subprocess.run([sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", f"--netpol-helm={default_helm}",
                          str(chart / "netpol-expect.yaml")], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert "2 passed" in out.stdout, out.stdout
    assert "gitops-explicit-cidrs.yaml#2[0]" in out.stdout
