"""A verdict and what explains it: who isolates each end, which rule allowed the
connection, or, when none did, the rules that came closest and what they lacked.

A verdict carries every fact its explanation needs (the endpoints, their namespaces'
labels, the policies that select each end), so explaining it needs no evaluator. The
explanation walks the policies slowly and literally, the way a person would read them;
the evaluator answers from precompiled bitsets.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .cluster import External, Pod
from .explain_misses import Context, Miss, api_admits, closest, describe_rule, rule_misses
from .policy import NetworkPolicy


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


# --------------------------------------------------------------------------- text


def _bystander_lines(side: SideVerdict) -> list[str]:
    # Only worth a line when it may surprise: rules that are ignored, or types the API
    # server filled in because policyTypes was left out.
    lines = []
    for policy in side.bystanders:
        ignored = policy.ingress if side.direction == "ingress" else policy.egress
        if ignored:
            lines.append(f"  note: {policy.id} selects it but has policyTypes {_types(policy)}, so it does not restrict "
                         f"{side.direction} (its {len(ignored)} {side.direction} rule(s) are ignored)")
        elif not policy.declared_policy_types:
            lines.append(f"  note: {policy.id} selects it; without policyTypes it defaults to {_types(policy)}, so it does not restrict {side.direction}")
    return lines


def _types(policy: NetworkPolicy) -> str:
    return "[" + ", ".join(policy.policy_types) + "]"


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
        by_id = {p.id: p for p in side.isolating} if side.allowed_by else {}
        for ref in side.allowed_by:
            policy = by_id.get(ref.policy)
            if policy is None:  # a rule of another kind (Cilium's) that allows beside NetworkPolicy
                lines.append(f"  allowed by {ref}")
                continue
            rules = policy.ingress if ref.direction == "ingress" else policy.egress
            lines.append(f"  allowed by {ref}: {describe_rule(rules[ref.index], ref.direction, policy.namespace)}")
        if not side.allowed_by:
            lines.append(f"  no {side.direction} rule allows {other.id} on {verdict.port}/{verdict.protocol} -> denied")
            count, misses = closest(verdict, side, other)
            if misses:
                lines.append("  closest misses:" if count > 1 else "  closest miss:")
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


# Context, Miss and the closest misses live in explain_misses; their names stay importable from here.
__all__ = ["Context", "Miss", "RuleRef", "SideVerdict", "TierStep", "Verdict", "api_admits", "describe_rule",
           "explain", "reason", "rule_misses"]
