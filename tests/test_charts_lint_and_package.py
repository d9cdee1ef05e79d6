"""Each chart as helm itself judges and ships it, under every helm the suite pins:
`helm lint --strict` finds nothing and stops at no `fail`, with the defaults and with
every values example that renders offline (they turn the policies on), and `helm
package` ships the chart and its linked library without the files only the test
harness reads."""
from __future__ import annotations

import fnmatch
import re
import subprocess
import tarfile
from pathlib import Path, PurePosixPath

import pytest

from netpol_harness.environments import examples_for
from netpol_harness.helm.cache import chart_files
from netpol_harness.project import root as repo_root

pytestmark = pytest.mark.helm

ROOT = repo_root()
CHARTS = sorted(p.parent for p in (ROOT / "charts").glob("*/Chart.yaml"))
APPLICATION_CHARTS = [c for c in CHARTS if (c / "values.yaml").is_file()]
# Read by the harness from the chart directory (expectations, value matrix, lint waivers), never by helm.
HARNESS_FILES = {"netpol-expect.yaml", "netpol-matrix.yaml", "netpol.yaml"}
# helm lint turns a template's `fail` and a missing `required` value into a log line on
# stderr and renders on: a lint that hit one did not check what users get.
SWALLOWED_BY_LINT = re.compile(r'\[INFO\] (Fail|Missing required value):|msg="(funcMap fail|missing required value)"')
# Editor leftovers a working tree may hold; each chart's .helmignore keeps them out.
LEFTOVERS = ("*.swp", "*.bak", "*.tmp", "*.orig", "*~", ".DS_Store")


def offline_examples(chart):
    """Values examples that need neither `lookup` nor DNS: lint renders offline, like
    `helm template` (lookup answers nothing, so jes's examples give the API server's CIDR)."""
    return [e.path for e in examples_for(chart) if not e.needs]


def at_a_chart_root(rel: str) -> bool:
    """`netpol.yaml` or `charts/SUB/netpol.yaml`; a template of the same name is chart proper."""
    parts = PurePosixPath(rel).parts
    return len(parts) == 1 or (len(parts) == 3 and parts[0] == "charts")


def unpacked(chart: Path, files) -> set[str]:
    """The chart's files with each packaged dependency (charts/NAME-VERSION.tgz, as `make
    setup` builds the library) replaced by its files: `helm package` ships those unpacked."""
    out = set()
    for rel in files:
        if PurePosixPath(rel).parent.name == "charts" and rel.endswith(".tgz"):
            with tarfile.open(chart / rel) as tar:
                out |= {f"charts/{m.name}" for m in tar.getmembers() if m.isfile()}
        else:
            out.add(rel)
    return out


LINT_CASES = [
    pytest.param(chart, values, id=f"{chart.name}-{values.name if values else 'defaults'}")
    for chart in CHARTS
    for values in [None, *offline_examples(chart)]
]


def lint_findings(helm, chart, *args) -> list[str]:
    """`helm lint --strict CHART ARGS`: its warnings and errors, the `fail`s it let pass,
    and its exit status when that is the only sign."""
    proc = subprocess.run([helm, "lint", "--strict", str(chart), *args], capture_output=True, text=True, timeout=300)
    findings = [line for line in proc.stdout.splitlines() if line.startswith(("[WARNING]", "[ERROR]"))]
    findings += [line for line in proc.stderr.splitlines() if SWALLOWED_BY_LINT.search(line)]
    if proc.returncode != 0 and not findings:
        findings.append(f"exit {proc.returncode}: {proc.stdout}{proc.stderr}")
    return findings


@pytest.mark.parametrize("chart, values_file", LINT_CASES)
def test_helm_lint_strict_finds_nothing_and_no_template_fails(helm, chart, values_file):
    assert lint_findings(helm, chart, *(["-f", str(values_file)] if values_file else [])) == []


def test_a_fail_that_helm_lint_lets_pass_is_a_finding(helm):
    # Egress on, no API server CIDR: lookup answers nothing under lint, so the chart fails.
    findings = lint_findings(helm, ROOT / "charts" / "job-executor-service", "--set", "networkPolicy.egress.enabled=true")
    assert findings and all("networkPolicy.egress.k8sMasterCIDR" in f for f in findings), findings


@pytest.mark.parametrize("chart", APPLICATION_CHARTS, ids=lambda c: c.name)
def test_the_values_examples_lint_checks_turn_the_policies_on(render, chart):
    examples = offline_examples(chart)
    assert examples, f"{chart.name}: no values example renders offline, so lint never sees its policies"
    for path in examples:
        result = render(chart, values_files=[path])
        assert result.ok, result.stderr
        assert result.by_kind("NetworkPolicy"), f"{path.name} renders no NetworkPolicy"


@pytest.mark.parametrize("chart", CHARTS, ids=lambda c: c.name)
def test_helm_package_ships_the_chart_and_its_library_but_not_the_harness_files(helm, chart, tmp_path):
    proc = subprocess.run([helm, "package", str(chart), "-d", str(tmp_path)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    (package,) = tmp_path.glob("*.tgz")
    with tarfile.open(package) as tar:
        shipped = {m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile()}

    on_disk = {rel for rel in unpacked(chart, chart_files(chart))
               if not any(fnmatch.fnmatch(rel.rsplit("/", 1)[-1], p) for p in LEFTOVERS)}
    chart_proper = {rel for rel in on_disk if rel.split("/")[0] in ("templates", "charts")
                    or rel in ("Chart.yaml", "values.yaml", "values.schema.json", "README.md")}
    assert "README.md" in shipped
    assert sorted(chart_proper - shipped) == []
    harness = {rel for rel in on_disk if at_a_chart_root(rel) and PurePosixPath(rel).name in HARNESS_FILES}
    assert sorted(harness & shipped) == []
    if (chart / "values.yaml").is_file():  # so the check above meets a real harness file
        assert "netpol-expect.yaml" in harness
