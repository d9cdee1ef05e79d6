"""Cilium's own policies (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy) compiled
the way Cilium enforces them beside NetworkPolicy (Documentation/security/policy/
intro.rst and language.rst of cilium/cilium; the truth tables in tests/data/cilium/):
- allows add to NetworkPolicy's: the `Cilium` kind shares NetworkPolicy's layer, so an
  endpoint isolated by either is allowed what any rule of either allows;
- an endpoint selected by a policy with rules in a direction is default-deny in it, unless
  the policy says `enableDefaultDeny: {DIRECTION: false}`;
- deny rules (ingressDeny, egressDeny) win over every allow: the `CiliumDeny` kind comes first.
Peers: endpoint selectors match pods (never host-network pods: those are the `host` and
`remote-node` entities); entities, CIDRs and FQDNs match addresses as `peers_of` says.
"""
from __future__ import annotations

import weakref
from functools import cached_property

from ..ciliumpolicy import CiliumPeer, CiliumPolicy, CiliumRule, identity_labels, name_matches
from ..cluster import Cluster
from ..objects import External, Pod
from ..policy import ports_match
from ..selection import bits
from ..selector import LabelSelector
from ..verdict import RuleRef, SideVerdict, TierStep
from .base import Masks, Matchers

CLUSTER_ENTITIES = ("cluster", "all")


class CiliumPeers:
    """Cilium's peers over one version of a cluster: pods as bitsets, addresses by kind.
    `host` and `remote-node` are relative to the subject pod's node (spec.nodeName); for a
    pod whose node is not known, both mean every node."""

    def __init__(self, cluster: Cluster, matchers: Matchers) -> None:
        pods = matchers.pods.pods if cluster.cilium_policies else []  # nothing to select without policies
        namespaces = {ns.name: ns.labels for ns in cluster.namespaces}
        self.pods = pods
        self.identities = [None if p.host_network else identity_labels(p.namespace, p.labels, namespaces.get(p.namespace, {}))
                           for p in pods]
        self.host_pods = sum(1 << i for i, p in enumerate(pods) if p.host_network)
        self.all_pods = matchers.pods.all_pods
        self.node_ips, self.ips_of_node = matchers.peers.node_ips, matchers.peers.ips_of_node
        self.apiserver_ips = matchers.peers.apiserver_ips
        # policy-cidr-match-mode: nodes (a cilium profile option) lets CIDR rules select nodes and the API server.
        dataplane = matchers.dataplane
        self.cidr_selects_nodes = dataplane.cni == "cilium" and bool(dataplane.ipblock_hosts)
        self.resolve = cluster.resolve
        self._selected: dict[LabelSelector, int] = {}
        self._on_node: dict[str, int] = {}

    def select(self, selector: LabelSelector) -> int:
        """The (non-host-network) pods whose identity labels `selector` matches."""
        hit = self._selected.get(selector)
        if hit is None:
            hit = self._selected[selector] = sum(
                1 << i for i, labels in enumerate(self.identities) if labels is not None and selector.matches(labels))
        return hit

    def pods_of(self, peer: CiliumPeer) -> int:
        """The pods a peer means wherever its subject runs (node-relative entities: `node_pods`)."""
        if not peer.l3:
            return self.all_pods
        hit = 0
        for selector in peer.endpoints:
            hit |= self.select(selector)
        if any(e in CLUSTER_ENTITIES for e in peer.entities):
            hit |= self.all_pods
        if self.cidr_selects_nodes and peer.cidrs:
            # Host-network pods are their node: CIDRs select them by its addresses (or their own, as given).
            hit |= sum(1 << i for i, p in enumerate(self.pods) if p.host_network and any(
                b.contains(ip) for b in peer.cidrs for ip in self.ips_of_node.get(p.node) or p.ips))
        return hit  # otherwise CIDRs and FQDNs never select pods or in-cluster endpoints

    def node_pods(self, peer: CiliumPeer, node: str) -> int:
        """The host-network pods `host`/`remote-node` mean for a subject on `node`."""
        host, remote = "host" in peer.entities, "remote-node" in peer.entities
        if not (host or remote):
            return 0
        if not node or (host and remote):
            return self.host_pods
        on = self._on_node.get(node)
        if on is None:
            on = self._on_node[node] = sum(1 << i for i, p in enumerate(self.pods) if p.host_network and p.node == node)
        return on if host else self.host_pods & ~on

    def entity_admits(self, peer: CiliumPeer, ip: str, node: str) -> bool:
        is_node, apiserver = ip in self.node_ips, ip in self.apiserver_ips
        local = ip in self.ips_of_node.get(node, frozenset()) if node else is_node
        remote = is_node and (not node or not local)
        return any(entity == "all" or (entity == "world" and not is_node and not apiserver)
                   or (entity == "cluster" and is_node) or (entity == "kube-apiserver" and apiserver)
                   or (entity == "host" and is_node and local) or (entity == "remote-node" and remote)
                   for entity in peer.entities)

    def cidr_admits(self, peer: CiliumPeer, ip: str) -> bool:
        # CIDR rules see only what lies outside the cluster: not pods, nodes or an API server on them.
        inside = not self.cidr_selects_nodes and (ip in self.node_ips or ip in self.apiserver_ips)
        return not inside and any(b.contains(ip) for b in peer.cidrs)

    def fqdn_admits(self, peer: CiliumPeer, ip: str, visible: tuple[tuple[str, str], ...]) -> bool:
        """Whether a name that resolves to `ip` matches the peer's toFQDNs and one of the
        `visible` DNS-rule selectors, so that Cilium's DNS proxy saw it looked up."""
        return any(ip in addresses for name, addresses in self.resolve.items()
                   if any(name_matches(k, t, name) for k, t in peer.fqdns)
                   and any(name_matches(k, t, name) for k, t in visible))


