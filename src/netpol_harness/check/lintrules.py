"""The lints, and the registry they write themselves into.

A lint is a function of one `LintInput` (the render, its cluster and evaluator, the
release namespace) that yields findings, registered with its id, severity and one
sentence of purpose:

    @lint_rule(id="my-lint", severity="warning", purpose="A policy that does X.", each_policy=True)
    def my_lint(inp: LintInput) -> Iterator[Finding]:
        for p in inp.policies:
            ...
            yield finding("my-lint", p.label, "spec.ingress[0]", "why, in one sentence")

`lint()` runs the registry in order, and README.md's table of lints is made from it
(scripts/lint_table.py): a new lint needs nothing else. An `each_policy` lint is run once
per rendered NetworkPolicy, `inp.policies` holding that one, so each policy's findings
stay together; the others run once on the whole render, after them. A function that
reports two ids carries one decorator per id and runs once.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Mapping

from ..manifests import RULE_PEERS, pod_templates, rules
from ..net import KUBE_DNS, Cluster, Evaluator, PolicyError, PolicyPort
from ..net.dataplanes import Dataplane
from ..net.workloads import hook_of
from ..report.words import policy_ports_text
from ..textsafe import visible
from .kubernetes import object_label

if TYPE_CHECKING:
    from ..net.evaluate import CompiledPolicy

SEVERITIES = ("error", "warning", "info")
DNS_PORTS = {53, 5353}


@dataclass(frozen=True)
class Finding:
    id: str
    severity: str
    object: str  # "NetworkPolicy/web", "Deployment/db", or "" for the whole render
    path: str  # "spec.ingress[0]"
    why: str
    waived: str = ""  # the waiver's reason, when one applies

    def __str__(self) -> str:
        where = " ".join(x for x in (self.object, self.path) if x)
        waived = f" (waived: {self.waived})" if self.waived else ""
        # One line whatever the names hold: a newline or a terminal escape in one is shown, not obeyed.
        return visible(f"{self.severity:<7} {self.id:<20} {where + ': ' if where else ''}{self.why}{waived}")


@dataclass(frozen=True)
class RenderedPolicy:
    """One rendered NetworkPolicy: as written (labels and paths come from it) and as the
    evaluator read it."""
    raw: Mapping
    compiled: CompiledPolicy

    @property
    def label(self) -> str:
        return object_label(self.raw)


@dataclass(frozen=True)
class LintInput:
    """What every lint reads, built once per render by `lint()`."""
    objects: list[dict]  # the render
    namespace: str  # the release namespace
    cluster: Cluster  # the rendered pods, plus the DNS servers egress should reach
    evaluator: Evaluator  # over `cluster`; it has read every policy, so no lint reads one again
    rendered: frozenset[str]  # the ids of the rendered pods (not the DNS servers)
    policies: tuple[RenderedPolicy, ...]  # every rendered policy; for an each_policy lint, the one
    extra_objects: tuple[dict, ...] = ()  # the cluster's objects beside the render (--with)
    dataplanes: tuple[Dataplane, ...] = ()  # the profiles to judge under; `evaluator` uses the first


Check = Callable[[LintInput], Iterable[Finding]]


@dataclass(frozen=True)
class LintRule:
    id: str
    severity: str
    purpose: str  # one sentence: README.md's table says it
    check: Check | None = None  # None: reported outside the checks (by lint() or apply_waivers)
    each_policy: bool = False


RULES: list[LintRule] = []


def _register(rule: LintRule) -> LintRule:
    if any(r.id == rule.id for r in RULES):
        raise ValueError(f"lint {rule.id!r} is registered twice")
    if rule.severity not in SEVERITIES:
        raise ValueError(f"lint {rule.id!r}: severity {rule.severity!r} is not one of {SEVERITIES}")
    if any(r.check is rule.check and r.each_policy != rule.each_policy for r in RULES if rule.check):
        raise ValueError(f"lint {rule.id!r}: one check is either each_policy or not")
    RULES.append(rule)
    return rule


def lint_rule(*, id: str, severity: str, purpose: str, each_policy: bool = False) -> Callable[[Check], Check]:
    """Register the decorated function as the lint `id`; it is returned unchanged."""
    def register(check: Check) -> Check:
        _register(LintRule(id, severity, purpose, check, each_policy))
        return check
    return register


def reported_elsewhere(*, id: str, severity: str, purpose: str) -> LintRule:
    """Register a lint that no check reports (lint() or apply_waivers does), for its table row."""
    return _register(LintRule(id, severity, purpose))


def finding(id: str, object: str, path: str, why: str, *, severity: str | None = None) -> Finding:
    """A finding of the registered lint `id`, at its registered severity unless told."""
    rule = next((r for r in RULES if r.id == id), None)
    if rule is None:
        raise KeyError(f"lint {id!r} is not registered")
    return Finding(id, severity or rule.severity, object, path, why)


def checks(*, each_policy: bool) -> list[Check]:
    """The registered checks in registry order, each once."""
    return list(dict.fromkeys(r.check for r in RULES if r.check is not None and r.each_policy == each_policy))


# --------------------------------------------------------------------------- the lints


reported_elsewhere(id="no-policies", severity="info",
                   purpose="No NetworkPolicy rendered at all (an error with `--expect-policies`).")


@lint_rule(id="open-rule", severity="error", each_policy=True,
           purpose="A rule without `from`/`to` peers: it allows every peer.")
@lint_rule(id="dns-without-to", severity="warning", each_policy=True,
           purpose="The DNS idiom (port 53 or 5353 only, no `to`): DNS to every address, outside the cluster too.")
def peerless_rules(inp: LintInput) -> Iterator[Finding]:
    """A rule without peers is dns-without-to when it is egress to DNS ports only, else
    open-rule; one pass keeps the two in rule order."""
    for p in inp.policies:
        for direction, key in RULE_PEERS.items():
            for i, rule in enumerate(rules(p.raw, direction)):
                if rule.get(key):
                    continue
                ports = rule.get("ports") or []
                numbers = {port.get("port") for port in ports}
                at = f"spec.{direction}[{i}]"
                if direction == "egress" and ports and numbers <= DNS_PORTS:
                    yield finding("dns-without-to", p.label, at,
                                  "DNS without `to` allows port 53 to every address, outside the cluster too; "
                                  "name the DNS pods (or the NodeLocal address)")
                else:
                    on = "every port" if not ports else "ports " + _ports_said(ports)
                    yield finding("open-rule", p.label, at, f"no `{key}` peers: it allows every peer on {on}")


def _ports_said(ports: list) -> str:
    """A rule's ports as the report says them: sorted by number, each with its protocol, ranges
    kept ("53/TCP, 53/UDP, 80/TCP, 9402-9403/TCP"); an entry the API server would refuse as written."""
    parsed, refused = [], []
    for entry in ports:
        try:
            parsed.append(PolicyPort.parse(entry))
        except (PolicyError, TypeError, ValueError):
            refused.append(visible(repr(entry)))
    return ", ".join(filter(None, [policy_ports_text(parsed), *refused]))


def _open_cidrs(peers: Iterable) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The peers' CIDRs that hold every address of their family (`0.0.0.0/0`, `::/0`) with
    nothing carved out; a CIDR the API server would refuse is apirules' to report."""
    found = []
    for peer in peers:
        block = peer.get("ipBlock") if isinstance(peer, Mapping) else None
        if not isinstance(block, Mapping) or block.get("except"):
            continue
        try:
            network = ipaddress.ip_network(str(block.get("cidr")), strict=False)
        except ValueError:
            continue
        if network.prefixlen == 0 and network not in found:
            found.append(network)
    return found


