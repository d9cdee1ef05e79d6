"""The one reader of Cilium's own policies, layers 3 and 4: cilium.io/v2
CiliumNetworkPolicy (namespaced) and CiliumClusterwideNetworkPolicy.

Read the way Cilium reads them (cilium/cilium: pkg/policy/api/{rule,ingress,egress,l4,
entity,cidr,fqdn}.go; Documentation/security/policy/language.rst):
- selectors match an endpoint's identity labels: its pod labels, `io.kubernetes.pod.namespace`
  (its namespace) and `io.cilium.k8s.namespace.labels.KEY` (its namespace's labels); a key's
  source prefix (`k8s:`, `any:`) is dropped;
- in a CiliumNetworkPolicy every endpoint selector (the subject and fromEndpoints/
  toEndpoints) that does not name a namespace means the policy's own namespace;
- a rule's L3 part (endpoints, entities, CIDRs, FQDNs) and L4 part (toPorts) are ANDed; a
  rule with toPorts only admits every peer on those ports;
- toPorts entries without a protocol, or with ANY, mean TCP, UDP and SCTP; port 0 or none
  means every port; L7 `rules` are read as their L4 part (and said to be not modelled);
- `nodeSelector` rules (host policies) are not read: they say so on the verdicts they touch.
Objects are checked first (`check.ciliumrules`), so this reader may assume their shape.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from .policy import PROTOCOLS, IPBlock, PolicyPort
from .selector import LabelSelector, PolicyError

CILIUM_KINDS = {"CiliumNetworkPolicy": "CNP", "CiliumClusterwideNetworkPolicy": "CCNP"}
NAMESPACE_KEY = "io.kubernetes.pod.namespace"
NAMESPACE_LABEL_PREFIX = "io.cilium.k8s.namespace.labels."
DIRECTIONS = {"ingress": ("ingress", "from", "allow"), "egress": ("egress", "to", "allow"),
              "ingressDeny": ("ingress", "from", "deny"), "egressDeny": ("egress", "to", "deny")}


def is_cilium_policy(obj: Mapping[str, Any]) -> bool:
    kind = obj.get("kind")
    return isinstance(kind, str) and kind in CILIUM_KINDS and obj.get("apiVersion") == "cilium.io/v2"


def identity_labels(namespace: str, pod_labels: Mapping[str, str], namespace_labels: Mapping[str, str]) -> dict[str, str]:
    """What a Cilium selector sees of a pod."""
    return {**pod_labels, NAMESPACE_KEY: namespace,
            **{NAMESPACE_LABEL_PREFIX + k: v for k, v in namespace_labels.items()}}


@dataclass(frozen=True)
class CiliumPeer:
    endpoints: tuple[LabelSelector, ...] = ()
    entities: tuple[str, ...] = ()
    cidrs: tuple[IPBlock, ...] = ()
    fqdns: tuple[tuple[str, str], ...] = ()  # ("matchName" | "matchPattern", text)

    @property
    def l3(self) -> bool:
        """Whether the rule names its peers at all (else it admits every peer)."""
        return bool(self.endpoints or self.entities or self.cidrs or self.fqdns)


@dataclass(frozen=True)
class CiliumRule:
    direction: str  # "ingress" | "egress"
    section: str  # ingress, egress, ingressDeny, egressDeny
    index: int
    effect: str  # "allow" | "deny"
    peer: CiliumPeer
    ports: tuple[PolicyPort, ...] = ()  # empty: every port
    layer7: tuple[str, ...] = ()  # the L7 rule kinds (http, dns ...) read as their L4 part
    empty: bool = False  # `{}`: no L3, no L4: admits nothing
    dns: tuple[tuple[str, str], ...] = ()  # rules.dns: the names Cilium's DNS proxy lets through, and sees


@dataclass(frozen=True)
class CiliumPolicy:
    kind: str
    namespace: str | None  # None: cluster-wide
    name: str
    subject: LabelSelector | None  # None: a host policy (nodeSelector), not read
    rules: tuple[CiliumRule, ...] = ()
    default_deny: Mapping[str, bool] = field(default_factory=dict, hash=False)  # direction -> isolates

    @property
    def id(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{CILIUM_KINDS[self.kind]} {where}{self.name}"

    @classmethod
    def from_manifests(cls, obj: Mapping[str, Any], default_namespace: str = "default") -> list["CiliumPolicy"]:
        """One CiliumPolicy per rule of `spec` and `specs`."""
        kind = str(obj.get("kind"))
        meta = obj.get("metadata") or {}
        namespace = str(meta.get("namespace") or default_namespace) if kind == "CiliumNetworkPolicy" else None
        specs = ([obj["spec"]] if obj.get("spec") else []) + list(obj.get("specs") or ())
        name = str(meta.get("name"))
        try:
            return [_policy(kind, namespace, name if len(specs) == 1 else f"{name}[{k}]", spec)
                    for k, spec in enumerate(specs)]
        except (PolicyError, AttributeError, KeyError, TypeError, ValueError) as exc:
            raise PolicyError(f"{kind} {name}: {exc}") from None


def _policy(kind: str, namespace: str | None, name: str, spec: Mapping[str, Any]) -> CiliumPolicy:
    subject = _selector(spec["endpointSelector"], namespace) if "endpointSelector" in spec else None
    rules = []
    for section, (direction, _, effect) in DIRECTIONS.items():
        rules += [_rule(section, direction, effect, k, r or {}, namespace) for k, r in enumerate(spec.get(section) or ())]
    switch = spec.get("enableDefaultDeny") or {}
    default_deny = {d: bool(switch.get(d, True)) and any(r.direction == d for r in rules) for d in ("ingress", "egress")}
    return CiliumPolicy(kind, namespace, name, subject, tuple(rules), default_deny)


def _selector(obj: Mapping[str, Any] | None, namespace: str | None) -> LabelSelector:
    """A Cilium endpoint selector as a LabelSelector over identity labels; in a namespaced
    policy, one that names no namespace means the policy's."""
    obj = obj or {}
    labels = {_key(k): v for k, v in (obj.get("matchLabels") or {}).items()}
    expressions = [{**e, "key": _key(str(e.get("key")))} for e in obj.get("matchExpressions") or ()]
    parsed = LabelSelector.parse({"matchLabels": labels, "matchExpressions": expressions})
    names_namespace = any(k == NAMESPACE_KEY for k, _ in parsed.match_labels) or any(
        r.key == NAMESPACE_KEY for r in parsed.match_expressions)
    if namespace is None or names_namespace:
        return parsed
    return LabelSelector(tuple(sorted(parsed.match_labels + ((NAMESPACE_KEY, namespace),))), parsed.match_expressions)


