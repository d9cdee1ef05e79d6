"""Human-readable reasoning for a verdict: who isolates each end, which rule allowed the
connection, or, when none did, the rules that came closest and what they lacked.

Kept apart from the evaluator because it walks the policies slowly and literally, the way
a person would read them; the evaluator answers from precompiled bitsets.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .model import External, NetworkPolicy, Peer, Pod, PolicyPort, Rule

if TYPE_CHECKING:
    from .evaluate import Evaluator, SideVerdict, Verdict


@dataclass(frozen=True, order=True)
class Miss:
    """A rule that did not allow the connection; lower score = closer to allowing it."""

    score: int
    rule: str
    why: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.why}"


def describe_rule(rule: Rule, direction: str, namespace: str) -> str:
    key = "from" if direction == "ingress" else "to"
    peers = "any peer" if not rule.peers else " OR ".join(p.describe(namespace) for p in rule.peers)
    ports = "any port" if not rule.ports else ", ".join(str(p) for p in rule.ports)
    return f"{key} {peers}; ports {ports}"


def _port_miss(ports: tuple[PolicyPort, ...], port: int, protocol: str, dst: Pod | External, named: dict | None) -> tuple[int, str]:
    """Why no port entry admits port/protocol on `dst` (score 0 = only the protocol is wrong)."""
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
    allowed = ", ".join(str(p) for p in ports)
    return 2, f"right peer, wrong port: the rule allows {allowed}, not {port}/{protocol}"


def _peer_miss(peer: Peer, policy: NetworkPolicy, other: Pod | External, ev: "Evaluator") -> tuple[int, str] | None:
    """None when the peer matches `other`, else (score, reason)."""
    if peer.ip_block is not None:
        block = peer.ip_block
        if isinstance(other, Pod):
            if not ev.ipblock_matches_pods:
                return 3, f"{block} is not applied to pod addresses (ipblock_matches_pods=False)"
            addresses = ev.pod_ips(other)
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
    if isinstance(other, External):
        return 4, f"{peer.describe(policy.namespace)} selects pods, never the outside address {other.ip}"
    ns = ev.cluster.namespace(other.namespace)
    ns_labels = ns.labels if ns else {}
    if peer.namespace_selector is None:
        ns_ok = other.namespace == policy.namespace
        ns_why = f"wrong namespace: a podSelector without namespaceSelector means namespace {policy.namespace}, the pod is in {other.namespace}"
    else:
        ns_ok = peer.namespace_selector.matches(ns_labels)
        ns_why = f"wrong namespace: namespace {other.namespace} (labels {_labels(ns_labels)}) does not match namespaceSelector {peer.namespace_selector}"
    pod_ok = peer.pod_selector is None or peer.pod_selector.matches(other.labels)
    pod_why = f"pod labels {_labels(other.labels)} do not match podSelector {peer.pod_selector}"
    if ns_ok and pod_ok:
        return None
    if ns_ok:
        return 2, pod_why
    if pod_ok:
        return 2, ns_why
    return 4, f"{ns_why}; and {pod_why}"


def _in(address: str, network) -> bool:
    import ipaddress

    addr = ipaddress.ip_address(address)
    return addr.version == network.version and addr in network


def _labels(labels) -> str:
    return "{" + ", ".join(f"{k}={v}" for k, v in sorted(labels.items())) + "}"


def rule_misses(ev: "Evaluator", side: "SideVerdict", end: Pod, other: Pod | External, port: int, protocol: str) -> list[Miss]:
    dst = end if side.direction == "ingress" else other
    named = ev._pod_named[ev.pod_index[dst.id]] if isinstance(dst, Pod) else None
    misses = []
    for cp in ev.policies:
        if cp.policy.id not in side.policies:
            continue
        rules = cp.policy.ingress if side.direction == "ingress" else cp.policy.egress
        for k, rule in enumerate(rules):
            name = f"{cp.policy.id} {side.direction}[{k}]"
            peer_fail = None
            if rule.peers:
                fails = [_peer_miss(p, cp.policy, other, ev) for p in rule.peers]
                if all(f is not None for f in fails):
                    peer_fail = min(fails)  # type: ignore[type-var]
            port_ok = ev.ports_match(rule.ports, port, protocol, named)
            if peer_fail is None and port_ok:
                continue  # this rule allows; not a miss
            if peer_fail is None:
                score, why = _port_miss(rule.ports, port, protocol, dst, named)
                misses.append(Miss(1 + score, name, why))
            elif port_ok:
                misses.append(Miss(5 + peer_fail[0], name, f"port {port}/{protocol} is allowed, but the peer does not match: {peer_fail[1]}"))
            else:
                wanted = ", ".join(str(p) for p in rule.ports)
                misses.append(Miss(20 + peer_fail[0], name, f"neither peer nor port match ({peer_fail[1]}; ports {wanted})"))
        if not rules:
            misses.append(Miss(30, f"{cp.policy.id}", f"has no {side.direction} rules: it only isolates"))
    return sorted(misses)


def _side_text(ev: "Evaluator", side: "SideVerdict", end: Pod | External, other: Pod | External, port: int, protocol: str) -> list[str]:
    role = "source" if side.direction == "egress" else "destination"
    head = f"{side.direction.capitalize()} of {side.endpoint} ({role}):"
    if not side.judged:
        return [head, f"  {side.endpoint} is outside the pod network; no NetworkPolicy isolates it -> allowed"]
    assert isinstance(end, Pod)
    lines = [head]
    policy_type = side.direction.capitalize()
    i = ev.pod_index[end.id]
    others = [cp.policy for cp in ev.policies if (cp.selected >> i) & 1 and policy_type not in cp.policy.policy_types]
    if not side.isolated:
        lines.append(f"  not isolated: no NetworkPolicy with policyType {policy_type} selects it -> allowed")
    else:
        lines.append(f"  isolated by: {', '.join(side.policies)}")
        if side.allowed_by:
            for ref in side.allowed_by:
                policy = ev.cluster._policies[ref.policy]
                rules = policy.ingress if ref.direction == "ingress" else policy.egress
                lines.append(f"  allowed by {ref}: {describe_rule(rules[ref.index], ref.direction, policy.namespace)}")
        else:
            lines.append(f"  no {side.direction} rule allows {other.id} on {port}/{protocol} -> denied")
            misses = rule_misses(ev, side, end, other, port, protocol)
            if misses:
                lines.append("  closest misses:" if len(misses) > 1 else "  closest miss:")
                lines.extend(f"    - {m}" for m in misses[:3])
    for policy in others:
        # Only worth a line when it may surprise: rules that are ignored, or types the
        # API server filled in because policyTypes was left out.
        ignored = policy.ingress if side.direction == "ingress" else policy.egress
        types = "[" + ", ".join(policy.policy_types) + "]"
        if ignored:
            lines.append(f"  note: {policy.id} selects it but has policyTypes {types}, so it does not restrict "
                         f"{side.direction} (its {len(ignored)} {side.direction} rule(s) are ignored)")
        elif not policy.declared_policy_types:
            lines.append(f"  note: {policy.id} selects it; without policyTypes it defaults to {types}, so it does not restrict {side.direction}")
    return lines


def explain_verdict(verdict: "Verdict", ev: "Evaluator", src: Pod | External, dst: Pod | External) -> str:
    word = "ALLOWED" if verdict.allowed else "DENIED"
    lines = [f"{word}: {verdict.src} -> {verdict.dst} on {verdict.port}/{verdict.protocol}"]
    if isinstance(src, Pod) and isinstance(dst, Pod) and src.id == dst.id:
        lines.append("  a pod always reaches itself; NetworkPolicies do not apply")
        return "\n".join(lines)
    lines += _side_text(ev, verdict.egress, src, dst, verdict.port, verdict.protocol)
    lines += _side_text(ev, verdict.ingress, dst, src, verdict.port, verdict.protocol)
    if not verdict.allowed:
        blocked = [s.direction for s in (verdict.egress, verdict.ingress) if not s.allowed]
        lines.append(f"Blocked by {' and '.join(blocked)}; a connection needs both the source's egress and the destination's ingress to allow it.")
    return "\n".join(lines)
