"""Who may reach whom, on which port and protocol: Kubernetes NetworkPolicy semantics.

A connection from A to B on port/protocol is allowed when
  * A's egress allows it: no policy with type Egress selects A, or a rule of one does;
  * B's ingress allows it: no policy with type Ingress selects B, or a rule of one does;
  * or A and B are the same pod (a pod always reaches itself).
An External (an address outside the pod network) is never isolated: only the pod side
of the connection is judged.

Speed comes from compiling once: every selector and peer becomes an int bitset over pod
indices (bit i = the i-th pod), label indexes make selectors a handful of AND/ORs, and the
per-(port, protocol) tables of the full matrix are cached.
"""
from __future__ import annotations

import bisect
import ipaddress
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np

from .cluster import Cluster, External, Pod
from .policy import PROTOCOLS, NetworkPolicy, Rule, ports_match
from .reachability import Reachability, reach_rows
from .selector import LabelSelector
from .verdict import Context, RuleRef, SideVerdict, Verdict, reason

EndpointRef = Pod | External | str


@dataclass
class _CompiledRule:
    ref: RuleRef
    rule: Rule
    all_peers: bool
    peer_pods: int  # bitset of pods matched by the peers (includes ipBlock matches when enabled)
    ip_blocks: tuple  # IPBlocks, for judging External addresses
    dst_masks: dict  # (port, protocol) -> bitset of destination pods whose ports match


@dataclass
class CompiledPolicy:
    policy: NetworkPolicy
    selected: int
    selected_idx: list[int]
    ingress: list[_CompiledRule]
    egress: list[_CompiledRule]


