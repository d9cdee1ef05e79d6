"""The Admin and Baseline tiers: AdminNetworkPolicy, BaselineAdminNetworkPolicy and
ClusterNetworkPolicy compiled into allow/decided masks per direction, and side verdicts
that name the rules that matched.

Within a tier, policies are taken by priority (lower first) and each policy's rules in
order; for a subject pod, the first rule whose peers and ports match a connection decides
it: Allow/Accept allows, Deny denies, and Pass hands the connection to the next tier
(NetworkPolicy after Admin; the default, allow, after Baseline), skipping every later
rule of this tier. A connection no rule matches is left to the next tier. These are the
semantics the API types state and the upstream conformance suite pins
(kubernetes-sigs/network-policy-api: apis/v1alpha1/adminnetworkpolicy_types.go,
apis/v1alpha2/clusternetworkpolicy_types.go; conformance/tests/*-priority.go,
*-integration.go; the truth tables in tests/data/conformance/).

Host-network pods are never subjects, nor `namespaces`/`pods` peers; they are reached as
`nodes` (by their node's address) and `networks` peers.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ..adminpolicy import AdminPeer, AdminPolicy, AdminRule
from ..cluster import Cluster
from ..objects import External, Pod
from ..policy import IPBlock, ports_match
from ..selection import bits
from ..verdict import SideVerdict, TierStep
from .base import Masks, Matchers


@dataclass(frozen=True)
class CompiledAdminRule:
    policy: AdminPolicy
    rule: AdminRule
    subject: int  # the pods the policy applies to
    peers: int  # the pods its peers mean
    blocks: tuple[IPBlock, ...]  # `networks`, for outside addresses
    node_ips: frozenset[str]  # addresses of the nodes its `nodes` peers select

    def step(self) -> TierStep:
        r = self.rule
        return TierStep(self.policy.tier, self.policy.id, r.direction, r.index, r.name, r.action, r.effect)

    def admits(self, other: Pod | External, pod_bit: int) -> bool:
        if isinstance(other, Pod):
            return bool(self.peers & pod_bit)
        return other.ip in self.node_ips or any(b.contains(other.ip) for b in self.blocks)


def tier_order(policies: list[AdminPolicy]) -> list[AdminPolicy]:
    """Precedence within a tier: priority, lower first. Equal priorities are left to the
    implementation by the API (see `caveats`); kind and name make the order stable."""
    return sorted(policies, key=lambda p: (p.priority, p.kind, p.name))


class AdminTier:
    """One tier's compiled rules, in precedence order per direction."""

    def __init__(self, tier: str, cluster: Cluster, matchers: Matchers) -> None:
        self.tier = tier
        self.matchers = matchers
        policies = tier_order([p for p in cluster.admin_policies if p.tier == tier])
        host = sum(1 << i for i, pod in enumerate(matchers.pods.pods) if pod.host_network)
        self._host = host
        self._nodes = cluster.nodes
        self.rules: dict[str, list[CompiledAdminRule]] = {"ingress": [], "egress": []}
        for policy in policies:
            subject = self._subject(policy) & ~host
            for direction in ("ingress", "egress"):
                self.rules[direction] += [self._compile(policy, rule, subject) for rule in policy.rules(direction)]
        self._destinations: dict[tuple[str, int, int, str], int] = {}

    def _subject(self, policy: AdminPolicy) -> int:
        pods = self.matchers.pods
        where = pods.in_namespaces(policy.subject_namespaces)
        return where if policy.subject_pods is None else where & pods.select_pods(policy.subject_pods)

    def _compile(self, policy: AdminPolicy, rule: AdminRule, subject: int) -> CompiledAdminRule:
        peers, blocks, node_ips = 0, [], set()
        for peer in rule.peers:
            peers |= self._peer_pods(peer)
            blocks += peer.networks
            if peer.nodes is not None:
                node_ips |= {ip for node in self._nodes if peer.nodes.matches(node.labels) for ip in node.ips}
        if node_ips:
            peers |= sum(1 << i for i, pod in enumerate(self.matchers.pods.pods)
                         if pod.host_network and node_ips.intersection(pod.ips))
        return CompiledAdminRule(policy, rule, subject, peers, tuple(blocks), frozenset(node_ips))

    def _peer_pods(self, peer: AdminPeer) -> int:
        pods = self.matchers.pods
        if peer.type == "networks":
            # Networks match pod addresses too: "cluster-internal traffic will be checked
            # against the rule as well" (ClusterNetworkPolicyEgressPeer.Networks).
            hit = 0
            for block in peer.networks:
                hit |= self.matchers.peers.ipblock_pods(block)
            return hit
        if peer.type not in ("namespaces", "pods") or peer.namespaces is None:
            return 0  # nodes are added by address; domain names never name a pod
        where = pods.in_namespaces(peer.namespaces)
        if peer.pods is not None:
            where &= pods.select_pods(peer.pods)
        return where & ~self._host

    def _admitted_destinations(self, direction: str, k: int, port: int, protocol: str) -> int:
        """The pods on which rule k's ports admit port/protocol (they are always the destination's)."""
        key = (direction, k, port, protocol)
        mask = self._destinations.get(key)
        if mask is None:
            ports = self.rules[direction][k].rule.ports
            mask = self._destinations[key] = self.matchers.ports.destinations(ports, port, protocol)
        return mask

    def masks(self, direction: str, port: int, protocol: str) -> Masks:
        n, every = len(self.matchers.pods.pods), self.matchers.pods.all_pods
        allow, decided = [0] * n, [0] * n
        remaining: dict[int, int] = {}  # per subject pod: the peers no earlier rule matched
        for k, crule in enumerate(self.rules[direction]):
            ports_ok = self._admitted_destinations(direction, k, port, protocol)
            if direction == "ingress":
                targets, peers = crule.subject & ports_ok, crule.peers  # ports are the subject's own
            else:
                targets, peers = crule.subject, crule.peers & ports_ok
            if not (targets and peers):
                continue
            effect = crule.rule.effect
            for i in bits(targets):
                left = remaining.get(i, every)
                hit = peers & left
                if hit:
                    remaining[i] = left & ~hit
                    if effect != "pass":
                        decided[i] |= hit
                        if effect == "allow":
                            allow[i] |= hit
        return Masks(allow, decided)

    def side(self, direction: str, end: Pod, other: Pod | External, port: int, protocol: str) -> SideVerdict:
        index = self.matchers.pods.index
        end_bit = 1 << index[end.id]
        other_bit = 1 << index[other.id] if isinstance(other, Pod) else 0
        dst = end if direction == "ingress" else other
        named = self.matchers.ports.pod_named[index[dst.id]] if isinstance(dst, Pod) else None
        steps: list[TierStep] = []
        for crule in self.rules[direction]:
            if not crule.subject & end_bit or not ports_match(crule.rule.ports, port, protocol, named):
                continue
            if not crule.admits(other, other_bit):
                continue
            step = crule.step()
            steps.append(step)
            if step.effect != "pass":
                return SideVerdict(direction, end.id, True, tier_steps=tuple(steps), decided_by=step)
            break  # Pass: the rest of this tier is skipped
        return SideVerdict(direction, end.id, True, tier_steps=tuple(steps))


