"""The application charts as the tools platform teams run read them: helm without a
warning (the library is a packaged `file://` dependency, not a symlink), chart-testing's
`ci/*-values.yaml` (the offline examples, kept in step by scripts/ci_values.py) and
Checkov, which ran no check at all on a chart holding a symlink."""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys

import pytest
import yaml

from netpol_harness.project import root as repo_root

ROOT = repo_root()
APPLICATION_CHARTS = sorted(p.parent for p in (ROOT / "charts").glob("*/values.yaml"))
CHECKOV = ROOT / ".tools" / "checkov" / "bin" / "checkov"


@pytest.mark.helm
@pytest.mark.parametrize("chart", APPLICATION_CHARTS, ids=lambda c: c.name)
def test_helm_template_prints_no_warning(helm, chart):
    proc = subprocess.run([helm, "template", "rel", str(chart), "-f", str(sorted((chart / "ci").glob("*"))[0])],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


@pytest.mark.parametrize("chart", APPLICATION_CHARTS, ids=lambda c: c.name)
def test_the_library_reaches_the_chart_as_a_packaged_dependency_not_a_link(chart):
    assert not any(p.is_symlink() for p in chart.rglob("*"))
    (dependency,) = yaml.safe_load((chart / "Chart.yaml").read_text())["dependencies"]
    assert dependency["repository"] == "file://../netpol"
    assert (chart / "charts" / f"netpol-{dependency['version']}.tgz").is_file()
    assert yaml.safe_load((chart / "Chart.lock").read_text())["dependencies"][0]["version"] == dependency["version"]


@pytest.mark.parametrize("chart", sorted(p.parent for p in (ROOT / "charts").glob("*/Chart.yaml")), ids=lambda c: c.name)
def test_every_chart_names_its_maintainers_home_sources_and_icon(chart):
    meta = yaml.safe_load((chart / "Chart.yaml").read_text())
    assert meta["maintainers"] and all(m.get("name") for m in meta["maintainers"])
    assert meta["home"].startswith("https://") and meta["icon"].startswith("https://")
    assert meta["sources"] and all(s.startswith("https://") for s in meta["sources"])


def test_each_charts_ci_folder_holds_exactly_its_offline_examples():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "ci_values.py"), "--check"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (ROOT / "charts" / "job-executor-service" / "ci").iterdir()) == [
        "dual-stack-values.yaml", "gitops-explicit-cidrs-values.yaml", "nodelocal-dns-values.yaml"]


# Checkov's own entry point (what its `checkov` script calls) run once per scan, with the
# argv a user types, in one process per test module: importing Checkov costs about nine
# seconds of CPU, the scans a fraction of that. Each scan's stdout and stderr (helm's too)
# are caught at the file descriptors, as a process of its own would have them.
SCANNER = r"""
import json, os, sys, tempfile, traceback, warnings
from checkov.main import Checkov

requests, answers = os.fdopen(os.dup(0)), os.fdopen(os.dup(1), "w")
os.dup2(os.open(os.devnull, os.O_RDONLY), 0)


def flushed_dups(restore=None):
    # Python's buffers written out first, so nothing lands in the wrong file.
    sys.stdout.flush()
    sys.stderr.flush()
    if restore is None:
        return os.dup(1), os.dup(2)
    for fd, saved in zip((1, 2), restore):
        os.dup2(saved, fd)
        os.close(saved)


def scan(argv):
    sys.argv = [CHECKOV, *argv]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        restore = flushed_dups()
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", category=SyntaxWarning)
                code = Checkov(argv).run()
        except SystemExit as stop:
            code = stop.code
        except Exception:
            traceback.print_exc()
            code = 1
        finally:
            flushed_dups(restore)
        out.seek(0)
        err.seek(0)
        return {"returncode": code or 0, "stdout": out.read(), "stderr": err.read()}


for line in requests:
    answers.write(json.dumps(scan(json.loads(line))) + "\n")
    answers.flush()
os._exit(0)  # every answer is out: the interpreter's teardown of Checkov's modules is seconds of nothing
"""


class Scanner:
    """One Checkov process, started on the first scan and asked for one scan at a time."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[str] | None = None

    def scan(self, argv: list[str]) -> dict:
        if self.proc is None:
            env = {**os.environ, "PATH": f"{ROOT / '.tools' / 'bin'}{os.pathsep}{os.environ['PATH']}"}
            self.proc = subprocess.Popen([str(CHECKOV.parent / "python"), "-c", f"CHECKOV = {str(CHECKOV)!r}\n{SCANNER}"],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(argv) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], 300)
        assert ready, f"checkov {' '.join(argv)} did not finish within 300 s"
        line = self.proc.stdout.readline()
        assert line, f"the Checkov process stopped (exit {self.proc.wait()})"
        return json.loads(line)

    def close(self) -> None:
        if self.proc is not None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="module")
def scanner():
    if not CHECKOV.is_file():
        pytest.skip("Checkov is not installed (make setup installs it into .tools/checkov)")
    scanner = Scanner()
    yield scanner
    scanner.close()


def checkov(scanner: Scanner, chart, *values, failing_ok: bool = False) -> dict:
    """Checkov's JSON summary of the chart rendered with `values`, run as a user runs it:
    from the repository (its .checkov.yaml), with the default helm on PATH, offline."""
    args = [a for v in values for a in ("--var-file", str(v))]
    proc = scanner.scan(["-d", str(chart), *args, "--compact", "-o", "json"])
    assert "Failed processing helm chart" not in proc["stderr"], proc["stderr"][-2000:]
    assert proc["returncode"] in ((0, 1) if failing_ok else (0,)), proc["stdout"][-3000:] + proc["stderr"][-2000:]
    report = json.loads(proc["stdout"])
    return report[0] if isinstance(report, list) else report


def test_checkov_runs_its_checks_on_job_executor_service_and_every_failure_is_waived_with_a_reason(scanner):
    chart = ROOT / "charts" / "job-executor-service"
    report = checkov(scanner, chart, chart / "ci" / "gitops-explicit-cidrs-values.yaml")
    summary = report["summary"]
    assert summary["passed"] >= 80 and summary["failed"] == 0 and summary["parsing_errors"] == 0
    skipped = report["results"]["skipped_checks"]
    assert len(skipped) == 7 and all(s["check_result"]["suppress_comment"] for s in skipped)  # checkov.io/skip annotations


def test_with_its_defaults_job_executor_service_fails_only_the_check_that_pods_have_a_networkpolicy(scanner):
    # The policies are opt-in (networkPolicy.ingress/egress.enabled): Checkov says so, and
    # the ci values, which turn them on, pass (above).
    failed = checkov(scanner, ROOT / "charts" / "job-executor-service", failing_ok=True)["results"]["failed_checks"]
    assert [f["check_id"] for f in failed] == ["CKV2_K8S_6"]


def test_checkov_reads_network_policies_which_renders_only_networkpolicies_it_has_no_check_for(scanner):
    chart = ROOT / "charts" / "network-policies"
    summary = checkov(scanner, chart, chart / "ci" / "flink-values.yaml")
    assert summary["failed"] == 0 and summary["parsing_errors"] == 0
