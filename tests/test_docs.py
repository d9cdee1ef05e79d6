"""The docs say what the code does: every chart has a README the root README links to,
each chart's values table sits in its README and matches values.yaml, the table of
lints is the lint registry's, and the root README opens with the two commands a
newcomer runs."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from netpol_harness.valuesusage import leaf_keys
from netpol_harness.project import root as repo_root

ROOT = repo_root()


CHARTS = sorted(p.parent.name for p in (ROOT / "charts").glob("*/Chart.yaml"))
CHARTS_WITH_VALUES = [c for c in CHARTS if (ROOT / "charts" / c / "values.yaml").is_file()]
READMES = sorted([ROOT / "README.md", *(ROOT / "charts").glob("*/README.md")])
TABLE_MARKER = re.compile(r"<!-- values-table: (\S+) -->")


def check_values_table(chart_dir, readme):
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "values_table.py"), str(chart_dir), "--check", str(readme)],
        capture_output=True, text=True,
    )


def test_the_charts_are_found():
    assert {"netpol", "job-executor-service", "network-policies"} <= set(CHARTS)


@pytest.mark.parametrize("chart", CHARTS)
def test_every_chart_has_a_readme_the_root_readme_links_to(chart):
    assert (ROOT / "charts" / chart / "README.md").is_file(), f"charts/{chart} has no README.md"
    assert f"](charts/{chart}/README.md" in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("chart", CHARTS_WITH_VALUES)
def test_values_table_matches_values_yaml(chart):
    result = check_values_table(ROOT / "charts" / chart, ROOT / "charts" / chart / "README.md")
    assert result.returncode == 0, result.stderr


def test_each_values_table_lives_in_its_charts_readme_only():
    # One copy per table: a second one, say in the root README, would go stale unseen.
    found = [(readme.relative_to(ROOT).as_posix(), chart)
             for readme in READMES for chart in TABLE_MARKER.findall(readme.read_text())]
    assert sorted(found) == sorted((f"charts/{c}/README.md", c) for c in CHARTS_WITH_VALUES)


def test_a_stale_or_missing_values_table_fails_the_check(tmp_path):
    chart = ROOT / "charts" / "job-executor-service"
    readme = (chart / "README.md").read_text()
    row = "| `networkPolicy.egress.enabled` | `false` |"
    assert row in readme
    stale = tmp_path / "stale.md"
    stale.write_text(readme.replace(row, "| `networkPolicy.egress.enabled` | `true` |"))
    result = check_values_table(chart, stale)
    assert result.returncode == 1 and "is stale" in result.stderr
    missing = tmp_path / "missing.md"
    missing.write_text(TABLE_MARKER.sub("", readme))
    result = check_values_table(chart, missing)
    assert result.returncode == 1 and "no values table" in result.stderr


def test_helm_differences_table_matches_the_tests_that_pin_them():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "helm_differences.py"), "--check", str(ROOT / "README.md")],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "| values schema error: `k8sMasterPort: 70000` |" in (ROOT / "README.md").read_text()


def test_readme_starts_with_demo_then_test():
    text = (ROOT / "README.md").read_text()
    first_block = text.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands[:2] == ["make demo", "make test"]


@pytest.mark.parametrize("chart", CHARTS_WITH_VALUES)
def test_every_values_key_is_described(chart):
    import yaml

    from netpol_harness.doctables import rows

    values_file = ROOT / "charts" / chart / "values.yaml"
    described = {key for key, _, _ in rows(values_file)}
    for parts in leaf_keys(yaml.safe_load(values_file.read_text())):
        covered = any(".".join(parts[:n]) in described for n in range(1, len(parts) + 1))
        assert covered, f"{chart}: {'.'.join(parts)} has no '# --' description in values.yaml"


def test_every_python_example_in_the_readme_passes_as_a_test_file(tmp_path, default_helm):
    text = (ROOT / "README.md").read_text()
    blocks = [part.split("```", 1)[0] for part in text.split("```python")[1:]]
    assert len(blocks) >= 4, "the README reference lost its examples"
    test_file = tmp_path / "test_readme_examples.py"
    test_file.write_text("\n\n".join(blocks))
    # Run as a maintainer would: pytest with the plugin, this checkout as the rootdir.
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(ROOT),
         "-c", str(ROOT / "pyproject.toml"), f"--netpol-helm={default_helm}", str(test_file)],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    defined = sum(block.count("\ndef test_") + block.startswith("def test_") for block in blocks)
    assert f"{defined} passed" in result.stdout


# The README's generated tables: each script's --check fails a stale table with the command to run.
TABLES = {
    "lint_table.py": ("| `open-rule` | error |", "| `open-rule` | warning |"),
    "dataplane_table.py": ("| `ipblock-pods` | `cilium` |", "| `ipblock-pods` | `calico` |"),
}


def check_table(script: str, readme) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / script), "--check", str(readme)],
                          capture_output=True, text=True, cwd=ROOT)


@pytest.mark.parametrize("script", TABLES)
def test_the_readmes_generated_tables_are_up_to_date(script):
    result = check_table(script, ROOT / "README.md")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("script", TABLES)
def test_a_stale_generated_table_fails_with_the_command_to_run(tmp_path, script):
    row, wrong = TABLES[script]
    readme = (ROOT / "README.md").read_text()
    assert row in readme
    stale = tmp_path / "README.md"
    stale.write_text(readme.replace(row, wrong, 1))
    result = check_table(script, stale)
    assert result.returncode == 1 and f"run scripts/{script} --write {stale}" in result.stderr
