"""A seeded synthetic cluster as plain manifests (Namespaces, Pods, NetworkPolicies): the
input of the evaluator benchmarks (`make bench`, scripts/bench_evaluator.py) and of scale
measurements. Same seed, same cluster.
"""
from __future__ import annotations

import random
from typing import Any

APPS = [f"app-{i}" for i in range(12)]
TIERS = ("frontend", "backend", "data", "ops")
TEAMS = ("red", "blue", "green", "gold", "grey")
ENVS = ("dev", "stage", "prod")
PORT_NAMES = ("http", "grpc", "metrics", "dns")
PORT_NUMBERS = (53, 80, 443, 5432, 8080, 9090)
CIDRS = ("0.0.0.0/0", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "203.0.113.0/24")
PROBE = (8080, "TCP")


def synthetic_cluster(pods: int, namespaces: int, policies: int, seed: int) -> list[dict[str, Any]]:
    """Namespaces, Pods and NetworkPolicies as manifests; same seed, same cluster.

    Policies use only what NCA reads the upstream way (explicit policyTypes in NCA's order,
    no Exists/DoesNotExist in a podSelector next to a namespaceSelector), so both tools
    answer the same question.
    """
    rnd = random.Random(seed)
    ns_names = [f"ns-{i:02d}" for i in range(namespaces)]
    docs: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace",
         "metadata": {"name": n, "labels": {"team": rnd.choice(TEAMS), "env": rnd.choice(ENVS)}}}
        for n in ns_names
    ]
    for i in range(pods):
        names = rnd.sample(PORT_NAMES, rnd.randint(0, 2))
        ports = [{"name": n, "containerPort": rnd.choice(PORT_NUMBERS), "protocol": "UDP" if n == "dns" else "TCP"} for n in names]
        docs.append({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"pod-{i:04d}", "namespace": ns_names[i % namespaces],
                         "labels": {"app": rnd.choice(APPS), "tier": rnd.choice(TIERS), **({"canary": "true"} if rnd.random() < 0.1 else {})}},
            "spec": {"containers": [{"name": "main", "image": "registry.invalid/app", "ports": ports}]},
        })
    for i in range(policies):
        docs.append(_policy(rnd, f"policy-{i:03d}", ns_names[i % namespaces], ns_names))
    return docs


def _selector(rnd: random.Random, key_ops: bool = True) -> dict[str, Any]:
    kind = rnd.random()
    if kind < 0.15:
        return {}
    if kind < 0.6:
        return {"matchLabels": {"app": rnd.choice(APPS)}}
    if kind < 0.8:
        return {"matchLabels": {"tier": rnd.choice(TIERS)}, "matchExpressions": [{"key": "app", "operator": "In", "values": rnd.sample(APPS, 3)}]}
    if key_ops:
        return {"matchExpressions": [{"key": "canary", "operator": rnd.choice(("Exists", "DoesNotExist"))}]}
    return {"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": [rnd.choice(TIERS)]}]}


def _peer(rnd: random.Random, ns_names: list[str]) -> dict[str, Any]:
    kind = rnd.random()
    if kind < 0.35:
        return {"podSelector": _selector(rnd)}
    if kind < 0.55:
        return {"namespaceSelector": rnd.choice(({"matchLabels": {"team": rnd.choice(TEAMS)}},
                                                 {"matchLabels": {"kubernetes.io/metadata.name": rnd.choice(ns_names)}}))}
    if kind < 0.85:
        return {"namespaceSelector": {"matchLabels": {"env": rnd.choice(ENVS)}}, "podSelector": _selector(rnd, key_ops=False)}
    cidr = rnd.choice(CIDRS)
    return {"ipBlock": {"cidr": cidr, **({"except": ["10.244.0.0/16"]} if cidr in ("0.0.0.0/0", "10.0.0.0/8") else {})}}


