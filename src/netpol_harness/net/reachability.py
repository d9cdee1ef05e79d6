"""The verdicts of a whole cluster for one port and protocol, kept as packed bit rows.

Row s, bit d says whether pod s may connect to pod d (both ends agree). A 10,000-pod
cluster is 12.5 MB of bits; the same matrix as a dict of pairs was gigabytes. `Reachability`
is also a read-only mapping from (source id, destination id) to bool, so callers that
iterate pairs keep working on small clusters; large ones ask for rows and counts.

The rows may be those of classes of pods no policy tells apart (`classes`): then
`class_of[i]` is pod i's row and column, and the pods are read through it, never expanded.
"""
from __future__ import annotations

from typing import Iterator, Mapping, Sequence

import numpy as np

_POPCOUNT = np.array([bin(b).count("1") for b in range(256)], dtype=np.uint8)
# Rows transposed per block (a multiple of 8): block x pods bytes of unpacked bits at a
# time; 512 measured fastest at 10,000 pods (small blocks stay in the CPU cache).
TRANSPOSE_BLOCK = 512
COUNT_CELLS = 1 << 23  # bits unpacked at a time when counting: 8 M cells, 40 MB with their floats


def pack(bitsets: Sequence[int], n: int) -> np.ndarray:
    """Python-int bitsets (bit i = pod i) as a (len, ceil(n/8)) uint8 array, little bit order."""
    width = (n + 7) // 8
    buffer = b"".join(x.to_bytes(width, "little") for x in bitsets)
    return np.frombuffer(buffer, dtype=np.uint8).reshape(len(bitsets), width).copy()


def transpose(packed: np.ndarray, n: int) -> np.ndarray:
    """The transpose of an n x n packed bit matrix, a block of rows at a time: unpack the
    block, pack it down its columns, and that is a block of columns of the result."""
    out = np.zeros_like(packed)
    for start in range(0, n, TRANSPOSE_BLOCK):
        stop = min(n, start + TRANSPOSE_BLOCK)
        bits = np.unpackbits(packed[start:stop], axis=1, count=n, bitorder="little")
        out[:, start // 8:(stop + 7) // 8] = np.packbits(bits, axis=0, bitorder="little").T
    return out


def reach_rows(egress: Sequence[int], ingress: Sequence[int], n: int) -> np.ndarray:
    """rows[s] = egress[s] AND {d : s in ingress[d]}: who each pod may reach."""
    return pack(egress, n) & transpose(pack(ingress, n), n)


class Reachability(Mapping[tuple[str, str], bool]):
    """Pairs of distinct chosen pods from the packed rows, plus pod/outside-address pairs."""

    def __init__(self, pod_ids: Sequence[str], rows: np.ndarray, chosen: Sequence[int],
                 externals: Mapping[tuple[str, str], bool], class_of: np.ndarray | None = None) -> None:
        self.pod_ids = list(pod_ids)
        self.rows = rows
        self.chosen = list(chosen)
        self._chosen_set = set(self.chosen)
        self._index = {pid: i for i, pid in enumerate(self.pod_ids)}
        self.externals = dict(externals)
        # Pod -> row of `rows`; the identity when the rows are the pods'.
        self.class_of = class_of

    def allowed(self, src: int, dst: int) -> bool:
        if self.class_of is not None:
            src, dst = int(self.class_of[src]), int(self.class_of[dst])
        return bool((self.rows[src, dst >> 3] >> (dst & 7)) & 1)

    def __getitem__(self, pair: tuple[str, str]) -> bool:
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise KeyError(pair)
        src, dst = pair
        if pair in self.externals:
            return self.externals[pair]
        s, d = self._index.get(src), self._index.get(dst)
        if s is None or d is None or s == d or s not in self._chosen_set or d not in self._chosen_set:
            raise KeyError(pair)
        return self.allowed(s, d)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        ids = self.pod_ids
        for s in self.chosen:
            for d in self.chosen:
                if s != d:
                    yield ids[s], ids[d]
        yield from self.externals

    def __len__(self) -> int:
        k = len(self.chosen)
        return k * (k - 1) + len(self.externals)

    def row(self, src: str) -> set[str]:
        """Ids of the chosen pods `src` may reach (itself excluded)."""
        s = self._index[src]
        if self.class_of is None:
            bits = np.unpackbits(self.rows[s], count=len(self.pod_ids), bitorder="little")
            return {self.pod_ids[d] for d in self.chosen if bits[d] and d != s}
        line = np.unpackbits(self.rows[self.class_of[s]], bitorder="little")
        chosen = np.asarray(self.chosen, dtype=np.int64)
        hit = chosen[line[self.class_of[chosen]].astype(bool)] if len(chosen) else chosen
        return {self.pod_ids[d] for d in hit.tolist() if d != s}

    def count_allowed(self) -> int:
        """Allowed ordered pairs of distinct chosen pods, plus allowed pod/address pairs."""
        n = len(self.pod_ids)
        if self.class_of is not None:
            return count_by_class(self.rows, self.class_of, self.chosen) + sum(self.externals.values())
        if len(self.chosen) == n:
            pods = int(_POPCOUNT[self.rows].sum(dtype=np.int64)) if n else 0
            diagonal = np.arange(n)
            pods -= int(((self.rows[diagonal, diagonal >> 3] >> (diagonal & 7)) & 1).sum())
        else:
            pods = sum(self.allowed(s, d) for s in self.chosen for d in self.chosen if s != d)
        return pods + sum(self.externals.values())


def count_by_class(rows: np.ndarray, class_of: np.ndarray, chosen: Sequence[int]) -> int:
    """Allowed ordered pairs of distinct chosen pods, from rows over their classes: a pair of
    classes counts (pods in one) x (pods in the other), less each pod with itself."""
    if not len(chosen):
        return 0
    n = rows.shape[0]
    size = np.bincount(class_of[np.asarray(chosen, dtype=np.int64)], minlength=n).astype(np.int64)
    present = np.flatnonzero(size)
    # Per row, the pods its allowed columns hold: the unpacked bits times the class sizes, a
    # product in floats (exact: every partial sum is a whole number under 2**24, or 2**53).
    weights = size.astype(np.float32 if len(chosen) < 1 << 24 else np.float64)
    block = max(8, COUNT_CELLS // max(n, 1))
    total = 0
    for start in range(0, len(present), block):
        rows_here = present[start:start + block]
        unpacked = np.unpackbits(rows[rows_here], axis=1, count=n, bitorder="little")
        reached = np.rint(unpacked.astype(weights.dtype) @ weights).astype(np.int64)
        total += int((reached * size[rows_here]).sum())
    diagonal = (rows[present, present >> 3] >> (present & 7)) & 1
    return total - int((diagonal * size[present]).sum())
