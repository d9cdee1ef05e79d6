"""Cilium's rules (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy) in the shapes the
witnesses of NetworkPolicy rules are made from (`witness`), and the judge that says, the
way Cilium reads the rule, which made pods and addresses the whole rule admits.

* Each endpoint selector of fromEndpoints/toEndpoints becomes a NetworkPolicy peer: its pod
  labels a podSelector, `io.kubernetes.pod.namespace` a namespaceSelector on the namespace's
  name label, `io.cilium.k8s.namespace.labels.KEY` a namespaceSelector on KEY (the reader has
  dropped the `k8s:` prefixes). A selector with no namespace term means every namespace (a
  CCNP's); one whose only namespace term is the CNP's own namespace (the reader adds it to
  every selector that names none) means that namespace, as a peer without namespaceSelector.
* Each CIDR (fromCIDR, toCIDR, toCIDRSet with its except) becomes an ipBlock peer.
* Entities (world, cluster, host, remote-node, kube-apiserver, all ...) and toFQDNs get no
  witness: they name the nodes, the API server or the world outside, which the report
  already shows as such endpoints, never a pod a label or a namespace could make.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Iterator, Mapping

from ..net import NAME_LABEL, Cluster, LabelSelector, NetworkPolicy, Peer, Pod, Rule
from ..net.ciliumpolicy import NAMESPACE_KEY, NAMESPACE_LABEL_PREFIX, CiliumPolicy, CiliumRule, identity_labels

# Identity labels Cilium gives an endpoint that the model gives no pod (its service account,
# its cluster), and other label sources (reserved:, cidr:): a pod labelled so would be
# admitted by the model's reading alone, so selectors with such keys get no witness.
UNMODELLED_PREFIX = "io.cilium.k8s.policy."
# Entities that admit every pod, so no pod can be an outsider of a rule that names one.
POD_ENTITIES = ("cluster", "all")
# Entities that admit addresses outside the cluster, so no address is an outsider there.
ADDRESS_ENTITIES = ("world", "cluster", "all")


def _namespace_key(key: str) -> str | None:
    """The namespace label a Cilium key means, or None for a pod label."""
    if key == NAMESPACE_KEY:
        return NAME_LABEL
    if key.startswith(NAMESPACE_LABEL_PREFIX):
        return key[len(NAMESPACE_LABEL_PREFIX):]
    return None


def as_peer(selector: LabelSelector, namespace: str | None) -> Peer | None:
    """A Cilium endpoint selector of a policy in `namespace` (None: cluster-wide) as a
    NetworkPolicy peer that admits the same pods, or None when no peer can say it."""
    keys = [key for key, _ in selector.match_labels] + [req.key for req in selector.match_expressions]
    if any(":" in key or key.startswith(UNMODELLED_PREFIX) for key in keys):
        return None
    pod_labels, ns_labels, pod_terms, ns_terms = [], [], [], []
    for key, value in selector.match_labels:
        ns_key = _namespace_key(key)
        (pod_labels if ns_key is None else ns_labels).append((ns_key or key, value))
    for req in selector.match_expressions:
        ns_key = _namespace_key(req.key)
        (pod_terms if ns_key is None else ns_terms).append(req if ns_key is None else replace(req, key=ns_key))
    pods = LabelSelector(tuple(sorted(pod_labels)), tuple(pod_terms))
    if not ns_labels and not ns_terms:
        return Peer(pod_selector=pods, namespace_selector=LabelSelector())
    if namespace is not None and ns_labels == [(NAME_LABEL, namespace)] and not ns_terms:
        return Peer(pod_selector=pods)
    return Peer(pod_selector=pods, namespace_selector=LabelSelector(tuple(sorted(ns_labels)), tuple(ns_terms)))


class CiliumJudge:
    """One Cilium rule, read as `witness` asks of a rule: which pods a peer admits, whether
    the whole rule refuses a pod or an address, and the NetworkPolicy shapes of its peers."""

    def __init__(self, policy: CiliumPolicy, rule: CiliumRule) -> None:
        self.policy, self.rule = policy, rule
        self.label = f"{policy.id} {rule.section}[{rule.index}]"
        self.verb = "denied by" if rule.effect == "deny" else "admitted by"
        side = "from" if rule.direction == "ingress" else "to"
        self.selectors: dict[Peer, LabelSelector] = {}
        self.peers: list[tuple[str, Peer]] = []  # (where, peer)
        for j, selector in enumerate(rule.peer.endpoints):
            peer = as_peer(selector, policy.namespace)
            if peer is not None:
                self.selectors.setdefault(peer, selector)
                self.peers.append((f"{self.label} {side}Endpoints[{j}]", peer))
        self.peers += [(f"{self.label} {side}CIDR {block.cidr}", Peer(ip_block=block)) for block in rule.peer.cidrs]
        self.shaped = NetworkPolicy(policy.namespace or "", policy.name, LabelSelector(), (), ())
        self.v1 = Rule(tuple(peer for _, peer in self.peers), rule.ports)

    def admits_pod(self, peer: Peer, pod: Pod, cluster: Cluster) -> bool:
        """Whether Cilium's selector behind `peer` selects `pod` (never a host-network pod)."""
        selector = self.selectors.get(peer)
        return (selector is not None and not pod.host_network
                and selector.matches(_identity(cluster, pod.namespace, pod.labels)))

    def refuses(self, namespace: str, labels: Mapping[str, str], cluster: Cluster) -> bool:
        """No part of the rule admits a (non-host-network) pod with `labels` in `namespace`:
        CIDRs and FQDNs never select pods, entities other than cluster/all select none."""
        peer = self.rule.peer
        if not peer.l3 or any(e in POD_ENTITIES for e in peer.entities):
            return False
        identity = _identity(cluster, namespace, labels)
        return not any(s.matches(identity) for s in peer.endpoints)

    def refuses_address(self, ip: str, cluster: Cluster) -> bool:
        """No part of the rule admits the outside address `ip`."""
        peer = self.rule.peer
        if not peer.l3 or any(e in ADDRESS_ENTITIES for e in peer.entities):
            return False
        if peer.fqdns and any(ip in addresses for addresses in cluster.resolve.values()):
            return False  # a name the rule allows may resolve to it
        return not any(b.contains(ip) for b in peer.cidrs)


def _identity(cluster: Cluster, namespace: str, labels: Mapping[str, str]) -> dict[str, str]:
    ns = cluster.namespace(namespace)
    return identity_labels(namespace, labels, ns.labels if ns is not None else {})


def cilium_judges(cluster: Cluster) -> Iterator[CiliumJudge]:
    """A judge for every rule of the cluster's Cilium policies that names peers; host
    policies (nodeSelector) are not read, so their rules get none."""
    for policy in cluster.cilium_policies:
        if policy.subject is None:
            continue
        for rule in policy.rules:
            if rule.empty or not rule.peer.l3:
                continue  # a rule of ports alone admits every peer: nothing is outside it
            yield CiliumJudge(policy, rule)

