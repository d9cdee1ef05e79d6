"""The cluster's policies beside the chart's: `--with FILE` on reach, report, check,
validate and matrix, `with:` in netpol-expect.yaml, and `build_network(extra_objects=...)`.

tests/data/charts/baseline-aware is one Deployment (web) that resolves names through
kube-dns, with a NetworkPolicy allowing egress to DNS only when networkPolicy.egress.dns
is true (ci/dns-egress-values.yaml). tests/data/cluster/baseline-default-deny.yaml is a
cluster that denies by default: a BaselineAdminNetworkPolicy denying all egress and
ingress in every namespace, and kube-system's policy letting kube-dns answer everyone.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from netpol_harness import add_kube_dns, build_network, render
from netpol_harness.clusterfiles import ClusterFileError, read_cluster_file
from netpol_harness.expect import ExpectationFileError, load
from netpol_harness.project import root as repo_root

pytestmark = pytest.mark.helm

DATA = repo_root() / "tests" / "data"
CHART = DATA / "charts" / "baseline-aware"
DNS_VALUES = CHART / "ci" / "dns-egress-values.yaml"
BASELINE_DENY = DATA / "cluster" / "baseline-default-deny.yaml"
BASELINE_EGRESS_RULE = "[Baseline] BANP default egress[0]"


def netpol(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netpol_harness.cli", "--root", str(repo_root()), *map(str, args)],
                          capture_output=True, text=True, timeout=300, cwd=repo_root())


def check_lines(out: subprocess.CompletedProcess[str]) -> dict[tuple[str, str], str]:
    """(case, expectation) -> "ok" or "FAIL", from netpol check's table."""
    lines = {}
    for line in out.stdout.splitlines():
        if line.startswith(("ok  ", "FAIL")):
            status, case, expectation = line.split(None, 2)
            lines[(case, expectation)] = status
    return lines


DNS = "web -> kube-system/kube-dns on 53/UDP: allowed"


@pytest.fixture(scope="module")
def check_with_baseline_deny() -> subprocess.CompletedProcess[str]:
    return netpol("check", CHART, "--with", BASELINE_DENY)


# --------------------------------------------------------------------------- netpol check


def test_the_chart_passes_check_alone():
    out = netpol("check", CHART)
    assert out.returncode == 0, out.stdout + out.stderr
    assert check_lines(out)[("defaults", DNS)] == "ok"


def test_check_with_a_baseline_default_deny_fails_the_defaults_and_names_the_baseline_rule(check_with_baseline_deny):
    out = check_with_baseline_deny
    assert out.returncode == 1, out.stdout + out.stderr
    assert check_lines(out)[("defaults", DNS)] == "FAIL"
    assert f'{BASELINE_EGRESS_RULE} "deny-all-egress": Deny -> denied' in out.stdout
    assert "1 failed" in out.stdout


def test_check_with_a_baseline_default_deny_passes_once_the_values_turn_on_the_dns_egress_policy(check_with_baseline_deny):
    # ci/dns-egress-values.yaml renders a NetworkPolicy that selects web for Egress: the
    # NetworkPolicy tier then decides web's egress (DNS allowed, the rest denied) and the
    # Baseline tier, which judges only what no NetworkPolicy isolates, does not apply.
    lines = check_lines(check_with_baseline_deny)
    assert lines[("dns-egress", DNS)] == "ok"
    assert lines[("dns-egress", "web -> ip:192.0.2.10 on 443/TCP: denied")] == "ok"


# --------------------------------------------------------------------------- with: in netpol-expect.yaml


def test_an_expectation_case_judged_with_its_with_files_sees_the_baseline_deny():
    cases = {c.name: c for c in load(CHART)}
    assert [o["kind"] for o in cases["defaults-under-baseline-deny"].cluster] == ["BaselineAdminNetworkPolicy", "NetworkPolicy"]
    assert cases["defaults"].cluster == ()
    out = netpol("check", CHART)
    assert check_lines(out)[("defaults-under-baseline-deny", "web -> kube-system/kube-dns on 53/UDP: denied")] == "ok"