class Evaluator:
    def __init__(self, cluster: Cluster, *, ipblock_matches_pods: bool = True, family: int | None = None) -> None:
        """`ipblock_matches_pods`: whether ipBlocks apply to pod addresses (upstream: yes; some CNIs: no).
        `family` 4 or 6: judge pod-to-pod traffic over that IP family only, so ipBlocks see only
        that family's pod addresses; None (default) lets an ipBlock match any of a pod's addresses.
        """
        if family not in (None, 4, 6):
            raise ValueError("family must be 4, 6 or None")
        self.cluster = cluster
        self.ipblock_matches_pods = ipblock_matches_pods
        self.family = family
        self._compiled_version = -1
        self._compile()

    # ------------------------------------------------------------------ compile
    def _compile(self) -> None:
        cluster = self.cluster
        self._compiled_version = cluster.version
        self.pods: list[Pod] = cluster.pods
        self.pod_index: dict[str, int] = {p.id: i for i, p in enumerate(self.pods)}
        self.all_pods = (1 << len(self.pods)) - 1
        self._tables: dict[tuple, Any] = {}
        self._index_pods()
        self._index_namespaces()
        self._ns_selector_cache: dict[LabelSelector, int] = {}
        self._pod_selector_cache: dict[LabelSelector, int] = {}
        self._range_cache: dict[tuple[int, int, int], int] = {}
        self._ipblock_cache: dict[tuple, int] = {}
        self._compile_policies()

    def _index_pods(self) -> None:
        """Bitsets of pods by namespace, label, label key, named port; pod addresses sorted."""
        label_index: dict[tuple[str, str], int] = {}
        key_index: dict[str, int] = {}
        ns_pods: dict[str, int] = {}
        # (name, protocol) -> {port number -> bitset}, and per pod {(name, protocol): {ports}}
        self._named: dict[tuple[str, str], dict[int, int]] = {}
        self._pod_named: list[dict[tuple[str, str], frozenset[int]]] = []
        for i, pod in enumerate(self.pods):
            bit = 1 << i
            ns_pods[pod.namespace] = ns_pods.get(pod.namespace, 0) | bit
            for k, v in pod.labels.items():
                label_index[(k, v)] = label_index.get((k, v), 0) | bit
                key_index[k] = key_index.get(k, 0) | bit
            named: dict[tuple[str, str], set[int]] = {}
            for cp in pod.ports:
                if cp.name:
                    named.setdefault((cp.name, cp.protocol), set()).add(cp.port)
                    by_port = self._named.setdefault((cp.name, cp.protocol), {})
                    by_port[cp.port] = by_port.get(cp.port, 0) | bit
            self._pod_named.append({k: frozenset(v) for k, v in named.items()})
        self._ns_pods = ns_pods
        self._pod_label_index, self._pod_key_index = label_index, key_index
        self._ip_index: dict[int, list[tuple[int, int]]] | None = None

    def _sorted_ips(self, version: int) -> list[tuple[int, int]]:
        """(address, pod index) sorted, per IP version; built on the first ipBlock asked about."""
        if self._ip_index is None:
            index: dict[int, list[tuple[int, int]]] = {4: [], 6: []}
            for i, pod in enumerate(self.pods):
                for ip in self.pod_ips(pod):
                    addr = ipaddress.ip_address(ip)
                    index[addr.version].append((int(addr), i))
            self._ip_index = {v: sorted(pairs) for v, pairs in index.items()}
        return self._ip_index[version]

    def _index_namespaces(self) -> None:
        self.namespaces = self.cluster.namespaces
        ns_label: dict[tuple[str, str], int] = {}
        ns_key: dict[str, int] = {}
        for j, ns in enumerate(self.namespaces):
            for k, v in ns.labels.items():
                ns_label[(k, v)] = ns_label.get((k, v), 0) | (1 << j)
                ns_key[k] = ns_key.get(k, 0) | (1 << j)
        self._ns_label_index, self._ns_key_index = ns_label, ns_key
        self._all_ns = (1 << len(self.namespaces)) - 1

    def _compile_policies(self) -> None:
        n = len(self.pods)
        self.policies: list[CompiledPolicy] = []
        self.selecting: list[list[CompiledPolicy]] = [[] for _ in range(n)]
        self.ingress_of: list[list[CompiledPolicy]] = [[] for _ in range(n)]
        self.egress_of: list[list[CompiledPolicy]] = [[] for _ in range(n)]
        self.ingress_isolated = 0
        self.egress_isolated = 0
        for policy in self.cluster.policies:
            selected = self._select_pods(policy.pod_selector) & self._ns_pods.get(policy.namespace, 0)
            cp = CompiledPolicy(
                policy,
                selected,
                _bits(selected),
                [self._compile_rule(policy, "ingress", k, r) for k, r in enumerate(policy.ingress)],
                [self._compile_rule(policy, "egress", k, r) for k, r in enumerate(policy.egress)],
            )
            self.policies.append(cp)
            for i in cp.selected_idx:
                self.selecting[i].append(cp)
            if policy.affects_ingress:
                self.ingress_isolated |= selected
                for i in cp.selected_idx:
                    self.ingress_of[i].append(cp)
            if policy.affects_egress:
                self.egress_isolated |= selected
                for i in cp.selected_idx:
                    self.egress_of[i].append(cp)

    def pod_ips(self, pod: Pod) -> tuple[str, ...]:
        """The addresses ipBlocks may see for `pod` under the chosen family."""
        if self.family is None:
            return pod.ips
        return tuple(ip for ip in pod.ips if ipaddress.ip_address(ip).version == self.family)

    def _fresh(self) -> None:
        # Tests add pods after building the evaluator; recompile rather than answer stale.
        if self._compiled_version != self.cluster.version:
            self._compile()

    def _select(self, sel: LabelSelector, labels: dict, keys: dict, universe: int) -> int:
        result = universe
        for kv in sel.match_labels:
            result &= labels.get(kv, 0)
        for req in sel.match_expressions:
            if req.operator in ("In", "NotIn"):
                hit = 0
                for v in req.values:
                    hit |= labels.get((req.key, v), 0)
                result = result & hit if req.operator == "In" else result & ~hit
            elif req.operator == "Exists":
                result &= keys.get(req.key, 0)
            else:
                result &= ~keys.get(req.key, 0)
        return result

    def _select_pods(self, sel: LabelSelector) -> int:
        hit = self._pod_selector_cache.get(sel)
        if hit is None:
            hit = self._select(sel, self._pod_label_index, self._pod_key_index, self.all_pods)
            self._pod_selector_cache[sel] = hit
        return hit

    def _pods_in_namespaces(self, sel: LabelSelector) -> int:
        hit = self._ns_selector_cache.get(sel)
        if hit is None:
            nss = self._select(sel, self._ns_label_index, self._ns_key_index, self._all_ns)
            hit = 0
            for j in _bits(nss):
                hit |= self._ns_pods.get(self.namespaces[j].name, 0)
            self._ns_selector_cache[sel] = hit
        return hit

    def _pods_in_range(self, version: int, low: int, high: int) -> int:
        key = (version, low, high)
        hit = self._range_cache.get(key)
        if hit is None:
            ips = self._sorted_ips(version)
            start = bisect.bisect_left(ips, (low, -1))
            stop = bisect.bisect_right(ips, (high, len(self.pods)))
            hit = 0
            for _, i in ips[start:stop]:
                hit |= 1 << i
            self._range_cache[key] = hit
        return hit

    def _ipblock_pods(self, block) -> int:
        key = (block.cidr, block.excepts)
        hit = self._ipblock_cache.get(key)
        if hit is None:
            net = block.network
            hit = self._pods_in_range(net.version, int(net.network_address), int(net.broadcast_address))
            for ex in block.except_networks:
                if ex.version == net.version:
                    hit &= ~self._pods_in_range(ex.version, int(ex.network_address), int(ex.broadcast_address))
            self._ipblock_cache[key] = hit
        return hit

    def _peer_pods(self, peer, policy_namespace: str) -> int:
        if peer.ip_block is not None:
            return self._ipblock_pods(peer.ip_block) if self.ipblock_matches_pods else 0
        if peer.namespace_selector is None:
            # No namespaceSelector: the policy's own namespace, never "all namespaces".
            where = self._ns_pods.get(policy_namespace, 0)
        else:
            where = self._pods_in_namespaces(peer.namespace_selector)
        if peer.pod_selector is None:
            return where
        return where & self._select_pods(peer.pod_selector)

    def _compile_rule(self, policy: NetworkPolicy, direction: str, index: int, rule: Rule) -> _CompiledRule:
        if not rule.peers:
            peer_pods, all_peers = self.all_pods, True
        else:
            peer_pods, all_peers = 0, False
            for peer in rule.peers:
                peer_pods |= self._peer_pods(peer, policy.namespace)
        blocks = tuple(p.ip_block for p in rule.peers if p.ip_block is not None)
        return _CompiledRule(RuleRef(policy.id, direction, index), rule, all_peers, peer_pods, blocks, {})

    # ------------------------------------------------------------------ ports
    def _dst_mask(self, crule: _CompiledRule, port: int, protocol: str) -> int:
        """Destination pods for which the rule's ports admit port/protocol."""
        key = (port, protocol)
        mask = crule.dst_masks.get(key)
        if mask is None:
            ports = crule.rule.ports
            if not ports:
                mask = self.all_pods
            else:
                mask = 0
                for p in ports:
                    if p.protocol != protocol:
                        continue
                    if p.matches_number(port):
                        mask = self.all_pods
                        break
                    if isinstance(p.port, str):
                        mask |= self._named.get((p.port, protocol), {}).get(port, 0)
            crule.dst_masks[key] = mask
        return mask

    # ------------------------------------------------------------------ endpoints
    def resolve(self, ref: EndpointRef) -> Pod | External:
        """A Pod, an External, "ns/pod", "ip:ADDR", a bare address, or a pod name unique in the cluster."""
        self._fresh()
        if isinstance(ref, (Pod, External)):
            if isinstance(ref, Pod):
                if ref.id not in self.pod_index:
                    raise KeyError(f"pod {ref.id} is not in the cluster")
                return self.pods[self.pod_index[ref.id]]  # the cluster's current copy
            return ref
        text = str(ref)
        if text.startswith("ip:"):
            return External(text[3:])
        if text in self.pod_index:
            return self.pods[self.pod_index[text]]
        try:
            return External(text)
        except ValueError:
            pass
        if "/" not in text:
            hits = [p for p in self.pods if p.name == text]
            if len(hits) == 1:
                return hits[0]
            if hits:
                raise KeyError(f"pod name {text!r} is ambiguous: {', '.join(p.id for p in hits)}")
        replica = self._first_replica(text)
        if replica is not None:
            return replica
        known = ", ".join(sorted(self.pod_index)[:20])
        raise KeyError(f"unknown endpoint {text!r} (pods: {known}{', ...' if len(self.pod_index) > 20 else ''})")

    def _first_replica(self, text: str) -> Pod | None:
        """A workload named as "ns/NAME" or "NAME" stands for its first pod (NAME-0 ...)."""
        namespace, _, name = text.rpartition("/")
        hits = sorted((p for p in self.pods if p.workload.split("/", 1)[-1] == name
                       and (not namespace or p.namespace == namespace)), key=lambda p: p.id)
        if hits and len({p.namespace for p in hits}) == 1:
            return hits[0]
        return None

    # ------------------------------------------------------------------ point query
    def check(self, src: EndpointRef, dst: EndpointRef, port: int, protocol: str = "TCP") -> Verdict:
        protocol = _protocol(protocol)
        s, d = self.resolve(src), self.resolve(dst)
        if isinstance(s, Pod) and isinstance(d, Pod) and s.id == d.id:
            egress, ingress = SideVerdict("egress", s.id, True), SideVerdict("ingress", d.id, True)
            why = "a pod always reaches itself; NetworkPolicies do not apply"
            return Verdict(True, s.id, d.id, port, protocol, egress, ingress, why, s, d, self._context(s, d))
        egress = self._side("egress", s, d, port, protocol)
        ingress = self._side("ingress", d, s, port, protocol)
        allowed = egress.allowed and ingress.allowed
        return Verdict(allowed, s.id, d.id, port, protocol, egress, ingress, reason(egress, ingress), s, d,
                       self._context(s, d), self.caveats(s, d))

    def caveats(self, *ends: Pod | External) -> tuple[str, ...]:
        """What could change a verdict on these ends that the model does not read."""
        notes: list[str] = []
        for end in ends:
            if not isinstance(end, Pod):
                continue
            notes += [f"not modelled: {u} could select {end.id} and change this verdict"
                      for u in self.cluster.unmodelled_for(end)]
            if end.host_network:
                notes.append(f"not modelled: {end.id} runs on the host network, where most CNIs apply no NetworkPolicy")
        return tuple(dict.fromkeys(notes))

    def verdict_for(self, src: EndpointRef, dst: EndpointRef, port: int | None, protocol: str = "TCP"):
        """`check`, or for a `svc:ns/name[:port]` destination `check_service`."""
        if isinstance(dst, str) and dst.startswith("svc:"):
            return self.check_service(src, dst, port, protocol)
        return self.check(src, dst, port, protocol)

    def check_service(self, src: EndpointRef, service: str, port: int | None = None, protocol: str = "TCP"):
        """`src` to a Service port (`svc:ns/name:443`): the verdict on each pod it selects."""
        from .services import check_service

        return check_service(self, src, service, port, _protocol(protocol))

    def _context(self, *ends: Pod | External) -> Context:
        labels = {}
        for end in ends:
            ns = self.cluster.namespace(end.namespace) if isinstance(end, Pod) else None
            if ns is not None:
                labels[ns.name] = ns.labels
        return Context(labels, self.ipblock_matches_pods, self.family)

    def _side(self, direction: str, end: Pod | External, other: Pod | External, port: int, protocol: str) -> SideVerdict:
        if isinstance(end, External):
            return SideVerdict(direction, end.id, False)
        i = self.pod_index[end.id]
        policies = self.ingress_of[i] if direction == "ingress" else self.egress_of[i]
        policy_type = direction.capitalize()
        bystanders = tuple(cp.policy for cp in self.selecting[i] if policy_type not in cp.policy.policy_types)
        if not policies:
            return SideVerdict(direction, end.id, True, bystanders=bystanders)
        # Ports are always resolved on the destination: the selected pod for ingress, the peer for egress.
        dst = end if direction == "ingress" else other
        named = self._pod_named[self.pod_index[dst.id]] if isinstance(dst, Pod) else None
        other_bit = 1 << self.pod_index[other.id] if isinstance(other, Pod) else 0
        hits = []
        for cp in policies:
            for crule in (cp.ingress if direction == "ingress" else cp.egress):
                if isinstance(other, Pod):
                    peer_ok = bool(crule.peer_pods & other_bit)
                else:
                    peer_ok = crule.all_peers or any(b.contains(other.ip) for b in crule.ip_blocks)
                if peer_ok and ports_match(crule.rule.ports, port, protocol, named):
                    hits.append(crule.ref)
        return SideVerdict(direction, end.id, True, tuple(cp.policy for cp in policies), tuple(hits), bystanders)

    # ------------------------------------------------------------------ matrix
    def _table(self, port: int, protocol: str) -> tuple[list[int], list[int]]:
        """(egress[s] = pods s may send to, ingress[d] = pods d may receive from)."""
        self._fresh()
        key = (port, protocol)
        table = self._tables.get(key)
        if table is not None:
            return table
        n, every = len(self.pods), self.all_pods
        egress = [0 if (self.egress_isolated >> i) & 1 else every for i in range(n)]
        ingress = [0 if (self.ingress_isolated >> i) & 1 else every for i in range(n)]
        for cp in self.policies:
            if cp.policy.affects_ingress and cp.selected:
                for crule in cp.ingress:
                    targets = cp.selected & self._dst_mask(crule, port, protocol)
                    if targets and crule.peer_pods:
                        peers = crule.peer_pods
                        for i in _bits(targets):
                            ingress[i] |= peers
            if cp.policy.affects_egress and cp.selected:
                allowed = 0
                for crule in cp.egress:
                    allowed |= crule.peer_pods & self._dst_mask(crule, port, protocol)
                if allowed:
                    for i in cp.selected_idx:
                        egress[i] |= allowed
        table = (egress, ingress)
        self._tables[key] = table
        return table

    def _rows(self, port: int, protocol: str) -> np.ndarray:
        """Packed bit rows: row s, bit d = pod s may connect to pod d (both ends agree)."""
        key = (port, protocol, "rows")
        rows = self._tables.get(key)
        if rows is None:
            egress, ingress = self._table(port, protocol)
            rows = reach_rows(egress, ingress, len(self.pods))
            self._tables[key] = rows
        return rows

    def matrix(self, port: int, protocol: str = "TCP", endpoints: Iterable[EndpointRef] | None = None) -> Reachability:
        """Verdicts for ordered pairs of distinct endpoints (pods and the cluster's externals),
        as a read-only mapping over packed bit rows (see `Reachability`).

        Pairs of two Externals are left out: no NetworkPolicy can say anything about them.
        """
        protocol = _protocol(protocol)
        self._fresh()
        if endpoints is None:
            chosen: list[Pod | External] = [*self.pods, *self.cluster.externals]
        else:
            chosen = [self.resolve(e) for e in endpoints]
        pods = [e for e in chosen if isinstance(e, Pod)]
        exts = [e for e in chosen if isinstance(e, External)]
        outside: dict[tuple[str, str], bool] = {}
        for ext in exts:
            for p in pods:
                outside[(p.id, ext.id)] = self._side("egress", p, ext, port, protocol).allowed
                outside[(ext.id, p.id)] = self._side("ingress", p, ext, port, protocol).allowed
        chosen_idx = list(dict.fromkeys(self.pod_index[p.id] for p in pods))
        return Reachability([p.id for p in self.pods], self._rows(port, protocol), chosen_idx, outside)

    def reachable_from(self, src: EndpointRef, port: int, protocol: str = "TCP") -> set[str]:
        """Ids of the pods and cluster externals that `src` may connect to (itself excluded)."""
        protocol = _protocol(protocol)
        s = self.resolve(src)
        out = {ext.id for ext in self.cluster.externals if isinstance(s, Pod) and self.check(s, ext, port, protocol).allowed}
        if isinstance(s, Pod):
            out |= self.matrix(port, protocol, [p.id for p in self.pods]).row(s.id)
        else:
            out |= {p.id for p in self.pods if self.check(s, p, port, protocol).allowed}
        return out

    def reaching(self, dst: EndpointRef, port: int, protocol: str = "TCP") -> set[str]:
        """Ids of the pods and cluster externals that may connect to `dst` (itself excluded)."""
        protocol = _protocol(protocol)
        d = self.resolve(dst)
        out = {ext.id for ext in self.cluster.externals if isinstance(d, Pod) and self.check(ext, d, port, protocol).allowed}
        if isinstance(d, Pod):
            egress, ingress = self._table(port, protocol)
            j = self.pod_index[d.id]
            out |= {self.pods[i].id for i in _bits(ingress[j]) if i != j and (egress[i] >> j) & 1}
        else:
            out |= {p.id for p in self.pods if self.check(p, d, port, protocol).allowed}
        return out


def _protocol(protocol: str) -> str:
    proto = str(protocol).upper()
    if proto not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}, not {protocol!r}")
    return proto


def _bits(x: int) -> list[int]:
    """The indices of the set bits of `x`, lowest first."""
    if x.bit_count() > 64:
        # Many bits: one pass in C beats a Python step per bit.
        raw = np.frombuffer(x.to_bytes((x.bit_length() + 7) // 8, "little"), dtype=np.uint8)
        return np.flatnonzero(np.unpackbits(raw, bitorder="little")).tolist()
    out = []
    while x:
        low = x & -x
        out.append(low.bit_length() - 1)
        x ^= low
    return out
