"""A memo for work a value matrix repeats case after case (the same objects checked, the same
template output parsed): it forgets everything once it would hold more entries or more bytes
than its bounds, so a long matrix, or one with megabyte ConfigMaps, stays bounded in memory.
Forgetting all at once (not least-recently-used) keeps a hit a plain dict lookup."""
from __future__ import annotations

from typing import Generic, Hashable, TypeVar

__all__ = ["BoundedMemo"]

V = TypeVar("V")


class BoundedMemo(Generic[V]):
    def __init__(self, entries: int = 20_000, size: int = 64 << 20) -> None:
        self.entries, self.size = entries, size
        self._known: dict[Hashable, V] = {}
        self.held = 0  # bytes the callers said their entries take

    def __len__(self) -> int:
        return len(self._known)

    def get(self, key: Hashable) -> V | None:
        return self._known.get(key)

    def put(self, key: Hashable, value: V, size: int) -> None:
        """Remember `value` under `key`; `size`: the bytes it holds (key and value, roughly)."""
        if len(self._known) >= self.entries or self.held + size > self.size:
            self._known.clear()
            self.held = 0
        self._known[key] = value
        self.held += size
