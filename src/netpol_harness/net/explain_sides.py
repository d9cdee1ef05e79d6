"""The explanation of a point query made cheap: the sides, reason and caveats of a verdict
between two pods, read off plans made once per class of the end and direction.

A side of a pod that only NetworkPolicies can rule on (no admin or Cilium policy in the
cluster, a profile that reads peers as the API does) is its isolating policies, the rules
among theirs whose port and peer admit the connection, and its bystanders. All of them
depend only on the classes of the two pods (`classes`: pods no selector, peer or named
port tells apart), so they are read off the class query, compiled over one pod per class
when the verdict's class rows were made: a rule's peers are a bitset over classes, a bit
test each. Anything else (an External, host traffic, other kinds) goes the general way
(`Query.side`); both give equal verdicts, which the tests compare.
"""
from __future__ import annotations

import weakref
from typing import Any

from .lazyverdict import between
from .policy import ports_match
from .verdict import SideVerdict, Verdict

_PLANS: "weakref.WeakKeyDictionary[Any, Sides]" = weakref.WeakKeyDictionary()
_LAST: list = [None, None]  # (a weak reference to the query asked last, its Sides): most calls ask one query
_new = object.__new__
# Every class's plans are made with the query's Sides (at its first verdict from the class
# rows) up to this many classes (about 25 µs a plan: 40 ms at 10,000 pods), so that no
# question pays for them; past it, as classes are met.
PLANS_AHEAD = 4096


def deferred(query: Any, allowed: bool, i: int, j: int, port: int, protocol: str) -> Verdict:
    """`Query.check`'s verdict from pod i to another pod j, its explanation made when read
    (by the query's `Sides`, called with the verdict's fields)."""
    last, sides = _LAST
    if last is None or last() is not query or sides.version != query.cluster.version:
        sides = sides_of(query)
    pods = query.pods
    ids, endpoints = pods.ids, pods.pods
    return between(allowed, ids[i], ids[j], endpoints[i], endpoints[j], port, protocol, sides, _context, (query, i, j))


def _context(state: dict) -> Any:
    return state["_pair"][0].context(state["src_endpoint"], state["dst_endpoint"])


def sides_of(query: Any) -> "Sides":
    """The query's plans, made with its first verdict from the class rows."""
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

    __slots__ = ("rules", "peers", "template", "head", "denied", "open", "allowed")

    def __init__(self, direction: str, policies: list, bystanders: tuple) -> None:
        isolating = tuple(cp.policy for cp in policies)
        rules = [crule for cp in policies for crule in (cp.ingress if direction == "ingress" else cp.egress)]
        # (ref, its text, ports, the classes its peers admit), and the classes any of them admits:
        # most peers are none of them, told by one bit test.
        self.rules = tuple((crule.ref, str(crule.ref), crule.rule.ports, crule.peer_pods) for crule in rules)
        self.peers = 0
        for rule in self.rules:
            self.peers |= rule[3]
        self.template = {"direction": direction, "endpoint": "", "judged": True, "isolating": isolating,
                         "allowed_by": (), "bystanders": bystanders, "tier_steps": (), "decided_by": None,
                         "others": (), "notes": ()}
        # The side's part of the reason, but for the end's id: `Query.side`'s words.
        self.head = f"{direction}: "
        ids = ", ".join(p.id for p in isolating)
        self.denied = f" is isolated by {ids} and no rule allows it" if isolating else None
        self.open = f"{direction}: no policy isolates "
        self.allowed = f"{direction}: allowed by "

    def side(self, end_id: str, co: int, named: Any, port: int, protocol: str) -> tuple[SideVerdict, str]:
        """The side of an end (`end_id`) of this class with a peer of class co (`named`: the
        destination's named ports), and its part of the reason."""
        side = _new(SideVerdict)  # the fields at once into its own dict: a frozen dataclass sets them one by one
        state = side.__dict__
        state.update(self.template)
        state["endpoint"] = end_id
        if (self.peers >> co) & 1:
            hits = [(ref, text) for ref, text, ports, peers in self.rules
                    if (peers >> co) & 1 and ports_match(ports, port, protocol, named)]
            if hits:
                state["allowed_by"] = tuple(ref for ref, _ in hits)
                return side, self.allowed + ", ".join(text for _, text in hits)
        if self.denied is not None:
            return side, self.head + end_id + self.denied
        return side, self.open + end_id


