"""Every test of this chart runs once per helm the suite names (`netpol_helm` in pyproject.toml)."""
import pytest


@pytest.fixture(autouse=True)
def _each_helm(helm: str) -> None:
    """Requesting `helm` is what makes the plugin run the test per helm."""
