"""The suite's fixtures come from the netpol-harness pytest plugin (its `pytest11`
entry point), exactly as they do for a chart maintainer's suite. Chart tests run once
per helm (`netpol_helm` in pyproject.toml); tests of the harness itself use the one
helm a user gets who names none."""
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
