"""The docs say what the code does: README values tables match values.yaml, and the
README opens with the two commands a newcomer runs."""
from __future__ import annotations

import subprocess
import sys

import pytest

from netpol_harness.project import root as repo_root

ROOT = repo_root()


@pytest.mark.parametrize(
    "chart, readme",
    [
        ("charts/job-executor-service", "README.md"),
        ("charts/network-policies", "charts/network-policies/README.md"),
    ],
)
def test_values_table_matches_values_yaml(chart, readme):
    if not (ROOT / chart / "values.yaml").exists():
        pytest.fail(f"{chart} has no values.yaml")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "values_table.py"), str(ROOT / chart), "--check", str(ROOT / readme)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


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


def leaf_paths(node, prefix=()):
    if isinstance(node, dict) and node:
        for key, value in node.items():
            yield from leaf_paths(value, (*prefix, key))
    else:
        yield ".".join(prefix)


@pytest.mark.parametrize("chart", ["job-executor-service", "network-policies"])
def test_every_values_key_is_described(chart):
    import importlib.util

    import yaml

    spec = importlib.util.spec_from_file_location("values_table", ROOT / "scripts" / "values_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    values_file = ROOT / "charts" / chart / "values.yaml"
    described = {key for key, _, _ in module.rows(values_file)}
    for path in leaf_paths(yaml.safe_load(values_file.read_text())):
        parts = path.split(".")
        covered = any(".".join(parts[:n]) in described for n in range(1, len(parts) + 1))
        assert covered, f"{chart}: {path} has no '# --' description in values.yaml"


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
