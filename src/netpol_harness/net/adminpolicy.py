"""The one reader of the cluster-wide admin policies of kubernetes-sigs/network-policy-api:
AdminNetworkPolicy and BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1) and
ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2, tiers Admin and Baseline).

Both versions are read into one shape: a policy of a tier with a priority, a subject, and
ingress and egress rules in order, each with an action, peers and ports. The field names
and meanings follow the API types (apis/v1alpha1/*_types.go and
apis/v1alpha2/clusternetworkpolicy_types.go of kubernetes-sigs/network-policy-api at
0eec1b0e5fa92715b4c0f4c48d3c8d2913ed2159):
- the subject is `namespaces` (a namespace selector) or `pods` (namespace AND pod
  selector); host-network pods are never subjects, nor `namespaces`/`pods` peers;
- actions: v1alpha1 Allow / Deny / Pass (a BaselineAdminNetworkPolicy only Allow / Deny),
  v1alpha2 Accept / Deny / Pass; Allow and Accept mean the same and read as `allow`;
- peers: `namespaces`, `pods`, and in egress `nodes` (a node selector: the nodes'
  addresses), `networks` (CIDRs, which match pod addresses too) and `domainNames`;
- ports: v1alpha1 `ports` (portNumber, namedPort, portRange) and v1alpha2 `protocols`
  (tcp/udp/sctp with a destinationPort number or range, or destinationNamedPort); absent
  means every port. A named port matches a container port of that name whatever its
  protocol.
Objects are checked first (`check.adminrules`), so this reader may assume their shape.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from .policy import PROTOCOLS, IPBlock, PolicyPort
from .selector import LabelSelector, PolicyError

GROUP = "policy.networking.k8s.io"
ADMIN_KINDS = {  # kind -> (apiVersion, short name in explanations)
    "AdminNetworkPolicy": (f"{GROUP}/v1alpha1", "ANP"),
    "BaselineAdminNetworkPolicy": (f"{GROUP}/v1alpha1", "BANP"),
    "ClusterNetworkPolicy": (f"{GROUP}/v1alpha2", "CNP"),
}
ACTIONS = {"Allow": "allow", "Accept": "allow", "Deny": "deny", "Pass": "pass"}


def is_admin_policy(obj: Mapping[str, Any]) -> bool:
    """An object of one of these kinds, in this API group (Antrea's crd.antrea.io
    ClusterNetworkPolicy is another kind altogether)."""
    kind = obj.get("kind")
    return isinstance(kind, str) and kind in ADMIN_KINDS and obj.get("apiVersion") == ADMIN_KINDS[kind][0]


@dataclass(frozen=True)
class AdminPeer:
    """One entry of `from`/`to`: exactly one of its fields is set."""

    type: str  # "namespaces" | "pods" | "nodes" | "networks" | "domainNames"
    namespaces: LabelSelector | None = None
    pods: LabelSelector | None = None
    nodes: LabelSelector | None = None
    networks: tuple[IPBlock, ...] = ()
    domain_names: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.type == "namespaces":
            return f"pods in namespaces {self.namespaces}"
        if self.type == "pods":
            return f"pods {self.pods} in namespaces {self.namespaces}"
        if self.type == "nodes":
            return f"nodes {self.nodes}"
        if self.type == "networks":
            return "networks " + ", ".join(b.cidr for b in self.networks)
        return "domain names " + ", ".join(self.domain_names)


@dataclass(frozen=True)
class AdminRule:
    direction: str  # "ingress" | "egress"
    index: int
    name: str
    action: str  # as written: Allow, Accept, Deny or Pass
    peers: tuple[AdminPeer, ...]
    ports: tuple[PolicyPort, ...] = ()  # empty: every port

    @property
    def effect(self) -> str:
        """"allow", "deny" or "pass"."""
        return ACTIONS[self.action]


@dataclass(frozen=True)
class AdminPolicy:
    kind: str
    name: str
    tier: str  # "Admin" | "Baseline"
    priority: int  # lower wins within a tier; a BaselineAdminNetworkPolicy has none (0)
    subject_namespaces: LabelSelector
    subject_pods: LabelSelector | None  # None: every pod of the subject's namespaces
    ingress: tuple[AdminRule, ...] = ()
    egress: tuple[AdminRule, ...] = ()

    @property
    def id(self) -> str:
        return f"{ADMIN_KINDS[self.kind][1]} {self.name}"

    def rules(self, direction: str) -> tuple[AdminRule, ...]:
        return self.ingress if direction == "ingress" else self.egress

    @classmethod
    def from_manifest(cls, obj: Mapping[str, Any]) -> "AdminPolicy":
        kind = str(obj.get("kind"))
        name = str((obj.get("metadata") or {}).get("name"))
        spec = obj.get("spec") or {}
        try:
            tier = str(spec.get("tier")) if kind == "ClusterNetworkPolicy" else (
                "Baseline" if kind == "BaselineAdminNetworkPolicy" else "Admin")
            namespaces, pods = _subject(spec.get("subject") or {})
            return cls(kind, name, tier, int(spec.get("priority") or 0), namespaces, pods,
                       _rules(spec, "ingress"), _rules(spec, "egress"))
        except (PolicyError, AttributeError, KeyError, TypeError, ValueError) as exc:
            raise PolicyError(f"{kind} {name}: {exc}") from None


def _subject(subject: Mapping[str, Any]) -> tuple[LabelSelector, LabelSelector | None]:
    if "namespaces" in subject:
        return LabelSelector.parse(subject["namespaces"]), None
    pods = subject["pods"]
    return LabelSelector.parse(pods.get("namespaceSelector")), LabelSelector.parse(pods.get("podSelector"))


def _rules(spec: Mapping[str, Any], direction: str) -> tuple[AdminRule, ...]:
    peer_key = "from" if direction == "ingress" else "to"
    out = []
    for k, rule in enumerate(spec.get(direction) or ()):
        action = str(rule.get("action"))
        if action not in ACTIONS:
            raise PolicyError(f"{direction}[{k}]: unknown action {action!r}")
        peers = tuple(_peer(p) for p in rule.get(peer_key) or ())
        ports = _ports(rule.get("ports")) + _protocols(rule.get("protocols"))
        out.append(AdminRule(direction, k, str(rule.get("name") or ""), action, peers, ports))
    return tuple(out)


def _peer(peer: Mapping[str, Any]) -> AdminPeer:
    if "namespaces" in peer:
        return AdminPeer("namespaces", namespaces=LabelSelector.parse(peer["namespaces"]))
    if "pods" in peer:
        pods = peer["pods"]
        return AdminPeer("pods", namespaces=LabelSelector.parse(pods.get("namespaceSelector")),
                         pods=LabelSelector.parse(pods.get("podSelector")))
    if "nodes" in peer:
        return AdminPeer("nodes", nodes=LabelSelector.parse(peer["nodes"]))
    if "networks" in peer:
        return AdminPeer("networks", networks=tuple(IPBlock(str(c)) for c in peer["networks"]))
    if "domainNames" in peer:
        return AdminPeer("domainNames", domain_names=tuple(str(d) for d in peer["domainNames"]))
    raise PolicyError(f"a peer must set one of namespaces, pods, nodes, networks, domainNames, not {sorted(peer)}")


def _named(name: str) -> tuple[PolicyPort, ...]:
    # The container port of that name, whatever its protocol: one entry per protocol.
    return tuple(PolicyPort(protocol, name) for protocol in PROTOCOLS)


def _ports(ports: Any) -> tuple[PolicyPort, ...]:
    """v1alpha1 `ports`: portNumber, namedPort or portRange (protocol TCP when absent)."""
    out: list[PolicyPort] = []
    for p in ports or ():
        if "namedPort" in p:
            out += _named(str(p["namedPort"]))
        elif "portRange" in p:
            r = p["portRange"]
            out.append(PolicyPort(str(r.get("protocol") or "TCP"), int(r["start"]), int(r["end"])))
        else:
            n = p["portNumber"]
            out.append(PolicyPort(str(n.get("protocol") or "TCP"), int(n["port"])))
    return tuple(out)


def _protocols(protocols: Any) -> tuple[PolicyPort, ...]:
    """v1alpha2 `protocols`: {tcp|udp|sctp: {destinationPort: {number | range}}} or destinationNamedPort."""
    out: list[PolicyPort] = []
    for p in protocols or ():
        if "destinationNamedPort" in p:
            out += _named(str(p["destinationNamedPort"]))
            continue
        (key, match), = p.items()
        port = (match or {}).get("destinationPort")
        if port is None:
            out.append(PolicyPort(key.upper()))  # every port of the protocol
        elif "range" in port:
            out.append(PolicyPort(key.upper(), int(port["range"]["start"]), int(port["range"]["end"])))
        else:
            out.append(PolicyPort(key.upper(), int(port["number"])))
    return tuple(out)
