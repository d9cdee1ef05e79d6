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
    name_ips: frozenset[str] = frozenset()  # what its `domainNames` resolve to (Cluster.resolve)

    def step(self) -> TierStep:
        r = self.rule
        return TierStep(self.policy.tier, self.policy.id, r.direction, r.index, r.name, r.action, r.effect)

    def admits(self, other: Pod | External, pod_bit: int) -> bool:
        if isinstance(other, Pod):
            return bool(self.peers & pod_bit)
        return other.ip in self.node_ips or other.ip in self.name_ips or any(b.contains(other.ip) for b in self.blocks)


def tier_order(policies: list[AdminPolicy]) -> list[AdminPolicy]:
    """Precedence within a tier: priority, lower first. Equal priorities are left to the
    implementation by the API (see `caveats`); kind and name make the order stable."""
    return sorted(policies, key=lambda p: (p.priority, p.kind, p.name))


class AdminTier:
    """One tier's compiled rules, in precedence order per direction."""

    def __init__(self, tier: str, cluster: Cluster, matchers: Matchers) -> None:
        self.tier = tier
        self.matchers = matchers
        enforced = matchers.dataplane.admin_kinds
        admin = cluster.admin_policies
        policies = tier_order([p for p in admin if p.tier == tier and p.kind in enforced]) if admin else []
        self._nodes = cluster.nodes
        self._resolve = cluster.resolve
        self.policies = policies
        self._destinations: dict[tuple[str, int, int, str], int] = {}
        self._partials: dict[tuple[str, int, str], dict[int, int]] = {}
        self._walks: dict[tuple, list[tuple[CompiledAdminRule, int]]] = {}
        if not policies:
            self._without_policies()
            return
        host = sum(1 << i for i, pod in enumerate(matchers.pods.pods) if pod.host_network)
        self._host = host
        subjects = [self._subject(policy) & ~host for policy in policies]
        self.rules: dict[str, list[CompiledAdminRule]] = {
            d: [self._compile(policy, rule, subject) for policy, subject in zip(policies, subjects) for rule in policy.rules(d)]
            for d in ("ingress", "egress")}
        # Pods that are subjects of the same policies see the same rules: work each group out once.
        distinct = list(dict.fromkeys(subjects))
        self.groups = partition(matchers.pods.all_pods, distinct)
        self.group_of = [0] * len(matchers.pods.pods)
        for g, (members, _) in enumerate(self.groups):
            for i in bits(members):
                self.group_of[i] = g
        position = {subject: k for k, subject in enumerate(distinct)}
        self.selecting = [[p for p, subject in zip(policies, subjects) if position[subject] in inside] for _, inside in self.groups]
        self.applicable = {d: [[(k, r) for k, r in enumerate(rules) if position[r.subject] in inside] for _, inside in self.groups]
                           for d, rules in self.rules.items()}

    def _without_policies(self) -> None:
        """What the general case makes of no policies, without its passes over the pods: one
        group of every pod, selected by nothing, with no rules (most clusters have no admin
        policies, and every model compiles both tiers)."""
        every = self.matchers.pods.all_pods
        self.rules = {"ingress": [], "egress": []}
        self.groups = [(every, set())] if every else []
        self.group_of = [0] * len(self.matchers.pods.pods)
        self.selecting = [[] for _ in self.groups]
        self.applicable = {d: [[] for _ in self.groups] for d in ("ingress", "egress")}

    def selecting_pod(self, pod: Pod) -> list[AdminPolicy]:
        """The policies of this tier whose subject `pod` is, in precedence order."""
        return self.selecting[self.group_of[self.matchers.pods.index[pod.id]]]

    def _subject(self, policy: AdminPolicy) -> int:
        pods = self.matchers.pods
        where = pods.in_namespaces(policy.subject_namespaces)
        return where if policy.subject_pods is None else where & pods.select_pods(policy.subject_pods)

    def _compile(self, policy: AdminPolicy, rule: AdminRule, subject: int) -> CompiledAdminRule:
        peers, blocks, node_ips, name_ips = 0, [], set(), set()
        for peer in rule.peers:
            peers |= self._peer_pods(peer)
            blocks += peer.networks
            name_ips |= {ip for name, ips in self._resolve.items() if any(domain_matches(d, name) for d in peer.domain_names)
                         for ip in ips}
            if peer.nodes is not None:
                node_ips |= {ip for node in self._nodes if peer.nodes.matches(node.labels) for ip in node.ips}
        if node_ips:
            peers |= sum(1 << i for i, pod in enumerate(self.matchers.pods.pods)
                         if pod.host_network and node_ips.intersection(pod.ips))
        return CompiledAdminRule(policy, rule, subject, peers, tuple(blocks), frozenset(node_ips), frozenset(name_ips))

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
        n = len(self.matchers.pods.pods)
        allow, decided = [0] * n, [0] * n
        for g, (members, _) in enumerate(self.groups):
            if not self.applicable[direction][g]:
                continue
            for part, excluded in self._parts(direction, g, members, port, protocol):
                a = d = 0
                for crule, hit in self._hits(direction, g, port, protocol, excluded):
                    if crule.rule.effect != "pass":
                        d |= hit
                        if crule.rule.effect == "allow":
                            a |= hit
                if d:
                    for i in bits(part):
                        allow[i], decided[i] = a, d
        return Masks(allow, decided)

    def line(self, direction: str, i: int, as_peer: bool, port: int, protocol: str) -> tuple[int, int]:
        """(allow, decided) of `masks` for one pod: its row, or with `as_peer` its column."""
        allow = decided = 0
        groups = [self.group_of[i]] if not as_peer else range(len(self.groups))
        for g in groups:
            members = self.groups[g][0]
            if not self.applicable[direction][g]:
                continue
            for part, excluded in self._parts(direction, g, members, port, protocol):
                if not as_peer and not (part >> i) & 1:
                    continue
                for crule, hit in self._hits(direction, g, port, protocol, excluded):
                    if as_peer and not (hit >> i) & 1:
                        continue
                    effect = crule.rule.effect
                    if as_peer:  # the first rule to match pod i decides the whole part
                        decided |= part if effect != "pass" else 0
                        allow |= part if effect == "allow" else 0
                        break
                    decided |= hit if effect != "pass" else 0
                    allow |= hit if effect == "allow" else 0
        return allow, decided

    def _partial(self, direction: str, port: int, protocol: str) -> dict[int, int]:
        """The rules whose ports admit port/protocol on some pods only (named ports): k -> those pods."""
        key = (direction, port, protocol)
        found = self._partials.get(key)
        if found is None:
            every = self.matchers.pods.all_pods
            found = {k: m for k in range(len(self.rules[direction]))
                     if (m := self._admitted_destinations(direction, k, port, protocol)) != every}
            self._partials[key] = found
        return found

    def _parts(self, direction: str, g: int, members: int, port: int, protocol: str) -> list[tuple[int, frozenset[int]]]:
        """Group g's pods split by the ingress rules whose ports they do not offer: (pods, those rules)."""
        partial = self._partial(direction, port, protocol) if direction == "ingress" else {}
        ks = [k for k, _ in self.applicable[direction][g] if k in partial]
        if not ks:
            return [(members, frozenset())]
        return [(part, frozenset(k for k in ks if not partial[k] & part))
                for part, _ in partition(members, [partial[k] for k in ks])]

    def _hits(self, direction: str, g: int, port: int, protocol: str, excluded: frozenset[int]) -> list[tuple[CompiledAdminRule, int]]:
        """The rules of group g in order, each with the peers it is the first to match
        (disjoint; rules that match nothing new are left out)."""
        key = (direction, g, port, protocol, excluded)
        hits = self._walks.get(key)
        if hits is None:
            hits, left = [], self.matchers.pods.all_pods
            for k, crule in self.applicable[direction][g]:
                if k in excluded:
                    continue
                peers = crule.peers if direction == "ingress" else crule.peers & self._admitted_destinations(
                    direction, k, port, protocol)
                hit = peers & left
                if hit:
                    hits.append((crule, hit))
                    left &= ~hit
                    if not left:
                        break
            self._walks[key] = hits
        return hits

    def side(self, direction: str, end: Pod, other: Pod | External, port: int, protocol: str) -> SideVerdict:
        index = self.matchers.pods.index
        i = index[end.id]
        g = self.group_of[i]
        matched = None
        if isinstance(other, Pod):
            partial = self._partial(direction, port, protocol) if direction == "ingress" else {}
            excluded = frozenset(k for k, _ in self.applicable[direction][g] if k in partial and not (partial[k] >> i) & 1)
            j = index[other.id]
            matched = next((crule for crule, hit in self._hits(direction, g, port, protocol, excluded) if (hit >> j) & 1), None)
        else:
            named = self.matchers.ports.pod_named[i] if direction == "ingress" else None
            matched = next((crule for _, crule in self.applicable[direction][g]
                            if ports_match(crule.rule.ports, port, protocol, named) and crule.admits(other, 0)), None)
        if matched is None:
            return SideVerdict(direction, end.id, True)
        step = matched.step()  # the first rule that matches decides, or Passes the rest of the tier over
        return SideVerdict(direction, end.id, True, tier_steps=(step,), decided_by=None if step.effect == "pass" else step)


