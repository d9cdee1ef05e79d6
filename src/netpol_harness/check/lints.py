"""Policy mistakes that are valid objects, as findings a chart's CI can gate on.

Each finding has an id, a severity (error, warning, info), the object and path, and
one sentence of why. `netpol validate` fails on unwaived errors only. The lints are
registered in netpol_harness.check.lintrules, which says how to add one; `lint()` runs
them in registry order. A chart keeps its deliberate idioms in a waiver file,
`netpol.yaml` at the chart root:

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

from ..loader import load_yaml_file
from ..manifests import networkpolicies
from ..net import KUBE_DNS, Cluster, Evaluator
from ..net.cluster import ContainerPort, add_kube_dns
from ..net.dataplanes import KUBERNETES, Dataplane, dataplane
from ..net.policy import policy_id
from . import tierlints  # noqa: F401 (registers the lints of a render beside the cluster's admin policies)
from . import dataplanelints  # noqa: F401 (registers the lint of flows that depend on the CNI)
from .lintrules import (RULES, SEVERITIES, Finding, LintInput, LintRule, RenderedPolicy, checks, finding,
                        lint_rule)

__all__ = ["RULES", "SEVERITIES", "WAIVER_FILE", "Finding", "LintInput", "LintRule", "Waiver", "apply_waivers",
           "failing", "lint", "lint_rule", "load_waivers"]

WAIVER_FILE = "netpol.yaml"


@dataclass(frozen=True)
class Waiver:
    id: str
    reason: str
    object: str = "*"
    path: str = "*"

    def covers(self, finding: Finding) -> bool:
        return (self.id == finding.id and fnmatch.fnmatchcase(finding.object, self.object)
                and fnmatch.fnmatchcase(finding.path, self.path))


# --------------------------------------------------------------------------- running the registry


def _dns_cluster(objects: list[dict], namespace: str, extra_objects: list[dict] = ()) -> tuple[Cluster, set[str]]:
    """The rendered pods (their ids) plus the cluster's objects and the DNS servers egress rules should reach."""
    cluster = Cluster.from_manifests(objects, namespace)
    rendered = {p.id for p in cluster.pods}
    cluster.add_objects(extra_objects, namespace)
    if cluster.pod(KUBE_DNS.id) is None:
        add_kube_dns(cluster)
    cluster.add_pod("openshift-dns", "dns-default", {"dns.operator.openshift.io/daemonset-dns": "default"},
                    ports=[ContainerPort("dns", 5353, "UDP"), ContainerPort("dns-tcp", 5353, "TCP")])
    cluster.add_external("169.254.20.10")
    return cluster, rendered


def lint_input(objects: list[dict], namespace: str, policies: list[dict], extra_objects: list[dict] = (),
               dataplanes: Iterable[Dataplane] = ()) -> LintInput:
    cluster, rendered = _dns_cluster(objects, namespace, extra_objects)
    profiles = tuple(dataplanes)
    ev = Evaluator(cluster, dataplane=profiles[0] if profiles else KUBERNETES)
    # The evaluator has read every policy already: one reading serves every lint.
    compiled = {c.policy.id: c for c in ev.policies}
    return LintInput(objects, namespace, cluster, ev, frozenset(rendered),
                     tuple(RenderedPolicy(raw, compiled[policy_id(raw, namespace)]) for raw in policies),
                     tuple(extra_objects), profiles)


def lint(objects: list[dict], *, namespace: str = "default", expect_policies: bool = False,
         extra_objects: list[dict] = (), dataplanes: Iterable[Dataplane | str] = ()) -> list[Finding]:
    """Every finding on a render; `namespace` is the release namespace. Each policy's
    findings come first, policy by policy, in registry order; then the render's.
    `extra_objects`: the cluster's objects (`--with FILE`: admin policies, namespaces ...),
    judged beside the render but never linted themselves. `dataplanes`: the profiles to
    judge under (the first for every lint; `dataplane-dependent` compares them all)."""
    policies = networkpolicies(objects)
    if not policies:
        return [finding("no-policies", "", "", "the render has no NetworkPolicy: nothing is isolated",
                        severity="error" if expect_policies else None)]
    inp = lint_input(objects, namespace, policies, list(extra_objects), [dataplane(d) for d in dataplanes])
    findings: list[Finding] = []
    for policy in inp.policies:
        one = replace(inp, policies=(policy,))
        for check in checks(each_policy=True):
            findings += check(one)
    for check in checks(each_policy=False):
        findings += check(inp)
    return findings


# --------------------------------------------------------------------------- waivers


def load_waivers(chart: str | Path) -> list[Waiver]:
    """The waivers of a chart's netpol.yaml ([] without one); a malformed file raises ValueError."""
    path = Path(chart) / WAIVER_FILE
    if not path.is_file():
        return []
    data = load_yaml_file(path) or {}
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
    for found in findings:
        hit = next((k for k, w in enumerate(waivers) if w.covers(found)), None)
        if hit is not None:
            used.add(hit)
            found = replace(found, waived=waivers[hit].reason)
        out.append(found)
    for k, w in enumerate(waivers):
        if k not in used:
            out.append(finding("stale-waiver", WAIVER_FILE, f"waivers[{k}]",
                               f"waives {w.id} on {w.object} {w.path}, which is not found any more; remove it"))
    return out


def failing(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error" and not f.waived]