def compile_admin_tier(cluster: Cluster, matchers: Matchers) -> AdminTier:
    return AdminTier("Admin", cluster, matchers)


def compile_baseline_tier(cluster: Cluster, matchers: Matchers) -> AdminTier:
    return AdminTier("Baseline", cluster, matchers)


def selects(policy: AdminPolicy, pod: Pod, namespace_labels: Mapping[str, str]) -> bool:
    """Whether `pod` is one of the policy's subjects."""
    if pod.host_network or not policy.subject_namespaces.matches(namespace_labels):
        return False
    return policy.subject_pods is None or policy.subject_pods.matches(pod.labels)


def admin_caveats(cluster: Cluster, pod: Pod) -> list[str]:
    """What the APIs leave to the implementation about the admin policies selecting `pod`."""
    ns = cluster.namespace(pod.namespace)
    mine = [p for p in cluster.admin_policies if selects(p, pod, ns.labels if ns else {})]
    notes = []
    versions = {p.kind == "ClusterNetworkPolicy" for p in mine}
    if len(versions) == 2:
        notes.append(f"not modelled: v1alpha1 admin policies and v1alpha2 ClusterNetworkPolicies both select {pod.id}; "
                     "how an implementation orders the two APIs depends on the CNI")
    for tier in ("Admin", "Baseline"):
        by_priority: dict[int, list[str]] = {}
        for p in mine:
            if p.tier == tier:
                by_priority.setdefault(p.priority, []).append(p.id)
        notes += [f"not modelled: {' and '.join(ids)} select {pod.id} at the same priority {prio} in the {tier} tier; "
                  "the API leaves their order to the implementation"
                  for prio, ids in sorted(by_priority.items()) if len(ids) > 1]
    for p in mine:
        for rule in p.egress:
            names = [d for peer in rule.peers for d in peer.domain_names]
            if names:
                notes.append(f"not modelled: {p.id} egress[{rule.index}] matches domain names ({', '.join(names)}), "
                             "whose addresses the model does not know")
    return notes
