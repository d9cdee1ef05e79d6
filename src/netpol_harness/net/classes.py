"""Pods no policy can tell apart, as equivalence classes: the matrix is worked out over one
representative per class and read back per pod.

Two pods are in one class when every selector, peer and port of every policy kind answers
the same for both, which holds when they share
  * the namespace (namespaceSelectors, a policy's own namespace, Cilium's namespace labels);
  * the labels some selector of some policy reads: a key no selector mentions
    (pod-template-hash, controller-revision-hash) changes no selector's result, and of a
    key one does, only the values some selector names count, the others alike (present, not
    named): a policy on one StatefulSet pod by statefulset.kubernetes.io/pod-name splits
    that pod off and leaves its siblings together;
  * the named container ports (a named port resolves per destination pod);
  * the elementary address intervals their addresses (of the family judged) fall in, cut
    by every ipBlock, except, `networks` and CIDR of every policy: a block holds both or
    neither;
  * the node, where a profile reads it (the node's host-network pods) and that node has any.
Host-network pods are each a class of their own: profiles read them by their node's
addresses, by node and by flag, and they are few.

Keys and blocks are found by walking every policy object for label selectors and ipBlocks,
whatever its kind, so a kind added later is read too. Building the map costs one pass over
the policies and one over the pods (labels, ports, a bisection per address).
"""
from __future__ import annotations

import bisect
import dataclasses
import random
from typing import Any, Iterable

from .cluster import Cluster, Pod
from .dataplanes import Dataplane
from .peers import address_number, family_ips
from .policy import IPBlock, NetworkPolicy, Peer, Rule
from .selector import LabelSelector


OTHER = "\0"  # stands for every label value no selector names (no label value holds a NUL)


class PodClasses:
    """Which class each pod of one version of a cluster is in, and a representative of each."""

    def __init__(self, cluster: Cluster, dataplane: Dataplane, family: int | None) -> None:
        policies = [*cluster.policies, *cluster.admin_policies, *cluster.cilium_policies]
        keys: dict[str, set[str]] = {}
        blocks: list[IPBlock] = []
        plain = _plain_networkpolicies()
        seen: set[int] = set()  # the policies, and so what is seen, live as long as this loop
        for policy in policies:
            if plain and type(policy) is NetworkPolicy:
                _read_networkpolicy(policy, keys, blocks, seen)
            else:
                _walk(policy, keys, blocks)
        bounds = _bounds(blocks)
        pods = cluster.pods
        node_read = dataplane.local_host_allowed or ("Cilium" in dataplane.kinds and bool(cluster.cilium_policies))
        host_nodes = {p.node for p in pods if p.host_network and p.node} if node_read else set()
        by_key: dict[tuple, int] = {}
        self.apart = False  # every pod a class of its own (`each_apart`)
        self.of: list[int] = []
        self.reps: list[Pod] = []
        key_of = _KeyReader(keys, bounds, family, host_nodes, node_read)
        for pod in pods:
            key = key_of(pod)
            c = by_key.get(key)
            if c is None:
                c = by_key[key] = len(self.reps)
                self.reps.append(pod)
            self.of.append(c)

    @classmethod
    def each_apart(cls, pods: list[Pod]) -> "PodClasses":
        """Every pod its own class: where classes would save little, the pods' own tables serve."""
        classes = object.__new__(cls)
        classes.apart, classes.of, classes.reps = True, list(range(len(pods))), list(pods)
        return classes

    @property
    def count(self) -> int:
        return len(self.reps)

    def members(self) -> list[list[int]]:
        """Per class, the indices of its pods, in cluster order."""
        out: list[list[int]] = [[] for _ in self.reps]
        for i, c in enumerate(self.of):
            out[c].append(i)
        return out


class _KeyReader:
    """A pod's class key, with what pods share read once: the replicas of a workload have
    alike label maps and, in the model, one ports tuple."""

    def __init__(self, keys: dict[str, set[str]], bounds: dict[int, tuple[list[int], list[int]]],
                 family: int | None, host_nodes: set[str], node_read: bool) -> None:
        self.keys, self.bounds, self.family, self.host_nodes, self.node_read = keys, bounds, family, host_nodes, node_read
        self._labels: dict[tuple, tuple] = {}
        self._ports: dict[int, tuple[Any, tuple]] = {}

    def __call__(self, pod: Pod) -> tuple:
        items = tuple(pod.labels.items())
        labels = self._labels.get(items)
        if labels is None:
            labels = self._labels[items] = _read_labels(pod, self.keys)
        ports = self._ports.get(id(pod.ports))
        if ports is None or ports[0] is not pod.ports:  # by identity, the object kept so its id stays its own
            ports = self._ports[id(pod.ports)] = (pod.ports, _named_ports(pod))
        return (pod.namespace, labels, ports[1], _intervals(pod, self.bounds, self.family),
                _node_key(pod, self.host_nodes, self.node_read), pod.id if pod.host_network else "")