def partition(universe: int, sets: list[int]) -> list[tuple[int, set[int]]]:
    """`universe` cut into the parts that lie inside the same of `sets`: (part, the
    positions in `sets` of those it lies in)."""
    parts: list[tuple[int, set[int]]] = [(universe, set())] if universe else []
    for k, s in enumerate(sets):
        cut = []
        for part, inside in parts:
            if part & s:
                cut.append((part & s, inside | {k}))
            if part & ~s:
                cut.append((part & ~s, inside))
        parts = cut
    return parts


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
    return [note.replace(POD, pod.id) for note in admin_notes(mine)]


POD = "{pod}"  # where the pod's id goes in a note: pods that share their admin policies share notes


def admin_notes(mine: list[AdminPolicy]) -> list[str]:
    """`admin_caveats`, given the admin policies whose subject the pod is, with POD for its id."""
    notes = []
    versions = {p.kind == "ClusterNetworkPolicy" for p in mine}
    if len(versions) == 2:
        notes.append(f"not modelled: v1alpha1 admin policies and v1alpha2 ClusterNetworkPolicies both select {POD}; "
                     "how an implementation orders the two APIs depends on the CNI")
    for tier in ("Admin", "Baseline"):
        by_priority: dict[int, list[str]] = {}
        for p in mine:
            if p.tier == tier:
                by_priority.setdefault(p.priority, []).append(p.id)
        notes += [f"not modelled: {' and '.join(ids)} select {POD} at the same priority {prio} in the {tier} tier; "
                  "the API leaves their order to the implementation"
                  for prio, ids in sorted(by_priority.items()) if len(ids) > 1]
    for p in mine:
        for rule in p.egress:
            names = [d for peer in rule.peers for d in peer.domain_names]
            if names:
                notes.append(f"not modelled: {p.id} egress[{rule.index}] matches domain names ({', '.join(names)}) by "
                             "the addresses given for them (resolve=, --resolve NAME=ADDRESS); the implementation "
                             "learns them from the DNS answers it sees")
    return notes


def domain_matches(pattern: str, name: str) -> bool:
    """An admin policy's domain name against a host name: exactly, or `*.example.com` for
    one or more labels before example.com (DomainName in apis/v1alpha2/clusternetworkpolicy_types.go)."""
    pattern, name = pattern.rstrip(".").lower(), name.rstrip(".").lower()
    if pattern.startswith("*."):
        return name.endswith(pattern[1:]) and len(name) > len(pattern) - 1
    return name == pattern
