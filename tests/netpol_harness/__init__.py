"""netpol-harness: render Helm charts and check what their NetworkPolicies mean.

The pipeline, one subpackage per stage:
  helm/      render with the real helm CLI (cached), install, a controlled resolver, Helm 4's SDK
  check/     values schema, strict Kubernetes schemas, API-server rules, lints
  net/       a cluster built from manifests, the evaluator, verdicts and their explanations
  report/    connectivity reports as text, Mermaid and HTML
  kubeapi/   an in-memory Kubernetes API server for real `helm install` with `lookup`
  fixtures/  the pytest plugin; cli/ the `netpol` command

What a test needs is importable from here; see the README's reference.
"""
from __future__ import annotations

import importlib
from typing import Any

# Name -> module: imported on first use, so `import netpol_harness.cli` (the netpol
# command) does not load pytest, jsonschema and the evaluator it may never need.
_EXPORTS = {
    "validate_all": "check", "validate_kubernetes": "check", "validate_values": "check",
    "networkpolicy_errors": "check.apirules", "lint": "check.lints", "failing": "check.lints",
    "NetworkAssertions": "fixtures.network", "add_kube_dns": "fixtures.network", "build_network": "fixtures.network",
    "render_valid": "fixtures.render", "render_fails": "fixtures.render",
    "HelmNotFound": "helm.binary", "helm_binary": "helm.binary", "helm_version": "helm.binary",
    "RenderResult": "helm.template", "render": "helm.template", "render_many": "helm.template",
    "render_notes": "helm.template",
    "load_files": "loader", "parse_manifests": "loader",
    "deep_merge": "matrix", "pairwise": "matrix", "product": "matrix", "to_values": "matrix", "Replace": "matrix",
    "KUBE_DNS": "net", "Cluster": "net", "Evaluator": "net", "External": "net", "Pod": "net",
    "PolicyError": "net", "Verdict": "net",
    "configure": "project",
    "Case": "runner", "MatrixResult": "runner", "file_cases": "runner", "pairwise_cases": "runner",
    "random_cases": "runner", "run_matrix": "runner",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'netpol_harness' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
