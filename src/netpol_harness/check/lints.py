"""Policy mistakes that are valid objects, as findings a chart's CI can gate on.

Each finding has an id, a severity (error, warning, info), the object and path, and
one sentence of why. `netpol validate` fails on unwaived errors only. A chart keeps its
deliberate idioms in a waiver file, `netpol.yaml` at the chart root:

    waivers:
      - id: dns-without-to
        object: NetworkPolicy/redis      # optional; shell-style pattern
        path: spec.egress[0]             # optional
        reason: the DNS idiom: 53 to any address, kept on purpose

A waiver that matches nothing is itself reported (stale-waiver), so waivers do not
outlive the code they excuse.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Mapping

import yaml

from ..manifests import RULE_PEERS, networkpolicies, pod_templates, rules
from ..net import KUBE_DNS, Cluster, Evaluator, NetworkPolicy
from ..net.evaluate import CompiledPolicy
from ..net.policy import policy_id
from ..net.cluster import ContainerPort, add_kube_dns
from .kubernetes import object_label

WAIVER_FILE = "netpol.yaml"
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
        return f"{self.severity:<7} {self.id:<20} {where + ': ' if where else ''}{self.why}{waived}"


@dataclass(frozen=True)
class Waiver:
    id: str
    reason: str
    object: str = "*"
    path: str = "*"

    def covers(self, finding: Finding) -> bool:
        return (self.id == finding.id and fnmatch.fnmatchcase(finding.object, self.object)
                and fnmatch.fnmatchcase(finding.path, self.path))


# --------------------------------------------------------------------------- the lints


def _open_rules(policy: Mapping) -> Iterable[Finding]:
    for direction, key in RULE_PEERS.items():
        for i, rule in enumerate(rules(policy, direction)):
            if rule.get(key):
                continue
            ports = rule.get("ports") or []
            numbers = {p.get("port") for p in ports}
            at = f"spec.{direction}[{i}]"
            if direction == "egress" and ports and numbers <= DNS_PORTS:
                yield Finding("dns-without-to", "warning", object_label(policy), at,
                              "DNS without `to` allows port 53 to every address, outside the cluster too; "
                              "name the DNS pods (or the NodeLocal address)")
            else:
                on = "every port" if not ports else "ports " + ", ".join(str(n) for n in numbers)
                yield Finding("open-rule", "error", object_label(policy), at, f"no `{key}` peers: it allows every peer on {on}")


def _dead_rules(policy: Mapping) -> Iterable[Finding]:
    types = (policy.get("spec") or {}).get("policyTypes")
    if not types:
        return
    for direction in RULE_PEERS:
        if rules(policy, direction) and direction.capitalize() not in types:
            yield Finding("dead-rules", "warning", object_label(policy), f"spec.{direction}",
                          f"{len(rules(policy, direction))} {direction} rule(s) under policyTypes {types}: "
                          f"the API server ignores them, so they allow nothing")


def _unknown_named_ports(compiled: CompiledPolicy, raw: Mapping, ev: Evaluator, rendered: set[str]) -> Iterable[Finding]:
    """A named port that no pod it could apply to declares never matches: for ingress
    the pods the policy selects, for egress the rendered pods its peers select."""
    for direction in RULE_PEERS:
        for i, crule in enumerate(compiled.ingress if direction == "ingress" else compiled.egress):
            bits = compiled.selected if direction == "ingress" else (0 if crule.all_peers else crule.peer_pods)
            candidates = [p for k, p in enumerate(ev.pods) if (bits >> k) & 1 and p.id in rendered]
            for j, port in enumerate(crule.rule.ports):
                if not isinstance(port.port, str) or not candidates:
                    continue
                if not any((port.port, port.protocol) in p.named_ports for p in candidates):
                    yield Finding("unknown-named-port", "error", object_label(raw), f"spec.{direction}[{i}].ports[{j}]",
                                  f"no pod it applies to declares a {port.protocol} container port named "
                                  f"'{port.port}', so the rule matches nothing")


def _selects_nothing(policy: NetworkPolicy, raw: Mapping, cluster: Cluster, rendered: set[str],
                     release_namespace: str) -> Iterable[Finding]:
    own = [p for p in cluster.pods if p.namespace == policy.namespace and p.id in rendered]
    if not own:
        return
    if not any(policy.pod_selector.matches(p.labels) for p in own):
        yield Finding("selects-nothing", "warning", object_label(raw), "spec.podSelector",
                      f"selects no rendered pod ({policy.pod_selector}); a label typo?")
    if policy.namespace != release_namespace:
        return
    for direction, key in RULE_PEERS.items():
        for i, rule in enumerate(policy.ingress if direction == "ingress" else policy.egress):
            for j, peer in enumerate(rule.peers):
                if peer.pod_selector is not None and peer.namespace_selector is None \
                        and not any(peer.pod_selector.matches(p.labels) for p in own):
                    yield Finding("selects-nothing", "warning", object_label(raw), f"spec.{direction}[{i}].{key}[{j}]",
                                  f"the podSelector {peer.pod_selector} selects no rendered pod of this namespace")


def _no_dns_egress(cluster: Cluster, ev: Evaluator, rendered: set[str]) -> Iterable[Finding]:
    dns = [ev.resolve(KUBE_DNS.id), ev.resolve("ip:169.254.20.10"), ev.resolve("openshift-dns/dns-default")]
    reported: set[str] = set()  # replicas of one workload are one finding
    for pod in cluster.pods:
        owner = pod.workload or f"Pod/{pod.name}"
        if pod.id not in rendered or owner in reported or not ev.egress_of[ev.pod_index[pod.id]]:
            continue
        if not any(ev.check(pod, d, port, "UDP").allowed for d in dns for port in DNS_PORTS):
            reported.add(owner)
            yield Finding("no-dns-egress", "warning", owner, "",
                          "its egress is isolated and no rule reaches DNS (53/UDP to kube-dns, NodeLocal DNS or "
                          "OpenShift DNS): name lookups will fail")


def _dns_cluster(objects: list[dict], namespace: str) -> tuple[Cluster, set[str]]:
    """The rendered pods (their ids) plus the DNS servers egress rules should reach."""
    cluster = Cluster.from_manifests(objects, namespace)
    rendered = {p.id for p in cluster.pods}
    if cluster.pod(KUBE_DNS.id) is None:
        add_kube_dns(cluster)
    cluster.add_pod("openshift-dns", "dns-default", {"dns.operator.openshift.io/daemonset-dns": "default"},
                    ports=[ContainerPort("dns", 5353, "UDP"), ContainerPort("dns-tcp", 5353, "TCP")])
    cluster.add_external("169.254.20.10")
    return cluster, rendered


def lint(objects: list[dict], *, namespace: str = "default", expect_policies: bool = False) -> list[Finding]:
    """Every finding on a render; `namespace` is the release namespace."""
    policies = networkpolicies(objects)
    if not policies:
        return [Finding("no-policies", "error" if expect_policies else "info", "", "",
                        "the render has no NetworkPolicy: nothing is isolated")]
    cluster, rendered = _dns_cluster(objects, namespace)
    ev = Evaluator(cluster)
    # The evaluator has read every policy already: one reading serves every lint.
    compiled = {c.policy.id: c for c in ev.policies}
    findings: list[Finding] = []
    for raw in policies:
        findings += list(_open_rules(raw)) + list(_dead_rules(raw))
        policy = compiled[policy_id(raw, namespace)]
        findings += list(_unknown_named_ports(policy, raw, ev, rendered))
        if rendered:
            findings += list(_selects_nothing(policy.policy, raw, cluster, rendered, namespace))
    findings += list(_no_dns_egress(cluster, ev, rendered))
    for owner, template in pod_templates(objects):
        pods = [p for p in cluster.pods if p.workload == object_label(owner)]
        if pods and not any(ev.selecting[ev.pod_index[p.id]] for p in pods):
            findings.append(Finding("unselected-workload", "info", object_label(owner), "",
                                    "no NetworkPolicy selects its pods: they are open both ways"))
    return findings


# --------------------------------------------------------------------------- waivers


def load_waivers(chart: str | Path) -> list[Waiver]:
    """The waivers of a chart's netpol.yaml ([] without one); a malformed file raises ValueError."""
    path = Path(chart) / WAIVER_FILE
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text()) or {}
    entries = data.get("waivers") if isinstance(data, Mapping) else None
    if not isinstance(entries, list):
        raise ValueError(f"{path}: write `waivers:` as a list of {{id, object, path, reason}}")
    waivers = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or not entry.get("id") or not entry.get("reason"):
            raise ValueError(f"{path}: waivers[{i}] needs an id and a reason")
        waivers.append(Waiver(str(entry["id"]), str(entry["reason"]), str(entry.get("object", "*")),
                              str(entry.get("path", "*"))))
    return waivers


def apply_waivers(findings: list[Finding], waivers: list[Waiver]) -> list[Finding]:
    """Findings with `waived` set where a waiver covers them, plus one stale-waiver
    finding for each waiver that covers nothing."""
    used: set[int] = set()
    out = []
    for finding in findings:
        hit = next((k for k, w in enumerate(waivers) if w.covers(finding)), None)
        if hit is not None:
            used.add(hit)
            finding = replace(finding, waived=waivers[hit].reason)
        out.append(finding)
    for k, w in enumerate(waivers):
        if k not in used:
            out.append(Finding("stale-waiver", "warning", WAIVER_FILE, f"waivers[{k}]",
                               f"waives {w.id} on {w.object} {w.path}, which is not found any more; remove it"))
    return out


def failing(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error" and not f.waived]