def _key(key: str) -> str:
    source, sep, rest = key.partition(":")
    return rest if sep and source in ("k8s", "any") else key


def _rule(section: str, direction: str, effect: str, index: int, rule: Mapping[str, Any], namespace: str | None) -> CiliumRule:
    side = "from" if direction == "ingress" else "to"
    endpoints = tuple(_selector(s, namespace) for s in rule.get(f"{side}Endpoints") or ())
    cidrs = tuple(IPBlock(_cidr(c)) for c in rule.get(f"{side}CIDR") or ())
    cidrs += tuple(IPBlock(_cidr(s["cidr"]), tuple(str(e) for e in s.get("except") or ())) for s in rule.get(f"{side}CIDRSet") or ())
    fqdns = tuple((k, str(f[k])) for f in rule.get("toFQDNs") or () for k in ("matchName", "matchPattern") if k in f)
    peer = CiliumPeer(endpoints, tuple(str(e) for e in rule.get(f"{side}Entities") or ()), cidrs, fqdns)
    ports: list[PolicyPort] = []
    layer7: list[str] = []
    dns: list[tuple[str, str]] = []
    for entry in rule.get("toPorts") or ():
        for p in entry.get("ports") or ({},):
            ports += _ports(p)
        layer7 += sorted((entry.get("rules") or {}).keys())
        dns += [(k, str(d[k])) for d in (entry.get("rules") or {}).get("dns") or () for k in ("matchName", "matchPattern")
                if k in d]
    empty = not peer.l3 and not rule.get("toPorts")
    return CiliumRule(direction, section, index, effect, peer, tuple(ports), tuple(dict.fromkeys(layer7)), empty,
                      tuple(dns))


def name_matches(key: str, text: str, name: str) -> bool:
    """A toFQDNs or DNS-rule selector against a name: matchName exactly; in matchPattern,
    `*` stands for characters within one label, a leading `**.` for one label or more, and
    `*` alone for every name (Documentation/security/policy/language.rst, DNS based)."""
    name, text = name.rstrip(".").lower(), text.rstrip(".").lower()
    if key == "matchName":
        return name == text
    if text == "*":
        return True
    deep = text.startswith("**.")
    body = re.escape(text[3:] if deep else text).replace(r"\*", "[^.]*")
    return re.fullmatch((r"(?:[^.]+\.)+" if deep else "") + body, name) is not None


def _cidr(text: Any) -> str:
    text = str(text)
    return text if "/" in text else f"{text}/{128 if ':' in text else 32}"


def _ports(p: Mapping[str, Any]) -> list[PolicyPort]:
    protocol = str(p.get("protocol") or "ANY").upper()
    protocols = PROTOCOLS if protocol == "ANY" else (protocol,)
    raw = str(p.get("port") or "0")
    if raw.isdigit() and int(raw) == 0:
        return [PolicyPort(proto) for proto in protocols]
    port: int | str = int(raw) if raw.isdigit() else raw
    end = p.get("endPort")
    return [PolicyPort(proto, port, int(end) if end else None) for proto in protocols]

