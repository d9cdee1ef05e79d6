"""The one reader of a NetworkPolicy: parsed once, with the API server's defaulting
applied, so nothing downstream looks at raw dictionaries.

Parsing is strict about what the API server would reject outright (unknown operators,
a peer that is empty or mixes ipBlock with selectors): guessing a meaning for an
object that cannot exist would hide a bug.
"""
from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Mapping, Sequence  # not typing's: its isinstance is slow, and runs per peer
from dataclasses import dataclass, field
from typing import Any

from .parse_keys import interned
from .selector import LabelSelector, PolicyError

PROTOCOLS = ("TCP", "UDP", "SCTP")
POLICY_TYPES = ("Ingress", "Egress")
PEER_KEYS = {"ingress": "from", "egress": "to"}
_new = object.__new__


def default_policy_types(spec: Mapping[str, Any]) -> tuple[str, ...]:
    """policyTypes as written, or as the API server fills them in when absent: Ingress
    always, Egress only when the egress list has at least one rule (`egress: []` does
    not count)."""
    declared = spec.get("policyTypes")
    if declared:
        return _declared_types(declared)
    return ("Ingress", "Egress") if spec.get("egress") else ("Ingress",)


def _read_declared_types(declared: Iterable[Any]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(str(t) for t in declared))


_declared_types = interned(_read_declared_types)  # a cluster writes the same two or three lists


def entries(value: Any, what: str) -> tuple:
    """The items of a list field (absent: none); PolicyError naming the field for anything else."""
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        raise PolicyError(f"{what} must be a list, not {type(value).__name__} {value!r}")
    return tuple(value)


def _entries(value: Any, what: str) -> list | tuple:
    """`entries`, but a list as it is: rules read it once, and never keep it."""
    return value if type(value) is list else entries(value, what)


def selector(value: Any, what: str) -> LabelSelector:
    """A label selector field as LabelSelector; PolicyError naming the field when it is no map."""
    return _selector(value, what)


def _read_selector(value: Any, what: str) -> LabelSelector:
    if value is not None and not isinstance(value, Mapping):
        raise PolicyError(f"{what} must be a label selector (a map), not {type(value).__name__} {value!r}")
    for key in ("matchLabels", "matchExpressions"):
        part = (value or {}).get(key)
        if part is not None and not isinstance(part, dict if key == "matchLabels" else list):
            raise PolicyError(f"{what}.{key} must be a {'map' if key == 'matchLabels' else 'list'}, not {type(part).__name__}")
    if any(not isinstance(e, Mapping) for e in (value or {}).get("matchExpressions") or ()):
        raise PolicyError(f"{what}.matchExpressions: each must be a map with key, operator and values")
    return LabelSelector.parse(value)


_selector = interned(_read_selector)


@functools.lru_cache(maxsize=4096)
def _network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    # Policies repeat a few CIDRs thousands of times; parse each once.
    return ipaddress.ip_network(cidr, strict=False)


