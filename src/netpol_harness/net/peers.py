"""Peers: the pods a rule's `from`/`to` entries mean, as a bitset, and whether an
address outside the cluster is one of them.

A pod peer is a namespaceSelector and/or a podSelector (ANDed; without a
namespaceSelector, the policy's own namespace). An ipBlock peer means addresses: outside
addresses always, pod addresses only when the dataplane applies ipBlocks to pods
(`ipblock_matches_pods`) and only in the IP family judged (`family`).
"""
from __future__ import annotations

import bisect
import ipaddress
from typing import Sequence

from .cluster import Pod
from .policy import IPBlock, Peer
from .selection import PodIndex


def family_ips(pod: Pod, family: int | None) -> tuple[str, ...]:
    """The addresses of `pod` in IP family 4 or 6; all of them for None."""
    if family is None:
        return pod.ips
    return tuple(ip for ip in pod.ips if ipaddress.ip_address(ip).version == family)


def admits_address(all_peers: bool, blocks: Sequence[IPBlock], ip: str) -> bool:
    """Whether a rule with these peers admits an address outside the pod network."""
    return all_peers or any(b.contains(ip) for b in blocks)


class PeerMatcher:
    """Peers as pod bitsets over one version of a cluster."""

    def __init__(self, index: PodIndex, *, ipblock_matches_pods: bool, family: int | None) -> None:
        self.index = index
        self.ipblock_matches_pods = ipblock_matches_pods
        self.family = family
        self._ips: dict[int, list[tuple[int, int]]] | None = None
        self._ranges: dict[tuple[int, int, int], int] = {}
        self._blocks: dict[tuple, int] = {}

    def rule_peers(self, peers: Sequence[Peer], policy_namespace: str) -> tuple[int, bool]:
        """(the pods the peers admit, whether they admit everyone: no peers at all)."""
        if not peers:
            return self.index.all_pods, True
        pods = 0
        for peer in peers:
            pods |= self.peer_pods(peer, policy_namespace)
        return pods, False

    def peer_pods(self, peer: Peer, policy_namespace: str) -> int:
        if peer.ip_block is not None:
            return self.ipblock_pods(peer.ip_block) if self.ipblock_matches_pods else 0
        if peer.namespace_selector is None:
            # No namespaceSelector: the policy's own namespace, never "all namespaces".
            where = self.index.in_namespace(policy_namespace)
        else:
            where = self.index.in_namespaces(peer.namespace_selector)
        if peer.pod_selector is None:
            return where
        return where & self.index.select_pods(peer.pod_selector)

    def ipblock_pods(self, block: IPBlock) -> int:
        """The pods with an address (of the family judged) in the block and outside its excepts."""
        key = (block.cidr, block.excepts)
        hit = self._blocks.get(key)
        if hit is None:
            net = block.network
            hit = self._pods_in_range(net.version, int(net.network_address), int(net.broadcast_address))
            for ex in block.except_networks:
                if ex.version == net.version:
                    hit &= ~self._pods_in_range(ex.version, int(ex.network_address), int(ex.broadcast_address))
            self._blocks[key] = hit
        return hit

    def _pods_in_range(self, version: int, low: int, high: int) -> int:
        key = (version, low, high)
        hit = self._ranges.get(key)
        if hit is None:
            ips = self._sorted_ips(version)
            start = bisect.bisect_left(ips, (low, -1))
            stop = bisect.bisect_right(ips, (high, len(self.index.pods)))
            hit = 0
            for _, i in ips[start:stop]:
                hit |= 1 << i
            self._ranges[key] = hit
        return hit

    def _sorted_ips(self, version: int) -> list[tuple[int, int]]:
        """(address, pod index) sorted, per IP version; built on the first ipBlock asked about."""
        if self._ips is None:
            index: dict[int, list[tuple[int, int]]] = {4: [], 6: []}
            for i, pod in enumerate(self.index.pods):
                for ip in family_ips(pod, self.family):
                    addr = ipaddress.ip_address(ip)
                    index[addr.version].append((int(addr), i))
            self._ips = {v: sorted(pairs) for v, pairs in index.items()}
        return self._ips[version]
