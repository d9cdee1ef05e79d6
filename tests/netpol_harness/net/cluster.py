"""A cluster built from manifests: namespaces, pods, outside addresses and NetworkPolicies."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from .policy import NetworkPolicy
from .selector import label_value

# Synthetic pod addresses come from the ranges kind and flannel use by default, so tests
# that reason about "the pod network" read naturally.
POD_CIDR_V4 = ipaddress.ip_network("10.244.0.0/16")
POD_CIDR_V6 = ipaddress.ip_network("fd00:10:244::/64")

NAME_LABEL = "kubernetes.io/metadata.name"
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job")


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

    @property
    def named_ports(self) -> dict[tuple[str, str], frozenset[int]]:
        """(port name, protocol) -> the numbers its containers give that name."""
        named: dict[tuple[str, str], set[int]] = {}
        for cp in self.ports:
            if cp.name:
                named.setdefault((cp.name, cp.protocol), set()).add(cp.port)
        return {k: frozenset(v) for k, v in named.items()}

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
        merged = {str(k): label_value(v) for k, v in (labels or {}).items()}
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
            {str(k): label_value(v) for k, v in (labels or {}).items()},
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
