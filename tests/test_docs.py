"""The docs say what the code does: README values tables match values.yaml, and the
README opens with the two commands a newcomer runs."""
from __future__ import annotations

import subprocess
import sys

import pytest

from harness.tools import repo_root

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


def test_readme_python_example_runs(monkeypatch):
    text = (ROOT / "README.md").read_text()
    code = text.split("```python", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    tests = [fn for name, fn in namespace.items() if name.startswith("test_")]
    assert tests, "the README example defines no test"
    for fn in tests:
        fn()
