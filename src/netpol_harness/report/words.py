"""Policies in words, and probes written short.

`describe_policy` says what one NetworkPolicy does the way a reviewer reads it: which pods
it selects, whether it isolates each direction, and each rule's peers and ports.
`collapse` writes a set of probes against all that were probed: "every probed port",
"every probed port but 53/UDP", or "53/UDP, 8080-8082/TCP". `ports_in_order` says the ports of
each part of a pair in the order the text report reads them: the ports named first, then
"every other probed port". Port lists are sorted by number, each port with its protocol.
"""
from __future__ import annotations

from typing import Collection, Iterable, Sequence

from ..net import NetworkPolicy, Rule
from ..net.policy import policy_ports_text  # noqa: F401 (the report says ports as the evaluator does)
from .probe import Probe


def _selected(policy: NetworkPolicy) -> str:
    if policy.pod_selector.is_empty:
        return f"every pod in namespace {policy.namespace}"
    return f"pods {policy.pod_selector} in namespace {policy.namespace}"


def _ports(rule: Rule) -> str:
    return "every port" if not rule.ports else policy_ports_text(rule.ports)


def _rule(rule: Rule, direction: str, namespace: str) -> str:
    word = "from" if direction == "ingress" else "to"
    if not rule.peers:
        peers = "anywhere (pods and addresses)"
    else:
        peers = " or ".join(p.describe(namespace) for p in rule.peers)
    return f"{word} {peers}, on {_ports(rule)}"


def describe_policy(policy: NetworkPolicy) -> list[str]:
    """One line for what the policy selects, then one per direction and per rule."""
    lines = [f"{policy.id} selects {_selected(policy)}."]
    for direction, affects, rules in (("ingress", policy.affects_ingress, policy.ingress),
                                      ("egress", policy.affects_egress, policy.egress)):
        title = direction.capitalize()
        if not affects:
            lines.append(f"  {title}: not restricted by this policy (policyTypes {', '.join(policy.policy_types)}).")
        elif not rules:
            lines.append(f"  {title}: denies everything (isolates, no rules).")
        else:
            lines.append(f"  {title}: allows only")
            lines += [f"    [{k}] {_rule(rule, direction, policy.namespace)}" for k, rule in enumerate(rules)]
    return lines


# --------------------------------------------------------------------------- probes


def _runs(numbers: Sequence[int]) -> list[str]:
    """Consecutive numbers as ranges: [80, 81, 82, 443] -> ["80-82", "443"]."""
    out: list[str] = []
    start = prev = None
    for n in sorted(numbers):
        if prev is not None and n == prev + 1:
            prev = n
            continue
        if start is not None:
            out.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = n
    if start is not None:
        out.append(str(start) if start == prev else f"{start}-{prev}")
    return out


def ports_text(probes: Iterable[Probe]) -> str:
    """Probes listed short, consecutive ports of one protocol as a range: "53/UDP, 8080-8082/TCP"."""
    by_protocol: dict[str, list[int]] = {}
    for p in sorted(set(probes), key=lambda p: (p.port, p.protocol)):
        by_protocol.setdefault(p.protocol, []).append(p.port)
    parts = [(int(run.split("-")[0]), f"{run}/{proto}") for proto, numbers in by_protocol.items() for run in _runs(numbers)]
    return ", ".join(text for _, text in sorted(parts))


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def collapse(probes: Iterable[Probe], universe: Iterable[Probe]) -> str:
    """`probes` said against every probe that was asked: the shorter of the list and
    "every probed port but ..."."""
    chosen, every = set(probes), set(universe)
    listed = ports_text(chosen)
    if chosen >= every:
        return "every probed port" if len(every) > 1 else listed
    rest = every - chosen
    if len(rest) < len(chosen):
        return "every probed port but " + _and(ports_text(rest).split(", "))
    return listed


EVERY_OTHER = "every other probed port"


def ports_in_order(groups: Sequence[Collection[Probe]], universe: Iterable[Probe]) -> list[tuple[int, str]]:
    """The ports of each group (the probes of a pair that share a verdict) in the order to say
    them, as (index of the group, its ports): where the groups hold every probe asked, the
    largest of two probes or more is said last, as "every other probed port", the others
    first in their order, by their ports ("53/TCP, 53/UDP"); one group that holds every
    probe is "every probed port". Nothing is said as "every probed port but ...": a reader
    learns what is named before what is left."""
    sets, every = [set(g) for g in groups], set(universe)
    if len(sets) == 1 and sets[0] >= every:
        return [(0, "every probed port" if len(every) > 1 else ports_text(sets[0]))]
    rest = None
    if sets and set().union(*sets) >= every:
        # The largest; of equal ones the later, so a denial follows what is allowed.
        largest = max(reversed(range(len(sets))), key=lambda k: len(sets[k]))
        rest = largest if len(sets[largest]) > 1 else None
    said = [(k, ports_text(probes)) for k, probes in enumerate(sets) if k != rest]
    return said + ([(rest, EVERY_OTHER)] if rest is not None else [])
