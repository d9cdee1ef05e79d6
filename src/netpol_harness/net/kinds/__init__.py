"""The policy kinds the evaluator reads, one module each, registered here.

A kind's module turns the cluster's policies of that kind into allow/deny masks per
direction and into side verdicts naming the rule that decided (the contract is in `base`).
The evaluator asks the kinds in the order of COMPILERS, which is the order their APIs
define (DESIGN.md): the first kind that rules on a connection decides it, and a
connection no kind rules on is allowed: Cilium's deny rules, the Admin tier, NetworkPolicy v1
with Cilium's allows beside it (one layer, `LAYERS`), the Baseline tier.

  base          -- what a compiler is given (the matchers) and hands back (masks, side verdicts)
  admintier     -- the Admin and Baseline tiers (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
                   ClusterNetworkPolicy): by priority, rules in order, the first match decides
  networkpolicy -- NetworkPolicy v1: isolation, then rules that add up
  cilium        -- CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy: allows beside NetworkPolicy's, denies first
"""
from __future__ import annotations

from dataclasses import replace

from ..cluster import Cluster
from ..verdict import SideVerdict
from .base import CompiledKind, Compiler, Masks, Matchers
from .admintier import compile_admin_tier, compile_baseline_tier
from .cilium import compile_cilium_allows, compile_cilium_denies
from .networkpolicy import compile_networkpolicies

COMPILERS: dict[str, Compiler] = {
    "CiliumDeny": compile_cilium_denies,
    "Admin": compile_admin_tier,
    "NetworkPolicy": compile_networkpolicies,
    "Cilium": compile_cilium_allows,
    "Baseline": compile_baseline_tier,
}
# The layers, in order: the kinds of one layer rule together (their allows add up, either
# isolates); the first layer that rules on a connection decides it.
LAYERS: tuple[tuple[str, ...], ...] = (("CiliumDeny",), ("Admin",), ("NetworkPolicy", "Cilium"), ("Baseline",))


def compile_kinds(cluster: Cluster, matchers: Matchers) -> dict[str, CompiledKind]:
    """Every registered kind the dataplane enforces, compiled, in the order the evaluator asks them."""
    enforced = matchers.dataplane.kinds
    return {kind: compiler(cluster, matchers) for kind, compiler in COMPILERS.items() if kind in enforced}


def layers_of(kinds: dict[str, CompiledKind]) -> tuple[tuple[str, ...], ...]:
    """LAYERS, with only the kinds compiled."""
    return tuple(kept for layer in LAYERS if (kept := tuple(k for k in layer if k in kinds)))


def merge_masks(masks: list[Masks]) -> Masks:
    """One layer's kinds as one: their allows and their decisions add up."""
    first = masks[0]
    masks = [m for m in masks if any(m.decided) or any(m.allow)] or masks[:1]
    if len(masks) == 1 and masks[0] is first:
        return first  # a layer's first kind keeps allow within decided (NetworkPolicy does)
    # Cilium allows without isolating (enableDefaultDeny: false): they count only where the layer rules.
    n = len(first.allow)
    decided = [_union(m.decided[i] for m in masks) for i in range(n)]
    return Masks([_union(m.allow[i] for m in masks) & decided[i] for i in range(n)], decided)


def _union(values) -> int:
    out = 0
    for v in values:
        if v:
            out = v if not out else out | v
    return out


def merge_sides(sides: list[SideVerdict]) -> SideVerdict:
    """One layer's side verdicts as one: isolated by any, allowed by the rules of all."""
    if len(sides) == 1:
        return sides[0]
    first, rest = sides[0], sides[1:]
    return replace(first, others=first.others + tuple(o for s in rest for o in s.others),
                   allowed_by=first.allowed_by + tuple(r for s in rest for r in s.allowed_by),
                   notes=first.notes + tuple(n for s in rest for n in s.notes),
                   tier_steps=first.tier_steps + tuple(t for s in rest for t in s.tier_steps))


__all__ = ["COMPILERS", "LAYERS", "CompiledKind", "Compiler", "Masks", "Matchers", "compile_kinds", "layers_of",
           "merge_masks", "merge_sides"]
