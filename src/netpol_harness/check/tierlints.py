"""Lints of a render composed with the cluster's admin policies (`--with FILE`): where the
Admin tier overrides what the chart's own NetworkPolicies allow, and where a workload
gets a flow only from the Baseline tier, which stops applying the moment a NetworkPolicy
isolates it. Both are silent without admin policies in the model.

Registered with `lint_rule`, like every lint (netpol_harness.check.lintrules).
"""
from __future__ import annotations

from typing import Iterator

from ..net import Pod, SideVerdict
from ..report.probe import cluster_probes
from .lintrules import Finding, LintInput, finding, lint_rule

def _probes(inp: LintInput) -> list[tuple[int, str]]:
    """The ports worth asking about, as the report chooses them: those the policies and
    containers name, DNS and HTTPS."""
    return [(p.port, p.protocol) for p in cluster_probes(inp.cluster)]


def _flows(inp: LintInput) -> Iterator[tuple[Pod, str, Pod, int, str, SideVerdict, SideVerdict]]:
    """Each rendered workload's first pod, each direction, each other pod and probe, with
    the workload's side as the cluster decides it (every layer, in order) and as its
    NetworkPolicies alone say."""
    ev, seen, probes = inp.evaluator, set(), _probes(inp)
    for pod in inp.cluster.pods:
        owner = pod.workload or f"Pod/{pod.name}"
        if pod.id not in inp.rendered or owner in seen:
            continue
        seen.add(owner)
        for other in inp.cluster.pods:
            if other.id == pod.id:
                continue
            for port, protocol in probes:
                for direction, (src, dst) in (("egress", (pod, other)), ("ingress", (other, pod))):
                    verdict = ev.check(src, dst, port, protocol)
                    final = verdict.egress if direction == "egress" else verdict.ingress
                    own = ev.sides_by_kind(src, dst, port, protocol)[direction]["NetworkPolicy"]
                    yield pod, direction, other, port, protocol, final, own


@lint_rule(id="relies-on-baseline", severity="info",
           purpose="A workload gets a flow only from a Baseline-tier Allow, which a NetworkPolicy isolating it would end.")
@lint_rule(id="admin-deny-overrides", severity="warning",
           purpose="A rendered NetworkPolicy rule allows a flow that an Admin-tier Deny of the cluster blocks.")
def tier_lints(inp: LintInput) -> Iterator[Finding]:
    """Both lints from one walk of the flows (each flow is a verdict and a per-kind reading):
    the Admin-tier findings first, then the Baseline-tier ones."""
    if not inp.cluster.admin_policies:
        return
    overrides: dict[tuple, Finding] = {}
    relies: dict[tuple, Finding] = {}
    for pod, direction, other, port, protocol, final, own in _flows(inp):
        step, where = final.decided_by, "to" if direction == "egress" else "from"
        if step is None:
            continue
        if step.tier == "Admin" and step.effect == "deny" and own.allowed_by:
            ref = own.allowed_by[0]
            key = (ref, str(step))
            if key not in overrides:
                overrides[key] = finding(
                    "admin-deny-overrides", f"NetworkPolicy/{ref.policy.split('/', 1)[1]}", f"spec.{direction}[{ref.index}]",
                    f"allows {pod.id} {direction} {where} {other.id} on {port}/{protocol}, "
                    f"but the cluster's {step} denies it first")
        elif step.tier == "Baseline" and step.effect == "allow":
            owner = pod.workload or f"Pod/{pod.name}"
            key = (owner, direction, str(step))
            if key not in relies:
                relies[key] = finding(
                    "relies-on-baseline", owner, "",
                    f"its {direction} {where} {other.id} on {port}/{protocol} is allowed only by the cluster's "
                    f"{step}; a NetworkPolicy isolating its {direction} must allow it itself")
    yield from overrides.values()
    yield from relies.values()
