"""The closest misses of a denying side: for each rule of the policies isolating it, what
it lacked to allow the connection, scored (lower = closer).

An explanation shows the three closest, so `closest` ranks every rule by its score alone
(bit of work: selectors against two label maps, ports against one number) and writes the
reasons of those three only; `rule_misses` writes every one. The texts that depend only on
a selector, a rule or a label map are written once per process: policies, pods and
namespaces do not change once a model is built (nothing writes to their label maps).
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Mapping

from .cluster import External, Pod
from .policy import NetworkPolicy, Peer, PolicyPort, Rule, ip_address, policy_ports_text, ports_match

# Texts keyed by the id of the object they describe, which each entry keeps alive, so an
# id is never reused while its entry stands; cleared whole past this many entries.
TEXTS_KEPT = 200_000
_TEXTS: dict[tuple[int, str], tuple[Any, str]] = {}


def _text(obj: Any, kind: str, write) -> str:
    entry = _TEXTS.get((id(obj), kind))
    if entry is not None and entry[0] is obj:
        return entry[1]
    if len(_TEXTS) >= TEXTS_KEPT:
        _TEXTS.clear()
    text = write(obj)
    _TEXTS[(id(obj), kind)] = (obj, text)
    return text


@dataclass(frozen=True)
class Context:
    """The cluster facts an explanation needs beyond the two endpoints."""

    namespace_labels: Mapping[str, Mapping[str, str]]  # of the two ends' namespaces
    ipblock_matches_pods: bool = True
    family: int | None = None
    dataplane: str = "kubernetes"  # the profile judged under

    def pod_ips(self, pod: Pod) -> tuple[str, ...]:
        if self.family is None:
            return pod.ips
        return tuple(ip for ip in pod.ips if ipaddress.ip_address(ip).version == self.family)


@dataclass(frozen=True, order=True)
class Miss:
    """A rule that did not allow the connection; lower score = closer to allowing it."""

    score: int
    rule: str
    why: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.why}"


def describe_rule(rule: Rule, direction: str, namespace: str) -> str:
    return _text(rule, f"{direction} {namespace}", lambda r: _describe_rule(r, direction, namespace))


def _describe_rule(rule: Rule, direction: str, namespace: str) -> str:
    key = "from" if direction == "ingress" else "to"
    peers = "any peer" if not rule.peers else " OR ".join(p.describe(namespace) for p in rule.peers)
    ports = "any port" if not rule.ports else _ports_text(rule.ports)
    return f"{key} {peers}; ports {ports}"


def _ports_text(ports: tuple[PolicyPort, ...]) -> str:
    return _text(ports, "ports", policy_ports_text)


def _selector_text(selector) -> str:
    return _text(selector, "selector", str)


def _named(endpoint: Pod | External) -> dict | None:
    # Read, never written, by the callers: one map per pod is shared.
    return _text(endpoint, "named", _named_ports) if isinstance(endpoint, Pod) else None


def _named_ports(pod: Pod) -> dict:
    return pod.named_ports


def _port_miss(ports: tuple[PolicyPort, ...], port: int, protocol: str, dst: Pod | External,
               named: dict | None = None) -> tuple[int, str]:
    """Why no port entry admits port/protocol on `dst` (score 0 = only the protocol is wrong)."""
    named = _named(dst) if named is None else named
    for p in ports:
        if p.protocol != protocol and (p.matches_number(port) or (named and isinstance(p.port, str) and port in named.get((p.port, p.protocol), ()))):
            return 0, f"right peer, wrong protocol: the rule allows {p} but the connection is {port}/{protocol}"
    for p in ports:
        if p.protocol == protocol and isinstance(p.port, str):
            if isinstance(dst, External):
                return 1, f"right peer, but named port '{p.port}' cannot match {dst.id}: only pods have named ports"
            numbers = (named or {}).get((p.port, protocol))
            if not numbers:
                other = sorted(proto for (name, proto) in (named or {}) if name == p.port)
                extra = f" (it exists for {', '.join(other)})" if other else ""
                return 1, f"right peer, but {dst.id} declares no container port named '{p.port}' with protocol {protocol}{extra}"
            return 1, f"right peer, but named port '{p.port}' is {', '.join(map(str, sorted(numbers)))}/{protocol} on {dst.id}, not {port}"
    return 2, f"right peer, wrong port: the rule allows {_ports_text(ports)}, not {port}/{protocol}"


def _ip_block_miss(peer: Peer, other: Pod | External, ctx: Context) -> tuple[int, str] | None:
    block = peer.ip_block
    assert block is not None
    if isinstance(other, Pod):
        if not ctx.ipblock_matches_pods:
            return 3, f"{block} is not applied to pod addresses (ipBlocks do not select pods on {ctx.dataplane})"
        addresses = ctx.pod_ips(other)
    else:
        addresses = (other.ip,)
    if any(block.contains(a) for a in addresses):
        return None
    inside = [a for a in addresses if _in(a, block.network)]
    if inside:
        carving = [str(e) for e in block.except_networks if any(_in(a, e) for a in inside)]
        return 2, f"{', '.join(inside)} lies in {block.cidr} but is carved out by except {', '.join(carving)}"
    families = {4 if ":" not in a else 6 for a in addresses}
    if block.network.version not in families:
        return 3, f"{block} is IPv{block.network.version}; {other.id} has no IPv{block.network.version} address ({', '.join(addresses)})"
    return 3, f"{', '.join(addresses)} is outside {block.cidr}"


def _peer_miss(peer: Peer, policy: NetworkPolicy, other: Pod | External, ctx: Context) -> tuple[int, str] | None:
    """None when the peer matches `other`, else (score, reason)."""
    if peer.ip_block is not None:
        return _ip_block_miss(peer, other, ctx)
    if isinstance(other, External):
        return 4, f"{peer.describe(policy.namespace)} selects pods, never the outside address {other.ip}"
    ns_labels = ctx.namespace_labels.get(other.namespace, {})
    ns_ok = peer.admits_namespace(other.namespace, ns_labels, policy.namespace)
    pod_ok = peer.admits_labels(other.labels)
    if ns_ok and pod_ok:
        return None
    # Only the reasons given are written: a rule's texts are most of an explanation's cost.
    if ns_ok:
        return 2, _pod_why(peer, other)
    if pod_ok:
        return 2, _namespace_why(peer, policy, other, ns_labels)
    return 4, f"{_namespace_why(peer, policy, other, ns_labels)}; and {_pod_why(peer, other)}"


def _namespace_why(peer: Peer, policy: NetworkPolicy, other: Pod, ns_labels: Mapping) -> str:
    if peer.namespace_selector is None:
        return f"wrong namespace: a podSelector without namespaceSelector means namespace {policy.namespace}, the pod is in {other.namespace}"
    return (f"wrong namespace: namespace {other.namespace} (labels {_labels(ns_labels)}) does not match "
            f"namespaceSelector {_selector_text(peer.namespace_selector)}")


def _pod_why(peer: Peer, other: Pod) -> str:
    return f"pod labels {_labels(other.labels)} do not match podSelector {_selector_text(peer.pod_selector)}"


def api_admits(peer: Peer, policy: NetworkPolicy, other: Pod | External, ctx: Context) -> bool:
    """Whether `peer` admits `other` as the NetworkPolicy API reads it (ipBlocks see pod addresses)."""
    return _peer_miss(peer, policy, other, ctx) is None


def _in(address: str, network) -> bool:
    addr = ip_address(address)
    return addr.version == network.version and addr in network


def _labels(labels) -> str:
    return _text(labels, "labels", _write_labels)


def _write_labels(labels) -> str:
    return "{" + ", ".join(f"{k}={v}" for k, v in sorted(labels.items())) + "}"


def _rule_miss(name: str, rule: Rule, policy: NetworkPolicy, verdict: Any, other: Pod | External, dst: Pod | External,
               named: dict | None = None, scores: list[int] | None = None) -> Miss | None:
    ctx = verdict.context or Context({})
    port, protocol = verdict.port, verdict.protocol
    named = _named(dst) if named is None else named
    peer_fail = _peer_fail(rule, policy, other, ctx, scores) if rule.peers else None
    port_ok = ports_match(rule.ports, port, protocol, named)
    if peer_fail is None and port_ok:
        return None  # this rule allows; not a miss
    if peer_fail is None:
        score, why = _port_miss(rule.ports, port, protocol, dst, named)
        return Miss(1 + score, name, why)
    return _peer_missed(name, rule, peer_fail, port_ok, port, protocol)


def _peer_missed(name: str, rule: Rule, peer_fail: tuple[int, str], port_ok: bool, port: int, protocol: str) -> Miss:
    """The miss of a rule none of whose peers matches (`peer_fail`: the least of their misses)."""
    if port_ok:
        return Miss(5 + peer_fail[0], name, f"port {port}/{protocol} is allowed, but the peer does not match: {peer_fail[1]}")
    wanted = _ports_text(rule.ports)
    return Miss(20 + peer_fail[0], name, f"neither peer nor port match ({peer_fail[1]}; ports {wanted})")


def _peer_fail(rule: Rule, policy: NetworkPolicy, other: Pod | External, ctx: Context,
               scores: list[int] | None = None) -> tuple[int, str] | None:
    """The least of the peers' misses, None when a peer matches: scored first (`scores`,
    when the caller has them), written for the peers of the least score only (the text
    breaks ties)."""
    if scores is None:
        ns_labels = ctx.namespace_labels.get(other.namespace, {}) if isinstance(other, Pod) else None
        scores = _peer_scores(rule, policy.namespace, other, ns_labels, ctx)
        if scores is None:
            return None
    least = min(scores)
    closest = [p for p, score in zip(rule.peers, scores) if score == least]
    if len(closest) == 1:
        return _peer_miss(closest[0], policy, other, ctx)
    return min(_peer_miss(p, policy, other, ctx) for p in closest)  # type: ignore[type-var]


def _ends(verdict: Any, side: Any, other: Pod | External) -> tuple[Pod | External, Pod | External]:
    """(the side's own end, the destination, where ports are resolved)."""
    end = verdict.dst_endpoint if side.direction == "ingress" else verdict.src_endpoint
    dst = end if side.direction == "ingress" else other
    assert dst is not None
    return end, dst


def rule_misses(verdict: Any, side: Any, other: Pod | External) -> list[Miss]:
    """The rules of the policies isolating `side` that did not allow the connection."""
    _, dst = _ends(verdict, side, other)
    named = _named(dst)
    misses = []
    for policy in side.isolating:
        rules = policy.ingress if side.direction == "ingress" else policy.egress
        for k, rule in enumerate(rules):
            miss = _rule_miss(f"{policy.id} {side.direction}[{k}]", rule, policy, verdict, other, dst, named)
            if miss is not None:
                misses.append(miss)
        if not rules:
            misses.append(Miss(30, f"{policy.id}", f"has no {side.direction} rules: it only isolates"))
    return sorted(misses)


def closest(verdict: Any, side: Any, other: Pod | External, shown: int = 3) -> tuple[int, list[Miss]]:
    """(how many rules missed, the `shown` closest), equal to `rule_misses`' count and head."""
    table = _rules_of(side.isolating, side.direction)
    if table is None:
        misses = rule_misses(verdict, side, other)  # misses would be told apart by their text
        return len(misses), misses[:shown]
    _, dst = _ends(verdict, side, other)
    named = _named(dst)
    ctx = verdict.context or Context({})
    direction, port, protocol = side.direction, verdict.port, verdict.protocol
    ranked = _ranked(table, port, protocol, other, dst, named, ctx)
    # Names are unique here, so (score, name) orders as Miss does, never reaching the text.
    ranked.sort(key=_SCORE_AND_NAME)
    top = []
    for score, name, rule, policy, scores, port_ok, why in ranked[:shown]:
        if rule is None:
            top.append(Miss(30, name, f"has no {direction} rules: it only isolates"))
        elif why is not None:  # the peer matched: `_port_miss` wrote it while ranking
            top.append(Miss(score, name, why))
        else:
            top.append(_peer_missed(name, rule, _peer_fail(rule, policy, other, ctx, scores), port_ok, port, protocol))
    return len(ranked), top


_SCORE_AND_NAME = itemgetter(0, 1)

# The rules of a side's policies with their names, listed once per tuple of policies: a point
# query's sides share their class's tuple. Keyed by identity, each entry keeping its tuple (so
# the id stays its own); cleared whole past this many.
RULE_TABLES_KEPT = 4096
_RULE_TABLES: dict[tuple[int, str], tuple[tuple, list | None]] = {}


def _rules_of(policies: tuple, direction: str) -> list[tuple] | None:
    """(policy, name, rule) per rule of `policies` in `direction`, with (policy, its id, None)
    for a policy that has none; None when two policies share an id."""
    key = (id(policies), direction)
    entry = _RULE_TABLES.get(key)
    if entry is not None and entry[0] is policies:
        return entry[1]
    ids = [p.id for p in policies]
    table: list | None = None
    if len(set(ids)) == len(ids):
        table = []
        for policy, policy_id in zip(policies, ids):
            rules = policy.ingress if direction == "ingress" else policy.egress
            if not rules:
                table.append((policy, policy_id, None))
            table += [(policy, f"{policy_id} {direction}[{k}]", rule) for k, rule in enumerate(rules)]
    if len(_RULE_TABLES) >= RULE_TABLES_KEPT:
        _RULE_TABLES.clear()
    _RULE_TABLES[key] = (policies, table)
    return table


def _ranked(table: list[tuple], port: int, protocol: str, other: Pod | External, dst: Pod | External,
            named: dict | None, ctx: Context) -> list[tuple]:
    """(score, name, rule, policy, its peers' scores, whether its ports admit, the reason when
    only the port is wrong) of every rule of `table` that misses, unsorted."""
    ns_labels = ctx.namespace_labels.get(other.namespace, {}) if isinstance(other, Pod) else None
    ranked: list[tuple] = []
    for policy, name, rule in table:
        if rule is None:
            ranked.append((30, name, None, policy, None, False, None))
            continue
        scores = _peer_scores(rule, policy.namespace, other, ns_labels, ctx)
        port_ok = ports_match(rule.ports, port, protocol, named)
        why = None
        if scores is None:
            if port_ok:
                continue  # this rule allows
            score, why = _port_miss(rule.ports, port, protocol, dst, named)
            score += 1
        else:
            score = (5 if port_ok else 20) + min(scores)
        ranked.append((score, name, rule, policy, scores, port_ok, why))
    return ranked


def _peer_scores(rule: Rule, policy_namespace: str, other: Pod | External, ns_labels: Mapping | None,
                 ctx: Context) -> list[int] | None:
    """Each peer's `_peer_miss` score, without their texts; None when a peer matches (or any does)."""
    if not rule.peers:
        return None
    scores = []
    for peer in rule.peers:
        score = _peer_score(peer, policy_namespace, other, ns_labels, ctx)
        if score is None:
            return None
        scores.append(score)
    return scores


def _peer_score(peer: Peer, policy_namespace: str, other: Any, ns_labels: Mapping | None, ctx: Context) -> int | None:
    """`_peer_miss`'s score without its text."""
    if peer.ip_block is not None:
        return _block_score(peer.ip_block, other, ctx)
    if ns_labels is None:  # an External: pod selectors never hold it
        return 4
    selector = peer.namespace_selector
    ns_ok = other.namespace == policy_namespace if selector is None else selector.matches(ns_labels)
    selector = peer.pod_selector
    pod_ok = selector is None or selector.matches(other.labels)
    if ns_ok:
        return None if pod_ok else 2
    return 2 if pod_ok else 4


def _block_score(block, other: Any, ctx: Context) -> int | None:
    """`_ip_block_miss`'s score without its text."""
    if isinstance(other, Pod):
        if not ctx.ipblock_matches_pods:
            return 3
        addresses = ctx.pod_ips(other)
    else:
        addresses = (other.ip,)
    if any(block.contains(a) for a in addresses):
        return None
    return 2 if any(_in(a, block.network) for a in addresses) else 3


