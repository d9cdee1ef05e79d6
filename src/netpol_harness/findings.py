"""What `netpol validate` and `netpol check` found, as a document CI reads: JSON, JUnit XML
or SARIF 2.1.0 (`--format`, `--output FILE`; `text` is what the commands print).

    json   {formatVersion, tool {name, version}, command, chart, exit {code, meaning},
            summary {error, warning, info, waived[, passed, failed]},
            findings [{id, severity, object, namespace, path, message, waived, file}]
            [, expectations [{case, expectation, passed, message}]]}
    junit  one testcase per finding (a failure for an unwaived error, skipped when waived)
           or per expectation; a clean validate is one passing testcase
    sarif  one run of the driver `netpol`: a rule per finding id, a result per finding
           (error, warning, note; a waived one suppressed, its reason the justification)
           and per failed expectation, located in the file it is about

A finding's file is relative to the repository (the nearest folder above it with .git,
else the current directory): the template that rendered its object, the values file, the
chart's netpol.yaml or a --with file, else the chart's Chart.yaml.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from .check.kubernetes import object_label
from .check.lints import RULES, WAIVER_FILE, Finding
from .expect import Outcome, junit_xml
from .helm.template import RenderResult
from .junit import junit_suite
from .textsafe import xml_escape

FORMATS = ("text", "json", "junit", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FORMAT_VERSION = 1
EXPECTATION = "expectation"
HELM_RENDER = "helm-render"
INPUT = "input"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
# The ids no lint has: a rule each all the same, so every SARIF result names a rule.
OTHER_RULES = {
    "values": ("error", "A value the chart's values.schema.json refuses."),
    "api-server": ("error", "An object the Kubernetes schemas or the API server's rules refuse."),
    HELM_RENDER: ("error", "helm could not render the chart."),
    INPUT: ("error", "An input netpol could not read: a values, --with or expectations file, a --dataplane name."),
    EXPECTATION: ("error", "A flow the chart's netpol-expect.yaml expects that its policies do not give."),
}
MEANINGS = {
    "validate": {0: "no unwaived errors", 1: "unwaived errors",
                 2: "helm could not render the chart, or an input is malformed"},
    "check": {0: "every expectation held", 1: "an expectation failed",
              2: "the expectations file or another input is wrong"},
}
_LABEL = re.compile(r"^([A-Za-z][\w.]*/[^\s:/]+): ")  # "NetworkPolicy/web: ..." in schema and API-server messages
_SOURCE = re.compile(r"^# Source: [^/\n]+/(.+)$", re.M)


@dataclass(frozen=True)
class Located:
    """A finding, the file it is about (relative to the repository) and its object's namespace."""
    finding: Finding
    file: str
    namespace: str = ""


@dataclass
class Report:
    command: str  # "validate" or "check"
    chart: str
    exit_code: int
    findings: list[Located] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    expectations: str = ""  # check: the expectation file, relative to the repository


def version() -> str:
    try:
        return importlib.metadata.version("netpol-harness")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def add_format_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="text (default), or a document for CI: json, junit, sarif (SARIF 2.1.0)")
    parser.add_argument("--output", type=Path, metavar="FILE",
                        help="write the document to FILE and keep the text on stdout (default: the document on "
                             "stdout, no text)")


# --------------------------------------------------------------------------- where a finding is


def repository_path(path: str | Path) -> str:
    """`path` relative to its repository (the nearest folder with .git, else the current
    directory), with forward slashes; a file URI when it is under neither."""
    full = Path(os.path.abspath(path))
    roots = [p for p in full.parents if (p / ".git").exists()][:1] + [Path.cwd()]
    for root in roots:
        try:
            return full.relative_to(root).as_posix()
        except ValueError:
            continue
    return full.as_uri()


def template_sources(stdout: str) -> dict[str, str]:
    """Object label ("Kind/name") -> the template, relative to the chart, that rendered it."""
    found: dict[str, str] = {}
    for chunk in re.split(r"^---\s*$", stdout, flags=re.M):
        source = _SOURCE.search(chunk)
        kind = re.search(r"^kind:\s*(\S+)", chunk, re.M)
        # helm writes metadata's keys two spaces in; a label this finds wrong only loses its template.
        name = re.search(r"^metadata:\s*\n(?:[ \t]+.*\n)*?[ \t]{2}name:\s*['\"]?([^'\"\s]+)", chunk, re.M)
        if source and kind and name:
            found.setdefault(f"{kind.group(1)}/{name.group(1)}", source.group(1))
    return found


def locate(findings: Iterable[Finding], chart: str | Path, render: RenderResult | None = None,
           values_files: Sequence[str | Path] = ()) -> list[Located]:
    """Each finding with its file and namespace (see the module's docstring)."""
    chart = Path(chart)
    sources = template_sources(render.stdout) if render else {}
    spaces = {object_label(o): str((o.get("metadata") or {}).get("namespace") or render.namespace)
              for o in render.objects} if render else {}
    out = []
    for f in findings:
        label = f.object or (m.group(1) if (m := _LABEL.match(f.why)) else "")
        if f.id == "values":
            # The last -f file wins helm's merge; without one the chart's defaults are at fault.
            path: Path = Path(values_files[-1]) if values_files else chart / "values.yaml"
        elif f.object == WAIVER_FILE:
            path = chart / WAIVER_FILE
        elif label in sources:
            path = chart / sources[label]
        elif f.object and Path(f.object).is_file():  # a --with file
            path = Path(f.object)
        else:
            path = chart / "Chart.yaml"
        out.append(Located(f, repository_path(path), spaces.get(label, "")))
    return out


# --------------------------------------------------------------------------- the documents


