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
  lints       -- policy mistakes that are valid objects (allow-all rules, unselected pods)
  lintrules   -- the lints themselves, each registered with its id, severity and purpose
"""
from __future__ import annotations

from .adminrules import admin_policy_errors, in_admin_group
from .apirules import duplicate_errors, networkpolicy_errors, object_errors, workload_errors
from .ciliumrules import cilium_policy_errors, is_cilium_policy
from .kubernetes import kubernetes_engine, object_label, validate_kubernetes
from .values import merged_values, validate_values

__all__ = ["validate_all", "validate_kubernetes", "validate_values", "merged_values", "networkpolicy_errors",
           "admin_policy_errors", "cilium_policy_errors", "api_server_errors", "kubernetes_engine"]


def api_server_errors(objects: list[dict]) -> list[str]:
    """What the API server checks beyond the schemas: every object's name and labels,
    workload selectors, the NetworkPolicy rules, the admin and Cilium policies' CRD rules (and
    Cilium's sanitizer), and duplicates."""
    messages = []
    for obj in objects:
        if obj.get("kind") == "NetworkPolicy":
            messages += [f"{object_label(obj)}: {m}" for m in networkpolicy_errors(obj)]
        elif in_admin_group(obj):  # name and labels included
            messages += [f"{object_label(obj)}: {m}" for m in admin_policy_errors(obj)]
        elif is_cilium_policy(obj):  # name and labels included
            messages += [f"{object_label(obj)}: {m}" for m in cilium_policy_errors(obj)]
        else:
            messages += [f"{object_label(obj)}: {m}" for m in object_errors(obj) + workload_errors(obj)]
    return messages + duplicate_errors(objects)


def validate_all(objects: list[dict], kubernetes_version: str = "1.33", engine: str | None = None) -> list[str]:
    """Kubernetes schemas plus what the API server checks beyond them (`api_server_errors`)."""
    return validate_kubernetes(objects, kubernetes_version, engine) + api_server_errors(objects)
