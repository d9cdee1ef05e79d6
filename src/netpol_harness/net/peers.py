"""Peers: the pods a rule's `from`/`to` entries mean, as a bitset, and whether an
address outside the cluster is one of them.

A pod peer is a namespaceSelector and/or a podSelector (ANDed; without a
namespaceSelector, the policy's own namespace). An ipBlock peer means addresses: outside
addresses always, pod addresses only when the dataplane applies ipBlocks to pods and only
in the IP family judged (`family`).

Where the dataplane profile says so (`dataplanes`), host-network pods are no pods to the
selectors: an ipBlock reaches them by their node's address in the directions the profile
names, and on OVN-Kubernetes a namespaceSelector for the host-network namespace admits
them, with the nodes and the API server, as sources.
"""
from __future__ import annotations

import ipaddress
import socket
from typing import Sequence

import numpy as np

from .cluster import NAME_LABEL, Cluster, Pod
from .dataplanes import HOST_NETWORK_LABEL, KUBERNETES, Dataplane
from .policy import IPBlock, Peer
from .selection import PodIndex, from_indices


def family_ips(pod: Pod, family: int | None) -> tuple[str, ...]:
    """The addresses of `pod` in IP family 4 or 6; all of them for None."""
    if family is None:
        return pod.ips
    return tuple(ip for ip in pod.ips if ipaddress.ip_address(ip).version == family)


def admits_address(all_peers: bool, blocks: Sequence[IPBlock], ip: str) -> bool:
    """Whether a rule with these peers admits an address outside the pod network."""
    return all_peers or any(b.contains(ip) for b in blocks)


