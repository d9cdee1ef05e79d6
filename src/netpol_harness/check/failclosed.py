"""Fail closed: no rendered rule may allow more than the values asked for.

Two questions any chart's policies can be asked without knowing the chart:
- every ipBlock lies inside a network the values name (a CIDR, an address, the host
  of a URL) or one the caller knows the chart adds on its own (a preset's address);
- a rule that names no peer (every peer) appears only where the values asked for it.
Cilium's own policies (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy) are asked the
same, plus what their peers add: host names (toFQDNs), patterns, entities and empty
endpoint selectors (`check.ciliumfailclosed`).
"""
from __future__ import annotations

import ipaddress
from typing import Any, Iterable, Mapping

from ..manifests import RULE_PEERS, empty_peer_rules, networkpolicies, rules
from .ciliumfailclosed import Named, cilium_wider_than

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_ANY = {"anyIPv4": ipaddress.ip_network("0.0.0.0/0"), "anyIPv6": ipaddress.ip_network("::/0")}


def _candidates(text: str) -> Iterable[str]:
    """The spellings of an address a string may hold: itself, without brackets and
    port, and the host of a URL."""
    yield text
    host = text.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1]
    yield host
    if host.startswith("["):
        yield host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        yield host.split(":", 1)[0]


def networks_in(values: Any) -> list[Network]:
    """Every network the values name, wherever they name it (keys `anyIPv4: true` and
    `anyIPv6: true` name everything of their family)."""
    found: list[Network] = []

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key in _ANY and value is True:
                    found.append(_ANY[key])
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, str):
            for text in _candidates(node.strip()):
                try:
                    found.append(ipaddress.ip_network(text, strict=False))
                except ValueError:
                    continue

    walk(values)
    return found


def strings_in(values: Any) -> list[str]:
    """Every string value, wherever it sits (keys are names of settings, not values)."""
    if isinstance(values, Mapping):
        return [s for v in values.values() for s in strings_in(v)]
    if isinstance(values, list):
        return [s for v in values for s in strings_in(v)]
    return [values] if isinstance(values, str) else []


def hosts_in(values: Any) -> set[str]:
    """Every host name the values name: a string value, or the host of a URL one (with
    or without a port), lower case and without a trailing dot, as DNS compares names."""
    return {text.rstrip(".").lower() for s in strings_in(values) for text in _candidates(s.strip()) if text}


def ip_blocks_wider_than(objects: list[dict], allowed: Iterable[Network]) -> list[str]:
    """ipBlocks of any policy that no allowed network contains."""
    allowed = list(allowed)
    problems = []
    for policy in networkpolicies(objects):
        name = (policy.get("metadata") or {}).get("name")
        for direction, key in RULE_PEERS.items():
            for i, rule in enumerate(rules(policy, direction)):
                for j, peer in enumerate(rule.get(key) or []):
                    cidr = (peer.get("ipBlock") or {}).get("cidr")
                    if cidr is None:
                        continue
                    net = ipaddress.ip_network(cidr, strict=False)
                    if not any(net.version == a.version and net.subnet_of(a) for a in allowed):
                        problems.append(f"NetworkPolicy/{name}: spec.{direction}[{i}].{key}[{j}]: {cidr} is wider "
                                        "than any network the values name")
    return problems


def asks_for_everyone(values: Any) -> bool:
    """True when the values say `allowAll: true` somewhere."""
    if isinstance(values, Mapping):
        return values.get("allowAll") is True or any(asks_for_everyone(v) for v in values.values())
    if isinstance(values, list):
        return any(asks_for_everyone(v) for v in values)
    return False


def open_rules(objects: list[dict]) -> list[str]:
    """Rules whose peer list is missing or empty: each allows every peer."""
    return [f"NetworkPolicy/{(policy.get('metadata') or {}).get('name')}: {message}"
            for policy in networkpolicies(objects) for message in empty_peer_rules(policy)]


def policy_types_missing(objects: list[dict]) -> list[str]:
    return [f"NetworkPolicy/{(p.get('metadata') or {}).get('name')}: no policyTypes (the API server would guess)"
            for p in networkpolicies(objects) if not (p.get("spec") or {}).get("policyTypes")]


def wider_than_values(objects: list[dict], values: Any, *, also_allowed: Iterable[str] = (),
                      everyone_allowed: bool | None = None) -> list[str]:
    """Every way the rendered policies (NetworkPolicies, Cilium's) allow more than `values`
    asked for; [] when none.

    `also_allowed`: networks the chart adds by itself (a DNS preset's address, addresses
    a resolver gave); `everyone_allowed`: whether the values asked for an open rule (by
    default: `allowAll: true` anywhere in them)."""
    extra = [ipaddress.ip_network(n, strict=False) for n in also_allowed]
    allowed = networks_in(values) + extra
    everyone = asks_for_everyone(values) if everyone_allowed is None else everyone_allowed
    problems = ip_blocks_wider_than(objects, allowed)
    if not everyone:
        problems += open_rules(objects)
    named = Named(tuple(allowed), frozenset(hosts_in(values)), frozenset(strings_in(values)), everyone)
    return problems + policy_types_missing(objects) + cilium_wider_than(objects, named)

