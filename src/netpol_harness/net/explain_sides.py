"""The explanation of a point query made cheap: the sides, reason and caveats of a verdict
between two pods, read off plans made once per class of the end and direction.

A side of a pod that only NetworkPolicies can rule on (no admin or Cilium policy in the
cluster, a profile that reads peers as the API does) is its isolating policies, the rules
among theirs whose port and peer admit the connection, and its bystanders: the policies
and bystanders depend only on the pod's class (`classes`: pods no selector tells apart),
the rules that allow on the peer and the port, a bit test each. Anything else (an
External, host traffic, other kinds) goes the general way (`Query.side`); both give equal
verdicts, which the tests compare.
"""
from __future__ import annotations

import weakref
from typing import Any

from .cluster import Pod
from .lazyverdict import LazyVerdict
from .policy import ports_match
from .verdict import SideVerdict, Verdict

_PLANS: "weakref.WeakKeyDictionary[Any, Sides]" = weakref.WeakKeyDictionary()
_LAST: list = [None, None]  # (a weak reference to the query asked last, its Sides): most calls ask one query


def deferred(query: Any, allowed: bool, i: int, j: int, port: int, protocol: str) -> Verdict:
    """`Query.check`'s verdict from pod i to another pod j, its explanation made when read."""
    pods = query.pods.pods
    src, dst = pods[i], pods[j]
    return LazyVerdict.split(allowed, src, dst, port, protocol,
                             lambda: sides_of(query).fields(query, src, dst, i, j, port, protocol),
                             lambda: query.context(src, dst))


def sides_of(query: Any) -> "Sides":
    """The query's plans, made when a first explanation is read (they need the kinds compiled)."""
    last, known = _LAST
    sides = known if last is not None and last() is query else _PLANS.get(query)
    if sides is None or sides.version != query.cluster.version:
        sides = _PLANS[query] = Sides(query)
    if sides is not known:  # the pair in one assignment: another thread never sees one query with another's plans
        _LAST[:] = weakref.ref(query, _forget), sides
    return sides


def _forget(ref: weakref.ref) -> None:
    if _LAST[0] is ref:  # the query is gone: so go its plans
        _LAST[:] = None, None


class Plan:
    """One class's side for one direction: what does not depend on the other end."""

    __slots__ = ("isolating", "bystanders", "rules", "ids", "template")

    def __init__(self, direction: str, policies: list, bystanders: tuple) -> None:
        self.isolating = tuple(cp.policy for cp in policies)
        self.bystanders = bystanders
        rules = [crule for cp in policies for crule in (cp.ingress if direction == "ingress" else cp.egress)]
        self.rules = [(crule.ref, str(crule.ref), crule.rule.ports, crule.peer_pods) for crule in rules]
        self.ids = ", ".join(p.id for p in self.isolating)
        self.template = {"direction": direction, "endpoint": "", "judged": True, "isolating": self.isolating,
                         "allowed_by": (), "bystanders": bystanders, "tier_steps": (), "decided_by": None,
                         "others": (), "notes": ()}


class Sides:
    """The plans of one Query, made as classes are met. It keeps no reference to the Query,
    which is the key it is kept under (weakly)."""

    def __init__(self, query: Any) -> None:
        cluster = query.cluster
        self.version = cluster.version  # a Query answers for one version of its cluster
        kinds = query.kinds
        dp = query.dataplane
        # Kinds with no policies rule on nothing and add nothing to a side (no steps, notes or rules).
        alone = not cluster.admin_policies and not cluster.cilium_policies and "NetworkPolicy" in kinds
        self.networkpolicies = kinds.get("NetworkPolicy")
        self.pod_named = query.matchers.ports.pod_named
        # A profile that reads peers as the API does, and leaves host traffic to the policies
        # (`hosts`: with neither end on the host network, it decides nothing and notes nothing).
        self.plain = alone and dp.is_api and not dp.has("endport") and not dp.host_pods_outside \
            and not dp.local_host_allowed
        self.unmodelled = bool(cluster.unmodelled)
        self.class_of = query.classes.of  # pods of one class are selected by the same policies
        self.plans: dict[tuple[str, int], Plan] = {}

    def plan(self, direction: str, i: int) -> Plan:
        key = (direction, self.class_of[i])
        plan = self.plans.get(key)
        if plan is None:
            kind = self.networkpolicies
            policies = kind.ingress_of[i] if direction == "ingress" else kind.egress_of[i]
            policy_type = direction.capitalize()
            bystanders = tuple(cp.policy for cp in kind.selecting[i] if policy_type not in cp.policy.policy_types)
            plan = self.plans[key] = Plan(direction, policies, bystanders)
        return plan

    def fields(self, query: Any, src: Pod, dst: Pod, i: int, j: int, port: int, protocol: str) -> dict[str, Any]:
        """egress, ingress, reason and caveats of the verdict from pod i to pod j."""
        if not self.plain or src.host_network or dst.host_network:
            full = query.verdict(src, dst, port, protocol)
            return {"egress": full.egress, "ingress": full.ingress, "reason": full.reason, "caveats": full.caveats}
        egress, why_out = self.side("egress", src, i, j, j, port, protocol)
        ingress, why_in = self.side("ingress", dst, j, i, j, port, protocol)
        notes = query.caveats(src, dst) if self.unmodelled else ()
        if protocol == "SCTP" and not query.dataplane.sctp:
            notes += (f"not modelled: {query.dataplane.note('sctp')}",)
        return {"egress": egress, "ingress": ingress, "reason": f"{why_out}; {why_in}",
                "caveats": tuple(dict.fromkeys(notes)) if notes else ()}

    def side(self, direction: str, end: Pod, i: int, j: int, d: int, port: int, protocol: str) -> tuple[SideVerdict, str]:
        """Pod i's side of a connection with pod j (d: the destination's index), and its part of the reason."""
        plan = self.plan(direction, i)
        state = plan.template.copy()
        state["endpoint"] = end_id = end.id
        side = object.__new__(SideVerdict)  # the fields at once: a frozen dataclass sets them one by one
        object.__setattr__(side, "__dict__", state)
        if plan.rules:
            other_bit = 1 << j
            near = [rule for rule in plan.rules if rule[3] & other_bit]  # the peer first: most rules miss it
            if near:
                named = self.pod_named[d]
                hits = [(ref, text) for ref, text, ports, _ in near if ports_match(ports, port, protocol, named)]
                if hits:
                    state["allowed_by"] = tuple(ref for ref, _ in hits)
                    return side, f"{direction}: allowed by {', '.join(text for _, text in hits)}"
        if plan.isolating:
            return side, f"{direction}: {end_id} is isolated by {plan.ids} and no rule allows it"
        return side, f"{direction}: no policy isolates {end_id}"
