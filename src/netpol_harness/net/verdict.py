"""A verdict and what explains it: who isolates each end, which rule allowed the
connection, or, when none did, the rules that came closest and what they lacked.

A verdict carries every fact its explanation needs (the endpoints, their namespaces'
labels, the policies that select each end), so explaining it needs no evaluator. The
explanation walks the policies slowly and literally, the way a person would read them;
the evaluator answers from precompiled bitsets.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Mapping

from .cluster import External, Pod
from .policy import NetworkPolicy, Peer, PolicyPort, Rule, policy_ports_text, ports_match


@dataclass(frozen=True)
class RuleRef:
    """Where a rule lives: `ns/policy ingress[0]`."""

    policy: str
    direction: str  # "ingress" | "egress"
    index: int

    def __str__(self) -> str:
        return f"{self.policy} {self.direction}[{self.index}]"


@dataclass(frozen=True)
class TierStep:
    """An admin policy's rule that matched the connection: `[Admin] ANP guard egress[2] "dns": Pass`."""

    tier: str  # "Admin" | "Baseline" | "Cilium deny"
    policy: str  # "ANP guard", "CNP guard", "BANP default"
    direction: str  # or the rule's section where the kind has more (Cilium's ingressDeny)
    index: int
    name: str  # the rule's name, "" when it has none
    action: str  # as written: Allow, Accept, Deny, Pass
    effect: str  # "allow" | "deny" | "pass"
    text: str = ""  # how a step that is no policy's rule reads (a dataplane profile's)

    @property
    def outcome(self) -> str:
        return {"allow": "allowed", "deny": "denied"}.get(self.effect, "passed to the next tier")

    def __str__(self) -> str:
        if self.text:
            return self.text
        name = f' "{self.name}"' if self.name else ""
        return f"[{self.tier}] {self.policy} {self.direction}[{self.index}]{name}: {self.action}"


@dataclass(frozen=True)
class SideVerdict:
    """What one end's policies say: egress of the source or ingress of the destination."""

    direction: str  # "egress" | "ingress"
    endpoint: str  # the end whose policies are consulted
    judged: bool  # False when that end is an External (never isolated)
    isolating: tuple[NetworkPolicy, ...] = field(default=(), repr=False)  # select the end for this direction
    allowed_by: tuple[RuleRef, ...] = ()  # rules that allow this connection
    # Policies that select the end without this policyType: they restrict nothing here,
    # which surprises people, so the explanation mentions them.
    bystanders: tuple[NetworkPolicy, ...] = field(default=(), repr=False, compare=False)
    # The admin policies' rules that matched, in precedence order: Passes, then the one
    # that decided (`decided_by`), if an Admin or Baseline tier rule did.
    tier_steps: tuple[TierStep, ...] = ()
    decided_by: TierStep | None = None
    # Policies of other kinds that isolate the end beside NetworkPolicies (Cilium's), by id,
    # and what the model could not read of the rules that allowed (layer 7).
    others: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def policies(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.isolating) + self.others

    @property
    def isolated(self) -> bool:
        return bool(self.isolating or self.others)

    @property
    def decided(self) -> bool:
        """Whether a tier ruled on this side: an admin rule that allowed or denied, or isolation."""
        return self.decided_by is not None or self.isolated

    @property
    def allowed(self) -> bool:
        if self.decided_by is not None:
            return self.decided_by.effect == "allow"
        return not self.isolated or bool(self.allowed_by)


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


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    src: str
    dst: str
    port: int
    protocol: str
    egress: SideVerdict
    ingress: SideVerdict
    reason: str  # one line: why, in short
    src_endpoint: Pod | External | None = field(default=None, repr=False, compare=False)
    dst_endpoint: Pod | External | None = field(default=None, repr=False, compare=False)
    context: Context | None = field(default=None, repr=False, compare=False)
    # What the model cannot vouch for: policies of kinds it does not read that could
    # select an end, or an end on the host network.
    caveats: tuple[str, ...] = ()

    @property
    def denied(self) -> bool:
        return not self.allowed

    def explain(self) -> str:
        return explain(self)

    def closest_misses(self) -> list["Miss"]:
        """For a denying side, the rules nearest to allowing (closest first)."""
        out: list[Miss] = []
        ends = ((self.egress, self.src_endpoint, self.dst_endpoint), (self.ingress, self.dst_endpoint, self.src_endpoint))
        for side, end, other in ends:
            if side.judged and not side.allowed and isinstance(end, Pod) and other is not None:
                out += rule_misses(self, side, other)
        return sorted(out)

    def __str__(self) -> str:
        word = "ALLOWED" if self.allowed else "DENIED"
        caveats = "".join(f" [{c}]" for c in self.caveats)
        return f"{word} {self.src} -> {self.dst} {self.port}/{self.protocol}: {self.reason}{caveats}"


