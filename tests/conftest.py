"""The suite's fixtures come from the netpol-harness pytest plugin (its `pytest11`
entry point), exactly as they do for a chart maintainer's suite. Chart tests run once
per helm (`netpol_helm` in pyproject.toml); tests of the harness itself use the one
helm a user gets who names none."""
from pathlib import Path

import pytest

from netpol_harness import project
from netpol_harness.helm.binary import HelmNotFound, helm_binary


@pytest.fixture(scope="session")
def default_helm() -> str:
    before = project.configure().helm
    project.configure(helm=None)  # not the helm a parametrized chart test set meanwhile
    try:
        return helm_binary()
    except HelmNotFound as err:
        pytest.fail(f"{err} (run `make setup`)", pytrace=False)
    finally:
        project.configure(helm=before)


def pytest_configure(config: pytest.Config) -> None:
    """Repackage the library into the application charts when charts/netpol changed since
    the last build, so a library edit is what the next run tests. Once, in the process
    that starts the run (xdist's workers start after it)."""
    if hasattr(config, "workerinput"):
        return
    import importlib.util
    import subprocess

    script = Path(__file__).resolve().parent.parent / "scripts" / "chart_deps.py"
    spec = importlib.util.spec_from_file_location("chart_deps", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        module.ensure(helm_binary())
    except (HelmNotFound, subprocess.CalledProcessError) as err:
        raise pytest.UsageError(f"cannot package the library into the charts: {err} (run `make setup`)") from None
