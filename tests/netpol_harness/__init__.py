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

from .check import validate_all, validate_kubernetes, validate_values
from .check.apirules import networkpolicy_errors
from .check.lints import lint
from .fixtures.network import NetworkAssertions, add_kube_dns, build_network
from .fixtures.render import render_valid
from .helm.binary import HelmNotFound, helm_binary, helm_version
from .helm.template import RenderResult, render, render_many, render_notes
from .loader import load_files, parse_manifests
from .matrix import deep_merge, pairwise, product, to_values
from .net import KUBE_DNS, Cluster, Evaluator, External, Pod, PolicyError, Verdict
from .project import configure

__all__ = [
    "KUBE_DNS", "Cluster", "Evaluator", "External", "HelmNotFound", "NetworkAssertions", "Pod", "PolicyError",
    "RenderResult", "Verdict", "add_kube_dns", "build_network", "configure", "deep_merge", "helm_binary",
    "helm_version", "lint", "load_files", "networkpolicy_errors", "pairwise", "parse_manifests", "product",
    "render", "render_many", "render_notes", "render_valid", "to_values", "validate_all", "validate_kubernetes", "validate_values",
]