def reason(egress: SideVerdict, ingress: SideVerdict) -> str:
    parts = []
    for side in (egress, ingress):
        passed = "".join(f"{s} -> " for s in side.tier_steps if s.effect == "pass")
        if side.decided_by is not None:
            parts.append(f"{side.direction}: {passed}{side.decided_by} -> {side.decided_by.outcome}")
        elif passed and side.isolated:
            parts.append(f"{side.direction}: {passed}[NetworkPolicy] " + _isolated_reason(side))
        elif passed:
            parts.append(f"{side.direction}: {passed}no policy isolates {side.endpoint}")
        elif not side.judged:
            parts.append(f"{side.direction}: {side.endpoint} is outside the cluster, not isolated")
        elif not side.isolated:
            parts.append(f"{side.direction}: no policy isolates {side.endpoint}")
        else:
            parts.append(f"{side.direction}: " + _isolated_reason(side))
    return "; ".join(parts)


def _isolated_reason(side: SideVerdict) -> str:
    if side.allowed_by:
        return f"allowed by {', '.join(str(r) for r in side.allowed_by)}"
    return f"{side.endpoint} is isolated by {', '.join(side.policies)} and no rule allows it"


# --------------------------------------------------------------------------- misses


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
    ports = "any port" if not rule.ports else policy_ports_text(rule.ports)
    return f"{key} {peers}; ports {ports}"


def _named(endpoint: Pod | External) -> dict | None:
    return endpoint.named_ports if isinstance(endpoint, Pod) else None


def _port_miss(ports: tuple[PolicyPort, ...], port: int, protocol: str, dst: Pod | External) -> tuple[int, str]:
    """Why no port entry admits port/protocol on `dst` (score 0 = only the protocol is wrong)."""
    named = _named(dst)
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
    return 2, f"right peer, wrong port: the rule allows {policy_ports_text(ports)}, not {port}/{protocol}"


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
    if peer.namespace_selector is None:
        ns_why = f"wrong namespace: a podSelector without namespaceSelector means namespace {policy.namespace}, the pod is in {other.namespace}"
    else:
        ns_why = f"wrong namespace: namespace {other.namespace} (labels {_labels(ns_labels)}) does not match namespaceSelector {peer.namespace_selector}"
    pod_ok = peer.admits_labels(other.labels)
    pod_why = f"pod labels {_labels(other.labels)} do not match podSelector {peer.pod_selector}"
    if ns_ok and pod_ok:
        return None
    if ns_ok:
        return 2, pod_why
    if pod_ok:
        return 2, ns_why
    return 4, f"{ns_why}; and {pod_why}"


def api_admits(peer: Peer, policy: NetworkPolicy, other: Pod | External, ctx: Context) -> bool:
    """Whether `peer` admits `other` as the NetworkPolicy API reads it (ipBlocks see pod addresses)."""
    return _peer_miss(peer, policy, other, ctx) is None


def _in(address: str, network) -> bool:
    addr = ipaddress.ip_address(address)
    return addr.version == network.version and addr in network


def _labels(labels) -> str:
    return "{" + ", ".join(f"{k}={v}" for k, v in sorted(labels.items())) + "}"


def _rule_miss(name: str, rule: Rule, policy: NetworkPolicy, verdict: Verdict, other: Pod | External, dst: Pod | External) -> Miss | None:
    ctx = verdict.context or Context({})
    port, protocol = verdict.port, verdict.protocol
    peer_fail = None
    if rule.peers:
        fails = [_peer_miss(p, policy, other, ctx) for p in rule.peers]
        if all(f is not None for f in fails):
            peer_fail = min(fails)  # type: ignore[type-var]
    port_ok = ports_match(rule.ports, port, protocol, _named(dst))
    if peer_fail is None and port_ok:
        return None  # this rule allows; not a miss
    if peer_fail is None:
        score, why = _port_miss(rule.ports, port, protocol, dst)
        return Miss(1 + score, name, why)
    if port_ok:
        return Miss(5 + peer_fail[0], name, f"port {port}/{protocol} is allowed, but the peer does not match: {peer_fail[1]}")
    wanted = policy_ports_text(rule.ports)
    return Miss(20 + peer_fail[0], name, f"neither peer nor port match ({peer_fail[1]}; ports {wanted})")


