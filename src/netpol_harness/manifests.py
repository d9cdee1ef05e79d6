"""Assertion helpers on rendered objects: find things, and ask the questions whose
answer is a bug when it is not empty (an allow-all rule, a selector that matches
nothing). Pure functions over parsed manifests; no helm, no I/O.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from .net.cluster import pod_template
from .net.policy import PEER_KEYS
from .net.selector import LabelSelector

RULE_PEERS = PEER_KEYS


def objects_of_kind(objects: Iterable[dict], kind: str) -> list[dict]:
    return [o for o in objects if o.get("kind") == kind]


def find(objects: Iterable[dict], kind: str, name: str) -> dict:
    found = [o for o in objects_of_kind(objects, kind) if (o.get("metadata") or {}).get("name") == name]
    if len(found) != 1:
        raise KeyError(f"{kind}/{name}: found {len(found)}")
    return found[0]


def networkpolicies(objects: Iterable[dict]) -> list[dict]:
    return objects_of_kind(objects, "NetworkPolicy")


def pod_templates(objects: Iterable[dict]) -> list[tuple[dict, dict]]:
    """(owner object, pod template) for every workload; a bare Pod is its own template.
    The template is the dict with `metadata` and `spec`, as in the manifest."""
    out = []
    for obj in objects:
        template = obj if obj.get("kind") == "Pod" else pod_template(obj)
        if template:
            out.append((obj, template))
    return out


def pod_labels(template: Mapping) -> dict[str, str]:
    return dict((template.get("metadata") or {}).get("labels") or {})


def selector_matches(selector: Mapping | None, labels: Mapping[str, str]) -> bool:
    """Kubernetes LabelSelector semantics (the evaluator's own); `{}` selects everything.
    A missing (None) selector selects nothing, as LabelSelectorAsSelector does for nil.
    An unknown operator raises (net.selector.PolicyError, a ValueError)."""
    return selector is not None and LabelSelector.parse(selector).matches(labels)


def rules(policy: Mapping, direction: str) -> list[dict]:
    """The ingress or egress rules of a policy (direction: 'ingress' | 'egress')."""
    return list((policy.get("spec") or {}).get(direction) or [])


def empty_peer_rules(policy: Mapping) -> list[str]:
    """Rules whose `from`/`to` is missing or empty: each allows every peer. One
    message per such rule, naming it; [] when every rule names its peers."""
    found = []
    for direction, key in RULE_PEERS.items():
        for i, rule in enumerate(rules(policy, direction)):
            if not rule.get(key):
                ports = rule.get("ports")
                on = "every port" if not ports else f"ports {[p.get('port') for p in ports]}"
                found.append(f"spec.{direction}[{i}]: no '{key}' peers, so it allows every peer on {on}")
    return found


def ip_blocks(policy: Mapping, direction: str = "egress") -> list[dict]:
    """Every ipBlock peer of one direction, in rule order."""
    key = RULE_PEERS[direction]
    return [peer["ipBlock"] for rule in rules(policy, direction) for peer in rule.get(key) or [] if "ipBlock" in peer]


def policies_selecting(objects: Iterable[dict], labels: Mapping[str, str], namespace: str | None = None) -> list[dict]:
    """The NetworkPolicies whose podSelector picks a pod with these labels (in
    `namespace`, when given and the policy carries one)."""
    out = []
    for policy in networkpolicies(objects):
        ns = (policy.get("metadata") or {}).get("namespace")
        if namespace is not None and ns is not None and ns != namespace:
            continue
        if selector_matches((policy.get("spec") or {}).get("podSelector"), labels):
            out.append(policy)
    return out
