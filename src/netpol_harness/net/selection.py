"""Label selectors over a whole cluster at once: pods and namespaces as int bitsets.

Bit i of a pod bitset is the i-th pod of the cluster. Indexes by label, label key and
namespace make a selector a handful of ANDs and ORs, however many pods there are; each
selector is worked out once.
"""
from __future__ import annotations

from functools import cached_property
from typing import Mapping

import numpy as np

from .cluster import Cluster, Pod
from .selector import LabelSelector


class PodIndex:
    """The pods and namespaces of one version of a cluster, indexed for selectors."""

    def __init__(self, cluster: Cluster) -> None:
        self.pods: list[Pod] = cluster.pods
        self.index: dict[str, int] = {p.id: i for i, p in enumerate(self.pods)}
        self.all_pods = (1 << len(self.pods)) - 1
        self.namespaces = cluster.namespaces
        self.all_namespaces = (1 << len(self.namespaces)) - 1
        self._ns_pods, self._pod_labels, self._pod_keys = _pod_tables(self.pods)
        self._ns_labels: dict[tuple[str, str], int] = {}
        self._ns_keys: dict[str, int] = {}
        for j, ns in enumerate(self.namespaces):
            _add_labels(ns.labels, 1 << j, self._ns_labels, self._ns_keys)
        self._pod_selections: dict[LabelSelector, int] = {}
        self._by_identity: dict[int, tuple[LabelSelector, int]] = {}
        self._ns_selections: dict[LabelSelector, int] = {}
        self._ns_labels_by_name: dict[str, list[Mapping[str, str]]] | None = None

    @cached_property
    def ids(self) -> list[str]:
        """The pods' ids, in order."""
        return list(self.index) if len(self.index) == len(self.pods) else [p.id for p in self.pods]

    def in_namespace(self, name: str) -> int:
        return self._ns_pods.get(name, 0)

    def select_pods(self, sel: LabelSelector) -> int:
        """The pods, in any namespace, whose labels `sel` matches."""
        # By identity first: a selector's hash is worked out anew each time, and thousands of
        # policies share a few selector objects (the model interns them).
        known = self._by_identity.get(id(sel))
        if known is not None and known[0] is sel:
            return known[1]
        hit = self._pod_selections.get(sel)
        if hit is None:
            hit = select(sel, self._pod_labels, self._pod_keys, self.all_pods)
            self._pod_selections[sel] = hit
        self._by_identity[id(sel)] = (sel, hit)
        return hit

    def in_namespaces(self, sel: LabelSelector) -> int:
        """The pods of the namespaces whose labels `sel` matches."""
        hit = self._ns_selections.get(sel)
        if hit is None:
            namespaces = select(sel, self._ns_labels, self._ns_keys, self.all_namespaces)
            hit = 0
            for j in bits(namespaces):
                hit |= self.in_namespace(self.namespaces[j].name)
            self._ns_selections[sel] = hit
        return hit


    def pod_in_namespaces(self, sel: LabelSelector, i: int) -> bool:
        """Whether pod i is one of `in_namespaces(sel)`, without the bitset of them all."""
        if self._ns_labels_by_name is None:
            self._ns_labels_by_name = {}
            for ns in self.namespaces:
                self._ns_labels_by_name.setdefault(ns.name, []).append(ns.labels)
        return any(sel.matches(labels) for labels in self._ns_labels_by_name.get(self.pods[i].namespace, ()))


# Up to this many pods, a bitset is a machine word or two and OR-ing a bit in costs nothing.
SMALL_CLUSTER = 64


def _pod_tables(pods: list[Pod]) -> tuple[dict[str, int], dict[tuple[str, str], int], dict[str, int]]:
    """Bitsets of the pods by namespace, by label (key, value) and by label key."""
    ns_pods: dict[str, int] = {}
    pod_labels: dict[tuple[str, str], int] = {}
    pod_keys: dict[str, int] = {}
    if len(pods) <= SMALL_CLUSTER:
        for i, pod in enumerate(pods):
            bit = 1 << i
            ns_pods[pod.namespace] = ns_pods.get(pod.namespace, 0) | bit
            _add_labels(pod.labels, bit, pod_labels, pod_keys)
        return ns_pods, pod_labels, pod_keys
    # Members listed first, then made bitsets once: OR-ing a bit at a time into a growing
    # int copies it each time, quadratic in the pods.
    ns_members: dict[str, list[int]] = {}
    label_members: dict[tuple[str, str], list[int]] = {}
    key_members: dict[str, list[int]] = {}
    for i, pod in enumerate(pods):
        ns_members.setdefault(pod.namespace, []).append(i)
        for k, v in pod.labels.items():
            label_members.setdefault((k, v), []).append(i)
            key_members.setdefault(k, []).append(i)
    n = len(pods)
    for members, out in ((ns_members, ns_pods), (label_members, pod_labels), (key_members, pod_keys)):
        for k, v in members.items():
            out[k] = from_indices(v, n)  # type: ignore[index]
    return ns_pods, pod_labels, pod_keys


def _add_labels(labels: Mapping[str, str], bit: int, by_label: dict[tuple[str, str], int], by_key: dict[str, int]) -> None:
    for k, v in labels.items():
        by_label[(k, v)] = by_label.get((k, v), 0) | bit
        by_key[k] = by_key.get(k, 0) | bit


def select(sel: LabelSelector, labels: Mapping[tuple[str, str], int], keys: Mapping[str, int], universe: int) -> int:
    """The members of `universe` that `sel` matches, from bitsets by (key, value) and by key."""
    result = universe
    for kv in sel.match_labels:
        result &= labels.get(kv, 0)
    for req in sel.match_expressions:
        if req.operator in ("In", "NotIn"):
            hit = 0
            for v in req.values:
                hit |= labels.get((req.key, v), 0)
            result = result & hit if req.operator == "In" else result & ~hit
        elif req.operator == "Exists":
            result &= keys.get(req.key, 0)
        else:
            result &= ~keys.get(req.key, 0)
    return result


def from_indices(indices, n: int) -> int:
    """The bitset with these bits set (indices below n): the inverse of `bits`."""
    if len(indices) <= 64:
        out = 0
        for i in indices:
            out |= 1 << i
        return out
    flags = np.zeros(n, dtype=np.uint8)
    flags[np.asarray(indices, dtype=np.int64)] = 1
    return int.from_bytes(np.packbits(flags, bitorder="little").tobytes(), "little")


def bits(x: int) -> list[int]:
    """The indices of the set bits of `x`, lowest first."""
    if x.bit_count() > 64:
        # Many bits: one pass in C beats a Python step per bit.
        raw = np.frombuffer(x.to_bytes((x.bit_length() + 7) // 8, "little"), dtype=np.uint8)
        return np.flatnonzero(np.unpackbits(raw, bitorder="little")).tolist()
    out = []
    while x:
        low = x & -x
        out.append(low.bit_length() - 1)
        x ^= low
    return out