def summary(report: Report) -> dict[str, int]:
    live = [x.finding for x in report.findings if not x.finding.waived]
    counts = {s: sum(f.severity == s for f in live) for s in LEVELS}
    counts["waived"] = len(report.findings) - len(live)
    if report.command == "check":
        counts["passed"] = sum(o.ok for o in report.outcomes)
        counts["failed"] = len(report.outcomes) - counts["passed"]
    return counts


def json_document(report: Report) -> str:
    doc = {
        "formatVersion": FORMAT_VERSION,
        "tool": {"name": "netpol", "version": version()},
        "command": report.command,
        "chart": report.chart,
        "exit": {"code": report.exit_code, "meaning": MEANINGS[report.command].get(report.exit_code, "")},
        "summary": summary(report),
        "findings": [{"id": x.finding.id, "severity": x.finding.severity, "object": x.finding.object,
                      "namespace": x.namespace, "path": x.finding.path, "message": x.finding.why,
                      "waived": x.finding.waived, "file": x.file} for x in report.findings],
    }
    if report.command == "check":
        doc["expectations"] = [{"case": o.case, "expectation": o.expectation, "passed": o.ok, "message": o.message}
                               for o in report.outcomes]
    return json.dumps(doc, indent=2) + "\n"


def junit_document(report: Report) -> str:
    """JUnit XML: check's expectations as `netpol check --junit` writes them; otherwise a
    testcase per finding, and one passing testcase when there is none, so CI shows the run."""
    if report.outcomes:
        return junit_xml(Path(report.chart).name, report.outcomes)
    e = xml_escape
    suite = f"netpol {report.command} {report.chart}"
    cases, failures, skipped = [], 0, 0
    for x in report.findings:
        f = x.finding
        if f.waived:
            skipped += 1
            body = f'<skipped message="{e("waived: " + f.waived)}"/>'
        elif f.severity == "error":
            failures += 1
            first = f.why.splitlines()[0] if f.why else f.id
            body = f'<failure type="{e(f.id)}" message="{e(first)}">{e(f.why)}</failure>'
        else:
            body = f"<system-out>{e(f.severity + ': ' + f.why)}</system-out>"
        name = " ".join(p for p in (f.object, f.path) if p) or f.id
        cases.append(f'  <testcase classname="netpol.{e(report.command)}.{e(f.id)}" name="{e(name)}" '
                     f'file="{e(x.file)}">{body}</testcase>')
    if not cases:
        cases.append(f'  <testcase classname="netpol.{e(report.command)}" '
                     f'name="values, Kubernetes schemas, API-server rules and lints"></testcase>')
    return junit_suite(suite, cases, failures=failures, errors=0, skipped=skipped)


def _rules(ids: Iterable[str]) -> list[dict]:
    known = {r.id: (r.severity, r.purpose) for r in RULES} | OTHER_RULES
    rules = []
    for rule_id in dict.fromkeys(ids):
        severity, purpose = known.get(rule_id, ("error", rule_id))
        rules.append({"id": rule_id, "shortDescription": {"text": purpose},
                      "defaultConfiguration": {"level": LEVELS.get(severity, "error")}})
    return rules


def _location(uri: str, name: str, qualified: str, kind: str) -> dict:
    artifact = {"uri": uri} if uri.startswith("file:") else {"uri": uri, "uriBaseId": "%SRCROOT%"}
    logical = {"name": name, "fullyQualifiedName": qualified, "kind": kind}
    return {"physicalLocation": {"artifactLocation": artifact}, "logicalLocations": [logical]}


def _finding_result(x: Located) -> dict:
    f = x.finding
    kind, _, name = f.object.partition("/")
    # Kind/namespace/name, then the field: one name per object, wherever the path points.
    qualified = "/".join(p for p in (kind, x.namespace, name) if p) if name else f.object or x.file
    qualified += f":{f.path}" if f.path else ""
    result = {"ruleId": f.id, "level": LEVELS.get(f.severity, "error"), "message": {"text": f.why or f.id},
              "locations": [_location(x.file, f.object or x.file, qualified, "resource" if name else "module")]}
    if f.waived:
        # The waiver lives in the chart's netpol.yaml, outside the file the result is in: "external".
        result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": f.waived}]
    return result


def _outcome_result(o: Outcome, file: str) -> dict:
    return {"ruleId": EXPECTATION, "level": "error", "message": {"text": f"{o.expectation}\n{o.message}".strip()},
            "locations": [_location(file, o.expectation, f"{o.case}/{o.expectation}", "element")]}


def sarif_document(report: Report) -> str:
    """SARIF 2.1.0: failed expectations are results, held ones are not (SARIF reports problems)."""
    results = [_finding_result(x) for x in report.findings]
    results += [_outcome_result(o, report.expectations) for o in report.outcomes if not o.ok]
    rules = _rules(r["ruleId"] for r in results)
    index = {rule["id"]: k for k, rule in enumerate(rules)}
    for result in results:
        result["ruleIndex"] = index[result["ruleId"]]
    driver = {"name": "netpol", "version": version(), "rules": rules}
    run = {"tool": {"driver": driver}, "results": results,
           "invocations": [{"executionSuccessful": report.exit_code != 2, "exitCode": report.exit_code}]}
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"


DOCUMENTS = {"json": json_document, "junit": junit_document, "sarif": sarif_document}


def document(report: Report, fmt: str) -> str:
    return DOCUMENTS[fmt](report)


def write_document(text: str, output: Path | None) -> str | None:
    """The document to `output`, else to stdout; one line saying what went wrong, else None."""
    if output is None:
        print(text, end="")
        return None
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as err:
        return f"--output {output}: {err.strerror or err}"
    return None