def test_a_file_level_with_applies_to_every_case_and_a_case_with_adds_to_it(tmp_path):
    (tmp_path / "cluster").mkdir()
    (tmp_path / "cluster" / "deny.yaml").write_text(BASELINE_DENY.read_text())
    (tmp_path / "ns.yaml").write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Namespace",
                                                      "metadata": {"name": "shop", "labels": {"team": "a"}}}))
    expect = {"from": "web", "to": "kube-system/kube-dns", "port": 53, "protocol": "UDP", "allowed": False}
    path = tmp_path / "netpol-expect.yaml"
    path.write_text(yaml.safe_dump({"with": ["cluster/deny.yaml"],
                                    "cases": [{"name": "a", "expect": [expect]},
                                              {"name": "b", "with": ["ns.yaml"], "expect": [expect]}]}))
    a, b = load(CHART, path)
    assert [o["kind"] for o in a.cluster] == ["BaselineAdminNetworkPolicy", "NetworkPolicy"]
    assert [o["kind"] for o in b.cluster] == ["BaselineAdminNetworkPolicy", "NetworkPolicy", "Namespace"]


@pytest.mark.parametrize("entry, says", [
    ({"with": "cluster.yaml"}, "cases.0.with: 'cluster.yaml' is not of type 'array'"),
    ({"with": ["missing.yaml"]}, "cases.0.with: .*missing.yaml: cannot read it: No such file or directory"),
])
def test_a_wrong_with_in_the_expectation_file_is_an_error_naming_the_entry(tmp_path, entry, says):
    path = tmp_path / "netpol-expect.yaml"
    path.write_text(yaml.safe_dump({"cases": [{**entry, "expect": [{"from": "a", "to": "b", "allowed": True}]}]}))
    with pytest.raises(ExpectationFileError, match=says):
        load(CHART, path)


# --------------------------------------------------------------------------- reach, report, validate, matrix


def test_reach_with_shows_the_denial_in_jsonl_and_the_explanation_names_the_baseline_tier(default_helm):
    base = ["reach", CHART, "--port", "443", "--external", "1.1.1.1", "--helm", default_helm]
    alone, beside = (netpol(*base, *more) for more in ([], ["--with", BASELINE_DENY]))
    assert alone.returncode == 0 and beside.returncode == 0, alone.stderr + beside.stderr
    verdict = {(d["from"], d["to"]): d["allowed"] for d in map(json.loads, alone.stdout.splitlines())}
    assert verdict[("default/web", "ip:1.1.1.1")] is True
    verdict = {(d["from"], d["to"]): d["allowed"] for d in map(json.loads, beside.stdout.splitlines())}
    assert verdict[("default/web", "ip:1.1.1.1")] is False
    explained = netpol(*base, "--with", BASELINE_DENY, "--explain", "web", "ip:1.1.1.1", "--expect", "denied")
    assert explained.returncode == 0, explained.stdout + explained.stderr
    assert f'{BASELINE_EGRESS_RULE} "deny-all-egress": Deny -> denied' in explained.stdout


def test_report_with_judges_the_chart_beside_the_cluster_objects_and_says_so_in_the_title(default_helm):
    out = netpol("report", CHART, "--with", BASELINE_DENY, "--port", "53/UDP", "--helm", default_helm)
    assert out.returncode == 0, out.stderr
    heading = out.stdout.splitlines()[0]
    assert heading.startswith("# baseline-aware ")
    assert f"; with {BASELINE_DENY})" in " ".join(out.stdout.split())  # the heading wraps at 100 characters
    # web's line to kube-dns, alone or in a group of peers with the same verdict (then on the next line)
    lines = out.stdout.splitlines()
    k = next(i for i, line in enumerate(lines) if line.strip().startswith("to ") and "kube-system/kube-dns" in line)
    to_dns = " ".join(lines[k:k + 2])
    assert "denied on 53/UDP" in to_dns and BASELINE_EGRESS_RULE in to_dns


def test_report_diff_with_gives_both_sides_the_same_cluster_objects(default_helm):
    out = netpol("report", CHART, "--diff", CHART / "values.yaml", DNS_VALUES, "--with", BASELINE_DENY,
                 "--port", "53/UDP", "--helm", default_helm, "--fail-on-open")
    # Alone the chart's DNS egress opens nothing (web could already reach DNS); beside the
    # Baseline deny it opens web -> kube-dns, which the before side denied in the Baseline tier.
    assert out.returncode == 1, out.stdout + out.stderr
    assert "+ default/web -> kube-system/kube-dns on 53/UDP" in out.stdout
    assert f"before: egress: {BASELINE_EGRESS_RULE}" in out.stdout
    alone = netpol("report", CHART, "--diff", CHART / "values.yaml", DNS_VALUES, "--port", "53/UDP",
                   "--helm", default_helm, "--fail-on-open")
    assert alone.returncode == 0 and "0 opened" in alone.stdout, alone.stdout + alone.stderr


