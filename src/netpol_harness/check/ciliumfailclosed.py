"""Fail closed for Cilium's own policies: no allow rule of a cilium.io/v2
CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy may reach further than the values
asked for (`check.failclosed.wider_than_values` reads the values and calls this).

Read as Cilium reads the rules (cilium/cilium pkg/policy/api/{rule,ingress,egress,cidr,
entity,fqdn,selector}.go; Documentation/security/policy/language.rst):
- toCIDR / fromCIDR entries and toCIDRSet / fromCIDRSet `cidr`s must each lie inside a
  network the values name (an `except` only narrows); a CIDR set that names a
  CiliumCIDRGroup (`cidrGroupRef`, `cidrGroupSelector`) reaches networks outside the
  render: allowed only for a group the values name (a ref) or when everyone is allowed;
- toFQDNs `matchName` must be a host the values name (a string value, or the host of a
  URL one; case and a trailing dot aside); a `matchPattern` widens to names nobody wrote,
  so it must appear in the values word for word;
- entities are groups of peers outside any selector: `kube-apiserver` (the API server,
  wherever it runs) is what the charts add by themselves; `world`, `all`, `cluster`,
  `host`, `remote-node` and the others must appear as strings in the values;
- an allow rule with an L4 part (toPorts, icmps) and no L3 peer admits every peer, and
  an empty toEndpoints/fromEndpoints selector in a clusterwide policy every endpoint of
  the cluster: both only where the values ask for everyone. In a namespaced policy an
  empty selector means the pods of its namespace, as a NetworkPolicy's `podSelector: {}`
  peer does (which the NetworkPolicy check does not flag either): the values say
  `pods: "*"` for it;
  A rule with neither part (`{}`) admits nothing (it only turns default deny on);
- deny sections (ingressDeny, egressDeny) only take away, and enableDefaultDeny, on or
  off, never allows anything: neither is judged here.
toServices, toGroups (cloud security groups) and node peers name their peers by
selector or name and count as L3; this module does not bound them further.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from .ciliumrules import API_VERSION, KINDS

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# The entities a chart may add without being asked: the API server, which the charts'
# own rules reach wherever it runs (Documentation/security/policy/language.rst, Entities).
CHART_ENTITIES = ("kube-apiserver",)
# A rule's L3 part, per side (pkg/policy/api/ingress.go IngressCommonRule, egress.go EgressCommonRule).
L3_KEYS = {
    "ingress": ("fromEndpoints", "fromEntities", "fromCIDR", "fromCIDRSet", "fromNodes", "fromGroups"),
    "egress": ("toEndpoints", "toEntities", "toCIDR", "toCIDRSet", "toFQDNs", "toServices", "toGroups", "toNodes"),
}
L4_KEYS = ("toPorts", "icmps")


@dataclass(frozen=True)
class Named:
    """What the values name: networks (with those the chart adds by itself), host names
    (lower case, no trailing dot), every string value as written, and whether they ask
    for every peer."""
    networks: tuple[Network, ...]
    hosts: frozenset[str]
    strings: frozenset[str]
    everyone: bool


def cilium_policies(objects: Iterable[Mapping]) -> list[Mapping]:
    return [o for o in objects if isinstance(o, Mapping) and o.get("kind") in KINDS and o.get("apiVersion") == API_VERSION]


def cilium_wider_than(objects: Iterable[Mapping], named: Named) -> list[str]:
    """Every way the Cilium policies in `objects` allow more than `named` covers; [] when none."""
    problems = []
    for policy in cilium_policies(objects):
        label = f"{policy.get('kind')}/{(policy.get('metadata') or {}).get('name')}"
        scope = "of the cluster" if policy.get("kind") == KINDS[1] else "of the namespace"
        specs = [("spec", policy.get("spec"))] + [(f"specs[{k}]", s) for k, s in enumerate(policy.get("specs") or ())]
        for where, spec in specs:
            if not isinstance(spec, Mapping):
                continue
            for direction in L3_KEYS:
                for i, rule in enumerate(spec.get(direction) or ()):
                    if isinstance(rule, Mapping):
                        path = f"{where}.{direction}[{i}]"
                        problems += [f"{label}: {m}" for m in rule_problems(rule, direction, path, named, scope)]
    return problems


def rule_problems(rule: Mapping[str, Any], direction: str, path: str, named: Named, scope: str) -> list[str]:
    """What one allow rule reaches beyond `named`; `path` is its field path in the object."""
    side = "from" if direction == "ingress" else "to"
    problems = _cidr_problems(rule, side, path, named) + _entity_problems(rule, side, path, named)
    if direction == "egress":
        problems += _fqdn_problems(rule, path, named)
    if named.everyone:
        return problems
    if not any(rule.get(k) for k in L3_KEYS[direction]) and any(rule.get(k) for k in L4_KEYS):
        problems.append(f"{path}: names no peer (no endpoints, entities, CIDRs, FQDNs, services, groups or "
                        "nodes): allows every peer")
    for j, selector in enumerate(rule.get(f"{side}Endpoints") or ()):
        if scope == "of the cluster" and _empty_selector(selector):
            problems.append(f"{path}.{side}Endpoints[{j}]: an empty selector selects every endpoint {scope}")
    return problems


def _empty_selector(selector: Any) -> bool:
    return not isinstance(selector, Mapping) or not (selector.get("matchLabels") or selector.get("matchExpressions"))


def _cidr_problems(rule: Mapping[str, Any], side: str, path: str, named: Named) -> list[str]:
    problems = []
    for j, cidr in enumerate(rule.get(f"{side}CIDR") or ()):
        problems += _outside(str(cidr), f"{path}.{side}CIDR[{j}]", named)
    for j, entry in enumerate(rule.get(f"{side}CIDRSet") or ()):
        entry = entry if isinstance(entry, Mapping) else {}
        where = f"{path}.{side}CIDRSet[{j}]"
        if entry.get("cidr") is not None:
            problems += _outside(str(entry["cidr"]), f"{where}.cidr", named)
        ref = entry.get("cidrGroupRef")
        if ref is not None and str(ref) not in named.strings and not named.everyone:
            problems.append(f"{where}.cidrGroupRef: {ref} is a CiliumCIDRGroup the values do not name "
                            "(its networks are outside the render)")
        if entry.get("cidrGroupSelector") is not None and not named.everyone:
            problems.append(f"{where}.cidrGroupSelector: selects CiliumCIDRGroups, whose networks are outside "
                            "the render and the values")
    return problems


def _outside(text: str, where: str, named: Named) -> list[str]:
    """[] when `text` lies inside a named network; else why not (a text that is no
    network at all is refused too: this check never passes what it cannot read)."""
    try:
        net = ipaddress.ip_network(text if "/" in text else f"{text}/{128 if ':' in text else 32}", strict=False)
    except ValueError:
        return [f"{where}: {text} is not a network, so not inside one the values name"]
    if any(net.version == a.version and net.subnet_of(a) for a in named.networks):  # type: ignore[arg-type]
        return []
    return [f"{where}: {text} is wider than any network the values name"]


def _entity_problems(rule: Mapping[str, Any], side: str, path: str, named: Named) -> list[str]:
    return [f"{path}.{side}Entities[{j}]: {entity} is an entity the values do not name "
            f"(only {', '.join(CHART_ENTITIES)} needs no asking)"
            for j, entity in enumerate(rule.get(f"{side}Entities") or ())
            if entity not in CHART_ENTITIES and str(entity) not in named.strings]


def _fqdn_problems(rule: Mapping[str, Any], path: str, named: Named) -> list[str]:
    problems = []
    for j, fqdn in enumerate(rule.get("toFQDNs") or ()):
        fqdn = fqdn if isinstance(fqdn, Mapping) else {}
        name, pattern = fqdn.get("matchName"), fqdn.get("matchPattern")
        if name is not None and str(name).rstrip(".").lower() not in named.hosts:
            problems.append(f"{path}.toFQDNs[{j}]: {name} is not a host the values name")
        if pattern is not None and str(pattern) not in named.strings:
            problems.append(f"{path}.toFQDNs[{j}]: the pattern {pattern} is not in the values "
                            "(a pattern reaches names nobody wrote)")
    return problems