class Sides:
    """The plans of one Query, made as classes are met. It keeps no reference to the Query,
    which is the key it is kept under (weakly)."""

    def __init__(self, query: Any) -> None:
        cluster = query.cluster
        self.version = cluster.version  # a Query answers for one version of its cluster
        dp = query.dataplane
        # A profile that reads peers as the API does, and leaves host traffic to the policies
        # (`hosts`: with neither end on the host network, it decides nothing and notes nothing);
        # kinds with no policies rule on nothing and add nothing to a side (no steps, notes or rules).
        self.plain = not cluster.admin_policies and not cluster.cilium_policies and dp.is_api \
            and not dp.has("endport") and not dp.host_pods_outside and not dp.local_host_allowed
        self.unmodelled = bool(cluster.unmodelled)
        self.plans: tuple[dict[int, Plan], dict[int, Plan]] = ({}, {})  # egress, ingress: by class
        if self.plain:
            over = query.class_query()  # itself when every pod is a class of its own
            self.networkpolicies = over.kinds.get("NetworkPolicy")
            self.plain = self.networkpolicies is not None
            self.pod_named = over.matchers.ports.pod_named  # per class: classes tell named ports apart
            self.class_of = query.classes.of
            # Host traffic goes the general way: the pods on the host network, by index.
            self.host = frozenset(i for i, pod in enumerate(query.pods.pods) if pod.host_network)
            if self.plain and query.classes.count <= PLANS_AHEAD:
                for c in range(query.classes.count):
                    self.plan("egress", c)
                    self.plan("ingress", c)

    def plan(self, direction: str, c: int) -> Plan:
        """Class c's plan for `direction`, made when the class is first met."""
        kind = self.networkpolicies
        policies = kind.ingress_of[c] if direction == "ingress" else kind.egress_of[c]
        policy_type = direction.capitalize()
        bystanders = tuple(cp.policy for cp in kind.selecting[c] if policy_type not in cp.policy.policy_types)
        plan = self.plans[direction == "ingress"][c] = Plan(direction, policies, bystanders)
        return plan

    def __call__(self, state: dict) -> None:
        """egress, ingress, reason and caveats of a verdict from pod i to pod j (`_pair`), into
        its fields (`state`)."""
        query, i, j = state["_pair"]
        port, protocol = state["port"], state["protocol"]
        if not self.plain or (self.host and (i in self.host or j in self.host)):
            full = query.verdict(state["src_endpoint"], state["dst_endpoint"], port, protocol)
            state.update(egress=full.egress, ingress=full.ingress, reason=full.reason, caveats=full.caveats)
            return
        ci, cj = self.class_of[i], self.class_of[j]
        named = self.pod_named[cj]  # ports are the destination's
        plan = self.plans[0].get(ci) or self.plan("egress", ci)
        state["egress"], why_out = plan.side(state["src"], cj, named, port, protocol)
        plan = self.plans[1].get(cj) or self.plan("ingress", cj)
        state["ingress"], why_in = plan.side(state["dst"], ci, named, port, protocol)
        state["reason"] = why_out + "; " + why_in
        notes = query.caveats(state["src_endpoint"], state["dst_endpoint"]) if self.unmodelled else ()
        if protocol == "SCTP" and not query.dataplane.sctp:
            notes += (f"not modelled: {query.dataplane.note('sctp')}",)
        state["caveats"] = tuple(dict.fromkeys(notes)) if notes else ()