def test_validate_with_checks_the_cluster_objects_and_names_the_file_of_an_invalid_admin_policy(tmp_path, default_helm):
    bad = tmp_path / "admin-policies.yaml"
    bad.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": [{
        "apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "AdminNetworkPolicy", "metadata": {"name": "too-high"},
        "spec": {"priority": 5000, "subject": {"namespaces": {}},
                 "egress": [{"action": "Deny", "to": [{"namespaces": {}}]}]}}]}))
    good = netpol("validate", CHART, "--with", BASELINE_DENY, "--helm", default_helm)
    assert good.returncode == 0, good.stdout + good.stderr
    out = netpol("validate", CHART, "--with", BASELINE_DENY, "--with", bad, "--helm", default_helm)
    assert out.returncode == 1, out.stdout + out.stderr
    error = next(line for line in out.stdout.splitlines() if line.startswith("error"))
    assert f"{bad}: AdminNetworkPolicy/too-high: spec.priority" in error and "5000" in error


def test_matrix_with_judges_every_case_beside_the_cluster_objects(default_helm):
    base = ["matrix", CHART, "-f", CHART / "values.yaml", "-f", DNS_VALUES, "--check", "render,expect",
            "--workers", "1", "--no-progress", "--helm", default_helm]
    alone = netpol(*base)
    assert alone.returncode == 0, alone.stdout + alone.stderr
    beside = netpol(*base, "--with", BASELINE_DENY)
    assert beside.returncode == 1, beside.stdout + beside.stderr
    assert beside.stdout.startswith("2 cases, 1 failing")
    assert "e.g. values: defaults: web -> kube-system/kube-dns on 53/UDP: allowed: DENIED" in beside.stdout


# --------------------------------------------------------------------------- the Python API


def test_build_network_extra_objects_puts_the_cluster_objects_beside_the_render(default_helm):
    rendered = render(CHART, helm=default_helm)
    assert rendered.ok, rendered.stderr
    cluster = read_cluster_file(BASELINE_DENY)
    build_network(rendered, setup=add_kube_dns).allows("web", "kube-system/kube-dns", 53, "UDP")
    net = build_network(rendered, extra_objects=cluster, setup=add_kube_dns)
    with pytest.raises(AssertionError, match=r"\[Baseline\] BANP default egress\[0\]"):
        net.allows("web", "kube-system/kube-dns", 53, "UDP")
    # The same as a positional group; render results may stand among the objects.
    positional = build_network(rendered, cluster, setup=add_kube_dns)
    assert positional.verdict("default/web", "kube-system/kube-dns", 53, "UDP").denied
    with_dns = render(CHART, values_files=[str(DNS_VALUES)], helm=default_helm)
    net = build_network([], extra_objects=[with_dns, *cluster], setup=add_kube_dns)
    net.allows("web", "kube-system/kube-dns", 53, "UDP")
    net.denies("web", "ip:1.1.1.1", 443)


# --------------------------------------------------------------------------- files that cannot be used


@pytest.mark.parametrize("command", ["reach", "report", "check", "validate", "matrix"])
@pytest.mark.parametrize("content, says", [
    (None, "cannot read it: No such file or directory"),
    ("kind: [unclosed\n", "not YAML"),
    ("- just\n- a list\n", "document 1 is not a Kubernetes object"),
])
def test_a_with_file_that_cannot_be_read_or_parsed_is_one_line_naming_it_and_exit_2(tmp_path, command, content, says):
    path = tmp_path / "cluster.yaml"
    if content is not None:
        path.write_text(content)
    more = {"reach": ["--port", "80"], "matrix": ["-f", str(CHART / "values.yaml")]}.get(command, [])
    out = netpol(command, CHART, *more, "--with", path)
    assert out.returncode == 2, out.stdout + out.stderr
    assert out.stderr.splitlines() == [out.stderr.strip()] and "Traceback" not in out.stderr
    assert out.stderr.startswith(f"netpol {command}: {path}: ") and says in out.stderr


def test_a_kind_list_gives_its_items_and_an_empty_file_is_an_error(tmp_path):
    listed = tmp_path / "list.yaml"
    listed.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": list(yaml.safe_load_all(BASELINE_DENY.read_text()))}))
    assert read_cluster_file(listed) == read_cluster_file(BASELINE_DENY)
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing yet\n")
    with pytest.raises(ClusterFileError, match=f"^{empty}: holds no Kubernetes objects$"):
        read_cluster_file(empty)
