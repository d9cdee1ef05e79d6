"""Assertions for any test runner: they return True or raise AssertionError with the
evaluator's explanation or helm's words.

  network -- `NetworkAssertions` (allows, denies, only_reaches ...) over rendered manifests
  render  -- `render_valid`, `render_fails`, and where a named chart lives
"""
from __future__ import annotations

from .network import NetworkAssertions, add_kube_dns, build_network
from .render import find_chart, render_fails, render_valid

__all__ = ["NetworkAssertions", "add_kube_dns", "build_network", "find_chart", "render_fails", "render_valid"]