class CiliumRules:
    """The rules of one effect (allow or deny), per direction, with their subjects as bitsets."""

    def __init__(self, cluster: Cluster, matchers: Matchers, effect: str) -> None:
        self.matchers = matchers
        self._cluster = cluster
        self.effect = effect
        self.rules: dict[str, list[tuple[CiliumPolicy, CiliumRule, int, int]]] = {"ingress": [], "egress": []}
        self.isolated = {"ingress": 0, "egress": 0}
        self._dns: list[tuple[int, tuple[tuple[str, str], ...]]] = []  # (subject, DNS-rule selectors)
        for policy in cluster.cilium_policies:
            if policy.subject is None:
                continue  # host policies (nodeSelector) are not read
            subject = self.peers.select(policy.subject)
            for direction, isolates in policy.default_deny.items():
                if isolates:
                    self.isolated[direction] |= subject
            self._dns += [(subject, rule.dns) for rule in policy.rules if rule.dns and rule.effect == "allow"]
            for rule in policy.rules:
                if rule.effect == effect and not rule.empty:
                    self.rules[rule.direction].append((policy, rule, subject, self.peers.pods_of(rule.peer)))

    # Read by the rules alone: a cluster without Cilium's policies (most) never makes it.
    @cached_property
    def peers(self) -> CiliumPeers:
        return _shared_peers(self._cluster, self.matchers)

    def visible(self, i: int) -> tuple[tuple[str, str], ...]:
        """The names pod i's DNS rules let through (and so Cilium's DNS proxy sees)."""
        return tuple(sel for subject, dns in self._dns if (subject >> i) & 1 for sel in dns)

    def masks(self, direction: str, port: int, protocol: str) -> Masks:
        n = len(self.matchers.pods.pods)
        every = self.matchers.pods.all_pods
        matched = [0] * n
        if not self.rules[direction] and not self.isolated[direction]:
            return Masks(matched, matched)
        pods = self.matchers.pods.pods
        for _, rule, subject, peers in self.rules[direction]:
            admitted = self.matchers.ports.destinations(rule.ports, port, protocol)
            targets = subject & admitted if direction == "ingress" else subject
            for i in bits(targets):
                hit = peers | self.peers.node_pods(rule.peer, pods[i].node)
                matched[i] |= hit if direction == "ingress" else hit & admitted
        if self.effect == "deny":
            return Masks([0] * n, matched)
        isolated = self.isolated[direction]
        return Masks(matched, [every if (isolated >> i) & 1 else 0 for i in range(n)])

    def line(self, direction: str, i: int, as_peer: bool, port: int, protocol: str) -> tuple[int, int]:
        """(allow, decided) of `masks` for one pod: its row, or with `as_peer` its column."""
        ingress = direction == "ingress"
        pods = self.matchers.pods.pods
        isolated = self.isolated[direction]
        matched = 0
        for _, rule, subject, peers in self.rules[direction]:
            admitted = self.matchers.ports.destinations(rule.ports, port, protocol)
            targets = subject & admitted if ingress else subject
            if not as_peer:
                if (targets >> i) & 1:
                    hit = peers | self.peers.node_pods(rule.peer, pods[i].node)
                    matched |= hit if ingress else hit & admitted
            elif ingress or (admitted >> i) & 1:
                if (peers >> i) & 1:
                    matched |= targets
                elif (self.peers.host_pods >> i) & 1:  # `host`/`remote-node` depend on each subject's node
                    matched |= sum(1 << j for j in bits(targets & ~matched)
                                   if (self.peers.node_pods(rule.peer, pods[j].node) >> i) & 1)
        if self.effect == "deny":
            return 0, matched
        if as_peer:
            return matched, isolated
        return matched, self.matchers.pods.all_pods if (isolated >> i) & 1 else 0

    def matching(self, direction: str, end: Pod, other: Pod | External, port: int, protocol: str):
        """The rules of `end`'s side that match a connection with `other`, and whether by name (toFQDNs)."""
        index = self.matchers.pods.index
        i = index[end.id]
        dst = end if direction == "ingress" else other
        named = self.matchers.ports.pod_named[index[dst.id]] if isinstance(dst, Pod) else None
        for policy, rule, subject, peers in self.rules[direction]:
            if not (subject >> i) & 1 or not ports_match(rule.ports, port, protocol, named):
                continue
            if isinstance(other, Pod):
                if ((peers | self.peers.node_pods(rule.peer, end.node)) >> index[other.id]) & 1:
                    yield policy, rule, False
            elif not rule.peer.l3 or self.peers.entity_admits(rule.peer, other.ip, end.node) \
                    or self.peers.cidr_admits(rule.peer, other.ip):
                yield policy, rule, False
            elif self.peers.fqdn_admits(rule.peer, other.ip, self.visible(i)):
                yield policy, rule, True