def rule_misses(verdict: Verdict, side: SideVerdict, other: Pod | External) -> list[Miss]:
    """The rules of the policies isolating `side` that did not allow the connection."""
    end = verdict.dst_endpoint if side.direction == "ingress" else verdict.src_endpoint
    dst = end if side.direction == "ingress" else other
    assert dst is not None
    misses = []
    for policy in side.isolating:
        rules = policy.ingress if side.direction == "ingress" else policy.egress
        for k, rule in enumerate(rules):
            miss = _rule_miss(f"{policy.id} {side.direction}[{k}]", rule, policy, verdict, other, dst)
            if miss is not None:
                misses.append(miss)
        if not rules:
            misses.append(Miss(30, f"{policy.id}", f"has no {side.direction} rules: it only isolates"))
    return sorted(misses)


# --------------------------------------------------------------------------- text


def _bystander_lines(side: SideVerdict) -> list[str]:
    # Only worth a line when it may surprise: rules that are ignored, or types the API
    # server filled in because policyTypes was left out.
    lines = []
    for policy in side.bystanders:
        ignored = policy.ingress if side.direction == "ingress" else policy.egress
        types = "[" + ", ".join(policy.policy_types) + "]"
        if ignored:
            lines.append(f"  note: {policy.id} selects it but has policyTypes {types}, so it does not restrict "
                         f"{side.direction} (its {len(ignored)} {side.direction} rule(s) are ignored)")
        elif not policy.declared_policy_types:
            lines.append(f"  note: {policy.id} selects it; without policyTypes it defaults to {types}, so it does not restrict {side.direction}")
    return lines


def _side_text(verdict: Verdict, side: SideVerdict, other: Pod | External) -> list[str]:
    role = "source" if side.direction == "egress" else "destination"
    head = f"{side.direction.capitalize()} of {side.endpoint} ({role}):"
    if not side.judged:
        return [head, f"  {side.endpoint} is outside the pod network; no NetworkPolicy isolates it -> allowed"]
    # Steps before NetworkPolicy's layer (Cilium's denies, the Admin tier) come first.
    lines = [head] + [f"  {s} -> {s.outcome}" for s in side.tier_steps if s.tier != "Baseline"]
    if side.decided_by is not None and side.decided_by.tier != "Baseline":
        return lines + _bystander_lines(side)
    if not side.isolated and side.decided_by is not None:
        lines.append(f"  not isolated: no NetworkPolicy with policyType {side.direction.capitalize()} selects it")
        lines.append(f"  {side.decided_by} -> {side.decided_by.outcome}")
    elif not side.isolated:
        lines.append(f"  not isolated: no NetworkPolicy with policyType {side.direction.capitalize()} selects it -> allowed")
    else:
        tier = "[NetworkPolicy] " if side.tier_steps else ""  # after an admin Pass, say which tier this is
        lines.append(f"  {tier}isolated by: {', '.join(side.policies)}")
        by_id = {p.id: p for p in side.isolating}
        for ref in side.allowed_by:
            policy = by_id.get(ref.policy)
            if policy is None:  # a rule of another kind (Cilium's) that allows beside NetworkPolicy
                lines.append(f"  allowed by {ref}")
                continue
            rules = policy.ingress if ref.direction == "ingress" else policy.egress
            lines.append(f"  allowed by {ref}: {describe_rule(rules[ref.index], ref.direction, policy.namespace)}")
        if not side.allowed_by:
            lines.append(f"  no {side.direction} rule allows {other.id} on {verdict.port}/{verdict.protocol} -> denied")
            misses = rule_misses(verdict, side, other)
            if misses:
                lines.append("  closest misses:" if len(misses) > 1 else "  closest miss:")
                lines.extend(f"    - {m}" for m in misses[:3])
    return lines + _bystander_lines(side)


def explain(verdict: Verdict) -> str:
    text = _explain(verdict)
    return text + "".join(f"\n  {c}" for c in verdict.caveats)


def _explain(verdict: Verdict) -> str:
    word = "ALLOWED" if verdict.allowed else "DENIED"
    lines = [f"{word}: {verdict.src} -> {verdict.dst} on {verdict.port}/{verdict.protocol}"]
    src, dst = verdict.src_endpoint, verdict.dst_endpoint
    if src is None or dst is None:
        return "\n".join(lines + [f"  {verdict.reason}"])
    if isinstance(src, Pod) and isinstance(dst, Pod) and src.id == dst.id:
        lines.append("  a pod always reaches itself; NetworkPolicies do not apply")
        return "\n".join(lines)
    lines += _side_text(verdict, verdict.egress, dst)
    lines += _side_text(verdict, verdict.ingress, src)
    if not verdict.allowed:
        blocked = [s.direction for s in (verdict.egress, verdict.ingress) if not s.allowed]
        lines.append(f"Blocked by {' and '.join(blocked)}; a connection needs both the source's egress and the destination's ingress to allow it.")
    return "\n".join(lines)
