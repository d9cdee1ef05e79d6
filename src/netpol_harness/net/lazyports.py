"""`ports.PortIndex` with its tables made when first read, and its bitsets from index lists.

A question about a few pods of a large cluster (a chart's rows) reads the named ports of
no pod or only through the rules that name a port; an explanation reads one pod's. Building
both tables for every pod up front, a bit at a time into growing ints, was a second or more
at 100,000 pods. The tables are the same as `PortIndex` makes.
"""
from __future__ import annotations

from functools import cached_property
from typing import Sequence

from .cluster import Pod
from .ports import PortIndex
from .selection import from_indices


class LazyPortIndex(PortIndex):
    def __init__(self, pods: Sequence[Pod]) -> None:  # PortIndex's tables are the properties below
        self.all_pods = (1 << len(pods)) - 1
        self._pods = pods

    @cached_property
    def _named(self) -> dict[tuple[str, str], dict[int, int]]:  # type: ignore[override]
        members: dict[tuple[str, str], dict[int, list[int]]] = {}
        for i, pod in enumerate(self._pods):
            for cp in pod.ports:
                if cp.name:
                    members.setdefault((cp.name, cp.protocol), {}).setdefault(cp.port, []).append(i)
        n = len(self._pods)
        return {key: {port: from_indices(pods, n) for port, pods in by_port.items()} for key, by_port in members.items()}

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
