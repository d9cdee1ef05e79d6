"""Stopping and hanging: Ctrl-C or SIGTERM stops `netpol matrix` at once and leaves nothing
behind (no worker, no helm, no temporary directory, one line on stderr, exit 128 + the
signal); a case whose render hangs is that case's failure and the matrix goes on; cases
given as plain dicts are values."""
from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import yaml

from netpol_harness.cases import Case
from netpol_harness.runner import run_matrix

# A helm that answers `version` and renders one ConfigMap per case (alone, or per subchart
# c0..cN of a batch's umbrella), in this process: values with `hang: true`, or
# FAKE_HELM_HANG in the environment, make it sleep instead.
FAKE_HELM = '''#!{python}
import os, sys, time
import yaml

args = sys.argv[1:]
if args[0] == "version":
    print("v3.19.0+fake")
    sys.exit(0)
chart = args[2]
values = {{}}
for i, arg in enumerate(args):
    if arg == "-f":
        values.update(yaml.safe_load(open(args[i + 1])) or {{}})
if os.path.basename(chart) == "netpol-batch":
    cases = [(f"netpol-batch/charts/c{{k}}", values[f"c{{k}}"]) for k in range(len(values))]
else:
    cases = [(os.path.basename(chart), values)]
if os.environ.get("FAKE_HELM_HANG") or any(v.get("hang") for _, v in cases):
    time.sleep(3600)
for source, v in cases:
    print(f"---\\n# Source: {{source}}/templates/cm.yaml\\napiVersion: v1\\nkind: ConfigMap\\n"
          f"metadata:\\n  name: {{v.get('name', 'x')}}")
'''


@pytest.fixture
def fake_helm(tmp_path: Path) -> Path:
    """The fake helm, in a folder whose name no other process has: every process started
    with it (netpol, its workers, helm) has that name in its command line."""
    path = tmp_path / f"fake-helm-{uuid.uuid4().hex}" / "helm"
    path.parent.mkdir()
    path.write_text(FAKE_HELM.format(python=sys.executable))
    path.chmod(0o755)
    return path


@pytest.fixture
def chart(tmp_path: Path) -> Path:
    chart = tmp_path / "tiny"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: tiny\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("name: x\n")
    (chart / "templates" / "cm.yaml").write_text("kind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n")
    return chart


