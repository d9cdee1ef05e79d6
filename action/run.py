"""The GitHub Action's main step (action.yml): validate a chart, run its expectations, show
what the change opens and closes against the base revision, and hand that over as Markdown.

    python action/run.py

Everything comes from the environment, the way action.yml sets it: the inputs as
INPUT_CHART, INPUT_VALUES, INPUT_BASE, INPUT_DATAPLANES, INPUT_FAIL_ON_OPEN (never spliced
into a shell line, so a branch name cannot run code), NETPOL_HELM (the helm the install
step put in place), and the runner's own GITHUB_WORKSPACE, GITHUB_STEP_SUMMARY,
GITHUB_OUTPUT, RUNNER_TEMP, GITHUB_EVENT_NAME. Run by hand with those set, it does what
the runner would.

Steps, each run whatever the one before found (but a wrong input, such as a values file
that is not there, runs nothing: the summary names it):
0. `helm dependency build`, when Chart.yaml lists a dependency that charts/ lacks;
1. `netpol validate` once per values case, each into a SARIF file; merged into
   REPORT_DIR/netpol.sarif, one run per chart for code scanning;
2. `netpol check` when the chart has netpol-expect.yaml (JUnit XML beside it);
3. with a base revision, `netpol report CHART --base BASE --case ...`: the flows the change
   opens and closes, per values case, as Markdown, JSON and HTML pages in REPORT_DIR.
   A shallow clone lacks the base: it is fetched (`git fetch --depth=1 origin BASE`).

The Markdown goes to the job summary and to the `markdown` output; `opened`, `closed`
(empty without a diff), `report-dir` and `artifact-name` to GITHUB_OUTPUT. The exit status
is 1 when validate or check fails, a command cannot run, or with fail-on-open a flow
opens, and it is set only after the summary and the outputs are written.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script: its sibling modules import by name

from sarif_merge import merge_sarif  # noqa: E402
from summary import Outcome, compose, limited  # noqa: E402

COMMENT_LIMIT = 65_536  # GitHub refuses a longer comment
SUMMARY_LIMIT = 1_000_000  # the job summary takes up to 1 MiB per step
EXPECTATIONS = "netpol-expect.yaml"


@dataclass
class Settings:
    workspace: Path
    chart: str  # as the user wrote it, relative to the workspace
    cases: list[str]  # values files, relative to the workspace
    base: str
    dataplanes: list[str]
    fail_on_open: bool
    report_dir: Path
    event: str = ""
    problems: list[str] = field(default_factory=list)  # wrong inputs: the run fails, saying each
    notes: list[str] = field(default_factory=list)  # what was not done, and why
    sarifs: list[tuple[str, Path]] = field(default_factory=list)  # (values case, file) of each command
    env: dict[str, str] = field(default_factory=dict)  # what the commands run with


def slug(text: str) -> str:
    """A name for the artifact and the report folder: upload-artifact refuses / \\ : < > | * ? " in names."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "chart"


def values_files(folder: Path) -> list[Path]:
    """A folder's values cases: its *-values.yaml (chart-testing's ci/ convention), else every *.yaml,
    as `netpol report --case` reads a folder."""
    return sorted(folder.glob("*-values.yaml")) or sorted(folder.glob("*.yaml"))


def cases_of(text: str, chart: str, workspace: Path) -> tuple[list[str], list[str]]:
    """(values files, problems): the input's files and folders, each folder expanded, each
    relative to the workspace, else to the chart; with none given, the chart's ci/ folder
    when there is one, else no case (the chart's defaults)."""
    entries = text.split()
    if not entries and (workspace / chart / "ci").is_dir():
        entries = [str(Path(chart) / "ci")]
    files: list[str] = []
    problems = [] if (workspace / chart / "Chart.yaml").is_file() else [f"chart: no Chart.yaml in {chart}"]
    for entry in entries:
        path = workspace / entry
        if not path.exists() and (workspace / chart / entry).exists():
            path, entry = workspace / chart / entry, str(Path(chart) / entry)
        if path.is_dir():
            found = values_files(path)
            files += [str(p.relative_to(workspace)) for p in found]
            problems += [] if found else [f"values: {entry} holds no *.yaml"]
        elif path.is_file():
            files.append(entry)
        else:
            problems.append(f"values: no such file or folder: {entry}")
    return files, problems


def settings_from(env: dict[str, str]) -> Settings:
    workspace = Path(env.get("GITHUB_WORKSPACE") or Path.cwd()).resolve()
    chart = env.get("INPUT_CHART", "").strip() or "."
    cases, problems = cases_of(env.get("INPUT_VALUES", ""), chart, workspace)
    temp = Path(env.get("RUNNER_TEMP") or workspace / ".netpol-tmp")
    return Settings(workspace=workspace, chart=chart, cases=cases, base=env.get("INPUT_BASE", "").strip(),
                    dataplanes=env.get("INPUT_DATAPLANES", "").split() or ["kubernetes"],
                    fail_on_open=env.get("INPUT_FAIL_ON_OPEN", "").strip().lower() in ("true", "1", "yes"),
                    report_dir=temp / "netpol-report" / slug(chart), event=env.get("GITHUB_EVENT_NAME", ""),
                    problems=problems, env=env)