class CiliumAllows(CiliumRules):
    """Allow rules and default deny: the part of Cilium that joins NetworkPolicy's layer."""

    def __init__(self, cluster: Cluster, matchers: Matchers) -> None:
        super().__init__(cluster, matchers, "allow")
        self.policies = cluster.cilium_policies

    def isolating(self, i: int, direction: str) -> tuple[str, ...]:
        """The ids of the policies that put pod i in default deny for `direction`."""
        return tuple(p.id for p in self.policies if p.subject is not None and p.default_deny.get(direction)
                     and (self.peers.select(p.subject) >> i) & 1)

    def side(self, direction: str, end: Pod, other: Pod | External, port: int, protocol: str) -> SideVerdict:
        i = self.matchers.pods.index[end.id]
        isolating = self.isolating(i, direction)
        refs, notes = [], []
        for policy, rule, by_name in self.matching(direction, end, other, port, protocol):
            refs.append(RuleRef(policy.id, rule.section, rule.index))
            if rule.layer7:
                notes.append(f"layer 7 not modelled: {policy.id} {rule.section}[{rule.index}] has {', '.join(rule.layer7)} "
                             "rules; allowed here at layer 4")
            if by_name:
                notes.append(f"toFQDNs: allowed only for addresses Cilium's DNS proxy saw in the answer to the lookup "
                             f"({policy.id} {rule.section}[{rule.index}])")
        if isinstance(other, External) and direction == "egress" and not self.visible(i) and any(
                rule.peer.fqdns and (subject >> i) & 1 for _, rule, subject, _ in self.rules["egress"]):
            notes.append("toFQDNs without a DNS rule: Cilium's DNS proxy never sees the lookup, so the names allow nothing")
        return SideVerdict(direction, end.id, True, others=isolating, allowed_by=tuple(refs), notes=tuple(notes))


class CiliumDenies(CiliumRules):
    """ingressDeny and egressDeny: what they match is denied, whatever allows it."""

    def __init__(self, cluster: Cluster, matchers: Matchers) -> None:
        super().__init__(cluster, matchers, "deny")

    def side(self, direction: str, end: Pod, other: Pod | External, port: int, protocol: str) -> SideVerdict:
        for policy, rule, _ in self.matching(direction, end, other, port, protocol):
            step = TierStep("Cilium deny", policy.id, rule.section, rule.index, "", "Deny", "deny")
            return SideVerdict(direction, end.id, True, tier_steps=(step,), decided_by=step)
        return SideVerdict(direction, end.id, True)


_PEERS: "weakref.WeakKeyDictionary[Matchers, CiliumPeers]" = weakref.WeakKeyDictionary()


def _shared_peers(cluster: Cluster, matchers: Matchers) -> CiliumPeers:
    """One CiliumPeers per compiled cluster: the allows and the denies select the same pods."""
    peers = _PEERS.get(matchers)
    if peers is None:
        peers = _PEERS[matchers] = CiliumPeers(cluster, matchers)
    return peers


def compile_cilium_allows(cluster: Cluster, matchers: Matchers) -> CiliumAllows:
    return CiliumAllows(cluster, matchers)


def compile_cilium_denies(cluster: Cluster, matchers: Matchers) -> CiliumDenies:
    return CiliumDenies(cluster, matchers)


def cilium_caveats(cluster: Cluster, end: Pod | External) -> list[str]:
    """What the model does not read of Cilium's policies, for a verdict on `end`."""
    if not cluster.cilium_policies:
        return []
    notes = []
    on_host = end.host_network if isinstance(end, Pod) else any(end.ip in node.ips for node in cluster.nodes)
    for policy in cluster.cilium_policies:
        if policy.subject is None and on_host:
            notes.append(f"not modelled: {policy.id} is a host policy (nodeSelector), which this model does not read")
        if not isinstance(end, External):
            continue
        unknown = [t for r in policy.rules for k, t in r.peer.fqdns
                   if not any(name_matches(k, t, name) for name in cluster.resolve)]
        if unknown:
            notes.append(f"not modelled: {policy.id} names {', '.join(unknown)} (toFQDNs), whose addresses the model "
                         "was not given (resolve=, --resolve NAME=ADDRESS)")
    if cluster.admin_policies:
        notes.append("not modelled: Cilium's policies beside AdminNetworkPolicy/ClusterNetworkPolicy: how the two combine "
                     "depends on the CNI (Cilium itself does not implement the admin policies)")
    return notes