@lint_rule(id="open-cidr-rule", severity="error", each_policy=True,
           purpose="A rule without ports whose `ipBlock` is `0.0.0.0/0` or `::/0` with no `except`: "
                   "it allows every address of that family on every port.")
def open_cidr_rules(inp: LintInput) -> Iterator[Finding]:
    """Like open-rule, with the peer written out: every address is every peer outside the
    cluster, and every pod too where the dataplane matches pod addresses by ipBlock."""
    for p in inp.policies:
        for direction, key in RULE_PEERS.items():
            for i, rule in enumerate(rules(p.raw, direction)):
                cidrs = _open_cidrs(rule.get(key) or [])
                if not cidrs or rule.get("ports"):
                    continue
                families = " and ".join(f"IPv{n.version}" for n in cidrs)
                yield finding("open-cidr-rule", p.label, f"spec.{direction}[{i}]",
                              f"`{key}` ipBlock {' and '.join(str(n) for n in cidrs)} without ports: "
                              f"it allows every {families} address on every port, outside the cluster too; "
                              f"narrow the CIDR or name the ports")


@lint_rule(id="dead-rules", severity="warning", each_policy=True,
           purpose="Rules under a direction missing from `policyTypes`: the API server ignores them.")
def dead_rules(inp: LintInput) -> Iterator[Finding]:
    for p in inp.policies:
        types = (p.raw.get("spec") or {}).get("policyTypes")
        if not types:
            continue
        for direction in RULE_PEERS:
            if rules(p.raw, direction) and direction.capitalize() not in types:
                yield finding("dead-rules", p.label, f"spec.{direction}",
                              f"{len(rules(p.raw, direction))} {direction} rule(s) under policyTypes {types}: "
                              f"the API server ignores them, so they allow nothing")


