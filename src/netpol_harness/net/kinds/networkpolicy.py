"""NetworkPolicy (networking.k8s.io/v1) compiled: each policy's selected pods, each rule's
peers and, per port and protocol, the destinations its ports admit, all as pod bitsets.

A pod is isolated for a direction when a policy with that policyType selects it. Its
connections in that direction are then allowed when a rule of one of those policies admits
both the peer and the port (rules and policies add up), and denied otherwise. A pod that no
policy isolates is not ruled on here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..cluster import Cluster, External, Pod
from ..peers import PeerMatcher
from ..policy import NetworkPolicy, Rule, ports_match
from ..selection import SMALL_CLUSTER, bits
from ..verdict import Context, RuleRef, SideVerdict, api_admits
from .base import Masks, Matchers


# Per-pod questions (sides, lines) answered from the pod's namespace before the per-pod
# policy lists are made for every pod: those cost a pass over each policy's pods.
PODS_BEFORE_LISTS = 256
_POLICY_TYPE = {"ingress": "Ingress", "egress": "Egress"}  # as policyTypes write them


@dataclass
class CompiledRule:
    ref: RuleRef
    rule: Rule
    all_peers: bool
    ip_blocks: tuple  # IPBlocks, for judging External addresses
    dst_masks: dict  # (port, protocol) -> bitset of destination pods whose ports match
    namespace: str = ""  # the policy's, which a peer without namespaceSelector means
    peers_of: PeerMatcher | None = field(default=None, repr=False, compare=False)
    _peer_pods: int | None = field(default=None, repr=False, compare=False)

    @property
    def peer_pods(self) -> int:
        """Bitset of pods matched by the peers (includes ipBlock matches when enabled), worked
        out when first read: a question about a few pods asks `admits` instead."""
        if self._peer_pods is None:
            assert self.peers_of is not None
            self._peer_pods = self.peers_of.rule_peers(self.rule.peers, self.namespace, self.ref.direction)[0]
        return self._peer_pods

    def admits(self, i: int) -> bool:
        """Whether pod i is one of `peer_pods`."""
        if self._peer_pods is not None or self.peers_of is None:
            return bool((self.peer_pods >> i) & 1)
        return self.peers_of.admits_pod(self.rule.peers, self.namespace, self.ref.direction, i)


@dataclass
class CompiledPolicy:
    policy: NetworkPolicy
    selected: int
    matchers: Matchers | None = field(default=None, repr=False, compare=False)
    _selected_idx: list[int] | None = field(default=None, repr=False, compare=False)
    _rules: tuple[list[CompiledRule], list[CompiledRule]] | None = field(default=None, repr=False, compare=False)

    @property
    def selected_idx(self) -> list[int]:
        if self._selected_idx is None:
            self._selected_idx = bits(self.selected)
        return self._selected_idx

    # The rules are compiled when first read: a pod's column asks every policy only whether
    # a rule admits that pod (`admits`), and reads the few that do.
    @property
    def ingress(self) -> list[CompiledRule]:
        return self._compiled()[0]

    @property
    def egress(self) -> list[CompiledRule]:
        return self._compiled()[1]

    def _compiled(self) -> tuple[list[CompiledRule], list[CompiledRule]]:
        if self._rules is None:
            policy, matchers = self.policy, self.matchers
            assert matchers is not None
            self._rules = ([_compile_rule(policy, "ingress", k, r, matchers) for k, r in enumerate(policy.ingress)],
                           [_compile_rule(policy, "egress", k, r, matchers) for k, r in enumerate(policy.egress)])
        return self._rules

    def admits(self, direction: str, k: int, i: int) -> bool:
        """Whether rule k of `direction` admits pod i as its peer."""
        if self._rules is not None:
            return self._rules[direction == "egress"][k].admits(i)
        assert self.matchers is not None
        rule = (self.policy.ingress if direction == "ingress" else self.policy.egress)[k]
        return self.matchers.peers.admits_pod(rule.peers, self.policy.namespace, direction, i)


def compile_networkpolicies(cluster: Cluster, matchers: Matchers) -> "NetworkPolicies":
    return NetworkPolicies([compile_policy(policy, matchers) for policy in cluster.policies], matchers)


def compile_policy(policy: NetworkPolicy, matchers: Matchers) -> CompiledPolicy:
    selected = matchers.pods.select_pods(policy.pod_selector) & matchers.pods.in_namespace(policy.namespace)
    return CompiledPolicy(policy, selected, matchers)


def _compile_rule(policy: NetworkPolicy, direction: str, index: int, rule: Rule, matchers: Matchers) -> CompiledRule:
    blocks = tuple(p.ip_block for p in rule.peers if p.ip_block is not None)
    return CompiledRule(RuleRef(policy.id, direction, index), rule, not rule.peers, blocks, {}, policy.namespace,
                        matchers.peers)


class NetworkPolicies:
    """The compiled NetworkPolicies of a cluster, and which pods each selects and isolates."""

    def __init__(self, policies: list[CompiledPolicy], matchers: Matchers) -> None:
        self.matchers = matchers
        self.policies = policies
        self._context: Context | None = None  # for reading peers as the API does, beside the profile
        self._per_pod: tuple[list[list[CompiledPolicy]], ...] | None = None
        self._asked = 0
        self.ingress_isolated = 0
        self.egress_isolated = 0
        self._in_namespace: dict[str, list[CompiledPolicy]] = {}
        for cp in policies:
            self._in_namespace.setdefault(cp.policy.namespace, []).append(cp)
            if cp.policy.affects_ingress:
                self.ingress_isolated |= cp.selected
            if cp.policy.affects_egress:
                self.egress_isolated |= cp.selected

    # Per pod, the policies that select it, and those that isolate it for ingress and egress:
    # listed for every pod when first read (a verdict's side, the lints), not for a pod's line.
    @property
    def selecting(self) -> list[list[CompiledPolicy]]:
        return self._lists()[0]

    @property
    def ingress_of(self) -> list[list[CompiledPolicy]]:
        return self._lists()[1]

    @property
    def egress_of(self) -> list[list[CompiledPolicy]]:
        return self._lists()[2]

    def _lists(self) -> tuple[list[list[CompiledPolicy]], ...]:
        if self._per_pod is None:
            n = len(self.matchers.pods.pods)
            selecting: list[list[CompiledPolicy]] = [[] for _ in range(n)]
            ingress_of: list[list[CompiledPolicy]] = [[] for _ in range(n)]
            egress_of: list[list[CompiledPolicy]] = [[] for _ in range(n)]
            for cp in self.policies:
                for i in cp.selected_idx:
                    selecting[i].append(cp)
                if cp.policy.affects_ingress:
                    for i in cp.selected_idx:
                        ingress_of[i].append(cp)
                if cp.policy.affects_egress:
                    for i in cp.selected_idx:
                        egress_of[i].append(cp)
            self._per_pod = (selecting, ingress_of, egress_of)
        return self._per_pod

    def _of(self, i: int, which: int) -> list[CompiledPolicy]:
        """`selecting[i]` (0), `ingress_of[i]` (1) or `egress_of[i]` (2): from the policies of
        i's namespace (a NetworkPolicy selects no pod elsewhere) while few pods have been asked
        about, from the lists for every pod once many have."""
        if self._per_pod is None:
            self._asked += 1
            # A small cluster's lists cost less than a few pods' answers from the namespace.
            if self._asked > PODS_BEFORE_LISTS or len(self.matchers.pods.pods) <= SMALL_CLUSTER:
                self._lists()
        if self._per_pod is not None:
            return self._per_pod[which][i]
        affects = (None, "affects_ingress", "affects_egress")[which]
        return [cp for cp in self._in_namespace.get(self.matchers.pods.pods[i].namespace, ())
                if (affects is None or getattr(cp.policy, affects)) and (cp.selected >> i) & 1]

    def masks(self, direction: str, port: int, protocol: str) -> Masks:
        every, n = self.matchers.pods.all_pods, len(self.matchers.pods.pods)
        isolated = self.ingress_isolated if direction == "ingress" else self.egress_isolated
        decided = [every if (isolated >> i) & 1 else 0 for i in range(n)]
        allow = [0] * n
        if direction == "ingress":
            self._ingress_allows(allow, port, protocol)
        else:
            self._egress_allows(allow, port, protocol)
        return Masks(allow, decided)

    def _ingress_allows(self, allow: list[int], port: int, protocol: str) -> None:
        for cp in self.policies:
            if cp.policy.affects_ingress and cp.selected:
                for crule in cp.ingress:
                    targets = cp.selected & self._destinations(crule, port, protocol)
                    if targets and crule.peer_pods:
                        peers = crule.peer_pods
                        for i in bits(targets):
                            allow[i] |= peers

    def _egress_allows(self, allow: list[int], port: int, protocol: str) -> None:
        for cp in self.policies:
            if cp.policy.affects_egress and cp.selected:
                allowed = 0
                for crule in cp.egress:
                    allowed |= crule.peer_pods & self._destinations(crule, port, protocol)
                if allowed:
                    for i in cp.selected_idx:
                        allow[i] |= allowed

    def line(self, direction: str, i: int, as_peer: bool, port: int, protocol: str) -> tuple[int, int]:
        """(allow, decided) of `masks` for one pod: its own row (the peers its side rules on),
        or with `as_peer` its column (the pods whose side rules on it as their peer)."""
        ingress = direction == "ingress"
        isolated = self.ingress_isolated if ingress else self.egress_isolated
        allow = 0
        if not as_peer:
            for cp in self._of(i, 1 if ingress else 2):
                for crule in (cp.ingress if ingress else cp.egress):
                    if not ingress:
                        allow |= crule.peer_pods & self._destinations(crule, port, protocol)
                    elif (self._destinations(crule, port, protocol) >> i) & 1:
                        allow |= crule.peer_pods
            return allow, self.matchers.pods.all_pods if (isolated >> i) & 1 else 0
        for cp in self.policies:
            if not cp.selected or not (cp.policy.affects_ingress if ingress else cp.policy.affects_egress):
                continue
            for k in range(len(cp.policy.ingress if ingress else cp.policy.egress)):
                if not cp.admits(direction, k, i):
                    continue
                crule = (cp.ingress if ingress else cp.egress)[k]
                if ingress:
                    allow |= cp.selected & self._destinations(crule, port, protocol)
                elif (self._destinations(crule, port, protocol) >> i) & 1:
                    allow |= cp.selected
                    break
        return allow, isolated

    def _destinations(self, crule: CompiledRule, port: int, protocol: str) -> int:
        """Destination pods for which the rule's ports admit port/protocol."""
        key = (port, protocol)
        mask = crule.dst_masks.get(key)
        if mask is None:
            mask = crule.dst_masks[key] = self.matchers.ports.destinations(crule.rule.ports, port, protocol)
        return mask

    def side(self, direction: str, end: Pod, other: Pod | External, port: int, protocol: str) -> SideVerdict:
        index = self.matchers.pods.index
        end_id = end.id
        i = index[end_id]
        policies = self._of(i, 1 if direction == "ingress" else 2)
        selecting = self._of(i, 0)
        if selecting:
            policy_type = _POLICY_TYPE[direction]
            bystanders = tuple(cp.policy for cp in selecting if policy_type not in cp.policy.policy_types)
        else:
            bystanders = ()
        if not policies:
            return SideVerdict(direction, end_id, True, bystanders=bystanders)
        # Ports are always resolved on the destination: the selected pod for ingress, the peer for egress.
        ingress = direction == "ingress"
        dst = end if ingress else other
        named = self.matchers.ports.pod_named[index[dst.id]] if isinstance(dst, Pod) else None
        other_pod = isinstance(other, Pod)
        other_bit = 1 << index[other.id] if other_pod else 0
        peers = self.matchers.peers
        hits, notes = [], []
        # A profile reads a peer otherwise than the API only for host traffic or an ipBlock.
        departs = not peers.dataplane.is_api
        host = departs and (other.host_network if other_pod else peers.is_host_address(other.ip))
        for cp in policies:
            for crule in cp._compiled()[0 if ingress else 1]:  # the property per rule costs a call more
                if not ports_match(crule.rule.ports, port, protocol, named):
                    continue
                if other_pod:
                    peer_ok = bool(crule.peer_pods & other_bit)
                else:
                    peer_ok = peers.admits_address(crule.rule.peers, crule.all_peers, crule.ip_blocks, other.ip, direction)
                if peer_ok:
                    hits.append(crule.ref)
                    notes += self._range_note(crule, port, protocol)
                if departs and not crule.all_peers and (host or crule.ip_blocks):
                    notes += self._departure(crule, cp.policy, other, peer_ok, direction)
        return SideVerdict(direction, end_id, True, tuple(cp.policy for cp in policies), tuple(hits), bystanders,
                           notes=tuple(dict.fromkeys(notes)) if notes else ())

    def _range_note(self, crule: CompiledRule, port: int, protocol: str) -> list[str]:
        """Where the profile does not vouch for endPort, a rule that allows `port` only by its range says so."""
        dp = self.matchers.peers.dataplane
        if not dp.has("endport") or not crule.rule.ports:
            return []
        mine = [p for p in crule.rule.ports if p.protocol == protocol]
        by_range = any(p.end_port is not None and p.matches_number(port) and p.port != port for p in mine)
        otherwise = any(p.port == port or (p.end_port is None and (p.matches_number(port) or isinstance(p.port, str)))
                        for p in mine)
        return [f"not modelled: {dp.note('endport')}: {crule.ref} allows {port} by its range"] \
            if by_range and not otherwise else []

    def _departure(self, crule: CompiledRule, policy: NetworkPolicy, other: Pod | External, admitted: bool,
                   direction: str) -> list[str]:
        """The profile's rule, when it reads a peer otherwise than the API does for `other`."""
        if self._context is None:
            namespaces = {ns.name: ns.labels for ns in self.matchers.pods.namespaces}
            self._context = Context(namespaces, True, self.matchers.peers.family)
        ctx = self._context
        if any(api_admits(p, policy, other, ctx) for p in crule.rule.peers) == admitted:
            return []
        dp = self.matchers.peers.dataplane
        host = other.host_network if isinstance(other, Pod) else self.matchers.peers.is_host_address(other.ip)
        by_block = any(p.ip_block is not None and api_admits(p, policy, other, ctx) for p in crule.rule.peers)
        if host and dp.host_network_namespace and (admitted or direction == "ingress"):
            key = "host-network-namespace"
        elif host and by_block and dp.has("ipblock-hosts"):
            key = "ipblock-hosts"
        elif host:
            key = "host-network-pods"
        else:
            key = "ipblock-pods"
        verb = "admits" if admitted else "does not admit"
        return [f"{dp.note(key)}: so {crule.ref} {verb} {other.id}"]
