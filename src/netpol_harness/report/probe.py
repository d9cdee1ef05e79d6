"""A probe: one port and protocol a report asks every pair about; and the probes worth
asking about a cluster."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from ..net import KUBE_DNS, PROTOCOLS, Cluster

BASE_PROBES = ((53, "UDP"), (53, "TCP"), (443, "TCP"))


@dataclass(frozen=True, order=True)
class Probe:
    port: int
    protocol: str = "TCP"

    @classmethod
    def parse(cls, text: str | int, default_protocol: str = "TCP") -> "Probe":
        """"53", "53/UDP" or 53."""
        port_text, _, proto = str(text).partition("/")
        protocol = (proto or default_protocol).upper()
        port = int(port_text)
        if not 1 <= port <= 65535:
            raise ValueError(f"port must be 1..65535, not {port}")
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}, not {protocol!r}")
        return cls(port, protocol)

    @classmethod
    def of(cls, p: "Probe | tuple[int, str] | str | int") -> "Probe":
        if isinstance(p, Probe):
            return p
        if isinstance(p, tuple):
            return cls.parse(p[0], p[1])
        return cls.parse(p)

    def __str__(self) -> str:
        return f"{self.port}/{self.protocol}"


def demo_probes(objects: Iterable[Mapping[str, Any] | None]) -> list[Probe]:
    """The probes worth asking about: ports the policies and containers mention, DNS, HTTPS.

    Named policy ports are resolved against the containers (and kube-dns's); a range
    contributes both its ends.
    """
    return cluster_probes(Cluster.from_manifests([o for o in objects if o]))


def cluster_probes(cluster: Cluster) -> list[Probe]:
    """`demo_probes` of a cluster, so the ports of the pods a report adds count too."""
    named: dict[tuple[str, str], set[int]] = {}
    probes = {Probe(p, proto) for p, proto in BASE_PROBES}
    pods = cluster.pods if cluster.pod(KUBE_DNS.id) else [*cluster.pods, KUBE_DNS]
    for pod in pods:
        for cp in pod.ports:
            if pod.namespace != "kube-system":
                probes.add(Probe(cp.port, cp.protocol))
            if cp.name:
                named.setdefault((cp.name, cp.protocol), set()).add(cp.port)
    for policy in cluster.policies:
        for rule in policy.ingress + policy.egress:
            for p in rule.ports:
                if isinstance(p.port, int):
                    probes.add(Probe(p.port, p.protocol))
                    if p.end_port is not None:
                        probes.add(Probe(p.end_port, p.protocol))
                elif isinstance(p.port, str):
                    probes.update(Probe(n, p.protocol) for n in named.get((p.port, p.protocol), ()))
    return sorted(probes)