@functools.lru_cache(maxsize=1 << 16)
def ip_address(ip: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """`ipaddress.ip_address`, each address parsed once: explanations and Cilium's and the
    admin tiers' rules ask about the same pod addresses again and again."""
    return ipaddress.ip_address(ip)


@dataclass(frozen=True)
class IPBlock:
    cidr: str
    excepts: tuple[str, ...] = ()
    network: Any = field(init=False, compare=False, repr=False)
    except_networks: tuple[Any, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        try:
            # Go's ParseCIDR, which the API server uses, accepts host bits; so do we.
            net = _network(self.cidr)
            excepts = tuple(_network(e) for e in self.excepts)
        except ValueError as exc:
            raise PolicyError(f"invalid ipBlock: {exc}") from None
        object.__setattr__(self, "network", net)
        object.__setattr__(self, "except_networks", excepts)

    def contains(self, ip: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        addr = ip_address(ip)
        if addr.version != self.network.version or addr not in self.network:
            return False
        return not any(addr.version == e.version and addr in e for e in self.except_networks)

    def __str__(self) -> str:
        if self.excepts:
            return f"ipBlock {self.cidr} except {', '.join(self.excepts)}"
        return f"ipBlock {self.cidr}"


@dataclass(frozen=True)
class Peer:
    """One entry of `from`/`to`: its parts are ANDed; entries of a list are ORed."""

    pod_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    ip_block: IPBlock | None = None

    @classmethod
    def parse(cls, obj: Mapping[str, Any]) -> "Peer":
        if not isinstance(obj, Mapping):
            raise PolicyError(f"a peer must be a map with podSelector, namespaceSelector or ipBlock, not {obj!r}")
        pod = obj.get("podSelector")
        ns = obj.get("namespaceSelector")
        block = obj.get("ipBlock")
        # A null selector is the same as an absent one (both are nil pointers in the API).
        has_pod, has_ns, has_block = pod is not None, ns is not None, block is not None
        if has_block and (has_pod or has_ns):
            raise PolicyError("a peer may not combine ipBlock with podSelector/namespaceSelector")
        if not (has_pod or has_ns or has_block):
            raise PolicyError("a peer must set podSelector, namespaceSelector or ipBlock")
        if has_block:
            if not isinstance(block, Mapping):
                raise PolicyError(f"ipBlock must be a map with cidr and except, not {block!r}")
            return cls(ip_block=IPBlock(str(block.get("cidr")), tuple(str(e) for e in entries(block.get("except"), "ipBlock.except"))))
        return cls(
            pod_selector=selector(pod, "podSelector") if has_pod else None,
            namespace_selector=selector(ns, "namespaceSelector") if has_ns else None,
        )

    def admits_namespace(self, namespace: str, labels: Mapping[str, str], policy_namespace: str) -> bool:
        """Whether a pod in `namespace` (with those labels) is in a namespace this peer means:
        without a namespaceSelector, only the policy's own."""
        if self.ip_block is not None:
            return False
        if self.namespace_selector is None:
            return namespace == policy_namespace
        return self.namespace_selector.matches(labels)

    def admits_labels(self, labels: Mapping[str, str]) -> bool:
        """Whether a pod with these labels is one this peer's podSelector means."""
        return self.ip_block is None and (self.pod_selector is None or self.pod_selector.matches(labels))

    def describe(self, policy_namespace: str) -> str:
        if self.ip_block is not None:
            return str(self.ip_block)
        if self.namespace_selector is None:
            where = f"namespace {policy_namespace}"
        elif self.namespace_selector.is_empty:
            where = "any namespace"
        else:
            where = f"namespaces {self.namespace_selector}"
        who = "all pods" if self.pod_selector is None or self.pod_selector.is_empty else f"pods {self.pod_selector}"
        return f"{who} in {where}"


@dataclass(frozen=True)
class PolicyPort:
    protocol: str = "TCP"
    port: int | str | None = None  # None: every port of the protocol; str: a named port
    end_port: int | None = None

    @classmethod
    def parse(cls, obj: Mapping[str, Any]) -> "PolicyPort":
        if not isinstance(obj, Mapping):
            raise PolicyError(f"a port must be a map with port, endPort and protocol, not {obj!r}")
        protocol = str(obj.get("protocol") or "TCP")
        if protocol not in PROTOCOLS:
            raise PolicyError(f"unsupported protocol {protocol!r}")
        port = obj.get("port")
        if isinstance(port, bool):
            raise PolicyError(f"invalid port {port!r}")
        end = obj.get("endPort")
        return cls(protocol, port if isinstance(port, (int, str)) or port is None else str(port), int(end) if end is not None else None)

    def matches_number(self, port: int) -> bool:
        """True when a numeric port (or port range) covers `port`; names never do here."""
        if self.port is None:
            return True
        if isinstance(self.port, str):
            return False
        high = self.end_port if self.end_port is not None else self.port
        return self.port <= port <= high

    def __str__(self) -> str:
        if self.port is None:
            return f"any/{self.protocol}"
        if isinstance(self.port, str):
            return f"'{self.port}'/{self.protocol}"
        if self.end_port is not None:
            return f"{self.port}-{self.end_port}/{self.protocol}"
        return f"{self.port}/{self.protocol}"


@dataclass(frozen=True)
class Rule:
    """An ingress or egress rule. Empty peers: every peer. Empty ports: every port."""

    peers: tuple[Peer, ...] = ()
    ports: tuple[PolicyPort, ...] = ()

    @classmethod
    def parse(cls, obj: Mapping[str, Any] | None, peer_key: str) -> "Rule":
        obj = obj or {}
        if type(obj) is not dict and not isinstance(obj, Mapping):
            raise PolicyError(f"a rule must be a map with ports and {peer_key}, not {obj!r}")
        peers = tuple([_peer(p or {}) for p in _entries(obj.get(peer_key), peer_key)])
        ports = tuple([_port(p or {}) for p in _entries(obj.get("ports"), "ports")])
        if cls is not Rule:
            return cls(peers, ports)
        rule = _new(Rule)  # Rule(peers, ports) without a setattr per field through object: read per rule
        rule.__dict__["peers"], rule.__dict__["ports"] = peers, ports
        return rule


# Peers and ports repeat across a cluster's policies far more than rules do.
_peer = interned(Peer.parse)
_port = interned(PolicyPort.parse)


def policy_id(obj: Mapping[str, Any], default_namespace: str = "default") -> str:
    """`ns/name` of a NetworkPolicy manifest, as NetworkPolicy.id names it once read."""
    meta = obj.get("metadata")
    if type(meta) is not dict and not isinstance(meta, Mapping):
        meta = {}
    return f"{meta.get('namespace') or default_namespace}/{meta.get('name') or '<unnamed>'}"


@dataclass(frozen=True)
class NetworkPolicy:
    namespace: str
    name: str
    pod_selector: LabelSelector
    policy_types: tuple[str, ...]  # after API-server defaulting
    ingress: tuple[Rule, ...] = ()
    egress: tuple[Rule, ...] = ()
    declared_policy_types: tuple[str, ...] | None = None  # as written, None when absent

    @property
    def id(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def affects_ingress(self) -> bool:
        return "Ingress" in self.policy_types

    @property
    def affects_egress(self) -> bool:
        return "Egress" in self.policy_types

    @classmethod
    def from_manifest(cls, obj: Mapping[str, Any], default_namespace: str = "default") -> "NetworkPolicy":
        spec = obj.get("spec") or {}
        namespace, _, name = policy_id(obj, default_namespace).partition("/")
        try:
            if type(spec) is not dict and not isinstance(spec, Mapping):
                raise PolicyError(f"spec must be a map, not {spec!r}")
            declared = entries(spec.get("policyTypes"), "policyTypes") if spec.get("policyTypes") is not None else None
            ingress = tuple([Rule.parse(r, "from") for r in _entries(spec.get("ingress"), "ingress")])
            egress = tuple([Rule.parse(r, "to") for r in _entries(spec.get("egress"), "egress")])
            bad = [t for t in declared or () if t not in POLICY_TYPES]
            if bad:
                raise PolicyError(f"unknown policyTypes {bad}")
            types = default_policy_types(spec)
            # spec.podSelector is not a pointer in the API: absent means empty, i.e. all pods.
            pod_selector = selector(spec.get("podSelector"), "podSelector")
            declared = tuple(declared) if declared is not None else None
            if cls is NetworkPolicy:
                return _stamp_policy(namespace, name, pod_selector, types, ingress, egress, declared)
            return cls(namespace, name, pod_selector, types, ingress, egress, declared)
        except PolicyError as exc:
            raise PolicyError(f"NetworkPolicy {name}: {exc}") from None


def _stamp_policy(namespace: str, name: str, pod_selector: LabelSelector, policy_types: tuple[str, ...],
                  ingress: tuple[Rule, ...], egress: tuple[Rule, ...], declared: tuple[str, ...] | None) -> NetworkPolicy:
    """NetworkPolicy(...) without the frozen dataclass's __init__, which sets each field
    through object.__setattr__: a third of what a policy costs once its parts are interned."""
    policy = _new(NetworkPolicy)
    fields = policy.__dict__
    fields["namespace"], fields["name"], fields["pod_selector"], fields["policy_types"] = (
        namespace, name, pod_selector, policy_types)
    fields["ingress"], fields["egress"], fields["declared_policy_types"] = ingress, egress, declared
    return policy


def ports_match(ports: Sequence[PolicyPort], port: int, protocol: str, named: Mapping | None) -> bool:
    """Rule ports against a destination; `named` is its (name, protocol) -> port numbers,
    None for an External (which has no named ports). No ports: every port."""
    if not ports:
        return True
    for p in ports:
        if p.protocol != protocol:
            continue
        if p.matches_number(port):
            return True
        if isinstance(p.port, str) and named and port in named.get((p.port, protocol), ()):
            return True
    return False


def _port_key(port: PolicyPort) -> tuple:
    """Numbers first, by number (ranges at their start), then named ports, then whole protocols."""
    if isinstance(port.port, int):
        return (0, port.port, port.end_port or port.port, "", port.protocol)
    return (1, 0, 0, port.port, port.protocol) if isinstance(port.port, str) else (2, 0, 0, "", port.protocol)


def policy_ports_text(ports: Iterable[PolicyPort]) -> str:
    """A rule's ports sorted by number, each with its protocol, ranges kept:
    "53/TCP, 53/UDP, 80/TCP, 9402-9403/TCP, 'http'/TCP"."""
    return ", ".join(str(p) for p in sorted(set(ports), key=_port_key))
