"""netpol-harness: render Helm charts and check what their NetworkPolicies mean.

The pipeline, one subpackage per stage:
  helm/           render with the real helm CLI (cached), install, a controlled resolver, Helm 4's SDK
  check/          values schema, strict Kubernetes schemas, API-server rules, lints
  net/            a cluster built from manifests, the evaluator, verdicts and their explanations
  report/         connectivity reports as text, Mermaid and HTML
  kubeapi/        an in-memory Kubernetes API server for real `helm install` with `lookup`
  assertions/     network and render assertions for any test runner (AssertionError, no pytest)
  pytest_plugin/  the pytest plugin, a thin layer of fixtures; cli/ the `netpol` command

What a test needs is importable from here; see the README's reference. No module of the
library imports pytest: only `pytest_plugin` does.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Type checkers read these imports, so `from netpol_harness import render` has render's
# real signature. At run time each name is imported on first use: `import
# netpol_harness.cli` (the netpol command) would otherwise pay about 0.4 s for jsonschema,
# the Kubernetes schemas and the evaluator it may never need.
if TYPE_CHECKING:
    from .assertions import NetworkAssertions, add_kube_dns, build_network, render_fails, render_valid
    from .check import validate_all, validate_kubernetes, validate_values
    from .check.apirules import networkpolicy_errors
    from .check.lints import failing, lint
    from .helm.binary import HelmNotFound, helm_binary, helm_version
    from .helm.template import RenderResult, render, render_many, render_notes
    from .loader import load_files, parse_manifests
    from .matrix import Replace, deep_merge, pairwise, product, to_values
    from .net import KUBE_DNS, Cluster, Evaluator, External, PolicyError, Pod, Verdict
    from .project import configure
    from .cases import Case, file_cases, pairwise_cases, random_cases
    from .runner import MatrixResult, run_matrix

# Name -> the module that defines it; kept equal to the imports above by
# tests/harness/test_public_api.py.
_EXPORTS = {
    "NetworkAssertions": "assertions", "add_kube_dns": "assertions", "build_network": "assertions",
    "render_fails": "assertions", "render_valid": "assertions",
    "validate_all": "check", "validate_kubernetes": "check", "validate_values": "check",
    "networkpolicy_errors": "check.apirules", "failing": "check.lints", "lint": "check.lints",
    "HelmNotFound": "helm.binary", "helm_binary": "helm.binary", "helm_version": "helm.binary",
    "RenderResult": "helm.template", "render": "helm.template", "render_many": "helm.template",
    "render_notes": "helm.template",
    "load_files": "loader", "parse_manifests": "loader",
    "Replace": "matrix", "deep_merge": "matrix", "pairwise": "matrix", "product": "matrix", "to_values": "matrix",
    "KUBE_DNS": "net", "Cluster": "net", "Evaluator": "net", "External": "net", "PolicyError": "net", "Pod": "net",
    "Verdict": "net",
    "configure": "project",
    "Case": "cases", "file_cases": "cases", "pairwise_cases": "cases", "random_cases": "cases",
    "MatrixResult": "runner", "run_matrix": "runner",
}

__all__ = [
    "Case", "Cluster", "Evaluator", "External", "HelmNotFound", "KUBE_DNS", "MatrixResult", "NetworkAssertions", "Pod",
    "PolicyError", "RenderResult", "Replace", "Verdict", "add_kube_dns", "build_network", "configure", "deep_merge",
    "failing", "file_cases", "helm_binary", "helm_version", "lint", "load_files", "networkpolicy_errors", "pairwise",
    "pairwise_cases", "parse_manifests", "product", "random_cases", "render", "render_fails", "render_many",
    "render_notes", "render_valid", "run_matrix", "to_values", "validate_all", "validate_kubernetes", "validate_values",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'netpol_harness' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
