"""Fixtures for the whole suite come from the harness's pytest plugins."""

pytest_plugins = [
    "harness.pytest_render",
    "harness.pytest_net",
    "harness.pytest_kubeapi",
]
