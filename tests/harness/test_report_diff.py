"""`netpol report --diff`: the flows a change opens and closes, each with the rule
responsible before and after, and a non-zero exit for CI when it opens any."""
from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from netpol_harness.project import root as repo_root
from netpol_harness.report import diff_objects, render_diff_html, render_diff_text

BASE = [d for d in yaml.safe_load_all("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: app}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: registry.invalid/web, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: app}
spec:
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec: {containers: [{name: client, image: registry.invalid/client}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: app}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
    - from: [{podSelector: {matchLabels: {app: client}}}]
      ports: [{port: http}]
""") if d]
WEB, CLIENT = "app/web", "app/client"


def changed(rules: list[dict] | None = None, name: str | None = None) -> list[dict]:
    """BASE with the web policy's ingress rules (and name) replaced."""
    objects = copy.deepcopy(BASE)
    policy = objects[2]
    if rules is not None:
        policy["spec"]["ingress"] = rules
    if name is not None:
        policy["metadata"]["name"] = name
    return objects


def test_a_rule_for_the_monitoring_namespace_opens_exactly_its_flow_and_names_the_rule():
    after = changed([*BASE[2]["spec"]["ingress"], {"from": [{"namespaceSelector": {"matchLabels": {"team": "ops"}}}],
                                                    "ports": [{"port": 8080}]}])
    diff = diff_objects(BASE, after, namespace="app")
    assert not diff.closed
    assert [(c.src, c.dst, c.ports) for c in diff.opened] == [("ns-team-ops/pod", WEB, "8080/TCP")]
    change = diff.opened[0]
    assert change.before == "ingress denied (isolated by app/web)"
    assert change.after == "egress open; ingress: app/web ingress[1]"
    assert diff.policies_changed == ["app/web"]


def test_removing_the_client_rule_closes_the_clients_flow():
    diff = diff_objects(BASE, changed([]), namespace="app")
    assert not diff.opened
    assert [(c.src, c.dst, c.ports) for c in diff.closed] == [(CLIENT, WEB, "8080/TCP")]
    assert diff.closed[0].before == "egress open; ingress: app/web ingress[0]"
    assert diff.closed[0].after == "ingress denied (isolated by app/web)"
    text = render_diff_text(diff)
    assert "0 opened, 1 closed" in text and f"  - {CLIENT} -> {WEB} on 8080/TCP" in text


def test_renaming_a_policy_changes_no_flow():
    diff = diff_objects(BASE, changed(name="web-ingress"), namespace="app")
    assert diff.unchanged
    assert diff.policies_added == ["app/web-ingress"] and diff.policies_removed == ["app/web"]
    assert "no flow changes" in render_diff_text(diff)
    assert 'id="unchanged"' in render_diff_html(diff)


def test_a_new_workload_opens_its_flows_and_says_it_was_not_there_before():
    pod = copy.deepcopy(BASE[1])
    pod["metadata"]["name"] = "batch"
    pod["spec"]["selector"]["matchLabels"] = pod["spec"]["template"]["metadata"]["labels"] = {"app": "batch"}
    diff = diff_objects(BASE, [*BASE, pod], namespace="app", probes=["8080/TCP"])
    opened = {(c.src, c.dst): c for c in diff.opened}
    assert ("app/batch", "ip:1.1.1.1") in opened
    assert opened[("app/batch", "ip:1.1.1.1")].before == "app/batch not in the manifests"
    assert ("app/batch", WEB) not in opened  # web still takes only the client


def netpol(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netpol_harness.cli", *args], capture_output=True, text=True, timeout=180, cwd=cwd)


JES = repo_root() / "charts" / "job-executor-service"
EXAMPLES = repo_root() / "values-examples" / "job-executor-service"


@pytest.mark.helm
def test_two_values_examples_of_job_executor_service_diff_with_the_rule_on_each_side(default_helm, tmp_path):
    out = netpol("report", str(JES), "--diff", str(EXAMPLES / "gitops-explicit-cidrs.yaml"), str(EXAMPLES / "nodelocal-dns.yaml"),
                 "--helm", default_helm, "--out", str(tmp_path), "--fail-on-open")
    assert out.returncode == 1, out.stdout + out.stderr  # NodeLocal DNS opens 169.254.20.10
    text = out.stdout
    assert "  + default/test-job-executor-service -> ip:169.254.20.10 on 53/TCP, 53/UDP\n" \
           "      before: egress denied (isolated by default/test-job-executor-service-egress)\n" \
           "      after:  egress: default/test-job-executor-service-egress egress[0]" in text
    assert "  - default/test-job-executor-service -> ip:203.0.113.30 on 443/TCP" in text  # OAuth is gone
    page = (tmp_path / "diff.html").read_text()
    assert '<tr class="opened">' in page and '<tr class="closed">' in page


@pytest.mark.helm
def test_the_same_values_twice_diff_to_nothing_and_pass_fail_on_open(default_helm):
    example = str(EXAMPLES / "dual-stack.yaml")
    out = netpol("report", str(JES), "--diff", example, example, "--helm", default_helm, "--fail-on-open")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no flow changes" in out.stdout


@pytest.mark.helm
def test_two_chart_directories_diff_like_main_and_a_branch(default_helm, tmp_path):
    main = tmp_path / "main" / "app"
    (main / "templates").mkdir(parents=True)
    (main / "Chart.yaml").write_text("apiVersion: v2\nname: app\nversion: 0.1.0\n")
    (main / "templates" / "app.yaml").write_text(yaml.safe_dump_all(BASE))
    branch = tmp_path / "branch" / "app"
    branch.parent.mkdir()
    subprocess.run(["cp", "-r", str(main), str(branch)], check=True)
    (branch / "templates" / "app.yaml").write_text(yaml.safe_dump_all(changed([])))
    out = netpol("report", "--diff", str(main), str(branch), "-n", "app", "--helm", default_helm, "--fail-on-open")
    assert out.returncode == 0, out.stdout + out.stderr  # it only closes
    assert f"  - {CLIENT} -> {WEB} on 8080/TCP" in out.stdout
    wrong = netpol("report", str(main), "--diff", str(main), str(branch), "--helm", default_helm)
    assert wrong.returncode == 2 and "takes no CHART" in wrong.stderr


def test_relabelling_the_client_closes_its_one_flow_and_nothing_else():
    after = copy.deepcopy(BASE)
    after[1]["spec"]["selector"]["matchLabels"] = after[1]["spec"]["template"]["metadata"]["labels"] = {"app": "cli"}
    diff = diff_objects(BASE, after, namespace="app", probes=["8080/TCP"])
    assert not diff.opened
    assert [(c.src, c.dst) for c in diff.closed] == [(CLIENT, WEB)]


def test_a_removed_workload_closes_its_flows_under_one_heading():
    diff = diff_objects(BASE, [BASE[0], BASE[2]], namespace="app", probes=["8080/TCP"])
    assert not diff.opened and diff.closed
    assert all(CLIENT in (c.src, c.dst) and c.absent == CLIENT for c in diff.closed)
    assert (CLIENT, WEB) in {(c.src, c.dst) for c in diff.closed}
    text = render_diff_text(diff)
    assert f"closed because {CLIENT} is not in the after render ({len(diff.closed)}):" in text


def test_policies_alone_against_the_same_policies_with_the_workload_open_nothing():
    # A stand-in for web on one side, the real web on the other: the rules are the same.
    diff = diff_objects([BASE[2]], [BASE[0], BASE[2]], namespace="app", probes=["8080/TCP"])
    assert not [c for c in diff.opened if not c.absent]