class PeerMatcher:
    """Peers as pod bitsets over one version of a cluster, as `dataplane` reads them."""

    def __init__(self, index: PodIndex, cluster: Cluster, *, dataplane: Dataplane = KUBERNETES,
                 family: int | None = None) -> None:
        self.index = index
        self.dataplane = dataplane
        self.ipblock_matches_pods = dataplane.ipblock_pods
        self.family = family
        # Host-network pods as the profile sees them: none for the API's reading.
        self.host_pods = sum(1 << i for i, p in enumerate(index.pods) if p.host_network) \
            if dataplane.host_pods_outside else 0
        # Where host traffic comes from, read once here for every matcher of this version.
        self.ips_of_node: dict[str, frozenset[str]] = {node.name: frozenset(node.ips) for node in cluster.nodes}
        self.node_ips = frozenset(ip for ips in self.ips_of_node.values() for ip in ips)
        self.apiserver_ips = frozenset(cluster.apiserver_ips)
        self._host_namespace = _host_namespace_labels(cluster, dataplane)
        self._ips: dict[int, tuple[np.ndarray, np.ndarray]] | None = None
        self._ranges: dict[tuple[int, int, int], int] = {}
        self._blocks: dict[tuple, int] = {}
        self._pod_addresses: dict[int, list[tuple[int, int]]] = {}
        self._asked_pod = -1  # the pod `admits_pod` last answered for, and its answers by peer
        self._asked: dict[tuple[int, str, str], tuple[Peer, bool]] = {}

    def rule_peers(self, peers: Sequence[Peer], policy_namespace: str, direction: str = "ingress") -> tuple[int, bool]:
        """(the pods the peers admit, whether they admit everyone: no peers at all)."""
        if not peers:
            return self.index.all_pods, True
        pods = 0
        for peer in peers:
            pods |= self.peer_pods(peer, policy_namespace, direction)
        return pods, False

    def peer_pods(self, peer: Peer, policy_namespace: str, direction: str = "ingress") -> int:
        if peer.ip_block is not None:
            return self.ipblock_peer(peer.ip_block, direction)
        if peer.namespace_selector is None:
            # No namespaceSelector: the policy's own namespace, never "all namespaces".
            where = self.index.in_namespace(policy_namespace)
        else:
            where = self.index.in_namespaces(peer.namespace_selector)
        hit = where if peer.pod_selector is None else where & self.index.select_pods(peer.pod_selector)
        if self.host_pods:
            hit &= ~self.host_pods
            if direction == "ingress" and self.admits_host_network(peer):
                hit |= self.host_pods
        return hit

    def admits_pod(self, peers: Sequence[Peer], policy_namespace: str, direction: str, i: int) -> bool:
        """Whether pod i is one of the pods `rule_peers` gives, without the bitset of them all:
        a question about a few pods needs each rule's answer for them only."""
        if not peers:
            return True
        if self._asked_pod != i:
            self._asked_pod, self._asked = i, {}
        asked = self._asked
        for peer in peers:
            # Thousands of rules share a few peer objects (the model interns them): one answer each.
            key = (id(peer), direction, policy_namespace if peer.namespace_selector is None else "")
            known = asked.get(key)
            if known is None or known[0] is not peer:
                known = asked[key] = (peer, self._peer_has(peer, policy_namespace, direction, i))
            if known[1]:
                return True
        return False

    def _peer_has(self, peer: Peer, policy_namespace: str, direction: str, i: int) -> bool:
        """Bit i of `peer_pods`."""
        host = bool(self.host_pods) and bool((self.host_pods >> i) & 1)
        if peer.ip_block is not None:
            applies = direction in self.dataplane.ipblock_hosts if host else self.ipblock_matches_pods
            return applies and self._block_has(peer.ip_block, i)
        if host:
            return direction == "ingress" and self.admits_host_network(peer)
        pod = self.index.pods[i]
        if peer.namespace_selector is None:
            if pod.namespace != policy_namespace:
                return False
        elif not self.index.pod_in_namespaces(peer.namespace_selector, i):
            return False
        return peer.pod_selector is None or peer.pod_selector.matches(pod.labels)

    def _block_has(self, block: IPBlock, i: int) -> bool:
        """Bit i of `ipblock_pods(block)`: an address in the block, none in an except of its family."""
        known = self._blocks.get((block.cidr, block.excepts))
        if known is not None:
            return bool((known >> i) & 1)
        addresses = self._pod_addresses.get(i)
        if addresses is None:
            addresses = self._pod_addresses[i] = [address_number(ip) for ip in self._addresses(i, self.index.pods[i])]
        net = block.network
        if not _holds(addresses, net):
            return False
        return not any(_holds(addresses, ex) for ex in block.except_networks if ex.version == net.version)

    def ipblock_peer(self, block: IPBlock, direction: str) -> int:
        """The pods an ipBlock peer admits in `direction`, as the dataplane applies ipBlocks."""
        if not self.host_pods:  # the API's reading: every pod by its own addresses
            return self.ipblock_pods(block) if self.ipblock_matches_pods else 0
        hit = self.ipblock_pods(block)
        pods = hit & ~self.host_pods if self.ipblock_matches_pods else 0
        hosts = hit & self.host_pods if direction in self.dataplane.ipblock_hosts else 0
        return pods | hosts

    def admits_host_network(self, peer: Peer) -> bool:
        """Whether a peer means the host-network namespace, as OVN-Kubernetes reads it: a
        namespaceSelector without podSelector that its labels match."""
        labels = self._host_namespace
        return (labels is not None and peer.ip_block is None and peer.pod_selector is None
                and peer.namespace_selector is not None and peer.namespace_selector.matches(labels))

    def is_host_address(self, ip: str) -> bool:
        """A node's address (an API server on a node's too), or on Cilium any API server's:
        host traffic, which some dataplanes set apart."""
        return ip in self.node_ips or (self.dataplane.apiserver_entity and ip in self.apiserver_ips)

    def admits_address(self, peers: Sequence[Peer], all_peers: bool, blocks: Sequence[IPBlock], ip: str,
                       direction: str) -> bool:
        """Whether a rule with these peers admits an address outside the pod network."""
        if all_peers:
            return True
        if self.dataplane.is_api or not self.is_host_address(ip):
            return any(b.contains(ip) for b in blocks)
        if direction == "ingress" and any(self.admits_host_network(p) for p in peers):
            return True
        return direction in self.dataplane.ipblock_hosts and any(b.contains(ip) for b in blocks)

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
            numbers, owners = self._sorted_ips(version)
            start, stop = np.searchsorted(numbers, low, "left"), np.searchsorted(numbers, high, "right")
            hit = self._ranges[key] = from_indices(owners[start:stop].tolist(), len(self.index.pods))
        return hit

    def _sorted_ips(self, version: int) -> tuple[np.ndarray, np.ndarray]:
        """(addresses sorted, the pod index of each), per IP version; built on the first ipBlock
        asked about. IPv4 as int64, IPv6 as Python ints (128 bits)."""
        if self._ips is None:
            found: dict[int, tuple[list[int], list[int]]] = {4: ([], []), 6: ([], [])}
            plain = not self.host_pods and self.family is None  # each pod's own addresses, all of them
            for i, pod in enumerate(self.index.pods):
                for ip in (pod.ips if plain else self._addresses(i, pod)):
                    v, number = address_number(ip)
                    found[v][0].append(number)
                    found[v][1].append(i)
            self._ips = {}
            for v, (numbers, owners) in found.items():
                keys = np.array(numbers, dtype=np.int64 if v == 4 else object)
                order = np.argsort(keys, kind="stable")
                self._ips[v] = (keys[order], np.asarray(owners, dtype=np.int64)[order])
        return self._ips[version]

    def _addresses(self, i: int, pod: Pod) -> tuple[str, ...]:
        """What an ipBlock sees of pod i. Where the profile sets host pods apart, a host-network
        pod is its node's addresses, and none when its node is not in the model: an address
        made up for it would be a pod's, and could let an ipBlock admit it wrongly."""
        if not (self.host_pods >> i) & 1:
            return family_ips(pod, self.family)
        return tuple(ip for ip in self.ips_of_node.get(pod.node, ()) if self.family is None
                     or ipaddress.ip_address(ip).version == self.family)


def address_number(ip: str) -> tuple[int, int]:
    """(version, number) of an address; IPv4 without `ipaddress`, which costs more than the
    rest of an ipBlock's lookup."""
    if ":" not in ip:
        try:
            packed = socket.inet_aton(ip)
        except OSError:
            packed = b""
        if packed and socket.inet_ntoa(packed) == ip:  # the canonical form only, as ipaddress reads it
            return 4, int.from_bytes(packed, "big")
    address = ipaddress.ip_address(ip)
    return address.version, int(address)


def _holds(addresses: list[tuple[int, int]], net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    low, high = int(net.network_address), int(net.broadcast_address)
    return any(version == net.version and low <= number <= high for version, number in addresses)


def _host_namespace_labels(cluster: Cluster, dataplane: Dataplane) -> dict[str, str] | None:
    """The labels of the namespace host traffic comes from (OVN-Kubernetes): the cluster's
    own copy where it has one, else as the CNI creates it."""
    name = dataplane.host_network_namespace
    if name is None:
        return None
    ns = cluster.namespace(name)
    return dict(ns.labels) if ns is not None else {NAME_LABEL: name, HOST_NETWORK_LABEL: ""}
