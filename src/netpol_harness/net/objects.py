"""What a cluster model is made of: namespaces, nodes, pods and their container ports,
outside addresses, Services, and the policies of kinds the evaluator does not read.
Plain frozen values; `cluster.Cluster` holds them."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Mapping


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
class Node:
    """A node: admin policies' `nodes` peers select it by labels and mean its addresses."""

    name: str
    labels: Mapping[str, str] = field(default_factory=dict, hash=False)
    ips: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pod:
    namespace: str
    name: str
    labels: Mapping[str, str] = field(default_factory=dict, hash=False)
    ips: tuple[str, ...] = ()
    ports: tuple[ContainerPort, ...] = ()
    workload: str = ""  # "Deployment/web" for a pod its controller made
    host_network: bool = False  # in most CNIs, NetworkPolicies do not apply to it
    node: str = ""  # spec.nodeName, where the manifest pins it; "" when not known
    hook: str = ""  # its helm.sh/hook annotation ("test", "pre-install"): helm runs it, not the release

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


@dataclass(frozen=True)
class ServicePort:
    port: int
    target: int | str  # a number, or the name of a container port
    protocol: str = "TCP"
    name: str | None = None


@dataclass(frozen=True)
class Service:
    """A Service: policies never see it, only the pod ports it translates to."""

    namespace: str
    name: str
    selector: Mapping[str, str] | None = field(default=None, hash=False)  # None: no selector, no modelled endpoints
    ports: tuple[ServicePort, ...] = ()
    addresses: tuple[str, ...] = ()  # endpoints outside the pod network, for a Service without selector (the API server)

    @property
    def id(self) -> str:
        return f"svc:{self.namespace}/{self.name}"

    def port(self, number: int, protocol: str = "TCP") -> ServicePort | None:
        return next((p for p in self.ports if p.port == number and p.protocol == protocol), None)


@dataclass(frozen=True)
class UnmodelledPolicy:
    """A policy of a kind the evaluator does not read (Calico's, Antrea's, any other
    `*NetworkPolicy`): any verdict on a pod it could select is not certain."""

    kind: str
    api_version: str
    name: str
    namespace: str | None  # None: cluster-wide

    def could_select(self, pod: "Pod") -> bool:
        return self.namespace is None or self.namespace == pod.namespace

    def __str__(self) -> str:
        where = f"namespace {self.namespace}" if self.namespace else "the whole cluster"
        return f"{self.kind} {self.name} ({self.api_version}, {where})"
