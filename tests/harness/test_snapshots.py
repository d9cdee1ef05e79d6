"""Reachability snapshots: `netpol snapshot CHART` keeps, per values example, the flows the
render allows in CHART/netpol-snapshots/; `--check` fails on a template change that opens
(+) or closes (-) a flow, on a missing or a stale snapshot; `--update` accepts; the pytest
plugin collects each snapshot as an item that fails with the same lines."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from netpol_harness.cli import main
from netpol_harness.project import root as repo_root

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.helm

TWOTIER = repo_root() / "tests" / "data" / "harness" / "charts" / "twotier"
POLICIES = Path("charts/twotier/templates/networkpolicies.yaml")
OPEN_9090 = "  ingress:\n    - from:\n        - podSelector: {}\n      ports:\n        - port: 9090\n"
OPENED = [
    "+ default/web ingress from default/neighbour: 9090/TCP",
    "+ default/web ingress from default/not-client: 9090/TCP",
    "+ default/web ingress from default/not-web: 9090/TCP",
    "+ probe 9090/TCP",
]
ACCEPT = "accept with: netpol snapshot charts/twotier --update --values values-examples/twotier/defaults.yaml"


def make_project(root: Path) -> Path:
    """twotier (symlinks resolved) with two values examples under `root`; the chart."""
    chart = root / "charts" / "twotier"
    shutil.copytree(TWOTIER, chart, symlinks=False)
    examples = root / "values-examples" / "twotier"
    examples.mkdir(parents=True)
    (examples / "defaults.yaml").write_text("# needs: nothing\nwebPort: 8080\n")
    (examples / "alt-port.yaml").write_text("# needs: nothing\nwebPort: 9090\n")
    return chart


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    make_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def snapshot(project: Path, default_helm: str, capsys: pytest.CaptureFixture[str]):
    """`netpol snapshot charts/twotier ARGS...` run in the project: (exit code, stdout, stderr)."""
    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--root", str(project), "snapshot", "charts/twotier", "--helm", default_helm, *args])
        out = capsys.readouterr()
        return code, out.out, out.err
    return run


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_the_snapshot_lists_each_workloads_flows_one_line_each_without_volatile_data(project, snapshot):
    code, out, _ = snapshot()
    assert code == 0 and "wrote charts/twotier/netpol-snapshots/defaults.yaml (new)" in out
    text = (project / "charts/twotier/netpol-snapshots/defaults.yaml").read_text()
    assert "  default/web:\n    controller: Deployment/web\n    ingress:\n      default/client: 8080/TCP\n" in text
    assert "  default/client:\n    controller: Deployment/client\n" in text
    assert "    egress:\n      default/web: 8080/TCP\n" in text
    assert "# Reachability snapshot" in text and "--update --values values-examples/twotier/defaults.yaml" in text
    assert str(project) not in text
    assert snapshot()[1].endswith("all 2 snapshots up to date\n")
    assert (project / "charts/twotier/netpol-snapshots/defaults.yaml").read_text() == text


def test_a_template_change_that_opens_a_flow_fails_the_check_with_the_opened_flow(project, snapshot):
    snapshot()
    edit(project / POLICIES, "  ingress:\n", OPEN_9090)
    code, out, _ = snapshot("--check")
    assert code == 1
    assert "values-examples/twotier/defaults.yaml: flows differ from the snapshot " \
           "charts/twotier/netpol-snapshots/defaults.yaml (4 opened, 0 closed)" in out
    assert all(f"  {line}\n" in out for line in OPENED)
    assert ACCEPT in out


def test_update_accepts_the_change_and_the_check_passes_again(project, snapshot):
    snapshot()
    edit(project / POLICIES, "  ingress:\n", OPEN_9090)
    code, out, _ = snapshot("--update")
    assert code == 0
    assert "wrote charts/twotier/netpol-snapshots/defaults.yaml (4 opened, 0 closed)" in out
    assert snapshot("--check")[:2] == (0, "2 of 2 snapshots match\n")


def test_update_rewrites_only_the_snapshots_whose_flows_changed(project, snapshot):
    snapshot()
    edit(project / "values-examples/twotier/alt-port.yaml", "9090", "9091")
    code, out, _ = snapshot("--update")
    assert code == 0
    assert out == ("wrote charts/twotier/netpol-snapshots/alt-port.yaml (3 opened, 3 closed)\n"
                   "1 of 2 snapshots written or removed\n")


def test_a_closed_flow_is_printed_with_a_minus(project, snapshot):
    snapshot()
    edit(project / POLICIES, "        - port: {{ .Values.webPort }}", "        - port: 9999")
    code, out, _ = snapshot("--check", "--values", "values-examples/twotier/defaults.yaml")
    assert code == 1
    assert "  - default/client egress to default/web: 8080/TCP\n" in out
    assert "  - default/web ingress from default/client: 8080/TCP\n" in out
    assert "  + probe 9999/TCP\n" in out


def test_a_missing_snapshot_and_a_stale_one_fail_the_check_and_update_fixes_both(project, snapshot):
    snapshot()
    folder = project / "charts/twotier/netpol-snapshots"
    (folder / "defaults.yaml").rename(folder / "retired.yaml")
    code, out, _ = snapshot("--check")
    assert code == 1
    assert ("values-examples/twotier/defaults.yaml: no snapshot charts/twotier/netpol-snapshots/defaults.yaml yet\n"
            f"  {ACCEPT}\n") in out
    assert ("charts/twotier/netpol-snapshots/retired.yaml: stale: no values file retired.yaml among the chart's "
            "values examples; remove it, or accept with: netpol snapshot charts/twotier --update") in out
    code, out, _ = snapshot("--update")
    assert "removed charts/twotier/netpol-snapshots/retired.yaml" in out
    assert "wrote charts/twotier/netpol-snapshots/defaults.yaml (new)" in out
    assert sorted(p.name for p in folder.iterdir()) == ["alt-port.yaml", "defaults.yaml"]


def test_values_limits_the_run_to_those_examples_without_a_stale_check(project, snapshot):
    snapshot("--values", "values-examples/twotier/alt-port.yaml")
    code, out, _ = snapshot("--check", "--values", "values-examples/twotier/alt-port.yaml")
    assert (code, out) == (0, "1 of 1 snapshots match\n")


@pytest.mark.parametrize("args, says", [
    (["--values", "values-examples/twotier/none.yaml"], "netpol snapshot: values-examples/twotier/none.yaml: "),
    (["--values", "charts/twotier/values.yaml"],
     "netpol snapshot: --values charts/twotier/values.yaml: not a values example of "),
])
def test_a_values_file_that_is_no_example_is_a_one_line_error(project, snapshot, args, says):
    code, out, err = snapshot("--check", *args)
    assert code == 2 and out == ""
    assert err.startswith(says) and err.count("\n") == 1


def test_a_snapshot_that_is_not_one_is_a_one_line_error_naming_it(project, snapshot):
    snapshot()
    (project / "charts/twotier/netpol-snapshots/defaults.yaml").write_text("workloads: [web]\n")
    code, _, err = snapshot("--check")
    assert code == 2 and err.count("\n") == 1
    assert "netpol-snapshots/defaults.yaml: not a snapshot: workloads: ['web'] is not of type 'object'" in err


def test_the_pytest_item_of_a_snapshot_fails_with_the_opened_flows(pytester: pytest.Pytester, default_helm):
    make_project(pytester.path)
    pytester.makeini("[pytest]\nnetpol_chart_paths = charts\n")
    assert main(["--root", str(pytester.path), "snapshot", str(pytester.path / "charts/twotier"),
                 "--helm", default_helm]) == 0
    edit(pytester.path / POLICIES, "  ingress:\n", OPEN_9090)
    assert main(["--root", str(pytester.path), "snapshot", str(pytester.path / "charts/twotier"),
                 "--values", str(pytester.path / "values-examples/twotier/alt-port.yaml"), "--helm", default_helm]) == 0
    folder = pytester.path / "charts/twotier/netpol-snapshots"
    shutil.copy(folder / "alt-port.yaml", folder / "retired.yaml")
    result = pytester.runpytest_subprocess(f"--netpol-helm={default_helm}", "-p", "no:cacheprovider", "-v")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines([
        "*charts/twotier/netpol-snapshots/alt-port.yaml::twotier with alt-port.yaml PASSED*",
        "*charts/twotier/netpol-snapshots/defaults.yaml::twotier with defaults.yaml FAILED*",
        "*charts/twotier/netpol-snapshots/retired.yaml::twotier with (no values file) FAILED*",
    ])
    out = result.stdout.str()
    assert all(f"  {line}\n" in out for line in OPENED)
    assert ACCEPT in out
    assert "retired.yaml: stale: no values file retired.yaml" in out


def test_a_values_example_that_does_not_render_is_a_one_line_error_naming_it(project, snapshot):
    (project / "values-examples/twotier/broken.yaml").write_text('# needs: nothing\nwebPort: "x"\n')
    code, _, err = snapshot("--check")
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("netpol snapshot: values-examples/twotier/broken.yaml: helm template (offline): Error: ")
