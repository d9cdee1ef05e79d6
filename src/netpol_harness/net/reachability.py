"""The verdicts of a whole cluster for one port and protocol, kept as packed bit rows.

Row s, bit d says whether pod s may connect to pod d (both ends agree). A 10,000-pod
cluster is 12.5 MB of bits; the same matrix as a dict of pairs was gigabytes. `Reachability`
is also a read-only mapping from (source id, destination id) to bool, so callers that
iterate pairs keep working on small clusters; large ones ask for rows and counts.
"""
from __future__ import annotations

from typing import Iterator, Mapping, Sequence

import numpy as np

_POPCOUNT = np.array([bin(b).count("1") for b in range(256)], dtype=np.uint8)
# Rows transposed per block (a multiple of 8): block x pods bytes of unpacked bits at a
# time; 512 measured fastest at 10,000 pods (small blocks stay in the CPU cache).
TRANSPOSE_BLOCK = 512


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
                 externals: Mapping[tuple[str, str], bool]) -> None:
        self.pod_ids = list(pod_ids)
        self.rows = rows
        self.chosen = list(chosen)
        self._chosen_set = set(self.chosen)
        self._index = {pid: i for i, pid in enumerate(self.pod_ids)}
        self.externals = dict(externals)

    def allowed(self, src: int, dst: int) -> bool:
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
        bits = np.unpackbits(self.rows[s], count=len(self.pod_ids), bitorder="little")
        return {self.pod_ids[d] for d in self.chosen if bits[d] and d != s}

    def count_allowed(self) -> int:
        """Allowed ordered pairs of distinct chosen pods, plus allowed pod/address pairs."""
        n = len(self.pod_ids)
        if len(self.chosen) == n:
            pods = int(_POPCOUNT[self.rows].sum(dtype=np.int64)) if n else 0
            diagonal = np.arange(n)
            pods -= int(((self.rows[diagonal, diagonal >> 3] >> (diagonal & 7)) & 1).sum())
        else:
            pods = sum(self.allowed(s, d) for s in self.chosen for d in self.chosen if s != d)
        return pods + sum(self.externals.values())