@lint_rule(id="unknown-named-port", severity="error", each_policy=True,
           purpose="A named port no pod it applies to declares: the rule matches nothing.")
def unknown_named_ports(inp: LintInput) -> Iterator[Finding]:
    """A named port that no pod it could apply to declares never matches: for ingress
    the pods the policy selects, for egress the rendered pods its peers select."""
    ev = inp.evaluator
    for p in inp.policies:
        for direction in RULE_PEERS:
            compiled_rules = p.compiled.ingress if direction == "ingress" else p.compiled.egress
            for i, crule in enumerate(compiled_rules):
                bits = p.compiled.selected if direction == "ingress" else (0 if crule.all_peers else crule.peer_pods)
                candidates = [pod for k, pod in enumerate(ev.pods) if (bits >> k) & 1 and pod.id in inp.rendered]
                for j, port in enumerate(crule.rule.ports):
                    if not isinstance(port.port, str) or not candidates:
                        continue
                    if not any((port.port, port.protocol) in pod.named_ports for pod in candidates):
                        yield finding("unknown-named-port", p.label, f"spec.{direction}[{i}].ports[{j}]",
                                      f"no pod it applies to declares a {port.protocol} container port named "
                                      f"'{port.port}', so the rule matches nothing")


@lint_rule(id="selects-nothing", severity="warning", each_policy=True,
           purpose="A policy, or a same-namespace pod selector, that selects no rendered pod.")
def selects_nothing(inp: LintInput) -> Iterator[Finding]:
    for p in inp.policies:
        policy = p.compiled.policy
        own = [pod for pod in inp.cluster.pods if pod.namespace == policy.namespace and pod.id in inp.rendered]
        if not own:
            continue
        if not any(policy.pod_selector.matches(pod.labels) for pod in own):
            yield finding("selects-nothing", p.label, "spec.podSelector",
                          f"selects no rendered pod ({policy.pod_selector}); a label typo?")
        if policy.namespace != inp.namespace:
            continue
        for direction, key in RULE_PEERS.items():
            for i, rule in enumerate(policy.ingress if direction == "ingress" else policy.egress):
                for j, peer in enumerate(rule.peers):
                    if peer.pod_selector is not None and peer.namespace_selector is None \
                            and not any(peer.pod_selector.matches(pod.labels) for pod in own):
                        yield finding("selects-nothing", p.label, f"spec.{direction}[{i}].{key}[{j}]",
                                      f"the podSelector {peer.pod_selector} selects no rendered pod of this namespace")


@lint_rule(id="no-dns-egress", severity="warning",
           purpose="Egress isolation with no rule that reaches DNS (kube-dns, NodeLocal DNS, OpenShift DNS).")
def no_dns_egress(inp: LintInput) -> Iterator[Finding]:
    ev = inp.evaluator
    dns = [ev.resolve(KUBE_DNS.id), ev.resolve("ip:169.254.20.10"), ev.resolve("openshift-dns/dns-default")]
    if inp.dataplanes:  # the DNS the profile's cluster runs, and NodeLocal DNS (an add-on anywhere)
        profile = inp.dataplanes[0].dns
        dns = [ev.resolve(f"{profile.namespace}/{profile.name}"), ev.resolve("ip:169.254.20.10")]
    reported: set[str] = set()  # replicas of one workload are one finding
    for pod in inp.cluster.pods:
        owner = pod.workload or f"Pod/{pod.name}"
        if pod.id not in inp.rendered or owner in reported or not ev.egress_of[ev.pod_index[pod.id]]:
            continue
        if not any(ev.check(pod, d, port, "UDP").allowed for d in dns for port in DNS_PORTS):
            reported.add(owner)
            yield finding("no-dns-egress", owner, "",
                          "its egress is isolated and no rule reaches DNS (53/UDP to kube-dns, NodeLocal DNS or "
                          "OpenShift DNS): name lookups will fail")


@lint_rule(id="unselected-workload", severity="info",
           purpose="A workload no policy selects: its pods are open both ways.")
def unselected_workloads(inp: LintInput) -> Iterator[Finding]:
    ev = inp.evaluator
    for owner, _template in pod_templates(inp.objects):
        if hook_of(owner):
            continue
        pods = [p for p in inp.cluster.pods if p.workload == object_label(owner)]
        if pods and not any(ev.selecting[ev.pod_index[p.id]] for p in pods):
            yield finding("unselected-workload", object_label(owner), "",
                          "no NetworkPolicy selects its pods: they are open both ways")


reported_elsewhere(id="stale-waiver", severity="warning",
                   purpose="A waiver in `netpol.yaml` that matches nothing in the render it applies to.")
