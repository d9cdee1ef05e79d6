"""Host traffic as a dataplane profile judges it, before any policy: host-network pods
that no policy isolates, and the local node that always reaches its own pods.

The API leaves both to the implementation (`dataplanes`); the `kubernetes` profile judges
them by the policies, as the evaluator always has, and says so on the verdicts they touch.
"""
from __future__ import annotations

from .cluster import External, Pod
from .peers import PeerMatcher
from .selection import PodIndex, bits
from .verdict import SideVerdict, TierStep


class HostRules:
    """What the profile decides about host traffic over one version of a cluster."""

    def __init__(self, pods: PodIndex, peers: PeerMatcher) -> None:
        self.dataplane = peers.dataplane
        self.pods = pods
        self.peers = peers  # the nodes' addresses, read once there
        host = [i for i, p in enumerate(pods.pods) if p.host_network]
        self.host_pods = sum(1 << i for i in host)
        self._on_node: dict[str, int] = {}
        for i in host:
            node = pods.pods[i].node
            if node:
                self._on_node[node] = self._on_node.get(node, 0) | (1 << i)

    def on_node(self, node: str) -> int:
        """The host-network pods on `node`, as a bitset."""
        return self._on_node.get(node, 0) if node else 0

    @property
    def outside_policy(self) -> int:
        """The host-network pods no policy isolates under this profile."""
        return self.host_pods if self.dataplane.host_pods_outside else 0

    def is_local_host(self, end: Pod, other: Pod | External) -> bool:
        """Whether `other` is the node `end` runs on: its address, or a host-network pod on it."""
        if not end.node:
            return False
        if isinstance(other, Pod):
            return other.host_network and other.node == end.node
        return other.ip in self.peers.ips_of_node.get(end.node, ())

    def side(self, direction: str, end: Pod, other: Pod | External) -> SideVerdict | None:
        """The profile's own verdict on `end`'s side, or None to leave it to the policies."""
        dp = self.dataplane
        if end.host_network and dp.host_pods_outside:
            return SideVerdict(direction, end.id, True, notes=(f"{dp.note('host-network-pods')}: {end.id} is not "
                                                               f"isolated",))
        if direction == "ingress" and dp.local_host_allowed and self.is_local_host(end, other):
            step = TierStep("Dataplane", dp.name, "ingress", 0, "", "Allow", "allow",
                            text=f"{dp.note('local-host')}: {other.id} is {end.id}'s node")
            return SideVerdict(direction, end.id, True, tier_steps=(step,), decided_by=step)
        return None

    def notes(self, src: Pod | External, dst: Pod | External, allowed: bool) -> list[str]:
        """What the verdict should say of the profile's host rules where it judged by the policies."""
        dp = self.dataplane
        if allowed or not isinstance(dst, Pod) or not dp.has("local-host"):
            return []
        if dp.is_api and self.is_local_host(dst, src):
            return [f"not modelled: {dp.note('local-host')}: {src.id} is {dst.id}'s node"]
        if dp.local_host_allowed and not dst.node and self._is_host(src):
            return [f"not modelled: {dp.note('local-host')}: {dst.id} has no node in the model (spec.nodeName), "
                    f"so whether {src.id} is its node is not known"]
        return []

    def _is_host(self, end: Pod | External) -> bool:
        if isinstance(end, Pod):
            return end.host_network
        return end.ip in self.peers.node_ips

    def apply(self, egress: list[int], ingress: list[int]) -> None:
        """The profile's host rules over whole tables (`Query.table`), in place."""
        dp = self.dataplane
        every = self.pods.all_pods
        outside = self.outside_policy
        if outside:
            for i in bits(outside):
                egress[i] = ingress[i] = every
        if dp.local_host_allowed and self._on_node:
            for j, pod in enumerate(self.pods.pods):
                local = self._on_node.get(pod.node, 0) if pod.node else 0
                if local:
                    ingress[j] |= local

