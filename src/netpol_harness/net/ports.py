"""Ports: which destination pods a rule's ports admit for one port and protocol.

Numbers and ranges (`port` to `endPort`) admit a port on every pod; a named port admits
it only on the pods whose container declares that name with that protocol and number, so
names are indexed by pod. A single destination is judged by `policy.ports_match`.
"""
from __future__ import annotations

from typing import Sequence

from .cluster import Pod
from .policy import PROTOCOLS, PolicyPort


def protocol_name(protocol: str) -> str:
    """"tcp" -> "TCP"; anything but TCP, UDP or SCTP is a ValueError."""
    proto = str(protocol).upper()
    if proto not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}, not {protocol!r}")
    return proto


class PortIndex:
    """The named container ports of the pods of one version of a cluster."""

    def __init__(self, pods: Sequence[Pod]) -> None:
        self.all_pods = (1 << len(pods)) - 1
        # (name, protocol) -> {port number -> bitset of pods}
        self._named: dict[tuple[str, str], dict[int, int]] = {}
        # per pod: (name, protocol) -> port numbers, as `policy.ports_match` reads them
        self.pod_named: list[dict[tuple[str, str], frozenset[int]]] = []
        for i, pod in enumerate(pods):
            named: dict[tuple[str, str], set[int]] = {}
            for cp in pod.ports:
                if cp.name:
                    named.setdefault((cp.name, cp.protocol), set()).add(cp.port)
                    by_port = self._named.setdefault((cp.name, cp.protocol), {})
                    by_port[cp.port] = by_port.get(cp.port, 0) | (1 << i)
            self.pod_named.append({k: frozenset(v) for k, v in named.items()})

    def destinations(self, ports: Sequence[PolicyPort], port: int, protocol: str) -> int:
        """The pods on which `ports` (a rule's; empty: every port) admit port/protocol."""
        if not ports:
            return self.all_pods
        mask = 0
        for p in ports:
            if p.protocol != protocol:
                continue
            if p.matches_number(port):
                return self.all_pods
            if isinstance(p.port, str):
                mask |= self._named.get((p.port, protocol), {}).get(port, 0)
        return mask
