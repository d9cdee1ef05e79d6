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

import fnmatch

from ..ciliumpolicy import CiliumPeer, CiliumPolicy, CiliumRule, identity_labels
from ..cluster import Cluster
from ..objects import External, Pod
from ..policy import ports_match
from ..selection import bits
from ..selector import LabelSelector
from ..verdict import RuleRef, SideVerdict, TierStep
from .base import Masks, Matchers

CLUSTER_ENTITIES = ("cluster", "all")
NODE_ENTITIES = ("host", "remote-node")


class CiliumPeers:
    """Cilium's peers over one version of a cluster: pods as bitsets, addresses by kind."""

    def __init__(self, cluster: Cluster, matchers: Matchers) -> None:
        pods = matchers.pods.pods if cluster.cilium_policies else []  # nothing to select without policies
        namespaces = {ns.name: ns.labels for ns in cluster.namespaces}
        self.identities = [None if p.host_network else identity_labels(p.namespace, p.labels, namespaces.get(p.namespace, {}))
                           for p in pods]
        self.host_pods = sum(1 << i for i, p in enumerate(pods) if p.host_network)
        self.all_pods = matchers.pods.all_pods
        self.node_ips = {ip for node in cluster.nodes for ip in node.ips}
        self.apiserver_ips = set(cluster.apiserver_ips)
        self.resolve = cluster.resolve
        self._selected: dict[LabelSelector, int] = {}

    def select(self, selector: LabelSelector) -> int:
        """The (non-host-network) pods whose identity labels `selector` matches."""
        hit = self._selected.get(selector)
        if hit is None:
            hit = self._selected[selector] = sum(
                1 << i for i, labels in enumerate(self.identities) if labels is not None and selector.matches(labels))
        return hit

    def pods_of(self, peer: CiliumPeer) -> int:
        if not peer.l3:
            return self.all_pods
        hit = 0
        for selector in peer.endpoints:
            hit |= self.select(selector)
        for entity in peer.entities:
            if entity in CLUSTER_ENTITIES:
                hit |= self.all_pods
            elif entity in NODE_ENTITIES:
                hit |= self.host_pods
        return hit  # CIDRs and FQDNs never select pods or in-cluster endpoints

    def admits_address(self, peer: CiliumPeer, ip: str) -> bool:
        """Whether `peer` means an address outside the pod network."""
        if not peer.l3:
            return True
        node, apiserver = ip in self.node_ips, ip in self.apiserver_ips
        for entity in peer.entities:
            if entity == "all" or (entity == "world" and not node and not apiserver) \
                    or (entity == "cluster" and node) or (entity in NODE_ENTITIES and node) \
                    or (entity == "kube-apiserver" and apiserver):
                return True
        if not node and not apiserver and any(b.contains(ip) for b in peer.cidrs):
            return True
        return any(ip in addresses for name, addresses in self.resolve.items() for key, text in peer.fqdns
                   if (name == text.rstrip(".").lower() if key == "matchName" else _pattern(text, name)))


def _pattern(pattern: str, name: str) -> bool:
    # matchPattern's `*` stands for DNS-name characters within one label or more; fnmatch's
    # `*` is the closest reading, and `*` alone matches every name.
    return fnmatch.fnmatchcase(name, pattern.rstrip(".").lower())


class CiliumRules:
    """The rules of one effect (allow or deny), per direction, with their subjects as bitsets."""

    def __init__(self, cluster: Cluster, matchers: Matchers, effect: str) -> None:
        self.matchers = matchers
        self.peers = CiliumPeers(cluster, matchers)
        self.effect = effect
        self.rules: dict[str, list[tuple[CiliumPolicy, CiliumRule, int, int]]] = {"ingress": [], "egress": []}
        self.isolated = {"ingress": 0, "egress": 0}
        for policy in cluster.cilium_policies:
            if policy.subject is None:
                continue  # host policies (nodeSelector) are not read
            subject = self.peers.select(policy.subject)
            for direction, isolates in policy.default_deny.items():
                if isolates:
                    self.isolated[direction] |= subject
            for rule in policy.rules:
                if rule.effect == effect and not rule.empty:
                    self.rules[rule.direction].append((policy, rule, subject, self.peers.pods_of(rule.peer)))

    def masks(self, direction: str, port: int, protocol: str) -> Masks:
        n = len(self.matchers.pods.pods)
        every = self.matchers.pods.all_pods
        matched = [0] * n
        if not self.rules[direction] and not self.isolated[direction]:
            return Masks(matched, matched)
        for _, rule, subject, peers in self.rules[direction]:
            admitted = self.matchers.ports.destinations(rule.ports, port, protocol)
            targets, hit = (subject & admitted, peers) if direction == "ingress" else (subject, peers & admitted)
            if targets and hit:
                for i in bits(targets):
                    matched[i] |= hit
        if self.effect == "deny":
            return Masks([0] * n, matched)
        isolated = self.isolated[direction]
        return Masks(matched, [every if (isolated >> i) & 1 else 0 for i in range(n)])

    def matching(self, direction: str, end: Pod, other: Pod | External, port: int, protocol: str):
        """The rules of `end`'s side that match a connection with `other`."""
        index = self.matchers.pods.index
        end_bit = 1 << index[end.id]
        dst = end if direction == "ingress" else other
        named = self.matchers.ports.pod_named[index[dst.id]] if isinstance(dst, Pod) else None
        for policy, rule, subject, peers in self.rules[direction]:
            if not subject & end_bit or not ports_match(rule.ports, port, protocol, named):
                continue
            if (bool(peers & (1 << index[other.id])) if isinstance(other, Pod)
                    else self.peers.admits_address(rule.peer, other.ip)):
                yield policy, rule


