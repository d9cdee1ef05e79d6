"""Policy mistakes that are valid objects: a rule that allows every peer because its
peer list is empty, and workloads that no policy selects while others are isolated."""
from __future__ import annotations

from ..manifests import empty_peer_rules, networkpolicies, pod_labels, pod_templates, policies_selecting


def lint(objects: list[dict]) -> list[str]:
    """One message per finding, naming the object; [] when there is nothing to say."""
    problems = []
    policies = networkpolicies(objects)
    for policy in policies:
        name = policy["metadata"].get("name")
        problems += [f"NetworkPolicy/{name}: {m}" for m in empty_peer_rules(policy)]
    if policies:
        for owner, template in pod_templates(objects):
            if not policies_selecting(objects, pod_labels(template)):
                problems.append(f"{owner['kind']}/{owner['metadata'].get('name')}: no NetworkPolicy selects its pods")
    return problems
