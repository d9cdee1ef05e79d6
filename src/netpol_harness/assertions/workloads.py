"""Verdicts on a workload's name: the name denotes the workload, every pod of it, so a flow
from or to it holds only when it holds for each of its pods (`net.endpoints`). Replicas
differ where policies do: node-relative rules, or traffic between the replicas themselves.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from ..net import External, Pod


@dataclass(frozen=True)
class WorkloadVerdict:
    """The verdicts of every pod pair behind `src -> dst` (a pod is never its own peer)."""

    src: str
    dst: str
    port: int | None
    protocol: str
    pairs: tuple[tuple[str, str, Any], ...]  # (source id, destination id, verdict)

    @property
    def allowed(self) -> bool:
        return bool(self.pairs) and all(v.allowed for _, _, v in self.pairs)

    @property
    def denied(self) -> bool:
        return all(v.denied for _, _, v in self.pairs)

    def explain(self) -> str:
        word = "ALLOWED" if self.allowed else ("DENIED" if self.denied else "PARTLY ALLOWED")
        on = f" on {self.port}/{self.protocol}" if self.port is not None else ""
        lines = [f"{word}: {self.src} -> {self.dst}{on}, judged for each of its {len(self.pairs)} pod pairs:"]
        lines += [f"  {s} -> {d}: {'allowed' if v.allowed else 'denied'}" for s, d, v in self.pairs]
        if self.pairs:  # the reasoning of a pair that differs from the first, else of the first
            first = self.pairs[0][2]
            lines.append(next((v for _, _, v in self.pairs if v.allowed != first.allowed), first).explain())
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.explain()


def pod_pairs(sources: Iterable[Pod | External | str], destinations: Iterable[Pod | External | str]):
    """Every (source, destination) of the two ends, a pod never paired with itself."""
    destinations = list(destinations)
    return [(s, d) for s in sources for d in destinations if end_id(s) != end_id(d)]


def end_id(end: Pod | External | str) -> str:
    """The id a verdict line names an end by (a `svc:` reference is its own)."""
    return end if isinstance(end, str) else end.id