class CiliumAllows(CiliumRules):
    """Allow rules and default deny: the part of Cilium that joins NetworkPolicy's layer."""

    def __init__(self, cluster: Cluster, matchers: Matchers) -> None:
        super().__init__(cluster, matchers, "allow")
        self.policies = cluster.cilium_policies

    def side(self, direction: str, end: Pod, other: Pod | External, port: int, protocol: str) -> SideVerdict:
        i = self.matchers.pods.index[end.id]
        isolating = tuple(p.id for p in self.policies if p.subject is not None and p.default_deny.get(direction)
                          and (self.peers.select(p.subject) >> i) & 1)
        refs, notes = [], []
        for policy, rule in self.matching(direction, end, other, port, protocol):
            refs.append(RuleRef(policy.id, rule.section, rule.index))
            if rule.layer7:
                notes.append(f"layer 7 not modelled: {policy.id} {rule.section}[{rule.index}] has {', '.join(rule.layer7)} "
                             "rules; allowed here at layer 4")
        return SideVerdict(direction, end.id, True, others=isolating, allowed_by=tuple(refs), notes=tuple(notes))


class CiliumDenies(CiliumRules):
    """ingressDeny and egressDeny: what they match is denied, whatever allows it."""

    def __init__(self, cluster: Cluster, matchers: Matchers) -> None:
        super().__init__(cluster, matchers, "deny")

    def side(self, direction: str, end: Pod, other: Pod | External, port: int, protocol: str) -> SideVerdict:
        for policy, rule in self.matching(direction, end, other, port, protocol):
            step = TierStep("Cilium deny", policy.id, rule.section, rule.index, "", "Deny", "deny")
            return SideVerdict(direction, end.id, True, tier_steps=(step,), decided_by=step)
        return SideVerdict(direction, end.id, True)


def compile_cilium_allows(cluster: Cluster, matchers: Matchers) -> CiliumAllows:
    return CiliumAllows(cluster, matchers)


def compile_cilium_denies(cluster: Cluster, matchers: Matchers) -> CiliumDenies:
    return CiliumDenies(cluster, matchers)


def cilium_caveats(cluster: Cluster, end: Pod | External) -> list[str]:
    """What the model does not read of Cilium's policies, for a verdict on `end`."""
    if not cluster.cilium_policies:
        return []
    notes = []
    node_ips = {ip for node in cluster.nodes for ip in node.ips}
    on_host = end.host_network if isinstance(end, Pod) else end.ip in node_ips
    for policy in cluster.cilium_policies:
        if policy.subject is None and on_host:
            notes.append(f"not modelled: {policy.id} is a host policy (nodeSelector), which this model does not read")
        if isinstance(end, External):
            notes += _fqdn_notes(cluster, policy, end.ip)
    if cluster.admin_policies:
        notes.append("not modelled: Cilium's policies beside AdminNetworkPolicy/ClusterNetworkPolicy: how the two combine "
                     "depends on the CNI (Cilium itself does not implement the admin policies)")
    return notes


def _fqdn_notes(cluster: Cluster, policy: CiliumPolicy, ip: str) -> list[str]:
    fqdns = [f for r in policy.rules for f in r.peer.fqdns]
    if not fqdns:
        return []
    def names(key: str, text: str) -> list[str]:
        return [n for n in cluster.resolve if (n == text.rstrip(".").lower() if key == "matchName" else _pattern(text, n))]
    unknown = [text for key, text in fqdns if not names(key, text)]
    notes = [f"not modelled: {policy.id} names {', '.join(unknown)} (toFQDNs), whose addresses the model was not given "
             "(resolve=, --resolve NAME=ADDRESS)"] if unknown else []
    if any(ip in cluster.resolve[n] for key, text in fqdns for n in names(key, text)):
        notes.append(f"not modelled: {policy.id} allows {ip} by name (toFQDNs); Cilium enforces that only for addresses "
                     "its DNS proxy saw looked up, so a DNS rule with `rules: dns` must let the lookups through")
    return notes
