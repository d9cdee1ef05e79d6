"""The policy kinds the evaluator reads, one module each, registered here.

A kind's module turns the cluster's policies of that kind into allow/deny masks per
direction and into side verdicts naming the rule that decided (the contract is in `base`).
The evaluator asks the kinds in the order of COMPILERS, which is the order their APIs
define (DESIGN.md): the first kind that rules on a connection decides it, and a
connection no kind rules on is allowed. Today that is NetworkPolicy v1 alone; the Admin
tier will come before it and the Baseline tier after it.

  base          -- what a compiler is given (the matchers) and hands back (masks, side verdicts)
  networkpolicy -- NetworkPolicy v1: isolation, then rules that add up
"""
from __future__ import annotations

from ..cluster import Cluster
from .base import CompiledKind, Compiler, Masks, Matchers
from .networkpolicy import compile_networkpolicies

COMPILERS: dict[str, Compiler] = {
    "NetworkPolicy": compile_networkpolicies,
}


def compile_kinds(cluster: Cluster, matchers: Matchers) -> dict[str, CompiledKind]:
    """Every registered kind compiled, in the order the evaluator asks them."""
    return {kind: compiler(cluster, matchers) for kind, compiler in COMPILERS.items()}


__all__ = ["COMPILERS", "CompiledKind", "Compiler", "Masks", "Matchers", "compile_kinds"]