class ClassView:
    """A cluster whose pods are some class representatives: everything else is the cluster's,
    so the policy kinds compile over it as over the cluster itself. Only the NetworkPolicies
    of the representatives' namespaces are kept: a NetworkPolicy selects pods of its own
    namespace only, so the others cannot rule on a connection between two of these pods."""

    def __init__(self, cluster: Cluster, pods: list[Pod]) -> None:
        self._cluster = cluster
        self.pods = pods
        namespaces = {p.namespace for p in pods}
        self.policies = [p for p in cluster.policies if p.namespace in namespaces]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cluster, name)


# The fields `_read_networkpolicy` knows: a field added to these types later is read by the walk.
_KNOWN = {NetworkPolicy: {"namespace", "name", "pod_selector", "policy_types", "ingress", "egress",
                          "declared_policy_types"},
          Rule: {"peers", "ports"}, Peer: {"pod_selector", "namespace_selector", "ip_block"}}


def _plain_networkpolicies() -> bool:
    return all({f.name for f in dataclasses.fields(kind)} == names for kind, names in _KNOWN.items())  # type: ignore


def _read_networkpolicy(policy: NetworkPolicy, keys: dict[str, set[str]], blocks: list[IPBlock],
                        seen: set[int]) -> None:
    """`_walk` for the kind most clusters have thousands of, by its fields: a namespaceSelector
    reads namespace labels, which the namespace in a class's key already tells apart. `seen`:
    the ids of the selectors and peers read already (the model shares them between policies)."""
    if id(policy.pod_selector) not in seen:
        seen.add(id(policy.pod_selector))
        _walk(policy.pod_selector, keys, blocks)
    for rule in (*policy.ingress, *policy.egress):
        for peer in rule.peers:
            if id(peer) in seen:
                continue
            seen.add(id(peer))
            if peer.pod_selector is not None:
                _walk(peer.pod_selector, keys, blocks)
            if peer.ip_block is not None:
                blocks.append(peer.ip_block)


_LEAVES = (str, int, float, bool, type(None), bytes)
_FIELDS: dict[type, tuple[str, ...]] = {}


def _walk(obj: Any, keys: dict[str, set[str]], blocks: list[IPBlock]) -> None:
    """The label keys (with the values named) of every selector, and every ipBlock, inside a policy object."""
    kind = type(obj)
    if kind in _LEAVES:
        return
    if kind is LabelSelector:
        for k, v in obj.match_labels:
            keys.setdefault(k, set()).add(v)
        for r in obj.match_expressions:
            keys.setdefault(r.key, set()).update(r.values)
    elif kind is IPBlock:
        blocks.append(obj)
    elif kind in (tuple, list, set, frozenset):
        for item in obj:
            _walk(item, keys, blocks)
    elif kind is dict:
        for item in obj.values():
            _walk(item, keys, blocks)
    else:
        names = _FIELDS.get(kind)
        if names is None:  # dataclasses.fields per object is most of the walk's time: once per type
            names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(obj)) \
                if dataclasses.is_dataclass(obj) and not isinstance(obj, type) else ()
        for name in names:
            _walk(getattr(obj, name, None), keys, blocks)


def _bounds(blocks: Iterable[IPBlock]) -> dict[int, tuple[list[int], list[int]]]:
    """Per IP version, the addresses where the blocks' ranges start or end, sorted, and for
    the interval before each cut, which ranges hold it: a XOR of a random 128-bit tag per
    range, so intervals held by the same ranges (either side of an except) are alike."""
    tags = random.Random(0)
    ranges = {(net.version, int(net.network_address), int(net.broadcast_address) + 1)
              for block in blocks for net in (block.network, *block.except_networks)}
    events: dict[int, dict[int, int]] = {4: {}, 6: {}}
    for version, low, high in sorted(ranges):
        tag = tags.getrandbits(128)
        for at in (low, high):
            events[version][at] = events[version].get(at, 0) ^ tag
    out = {}
    for version, at in events.items():
        if at:
            cuts = sorted(at)
            held, inside = [0], 0
            for cut in cuts:
                inside ^= at[cut]
                held.append(inside)
            out[version] = (cuts, held)
    return out


def _intervals(pod: Pod, bounds: dict[int, tuple[list[int], list[int]]],
               family: int | None) -> frozenset[tuple[int, int]]:
    if not bounds:
        return frozenset()  # no block anywhere: addresses tell no pods apart
    out = set()
    for ip in family_ips(pod, family):
        version, number = address_number(ip)
        cuts, held = bounds.get(version, ((), (0,)))
        out.add((version, held[bisect.bisect_right(cuts, number)]))  # type: ignore[arg-type]
    return frozenset(out)


def _read_labels(pod: Pod, keys: dict[str, set[str]]) -> tuple[tuple[str, str], ...]:
    # A value no selector names answers every selector as any other such value: only "present".
    return tuple(sorted((k, v if v in keys[k] else OTHER) for k, v in pod.labels.items() if k in keys))


def _named_ports(pod: Pod) -> tuple[tuple[str, str, int], ...]:
    return tuple(sorted((cp.name, cp.protocol, cp.port) for cp in pod.ports if cp.name))


def _node_key(pod: Pod, host_nodes: set[str], node_read: bool) -> str:
    """The node as far as a profile tells pods apart by it: a node with host-network pods by
    name; any other known node alike; an unknown node apart (it means every node to Cilium)."""
    if not node_read:
        return ""
    if pod.node in host_nodes:
        return pod.node
    return "*" if pod.node else ""
