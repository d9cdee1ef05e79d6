"""A verdict in the report's words: which rules allowed a connection or which side denied
it (and, after an admin-tier Pass, which tier), the closest miss, and the caveats."""
from __future__ import annotations

from ..net import SideVerdict, Verdict


def _side_text(side: SideVerdict) -> str:
    if not side.judged:
        return ""
    # Admin-tier Passes read first; without admin policies the words are as they always were.
    passed = "".join(f"{s} -> " for s in side.tier_steps if s.effect == "pass")
    head = f"{side.direction}: {passed}" if passed else ""
    if side.decided_by is not None:
        return f"{side.direction}: {passed}{side.decided_by}"
    if not side.isolated:
        return f"{head}open" if passed else f"{side.direction} open"
    if side.allowed_by:
        return (f"{head}[NetworkPolicy] " if passed else f"{side.direction}: ") + ", ".join(str(r) for r in side.allowed_by)
    denied = f"denied (isolated by {', '.join(side.policies)})"
    return f"{head}[NetworkPolicy] {denied}" if passed else f"{side.direction} {denied}"


def reason_of(verdict: Verdict) -> str:
    """Which rules allowed the connection, or which side denied it."""
    if verdict.src == verdict.dst:
        return "same pod"
    sides = [verdict.egress, verdict.ingress]
    if verdict.allowed:
        return "; ".join(t for t in map(_side_text, sides) if t)
    return "; ".join(_side_text(s) for s in sides if s.judged and not s.allowed)


def closest_miss(verdict: Verdict) -> str:
    """For a denial, the rule that came closest to allowing it, and what it lacked."""
    if verdict.allowed or verdict.src == verdict.dst:
        return ""
    misses = verdict.closest_misses()
    return f"closest: {misses[0]}" if misses else ""


def caveat_text(verdict: Verdict) -> str:
    return "; ".join(verdict.caveats)
