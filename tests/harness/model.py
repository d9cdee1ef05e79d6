"""A cluster built from manifests: namespaces, pods, outside addresses and NetworkPolicies.

The policy types here are parsed once, with the API server's defaulting applied, so the
evaluator never has to look at raw dictionaries. Parsing is strict about what the API
server would reject outright (unknown operators, a peer that is empty or mixes ipBlock
with selectors): guessing a meaning for an object that cannot exist would hide a bug.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

# Synthetic pod addresses come from the ranges kind and flannel use by default, so tests
# that reason about "the pod network" read naturally.
POD_CIDR_V4 = ipaddress.ip_network("10.244.0.0/16")
POD_CIDR_V6 = ipaddress.ip_network("fd00:10:244::/64")

NAME_LABEL = "kubernetes.io/metadata.name"
PROTOCOLS = ("TCP", "UDP", "SCTP")
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job")


class PolicyError(ValueError):
    """A NetworkPolicy the API server would refuse; the message says why."""


# --------------------------------------------------------------------------- endpoints


@dataclass(frozen=True)
class ContainerPort:
    name: str | None
    port: int
    protocol: str = "TCP"


@dataclass(frozen=True)
class Namespace:
    name: str
    labels: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Pod:
    namespace: str
    name: str
    labels: Mapping[str, str] = field(default_factory=dict, hash=False)
    ips: tuple[str, ...] = ()
    ports: tuple[ContainerPort, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.namespace}/{self.name}"

    def __str__(self) -> str:
        return self.id


@dataclass(frozen=True)
class External:
    """An address outside the pod network (1.1.1.1, an API server endpoint, a node)."""

    ip: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "ip", str(ipaddress.ip_address(self.ip)))

    @property
    def id(self) -> str:
        return f"ip:{self.ip}"

    def __str__(self) -> str:
        return self.id


Endpoint = Pod | External


# kube-dns as kubeadm and kind deploy it: kube-system, k8s-app=kube-dns, named 53 ports.
# Tests and reports add it as the standard DNS peer.
KUBE_DNS = Pod(
    "kube-system",
    "kube-dns",
    {"k8s-app": "kube-dns"},
    (),
    (ContainerPort("dns", 53, "UDP"), ContainerPort("dns-tcp", 53, "TCP"), ContainerPort("metrics", 9153, "TCP")),
)


# --------------------------------------------------------------------------- selectors


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.operator == "In":
            return present and labels[self.key] in self.values
        if self.operator == "NotIn":
            # A missing key satisfies NotIn: that is how Kubernetes selectors work.
            return not present or labels[self.key] not in self.values
        if self.operator == "Exists":
            return present
        return not present  # DoesNotExist

    def __str__(self) -> str:
        if self.operator == "Exists":
            return self.key
        if self.operator == "DoesNotExist":
            return f"!{self.key}"
        op = "in" if self.operator == "In" else "notin"
        return f"{self.key} {op} ({','.join(self.values)})"


@dataclass(frozen=True)
class LabelSelector:
    """A non-null label selector; the empty one selects everything."""

    match_labels: tuple[tuple[str, str], ...] = ()
    match_expressions: tuple[Requirement, ...] = ()

    @classmethod
    def parse(cls, obj: Mapping[str, Any] | None) -> "LabelSelector":
        obj = obj or {}
        labels = tuple(sorted((str(k), _label_value(v)) for k, v in (obj.get("matchLabels") or {}).items()))
        reqs = []
        for expr in obj.get("matchExpressions") or []:
            op = expr.get("operator")
            if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
                raise PolicyError(f"unknown label selector operator {op!r}")
            values = tuple(_label_value(v) for v in (expr.get("values") or []))
            reqs.append(Requirement(str(expr.get("key")), op, values))
        return cls(labels, tuple(reqs))

    @property
    def is_empty(self) -> bool:
        return not self.match_labels and not self.match_expressions

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(labels.get(k) == v for k, v in self.match_labels) and all(
            r.matches(labels) for r in self.match_expressions
        )

    def __str__(self) -> str:
        if self.is_empty:
            return "{} (everything)"
        parts = [f"{k}={v}" for k, v in self.match_labels] + [str(r) for r in self.match_expressions]
        return "{" + ", ".join(parts) + "}"


def _label_value(value: Any) -> str:
    # YAML turns `enabled: true` into a bool; the API server only sees strings.
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --------------------------------------------------------------------------- policies


@dataclass(frozen=True)
class IPBlock:
    cidr: str
    excepts: tuple[str, ...] = ()
    network: Any = field(init=False, compare=False, repr=False)
    except_networks: tuple[Any, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        try:
            # Go's ParseCIDR, which the API server uses, accepts host bits; so do we.
            net = ipaddress.ip_network(self.cidr, strict=False)
            excepts = tuple(ipaddress.ip_network(e, strict=False) for e in self.excepts)
        except ValueError as exc:
            raise PolicyError(f"invalid ipBlock: {exc}") from None
        object.__setattr__(self, "network", net)
        object.__setattr__(self, "except_networks", excepts)

    def contains(self, ip: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        addr = ipaddress.ip_address(ip)
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
            return cls(ip_block=IPBlock(str(block.get("cidr")), tuple(str(e) for e in block.get("except") or ())))
        return cls(
            pod_selector=LabelSelector.parse(pod) if has_pod else None,
            namespace_selector=LabelSelector.parse(ns) if has_ns else None,
        )

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
        return cls(
            tuple(Peer.parse(p or {}) for p in obj.get(peer_key) or ()),
            tuple(PolicyPort.parse(p or {}) for p in obj.get("ports") or ()),
        )


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
        meta = obj.get("metadata") or {}
        spec = obj.get("spec") or {}
        name = str(meta.get("name", "<unnamed>"))
        try:
            declared = spec.get("policyTypes")
            ingress = tuple(Rule.parse(r, "from") for r in spec.get("ingress") or ())
            egress = tuple(Rule.parse(r, "to") for r in spec.get("egress") or ())
            if declared:
                bad = [t for t in declared if t not in ("Ingress", "Egress")]
                if bad:
                    raise PolicyError(f"unknown policyTypes {bad}")
                types = tuple(dict.fromkeys(str(t) for t in declared))
            else:
                # The API server's defaulting: Ingress always, Egress only when the egress
                # list has at least one rule (`egress: []` does not count).
                types = ("Ingress", "Egress") if egress else ("Ingress",)
            return cls(
                namespace=str(meta.get("namespace") or default_namespace),
                name=name,
                # spec.podSelector is not a pointer in the API: absent means empty, i.e. all pods.
                pod_selector=LabelSelector.parse(spec.get("podSelector")),
                policy_types=types,
                ingress=ingress,
                egress=egress,
                declared_policy_types=tuple(declared) if declared is not None else None,
            )
        except PolicyError as exc:
            raise PolicyError(f"NetworkPolicy {name}: {exc}") from None


# --------------------------------------------------------------------------- cluster


class Cluster:
    """Namespaces, pods, external addresses and policies; `version` changes on every edit."""

    def __init__(self, *, dual_stack: bool = False) -> None:
        self.dual_stack = dual_stack
        self._namespaces: dict[str, Namespace] = {}
        self._pods: dict[str, Pod] = {}
        self._externals: dict[str, External] = {}
        self._policies: dict[str, NetworkPolicy] = {}
        self._next_ip = 1
        self._used_ips: set[str] = set()
        self.version = 0

    # public views -------------------------------------------------------------
    @property
    def namespaces(self) -> list[Namespace]:
        return list(self._namespaces.values())

    @property
    def pods(self) -> list[Pod]:
        return list(self._pods.values())

    @property
    def externals(self) -> list[External]:
        return list(self._externals.values())

    @property
    def policies(self) -> list[NetworkPolicy]:
        return list(self._policies.values())

    def namespace(self, name: str) -> Namespace | None:
        return self._namespaces.get(name)

    def pod(self, pod_id: str) -> Pod | None:
        return self._pods.get(pod_id)

    # construction -----------------------------------------------------------
    def add_namespace(self, name: str, labels: Mapping[str, Any] | None = None) -> Namespace:
        merged = {str(k): _label_value(v) for k, v in (labels or {}).items()}
        # The API server always sets this label to the namespace's name, whatever was written.
        merged[NAME_LABEL] = name
        ns = Namespace(name, merged)
        self._namespaces[name] = ns
        self.version += 1
        return ns

    def ensure_namespace(self, name: str) -> Namespace:
        return self._namespaces.get(name) or self.add_namespace(name)

    def add_pod(
        self,
        namespace: str,
        name: str,
        labels: Mapping[str, Any] | None = None,
        ips: Iterable[str] | None = None,
        ports: Iterable[ContainerPort | Mapping[str, Any] | tuple] | None = None,
    ) -> Pod:
        self.ensure_namespace(namespace)
        addresses = tuple(str(ipaddress.ip_address(ip)) for ip in ips) if ips else self._synthetic_ips()
        self._used_ips.update(addresses)
        pod = Pod(
            namespace,
            name,
            {str(k): _label_value(v) for k, v in (labels or {}).items()},
            addresses,
            tuple(_container_port(p) for p in ports or ()),
        )
        self._pods[pod.id] = pod
        self.version += 1
        return pod

    def add_external(self, ip: str) -> External:
        ext = External(ip)
        self._externals[ext.id] = ext
        self.version += 1
        return ext

    def add_policy(self, policy: NetworkPolicy | Mapping[str, Any], default_namespace: str = "default") -> NetworkPolicy:
        if not isinstance(policy, NetworkPolicy):
            policy = NetworkPolicy.from_manifest(policy, default_namespace)
        self.ensure_namespace(policy.namespace)
        self._policies[policy.id] = policy  # same name in the same namespace: last one wins, like apply
        self.version += 1
        return policy

    def add_policies(self, objects: Iterable[NetworkPolicy | Mapping[str, Any]], default_namespace: str = "default") -> list[NetworkPolicy]:
        return [self.add_policy(o, default_namespace) for o in objects]

    def add_objects(self, objects: Iterable[Mapping[str, Any] | None], default_namespace: str = "default") -> None:
        """Take what matters from rendered manifests; other kinds are ignored."""
        flat = list(_flatten(objects))
        # Namespaces first so their labels are in place before anything lands in them.
        for obj in flat:
            if obj.get("kind") == "Namespace":
                meta = obj.get("metadata") or {}
                self.add_namespace(str(meta["name"]), meta.get("labels"))
        for obj in flat:
            kind = obj.get("kind")
            meta = obj.get("metadata") or {}
            ns = str(meta.get("namespace") or default_namespace)
            if kind == "Pod":
                status = obj.get("status") or {}
                ips = [p.get("ip") for p in status.get("podIPs") or () if p.get("ip")] or (
                    [status["podIP"]] if status.get("podIP") else None
                )
                self.add_pod(ns, str(meta.get("name")), meta.get("labels"), ips, _pod_spec_ports(obj.get("spec")))
            elif kind == "NetworkPolicy":
                self.add_policy(obj, default_namespace)
            else:
                template = pod_template(obj)
                if template is not None:
                    tmeta = template.get("metadata") or {}
                    self.add_pod(ns, str(meta.get("name")), tmeta.get("labels"), None, _pod_spec_ports(template.get("spec")))

    @classmethod
    def from_manifests(cls, objects: Iterable[Mapping[str, Any] | None], default_namespace: str = "default", *, dual_stack: bool = False) -> "Cluster":
        cluster = cls(dual_stack=dual_stack)
        cluster.add_objects(objects, default_namespace)
        return cluster

    def _synthetic_ips(self) -> tuple[str, ...]:
        while True:
            n = self._next_ip
            self._next_ip += 1
            v4 = str(POD_CIDR_V4[n])
            v6 = str(POD_CIDR_V6[n])
            if v4 not in self._used_ips and v6 not in self._used_ips:
                return (v4, v6) if self.dual_stack else (v4,)


def _flatten(objects: Iterable[Mapping[str, Any] | None]) -> Iterable[Mapping[str, Any]]:
    for obj in objects:
        if not obj:
            continue  # empty YAML documents
        if obj.get("kind") == "List" or str(obj.get("kind", "")).endswith("List"):
            yield from _flatten(obj.get("items") or ())
        else:
            yield obj


def pod_template(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """A workload's pod template ({} when it has none); None for kinds that run no pods."""
    kind = obj.get("kind")
    spec = obj.get("spec") or {}
    if kind in WORKLOAD_KINDS:
        return spec.get("template") or {}
    if kind == "CronJob":
        return ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}
    return None


def _pod_spec_ports(spec: Mapping[str, Any] | None) -> list[ContainerPort]:
    spec = spec or {}
    ports = []
    # Sidecar init containers (restartPolicy: Always) serve ports too, so they count.
    for container in list(spec.get("containers") or ()) + list(spec.get("initContainers") or ()):
        for p in container.get("ports") or ():
            ports.append(_container_port(p))
    return ports


def _container_port(p: ContainerPort | Mapping[str, Any] | tuple) -> ContainerPort:
    if isinstance(p, ContainerPort):
        return p
    if isinstance(p, tuple):
        name, port, *rest = p
        return ContainerPort(name, int(port), (rest[0] if rest else "TCP").upper())
    number = p.get("containerPort", p.get("port"))
    return ContainerPort(p.get("name"), int(number), str(p.get("protocol") or "TCP").upper())
