"""The policy kinds the evaluator reads, one module each, registered here.

A kind's module turns the cluster's policies of that kind into allow/deny masks per
direction and into side verdicts naming the rule that decided (the contract is in `base`).
The evaluator asks the kinds in the order of COMPILERS, which is the order their APIs
define (DESIGN.md): the first kind that rules on a connection decides it, and a
connection no kind rules on is allowed: the Admin tier, NetworkPolicy v1, the Baseline tier.

  base          -- what a compiler is given (the matchers) and hands back (masks, side verdicts)
  admintier     -- the Admin and Baseline tiers (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
                   ClusterNetworkPolicy): by priority, rules in order, the first match decides
  networkpolicy -- NetworkPolicy v1: isolation, then rules that add up
"""
from __future__ import annotations

from ..cluster import Cluster
from .base import CompiledKind, Compiler, Masks, Matchers
from .admintier import compile_admin_tier, compile_baseline_tier
from .networkpolicy import compile_networkpolicies

COMPILERS: dict[str, Compiler] = {
    "Admin": compile_admin_tier,
    "NetworkPolicy": compile_networkpolicies,
    "Baseline": compile_baseline_tier,
}


def compile_kinds(cluster: Cluster, matchers: Matchers) -> dict[str, CompiledKind]:
    """Every registered kind compiled, in the order the evaluator asks them."""
    return {kind: compiler(cluster, matchers) for kind, compiler in COMPILERS.items()}


__all__ = ["COMPILERS", "CompiledKind", "Compiler", "Masks", "Matchers", "compile_kinds"]
