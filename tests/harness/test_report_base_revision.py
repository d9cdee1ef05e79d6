"""`netpol report CHART --base REV`: the chart as it is at a git revision against the
working tree, with no second checkout; `--case` diffs once per values file. Each test
makes a small git repository in tmp_path and runs the command in-process."""
from __future__ import annotations

import json
import os
import subprocess

import pytest
import yaml

from netpol_harness.cli import main

from test_report_diff import BASE, CLIENT, WEB

GIT_ENV = {"GIT_AUTHOR_NAME": "netpol test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
           "GIT_COMMITTER_NAME": "netpol test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
           "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
POLICY = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: app}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
    - from: [{podSelector: {matchLabels: {app: client}}}]
      ports: [{port: http}]
"""
OPS = """{{- if .Values.ops }}
    - from: [{namespaceSelector: {matchLabels: {team: ops}}}]
      ports: [{port: 8080}]
{{- end }}
"""
OPENED_ROW = ("| ns-team-ops/pod | app/web | 8080/TCP | egress open; ingress: app/web ingress\\[1\\] "
              "| ingress denied (isolated by app/web) |")


def git(repo, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, timeout=60,
                   env={**os.environ, **GIT_ENV})


def commit_all(repo, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path):
    """charts/app: a web policy that takes the client; the last commit adds a rule for the
    ops namespace, on when the values say `ops: true` (the default)."""
    root = tmp_path / "repo"
    chart = root / "charts" / "app"
    (chart / "templates").mkdir(parents=True)
    git(root, "init", "-q")
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: app\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("ops: true\n")
    (chart / "templates" / "workloads.yaml").write_text(yaml.safe_dump_all(BASE[:2]))
    (chart / "templates" / "policy.yaml").write_text(POLICY)
    commit_all(root, "web takes the client")
    (chart / "templates" / "policy.yaml").write_text(POLICY + OPS)
    commit_all(root, "ops may reach web")
    return root


def report(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["report", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_base_head_1_shows_in_markdown_the_flow_the_last_commit_opens(repo, capsys, default_helm, tmp_path):
    out_dir = tmp_path / "out"
    code, out, err = report(capsys, str(repo / "charts" / "app"), "--base", "HEAD~1", "-n", "app", "--helm",
                            default_helm, "--format", "markdown", "--out", str(out_dir), "--fail-on-open")
    assert code == 1, err  # it opens a flow
    lines = out.splitlines()
    assert lines[2] == "**1 flow opened, 0 closed**"
    assert OPENED_ROW in lines
    assert "Before: app 0.1.0 at HEAD\\~1. After: app 0.1.0 in the working tree." in out
    assert (out_dir / "diff.md").read_text() == out
    assert '<tr class="opened">' in (out_dir / "diff.html").read_text()
    assert "wrote" in err and "wrote" not in out  # the document on stdout stays clean


def test_base_head_gives_no_change_and_text_by_default(repo, capsys, default_helm):
    code, out, err = report(capsys, str(repo / "charts" / "app"), "--base", "HEAD", "-n", "app", "--helm",
                            default_helm, "--fail-on-open")
    assert code == 0, err
    assert "no flow changes" in out and out.startswith("# what app 0.1.0 in the working tree changes against")


def test_a_base_that_is_not_a_revision_is_one_line_and_exit_2(repo, capsys):
    code, out, err = report(capsys, str(repo / "charts" / "app"), "--base", "no-such-branch", "--format", "markdown")
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0
    assert err.startswith("netpol report: --base no-such-branch: not a revision of the git repository")


def test_a_chart_outside_git_is_one_line_and_exit_2(tmp_path, capsys):
    chart = tmp_path / "loose"
    chart.mkdir()
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: loose\nversion: 0.1.0\n")
    code, _, err = report(capsys, str(chart), "--base", "HEAD")
    assert code == 2 and err.strip().count("\n") == 0
    assert err.startswith(f"netpol report: --base HEAD: {chart} is not in a git repository")


def test_a_chart_that_did_not_exist_at_the_revision_is_one_line_and_exit_2(repo, capsys):
    newer = repo / "charts" / "newer"
    newer.mkdir()
    (newer / "Chart.yaml").write_text("apiVersion: v2\nname: newer\nversion: 0.1.0\n")
    code, _, err = report(capsys, str(newer), "--base", "HEAD")
    assert code == 2
    assert err.strip() == "netpol report: --base HEAD: charts/newer holds no chart (Chart.yaml) at HEAD"


def test_case_dir_with_two_values_files_gives_two_sections_and_two_pages(repo, capsys, default_helm, tmp_path):
    ci = repo / "charts" / "app" / "ci"
    ci.mkdir()
    (ci / "closed-values.yaml").write_text("ops: false\n")
    (ci / "open-values.yaml").write_text("ops: true\n")
    (ci / "notes.txt").write_text("not a values file\n")
    out_dir = tmp_path / "out"
    code, out, err = report(capsys, str(repo / "charts" / "app"), "--base", "HEAD~1", "--case", str(ci), "-n", "app",
                            "--helm", default_helm, "--format", "markdown", "--out", str(out_dir))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[2] == (f"**1 flow opened, 0 closed** in 2 cases: {ci / 'closed-values.yaml'}: 0 opened, 0 closed; "
                        f"{ci / 'open-values.yaml'}: 1 opened, 0 closed").replace("_", "\\_")
    assert [line for line in lines if line.startswith("### ")] == [
        f"### {ci / 'closed-values.yaml'}".replace("_", "\\_"), f"### {ci / 'open-values.yaml'}".replace("_", "\\_")]
    assert lines.count(OPENED_ROW) == 1
    assert sorted(p.name for p in out_dir.iterdir()) == ["diff-closed-values.html", "diff-open-values.html",
                                                          "diff.json", "diff.md"]
    assert json.loads((out_dir / "diff.json").read_text())["summary"]["opened"] == 1  # both documents of one run


def test_case_works_with_a_diff_of_two_chart_directories_as_json(repo, capsys, default_helm, tmp_path):
    before = tmp_path / "before"
    subprocess.run(["cp", "-r", str(repo / "charts" / "app"), str(before)], check=True)
    (before / "templates" / "policy.yaml").write_text(POLICY)
    case = tmp_path / "closed-values.yaml"
    case.write_text("ops: false\n")
    code, out, err = report(capsys, "--diff", str(before), str(repo / "charts" / "app"), "--case", str(case),
                            "--case", str(repo / "charts" / "app" / "values.yaml"), "-n", "app", "--helm",
                            default_helm, "--format", "json")
    assert code == 0, err
    document = yaml.safe_load(out)
    assert document["summary"] == {"opened": 1, "closed": 0}
    assert [len(c["opened"]) for c in document["cases"]] == [0, 1]
    assert (document["cases"][1]["opened"][0]["src"], document["cases"][1]["opened"][0]["dst"]) == \
        ("ns-team-ops/pod", WEB)


def test_a_file_dependency_packaged_outside_git_is_built_for_the_base(tmp_path, capsys, default_helm):
    """The application charts' future layout: the library is `file://../lib`, packaged into
    charts/lib-0.1.0.tgz by the set-up and ignored by git."""
    root = tmp_path / "repo"
    lib, app = root / "charts" / "lib", root / "charts" / "app"
    (lib / "templates").mkdir(parents=True)
    (app / "templates").mkdir(parents=True)
    git(root, "init", "-q")
    (root / ".gitignore").write_text("*.tgz\nChart.lock\n")
    (lib / "Chart.yaml").write_text("apiVersion: v2\nname: lib\nversion: 0.1.0\ntype: library\n")
    (lib / "templates" / "_policy.tpl").write_text('{{- define "lib.policy" }}' + POLICY + "{{- end }}\n")
    (app / "Chart.yaml").write_text("apiVersion: v2\nname: app\nversion: 0.1.0\n"
                                    "dependencies:\n  - {name: lib, version: 0.1.0, repository: file://../lib}\n")
    (app / "templates" / "workloads.yaml").write_text(yaml.safe_dump_all(BASE[:2]))
    (app / "templates" / "policy.yaml").write_text('{{- include "lib.policy" . }}\n')
    commit_all(root, "the policy comes from the library")
    (app / "templates" / "policy.yaml").write_text("")
    commit_all(root, "no policy")
    subprocess.run([default_helm, "dependency", "build", "--skip-refresh", str(app)], check=True, capture_output=True,
                   timeout=120, env={**os.environ, "HELM_CACHE_HOME": str(tmp_path / "h"),
                                     "HELM_CONFIG_HOME": str(tmp_path / "h"), "HELM_DATA_HOME": str(tmp_path / "h")})
    code, out, err = report(capsys, str(app), "--base", "HEAD~1", "-n", "app", "--helm", default_helm,
                            "--format", "json", "--port", "8080")
    assert code == 0, err
    document = yaml.safe_load(out)
    assert document["summary"]["opened"] >= 1
    assert not [f for f in document["cases"][0]["opened"] if (f["src"], f["dst"]) == (CLIENT, WEB)]
    assert document["cases"][0]["policies"]["removed"] == ["app/web"]


def test_a_missing_dependency_from_a_chart_repository_is_one_line_naming_what_to_do(repo, capsys):
    chart = repo / "charts" / "app"
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n"
                                      "  - {name: redis, version: 1.0.0, repository: https://charts.example.invalid}\n")
    commit_all(repo, "redis")
    code, _, err = report(capsys, str(chart), "--base", "HEAD")
    assert code == 2 and err.strip().count("\n") == 0
    assert "redis" in err and "--stub-disabled-dependencies" in err and "helm dependency build" in err
