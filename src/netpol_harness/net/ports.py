"""Ports: which destination pods a rule's ports admit for one port and protocol.

Numbers and ranges (`port` to `endPort`) admit a port on every pod; a named port admits
it only on the pods whose container declares that name with that protocol and number, so
names are indexed by pod. A single destination is judged by `policy.ports_match`.
"""
from __future__ import annotations

from functools import cached_property
from typing import Any, Sequence

from .cluster import Pod
from .policy import PROTOCOLS, PolicyPort
from .selection import from_indices


def protocol_name(protocol: str) -> str:
    """"tcp" -> "TCP"; anything but TCP, UDP or SCTP is a ValueError."""
    proto = str(protocol).upper()
    if proto not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}, not {protocol!r}")
    return proto


class PortIndex:
    """The named container ports of the pods of one version of a cluster. Both tables are made
    when first read: a question about a few pods of a large cluster (a chart's rows) reads no
    pod's names, or only the names its rules give; an explanation reads one pod's."""

    def __init__(self, pods: Sequence[Pod]) -> None:
        self.all_pods = (1 << len(pods)) - 1
        self._pods = pods

    @cached_property
    def _named(self) -> "NamedPorts":
        return NamedPorts(self._pods)

    @cached_property
    def pod_named(self) -> list[dict[tuple[str, str], frozenset[int]]]:
        """Per pod: (name, protocol) -> port numbers, as `policy.ports_match` reads them."""
        return [pod.named_ports for pod in self._pods]

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


class NamedPorts:
    """(name, protocol) -> {port number -> bitset of pods}, each name worked out when first
    asked for: a rule names one or two of the names every pod declares."""

    def __init__(self, pods: Sequence[Pod]) -> None:
        self._pods = pods
        self._known: dict[tuple[str, str], dict[int, int]] = {}

    def get(self, key: tuple[str, str], default: Any = None) -> Any:
        by_port = self._known.get(key)
        if by_port is None:
            members: dict[int, list[int]] = {}
            name, protocol = key
            for i, pod in enumerate(self._pods):
                for cp in pod.ports:
                    if cp.name and cp.name == name and cp.protocol == protocol:
                        members.setdefault(cp.port, []).append(i)
            n = len(self._pods)
            by_port = self._known[key] = {port: from_indices(pods, n) for port, pods in members.items()}
        return by_port if by_port else default
