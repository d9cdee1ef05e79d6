"""Checks on a chart and what it renders. Each returns a list of messages, [] meaning
valid, so tests read `assert validate_all(objects) == []` and a failure prints every
reason.

  values      -- values against the chart's values.schema.json, merged as Helm merges
  kubernetes  -- manifests against strict Kubernetes JSON schemas
  apirules    -- what the API server checks on a NetworkPolicy and schemas do not
  adminrules  -- the CRD schema and CEL rules of AdminNetworkPolicy, BaselineAdminNetworkPolicy
                 and ClusterNetworkPolicy (policy.networking.k8s.io), which no built-in schema has
  ciliumrules -- the CRD schema and the agent's rule sanitizer of CiliumNetworkPolicy and
                 CiliumClusterwideNetworkPolicy (cilium.io/v2), layers 3 and 4
  admission   -- what the API server would take: the objects a judgement may start from
  lints       -- policy mistakes that are valid objects (allow-all rules, unselected pods)
  lintrules   -- the lints themselves, each registered with its id, severity and purpose
"""
from __future__ import annotations

from ..boundedmemo import BoundedMemo
from .adminrules import admin_policy_errors
from .admission import RefusedObjects, admit, object_api_errors, refusals  # noqa: F401 (object_api_errors re-exported)
from .apirules import duplicate_errors, networkpolicy_errors
from .ciliumrules import cilium_policy_errors
from .kubernetes import kubernetes_engine, object_label, validate_kubernetes
from .schemamemo import memo_key
from .values import merged_values, validate_values

__all__ = ["validate_all", "validate_kubernetes", "validate_values", "merged_values", "networkpolicy_errors",
           "admin_policy_errors", "cilium_policy_errors", "api_server_errors", "kubernetes_engine", "admit",
           "RefusedObjects"]


def api_server_errors(objects: list[dict]) -> list[str]:
    """What the API server checks beyond the schemas: every object's name and labels,
    workload selectors, the NetworkPolicy rules, the admin and Cilium policies' CRD rules (and
    Cilium's sanitizer), and duplicates."""
    messages = [f"{object_label(obj)}: {m}" for obj in objects for m in _refusals(obj)]
    return messages + duplicate_errors(objects)


# A value matrix's renders repeat the same objects case after case: each is checked once.
_REFUSED: BoundedMemo[tuple[str, ...]] = BoundedMemo()


def _refusals(obj: dict) -> tuple[str, ...] | list[str]:
    key = memo_key(obj)
    if key is None:  # not only built-in types: what it holds may not be what it shows
        return refusals(obj)
    found = _REFUSED.get(key)
    if found is None:
        found = tuple(refusals(obj))
        _REFUSED.put(key, found, len(key))
    return found


def validate_all(objects: list[dict], kubernetes_version: str = "1.33", engine: str | None = None) -> list[str]:
    """Kubernetes schemas plus what the API server checks beyond them (`api_server_errors`)."""
    return validate_kubernetes(objects, kubernetes_version, engine) + api_server_errors(objects)
