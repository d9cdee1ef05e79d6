"""`ports.PortIndex` with its tables made when first read, and its bitsets from index lists.

A question about a few pods of a large cluster (a chart's rows) reads the named ports of
no pod or only through the rules that name a port; an explanation reads one pod's. Building
both tables for every pod up front, a bit at a time into growing ints, was a second or more
at 100,000 pods. The tables are the same as `PortIndex` makes.
"""
from __future__ import annotations

from functools import cached_property
from typing import Any, Sequence

from .cluster import Pod
from .ports import PortIndex
from .selection import from_indices


class LazyPortIndex(PortIndex):
    def __init__(self, pods: Sequence[Pod]) -> None:  # PortIndex's tables are the properties below
        self.all_pods = (1 << len(pods)) - 1
        self._pods = pods

    @cached_property
    def _named(self) -> "NamedPorts":  # type: ignore[override]
        return NamedPorts(self._pods)

    @cached_property
    def pod_named(self) -> list[dict[tuple[str, str], frozenset[int]]]:  # type: ignore[override]
        out = []
        for pod in self._pods:
            named: dict[tuple[str, str], set[int]] = {}
            for cp in pod.ports:
                if cp.name:
                    named.setdefault((cp.name, cp.protocol), set()).add(cp.port)
            out.append({k: frozenset(v) for k, v in named.items()})
        return out


class NamedPorts:
    """PortIndex's (name, protocol) -> {port number -> bitset of pods}, each name worked out
    when first asked for: a rule names one or two of the names every pod declares."""

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
