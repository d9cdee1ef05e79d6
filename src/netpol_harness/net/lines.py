"""One pod's row or column of the matrix, pod by pod, without the rest of it: who `i` may
reach, or who may reach `i`. Each policy kind gives its `masks` for one pod (`line`): its own
side's row, and its column as everyone's peer; the layers are combined as `query.combine`
combines whole tables, and the profile's host rules applied as `HostRules.apply` does.

The cost is one pass over the rules with bitsets of the pods, not pods^2 bits: what
`reachable_from` and `reaching` for a few workloads of a large cluster need.
"""
from __future__ import annotations

from typing import Mapping, Sequence

from .hosts import HostRules


def pod_line(kinds: Mapping[str, object], layers: Sequence[Sequence[str]], hosts: HostRules, i: int,
             outgoing: bool, port: int, protocol: str) -> int | None:
    """Bitset of the pods j with i -> j allowed (outgoing) or j -> i (incoming); bit i is
    the policies' verdict on i with itself. None when a kind cannot answer for one pod."""
    if not all(hasattr(kinds[k], "line") for layer in layers for k in layer):
        return None
    own, other = ("egress", "ingress") if outgoing else ("ingress", "egress")
    every = hosts.pods.all_pods
    mine = _combined(kinds, layers, own, i, False, port, protocol, every) | _host_row(hosts, own, i)
    theirs = _combined(kinds, layers, other, i, True, port, protocol, every) | _host_column(hosts, other, i)
    return mine & theirs


def _combined(kinds: Mapping[str, object], layers: Sequence[Sequence[str]], direction: str, i: int,
              as_peer: bool, port: int, protocol: str, every: int) -> int:
    """The first layer that rules on a pair decides it; pairs no layer rules on are allowed."""
    allowed, undecided = 0, every
    for layer in layers:
        allow = decided = 0
        for kind in layer:
            a, d = kinds[kind].line(direction, i, as_peer, port, protocol)  # type: ignore[attr-defined]
            allow |= a
            decided |= d
        if decided:
            allowed |= allow & decided & undecided  # a layer's allows count where it rules (merge_masks)
            undecided &= ~decided
        if not undecided:
            break
    return allowed | undecided


def _host_row(hosts: HostRules, direction: str, i: int) -> int:
    """What the host rules add to pod i's own side: everything for a host pod no policy
    isolates; for ingress, the host-network pods on its node where the node always reaches it."""
    if (hosts.outside_policy >> i) & 1:
        return hosts.pods.all_pods
    if direction == "ingress" and hosts.dataplane.local_host_allowed:
        return hosts.on_node(hosts.pods.pods[i].node)
    return 0


def _host_column(hosts: HostRules, direction: str, i: int) -> int:
    """What the host rules add to the pods whose side has pod i as the peer: the host pods no
    policy isolates; for ingress from a host pod, the pods on its node."""
    out = hosts.outside_policy
    pod = hosts.pods.pods[i]
    if direction == "ingress" and hosts.dataplane.local_host_allowed and pod.host_network and pod.node:
        out |= sum(1 << j for j, p in enumerate(hosts.pods.pods) if p.node == pod.node)
    return out