def _ports(rnd: random.Random) -> list[dict[str, Any]]:
    out = []
    for _ in range(rnd.randint(1, 2)):
        kind = rnd.random()
        if kind < 0.5:
            out.append({"protocol": "TCP", "port": rnd.choice(PORT_NUMBERS)})
        elif kind < 0.75:
            name = rnd.choice(PORT_NAMES)
            out.append({"protocol": "UDP" if name == "dns" else "TCP", "port": name})
        else:
            low = rnd.choice(PORT_NUMBERS)
            out.append({"protocol": "TCP", "port": low, "endPort": low + rnd.choice((10, 100, 1000))})
    return out


def _policy(rnd: random.Random, name: str, namespace: str, ns_names: list[str]) -> dict[str, Any]:
    types = rnd.choice((["Ingress"], ["Ingress"], ["Egress"], ["Ingress", "Egress"]))
    spec: dict[str, Any] = {"podSelector": _selector(rnd), "policyTypes": types}
    for policy_type, key, peer_key in (("Ingress", "ingress", "from"), ("Egress", "egress", "to")):
        if policy_type in types:
            rules = []
            for _ in range(rnd.randint(0, 3)):
                rule: dict[str, Any] = {}
                if rnd.random() < 0.9:
                    rule[peer_key] = [_peer(rnd, ns_names) for _ in range(rnd.randint(1, 3))]
                if rnd.random() < 0.8:
                    rule["ports"] = _ports(rnd)
                rules.append(rule)
            spec[key] = rules
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def synthetic_admin_policies(count: int, namespaces: int, seed: int) -> list[dict[str, Any]]:
    """`count` cluster-wide admin policies over the namespaces of `synthetic_cluster`: a
    mix of AdminNetworkPolicies and Admin/Baseline ClusterNetworkPolicies with distinct
    priorities, each selecting a team's or an environment's namespaces, with Allow/Deny/Pass
    rules on pods, namespaces and networks, plus one BaselineAdminNetworkPolicy."""
    rnd = random.Random(seed)
    ns_names = [f"ns-{i:02d}" for i in range(namespaces)]
    docs = [_admin_policy(rnd, k, ns_names) for k in range(max(count - 1, 0))]
    if count:
        docs.append({"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "BaselineAdminNetworkPolicy",
                     "metadata": {"name": "default"},
                     "spec": {"subject": {"namespaces": {}},
                              "ingress": [{"action": "Deny", "from": [{"namespaces": {}}]}]}})
    return docs


def _admin_policy(rnd: random.Random, k: int, ns_names: list[str]) -> dict[str, Any]:
    v2 = rnd.random() < 0.5
    key = rnd.choice(("team", "env"))
    subject = {"namespaces": {"matchLabels": {key: rnd.choice(TEAMS if key == "team" else ENVS)}}}
    rules: dict[str, list] = {"ingress": [], "egress": []}
    for direction, peer_key in (("ingress", "from"), ("egress", "to")):
        for _ in range(rnd.randint(1, 3)):
            action = rnd.choice(("Accept" if v2 else "Allow", "Deny", "Pass"))
            peer = rnd.choice(({"namespaces": {"matchLabels": {"team": rnd.choice(TEAMS)}}},
                               {"pods": {"namespaceSelector": {}, "podSelector": {"matchLabels": {"app": rnd.choice(APPS)}}}},
                               {"networks": [rnd.choice(CIDRS)]} if direction == "egress" else
                               {"namespaces": {"matchLabels": {"kubernetes.io/metadata.name": rnd.choice(ns_names)}}}))
            rule = {"action": action, peer_key: [peer]}
            if rnd.random() < 0.5:
                port = rnd.choice(PORT_NUMBERS)
                rule["protocols" if v2 else "ports"] = ([{"tcp": {"destinationPort": {"number": port}}}] if v2
                                                        else [{"portNumber": {"protocol": "TCP", "port": port}}])
            rules[direction].append(rule)
    spec: dict[str, Any] = {"priority": k % 1001, "subject": subject, **rules}
    if v2:
        spec["tier"] = rnd.choice(("Admin", "Admin", "Baseline"))
    return {"apiVersion": f"policy.networking.k8s.io/{'v1alpha2' if v2 else 'v1alpha1'}",
            "kind": "ClusterNetworkPolicy" if v2 else "AdminNetworkPolicy",
            "metadata": {"name": f"admin-{k:03d}"}, "spec": spec}