def netpol(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """A netpol command in the workspace, with this Python: the one the harness is installed in."""
    # The render cache in the runner's temp, not as a .cache/ folder in the user's checkout.
    env = {"NETPOL_CACHE_DIR": str(settings.report_dir.parent.parent / "netpol-cache"), **settings.env}
    return subprocess.run([sys.executable, "-m", "netpol_harness.cli", *args], cwd=settings.workspace,
                          capture_output=True, text=True, env=env)


def git(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=settings.workspace, capture_output=True, text=True, env=settings.env)


def dataplane_options(settings: Settings) -> list[str]:
    return [arg for name in settings.dataplanes for arg in ("--dataplane", name)]


def run_validate(settings: Settings) -> list[Outcome]:
    """`netpol validate` per values case (once with the chart's defaults when there is none)."""
    outcomes = []
    for n, case in enumerate(settings.cases or [""]):
        sarif = settings.report_dir / f"validate-{n}.sarif"
        values = ["-f", case] if case else []
        done = netpol(settings, "validate", settings.chart, *values, *dataplane_options(settings),
                      "--format", "sarif", "--output", str(sarif))
        outcomes.append(Outcome(f"validate {case or '(chart defaults)'}", done.returncode, done.stdout + done.stderr))
        settings.sarifs.append((case, sarif))
    return outcomes


def run_check(settings: Settings) -> list[Outcome]:
    """`netpol check` when the chart has expectations: JUnit XML, and SARIF for the merged file."""
    if not (settings.workspace / settings.chart / EXPECTATIONS).is_file():
        settings.notes.append(f"No {EXPECTATIONS} in the chart: no expectations checked.")
        return []
    sarif = settings.report_dir / "check.sarif"
    done = netpol(settings, "check", settings.chart, *dataplane_options(settings), "--format", "sarif",
                  "--output", str(sarif), "--junit", str(settings.report_dir / "check.xml"))
    settings.sarifs.append(("", sarif))
    # One line per expectation: the comment keeps the failed ones (and their reasons) and the count.
    kept = [line for line in (done.stdout + done.stderr).splitlines() if not line.startswith("ok ")]
    count = kept[-1] if done.returncode == 0 and kept else ""
    return [Outcome(f"check {EXPECTATIONS}", done.returncode, "" if count else "\n".join(kept), count)]


def write_sarif(settings: Settings) -> None:
    """REPORT_DIR/netpol.sarif, in place of the per-command files: code scanning takes one
    run per tool and category."""
    found = [(case, path) for case, path in settings.sarifs if path.is_file()]
    if not found:
        return
    merged = merge_sarif(found, f"netpol/{settings.chart}")
    (settings.report_dir / "netpol.sarif").write_text(json.dumps(merged, indent=2) + "\n")
    for _, path in found:
        path.unlink()


def build_dependencies(settings: Settings) -> Outcome | None:
    """`helm dependency build` when Chart.yaml lists a dependency charts/ lacks: a fresh
    checkout has no packaged `file://` dependencies (they are not committed), and helm
    renders nothing without them. A chart repository's must be added beforehand (helm repo add)."""
    from netpol_harness.helm.dependencies import missing_dependencies

    chart = settings.workspace / settings.chart
    try:
        missing = [str(d["name"]) for d in missing_dependencies(chart)]
    except OSError:
        return None  # no Chart.yaml: validate says so
    if not missing:
        return None
    helm = settings.env.get("NETPOL_HELM") or "helm"
    done = subprocess.run([helm, "dependency", "build", "--skip-refresh", str(chart)], capture_output=True, text=True,
                          env=settings.env)
    return Outcome(f"helm dependency build ({', '.join(missing)})", done.returncode, done.stdout + done.stderr)


def has_commit(settings: Settings, rev: str) -> bool:
    return git(settings, "cat-file", "-e", f"{rev}^{{commit}}").returncode == 0


def ensure_base(settings: Settings) -> str | None:
    """Fetch the base when this clone lacks it (actions/checkout clones one commit by
    default); None when it is there now, else why not."""
    if has_commit(settings, settings.base):
        return None
    print(f"netpol action: the base {settings.base} is not in this clone (a shallow checkout?); "
          f"fetching it: git fetch --depth=1 origin {settings.base}", flush=True)
    fetched = git(settings, "fetch", "--depth=1", "origin", settings.base)
    if fetched.returncode != 0 or not has_commit(settings, settings.base):
        return (f"could not fetch the base {settings.base}: {fetched.stderr.strip() or 'not found'} "
                "(check out with fetch-depth: 0)")
    return None


def chart_at_base(settings: Settings) -> bool:
    """The chart's Chart.yaml exists at the base (`REV:./path` is relative to the workspace)."""
    return git(settings, "cat-file", "-e", f"{settings.base}:./{settings.chart}/Chart.yaml").returncode == 0


@dataclass
class DiffResult:
    outcome: Outcome | None = None  # None: no diff was asked for, or the chart is new
    markdown: str = ""
    opened: int | None = None
    closed: int | None = None


def run_diff(settings: Settings) -> DiffResult:
    if not settings.base:
        why = f"the event is {settings.event}" if settings.event else "no base revision was given"
        settings.notes.append(f"No diff: no base revision ({why}).")
        return DiffResult()
    problem = ensure_base(settings)
    if problem:
        return DiffResult(Outcome(f"diff against {settings.base}", 2, problem))
    if not chart_at_base(settings):
        settings.notes.append(f"No diff: the chart {settings.chart} is not at {settings.base[:12]} (it is new).")
        return DiffResult()
    # One run: --out writes the Markdown (also on stdout), the JSON it counts from and the HTML pages.
    shown = netpol(settings, "report", settings.chart, "--base", settings.base,
                   *[a for c in settings.cases for a in ("--case", c)], *dataplane_options(settings),
                   "--format", "markdown", "--out", str(settings.report_dir))
    # Its stderr is the progress ("wrote diff.html") and the errors: only the errors are news.
    said = "\n".join(line for line in shown.stderr.splitlines() if not line.startswith("wrote ")).strip()
    result = DiffResult(Outcome(f"diff against {settings.base[:12]}", shown.returncode, said))
    result.markdown = shown.stdout if shown.returncode == 0 else ""
    if shown.returncode != 0:
        return result
    try:
        summary = json.loads((settings.report_dir / "diff.json").read_text())["summary"]
        result.opened, result.closed = int(summary["opened"]), int(summary["closed"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        result.outcome = Outcome(result.outcome.title, 2, f"netpol report wrote no counts in diff.json: {exc}")
        return result
    result.outcome.result = f"{result.opened} opened, {result.closed} closed"
    return result


def run_all(settings: Settings) -> tuple[list[Outcome], DiffResult]:
    """Every command, each whatever the one before found: validate, check, the diff."""
    built = build_dependencies(settings)
    outcomes = ([built] if built else []) + run_validate(settings) + run_check(settings)
    write_sarif(settings)
    diff = run_diff(settings)
    return outcomes + ([diff.outcome] if diff.outcome else []), diff


def write_outputs(env: dict[str, str], outputs: dict[str, str], markdown: str) -> None:
    """The summary, and each output as GitHub documents: `name<<DELIMITER` for the
    multiline Markdown, with a delimiter that cannot occur in it."""
    if env.get("GITHUB_STEP_SUMMARY"):
        with open(env["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as summary:
            summary.write(limited(markdown, SUMMARY_LIMIT) + "\n")
    if not env.get("GITHUB_OUTPUT"):
        return
    body = limited(markdown, COMMENT_LIMIT)
    delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
    while delimiter in body:  # astronomically unlikely, and then simply drawn again
        delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
    with open(env["GITHUB_OUTPUT"], "a", encoding="utf-8") as out:
        out.write(f"markdown<<{delimiter}\n{body}\n{delimiter}\n")
        out.writelines(f"{name}={value}\n" for name, value in outputs.items())


def main(env: dict[str, str] | None = None) -> int:
    env = dict(os.environ if env is None else env)
    settings = settings_from(env)
    shutil.rmtree(settings.report_dir, ignore_errors=True)  # a second run for the chart in this job starts clean
    settings.report_dir.mkdir(parents=True, exist_ok=True)
    outcomes, diff = ([], DiffResult()) if settings.problems else run_all(settings)
    failures = settings.problems + (["fail-on-open: the change opens flows"]
                                    if settings.fail_on_open and diff.opened else [])
    markdown = compose(settings.chart, outcomes, diff.markdown, settings.notes, failures)
    (settings.report_dir / "summary.md").write_text(markdown + "\n")
    outputs = {"opened": "" if diff.opened is None else str(diff.opened),
               "closed": "" if diff.closed is None else str(diff.closed),
               "report-dir": str(settings.report_dir), "artifact-name": f"netpol-report-{slug(settings.chart)}"}
    write_outputs(env, outputs, markdown)
    for outcome in outcomes:
        print(outcome.console())
    failed = [o.title for o in outcomes if o.code] + failures
    if failed:
        print(f"netpol action: failed: {'; '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