def processes_with(marker: str) -> list[str]:
    """Command lines of the live processes that mention `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if marker in cmdline:
                found.append(cmdline)
    return found


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("signum, to_group", [(signal.SIGINT, True), (signal.SIGTERM, False)],
                         ids=["ctrl-c-to-the-process-group", "sigterm-to-netpol"])
def test_a_signal_stops_netpol_matrix_within_a_second_and_leaves_no_process_nor_temporary_directory(
        tmp_path, fake_helm, chart, signum, to_group, workers):
    spec = tmp_path / "matrix.yaml"
    spec.write_text(yaml.safe_dump({"factors": {"name": ["a", "b", "c", "d"]}}))
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch), "FAKE_HELM_HANG": "1", "NETPOL_NO_CACHE": "1"}
    marker = fake_helm.parent.name
    proc = subprocess.Popen([sys.executable, "-m", "netpol_harness.cli", "matrix", str(chart), "--cases", str(spec),
                             "--helm", str(fake_helm), "--check", "render", "--workers", str(workers)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)  # its own process group, as a shell gives a job
    try:
        assert wait_for(lambda: any(" template " in c for c in processes_with(marker)), 30), "helm never started"
        time.sleep(0.3)  # the workers busy with helm
        began = time.monotonic()
        for _ in range(3 if to_group else 1):  # Ctrl-C pressed three times: the first one counts
            with contextlib.suppress(ProcessLookupError):
                (os.killpg if to_group else os.kill)(proc.pid, signum)
            time.sleep(0.02)
        stdout, stderr = proc.communicate(timeout=30)
        took = time.monotonic() - began
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 128 + signum, stderr
    assert stderr == "netpol matrix: interrupted\n"
    assert took < 10  # bounded, not minutes; its speed (under a second, quiet) is measured, not asserted here
    assert wait_for(lambda: not processes_with(marker), 5.0), processes_with(marker)
    assert list(scratch.iterdir()) == []


def test_a_keyboard_interrupt_in_run_matrix_kills_its_workers_with_their_helm_and_their_temporary_files(
        tmp_path, fake_helm, chart, monkeypatch):
    monkeypatch.setenv("FAKE_HELM_HANG", "1")
    monkeypatch.setenv("NETPOL_NO_CACHE", "1")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    marker = fake_helm.parent.name

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 1.5)
    try:
        with pytest.raises(KeyboardInterrupt):
            run_matrix(chart, [{"name": n} for n in "abcd"], ("render",), helm=str(fake_helm), workers=2, batch=1)
        assert wait_for(lambda: not processes_with(marker), 5.0), processes_with(marker)
        assert list(scratch.iterdir()) == []
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_case_whose_render_hangs_fails_alone_with_its_values_and_the_matrix_goes_on(
        tmp_path, fake_helm, chart, monkeypatch, workers):
    monkeypatch.setenv("NETPOL_CACHE_DIR", str(tmp_path / "cache"))
    cases = [Case(f"case-{n}", {"name": n}) for n in "abcdef"]
    cases[3] = Case("case-hangs", {"name": "d", "hang": True})
    # The hang is an hour and is waited out two or three times (the batch check, the batch,
    # the case alone), so the timeout is most of this test's time. 4 s is twenty times what
    # the fake helm takes on a loaded machine (0.2 s at a load of 5 on 2 cores), and a batch
    # that runs out is rendered case by case with 4 s each: a single slow start fails
    # nothing. (1.5 s once failed on a loaded machine.)
    result = run_matrix(chart, cases, ("render",), helm=str(fake_helm), workers=workers, batch=3, case_timeout=4)
    assert [o.case.name for o in result.failed] == ["case-hangs"], result.summary()
    assert sum(o.rendered for o in result.outcomes) == 5
    (cause, hits), = result.groups().items()
    assert "did not finish within" in cause
    assert "hang: true" in result.summary()


def test_netpol_matrix_takes_a_case_timeout(tmp_path, fake_helm, chart):
    spec = tmp_path / "matrix.yaml"
    spec.write_text(yaml.safe_dump({"factors": {"name": ["a", "b"], "hang": [False, True]}}))
    env = {**os.environ, "NETPOL_NO_CACHE": "1"}
    out = subprocess.run([sys.executable, "-m", "netpol_harness.cli", "matrix", str(chart), "--cases", str(spec),
                          "--helm", str(fake_helm), "--check", "render", "--case-timeout", "1", "--no-progress"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 1, out.stderr
    assert out.stdout.startswith("4 cases, 2 failing"), out.stdout
    assert "did not finish within 1" in out.stdout


def test_run_matrix_takes_plain_dicts_as_the_values_of_cases(tmp_path, fake_helm, chart, monkeypatch):
    monkeypatch.setenv("NETPOL_CACHE_DIR", str(tmp_path / "cache"))
    result = run_matrix(chart, [{"name": "a"}, {"name": "b"}], ("render",), helm=str(fake_helm), workers=1,
                        keep_objects=True)
    assert result.ok, result.summary()
    assert [o.case.values for o in result.outcomes] == [{"name": "a"}, {"name": "b"}]
    assert [o.objects[0]["metadata"]["name"] for o in result.outcomes] == ["a", "b"]


def test_run_matrix_refuses_cases_that_are_neither_cases_nor_dicts_and_says_what_to_pass(chart):
    with pytest.raises(TypeError, match=r"Case.*or a dict of values.*'a-string'"):
        run_matrix(chart, ["a-string"], ("render",))


def test_workers_see_the_environment_as_it_is_when_the_matrix_runs_not_when_the_forkserver_started(
        tmp_path, fake_helm, chart, monkeypatch):
    monkeypatch.setenv("FAKE_HELM_HANG", "1")
    # Two chunks: a pool, and its forkserver started with this environment. Every render
    # here hangs, so the timeout is only how long each is waited for.
    hung = run_matrix(chart, [{"name": n} for n in "ab"], ("render",), helm=str(fake_helm), workers=2, batch=1,
                      case_timeout=1)
    assert len(hung.failed) == 2  # as the environment said
    monkeypatch.delenv("FAKE_HELM_HANG")
    result = run_matrix(chart, [{"name": n} for n in "abc"], ("render",), helm=str(fake_helm), workers=2, batch=1)
    assert result.failed == []
