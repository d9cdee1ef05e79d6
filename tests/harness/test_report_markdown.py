"""`netpol report --diff ... --format markdown|json`: what a pull-request comment and a CI
job take: a summary line, the opened flows before the closed ones with the rule on each
side, escaped cells, and a comment that stays under GitHub's size limit."""
from __future__ import annotations

import copy
import json

from netpol_harness.report import diff_objects
from netpol_harness.report.diffjson import diff_document, render_diff_json
from netpol_harness.report.diffmarkdown import md_text, render_diff_markdown

from test_report_diff import BASE, CLIENT, WEB, changed

OPS_RULE = {"from": [{"namespaceSelector": {"matchLabels": {"team": "ops"}}}], "ports": [{"port": 8080}]}
HEADER = "| source | destination | ports | opened by | before |"


def opening():
    return diff_objects(BASE, changed([*BASE[2]["spec"]["ingress"], OPS_RULE]), namespace="app")


def test_a_change_that_opens_a_flow_is_one_table_row_with_the_rule_that_opens_it():
    text = render_diff_markdown([("values/ops.yaml", opening())])
    lines = text.splitlines()
    assert lines[:3] == ["## NetworkPolicy changes", "", "**1 flow opened, 0 closed**"]
    assert "### values/ops.yaml" in lines
    assert "#### Opened: 1" in lines and "#### Closed" not in text
    row = lines.index(HEADER)
    assert lines[row + 1:row + 3] == [
        "|---|---|---|---|---|",
        "| ns-team-ops/pod | app/web | 8080/TCP | egress open; ingress: app/web ingress\\[1\\] "
        "| ingress denied (isolated by app/web) |"]
    assert "Policies changed: app/web." in lines
    assert "<details>" not in text and "more flows not shown" not in text


def test_a_change_that_closes_a_flow_names_what_closes_it_and_what_allowed_it():
    text = render_diff_markdown([("values/strict.yaml", diff_objects(BASE, changed([]), namespace="app"))])
    lines = text.splitlines()
    assert lines[2] == "**0 flows opened, 1 closed**"
    row = lines.index("| source | destination | ports | closed by | before |")
    assert lines[row + 2] == (f"| {CLIENT} | {WEB} | 8080/TCP | ingress denied (isolated by app/web) "
                              "| egress open; ingress: app/web ingress\\[0\\] |")
    assert "#### Opened" not in text


def test_no_change_says_so_and_has_no_table():
    text = render_diff_markdown([("values/same.yaml", diff_objects(BASE, copy.deepcopy(BASE), namespace="app"))])
    assert text.splitlines()[2] == "**0 flows opened, 0 closed**"
    assert "No flow changes: every pair is allowed or denied as before." in text
    assert "| source |" not in text


def test_several_cases_get_one_section_each_and_one_summary_line_with_each_count():
    sections = [("a-values.yaml", opening()), ("b-values.yaml", diff_objects(BASE, changed([]), namespace="app"))]
    lines = render_diff_markdown(sections).splitlines()
    assert lines[2] == ("**1 flow opened, 1 closed** in 2 cases: a-values.yaml: 1 opened, 0 closed; "
                        "b-values.yaml: 0 opened, 1 closed")
    assert lines.index("### a-values.yaml") < lines.index("### b-values.yaml")


def test_a_cell_cannot_break_the_table_run_code_or_inject_html():
    assert md_text("a|b") == "a\\|b"
    assert md_text("x\ny") == "x\\\\ny"  # one line: the newline written out, its backslash escaped
    assert md_text("`rm -rf`") == "\\`rm -rf\\`"
    assert md_text("<img src=x>") == "&lt;img src=x>"
    assert md_text("a & b") == "a &amp; b"
    assert md_text("\x1b[31mred") == "\\\\x1b\\[31mred"


def test_the_dataplane_is_named_when_it_is_not_the_apis_own_reading():
    diff = diff_objects(BASE, changed([]), namespace="app", dataplane="cilium")
    text = render_diff_markdown([("values/x.yaml", diff)])
    assert "### values/x.yaml (dataplane cilium)" in text
    assert "Judged as the dataplane cilium enforces the policies." in text
    assert "dataplane" not in render_diff_markdown([("values/x.yaml", opening())])


DENY_INGRESS = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": {"name": "deny", "namespace": "app"},
                "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}


def many_workloads(n: int) -> list[dict]:
    """`n` deployments with long names, each with a label of its own."""
    out = []
    for k in range(n):
        pod = copy.deepcopy(BASE[1])
        pod["metadata"]["name"] = f"client-with-a-rather-long-name-{k:03d}"
        pod["spec"]["selector"]["matchLabels"] = pod["spec"]["template"]["metadata"]["labels"] = {"app": f"c{k}"}
        out.append(pod)
    return out


def test_over_500_opened_flows_stay_under_githubs_comment_limit_and_say_how_many_are_not_shown():
    clients = many_workloads(24)  # dropping a deny-all policy opens every pair: 24 * 23 and more
    diff = diff_objects([*clients, DENY_INGRESS], clients, namespace="app", probes=["8080/TCP"])
    assert len(diff.opened) >= 500
    text = render_diff_markdown([("values/open.yaml", diff)], pages=["diff-open.html"])
    assert len(text) <= 65_000 < 65_536
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| source")]
    hidden = len(diff.opened) - len(rows)
    assert hidden > 0 and rows
    assert f"… and {hidden} more flows not shown: see the full report (diff-open.html)" in text
    assert f"<details><summary>{len(diff.opened)} flows opened</summary>" in text
    assert text.rstrip().endswith("</details>")
    small = render_diff_markdown([("values/open.yaml", diff)], limit=5_000)
    assert len(small) <= 5_000 and "more flows not shown: see the full report (diff.html)" in small


def test_the_json_document_has_the_stable_shape_a_ci_job_reads():
    sections = [("a.yaml", opening()), ("b.yaml", diff_objects(BASE, changed([]), namespace="app"))]
    document = json.loads(render_diff_json(sections))
    assert document == diff_document(sections)
    assert document["summary"] == {"opened": 1, "closed": 1}
    assert [c["case"] for c in document["cases"]] == ["a.yaml", "b.yaml"]
    first = document["cases"][0]
    assert set(first) == {"case", "dataplane", "opened", "closed", "policies", "notes"}
    assert first["dataplane"] == "kubernetes" and first["closed"] == [] and first["notes"] == []
    assert first["opened"] == [{"src": "ns-team-ops/pod", "dst": WEB, "ports": ["8080/TCP"],
                                "before": "ingress denied (isolated by app/web)",
                                "after": "egress open; ingress: app/web ingress[1]", "absent": ""}]
    assert first["policies"] == {"added": [], "removed": [], "changed": ["app/web"]}
    assert render_diff_json(sections) == render_diff_json(sections)  # sorted keys: byte for byte


def test_a_change_one_profile_sees_and_another_does_not_is_noted_as_dataplane_dependent():
    under_cilium = diff_objects(BASE, copy.deepcopy(BASE), namespace="app", dataplane="cilium")
    text = render_diff_markdown([("values/x.yaml", opening()), ("values/x.yaml", under_cilium)])
    assert text.splitlines()[2].startswith("**1 flow opened, 0 closed** in 1 case under 2 dataplanes: ")
    assert "- dataplane-dependent: kubernetes opens ns-team-ops/pod -> app/web on 8080/TCP, cilium does not" in text
