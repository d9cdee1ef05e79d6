"""Policy mistakes that are valid objects, as findings a chart's CI can gate on.

Each finding has an id, a severity (error, warning, info), the object and path, and
one sentence of why. `netpol validate` fails on unwaived errors only. The lints are
registered in netpol_harness.check.lintrules, which says how to add one; `lint()` runs
them in registry order. A chart keeps its deliberate idioms in a waiver file,
`netpol.yaml` at the chart root:

    waivers:
      - id: dns-without-to
        object: NetworkPolicy/*-redis    # optional; a shell-style pattern
        path: spec.egress[0]             # optional; literal (pathPattern: for a pattern)
        values: [ci/prod.yaml]           # optional; the -f files it is for (default: every render)
        reason: the DNS idiom: 53 to any address, kept on purpose

A waiver that matches nothing in a render it applies to is itself reported
(stale-waiver, naming that render), so waivers do not outlive the code they excuse; a
waiver for other values files than the render's is neither applied nor checked.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from ..loader import load_yaml_file
from ..manifests import networkpolicies
from ..net import KUBE_DNS, Cluster, Evaluator
from ..net.cluster import add_cluster_dns, add_kube_dns
from ..net.dataplanes import KUBERNETES, OPENSHIFT, Dataplane, dataplane
from ..net.policy import policy_id
from . import tierlints  # noqa: F401 (registers the lints of a render beside the cluster's admin policies)
from . import dataplanelints  # noqa: F401 (registers the lint of flows that depend on the CNI)
from . import hooklints  # noqa: F401 (registers the lint of helm test pods the policies stop)
from .lintrules import (RULES, SEVERITIES, Finding, LintInput, LintRule, RenderedPolicy, checks, finding,
                        lint_rule)

__all__ = ["RULES", "SEVERITIES", "WAIVER_FILE", "Finding", "LintInput", "LintRule", "Waiver", "apply_waivers",
           "failing", "lint", "lint_rule", "load_waivers", "render_name"]

WAIVER_FILE = "netpol.yaml"


@dataclass(frozen=True)
class Waiver:
    id: str
    reason: str
    object: str = "*"  # a shell-style pattern
    path: str | None = None  # literal: `spec.egress[0]` is that path; None: any path
    path_pattern: str | None = None  # `pathPattern:`, a shell-style pattern
    values: tuple[str, ...] = ()  # the values files it is for (by path in the chart, or file name); (): every render

    def covers(self, finding: Finding) -> bool:
        if self.id != finding.id or not fnmatch.fnmatchcase(finding.object, self.object):
            return False
        if self.path is not None:
            return finding.path == self.path
        return self.path_pattern is None or fnmatch.fnmatchcase(finding.path, self.path_pattern)

    def applies_to(self, values_files: Sequence[str | Path], chart: str | Path = ".") -> bool:
        """Whether this waiver is for the render of these -f files (every render without `values:`)."""
        return not self.values or any(_names_file(entry, Path(given), Path(chart))
                                      for entry in self.values for given in values_files)

    def describe(self) -> str:
        where = [self.object] + [x for x in (self.path, self.path_pattern) if x]
        return f"{self.id} on {' '.join(where)}"


def _names_file(entry: str, given: Path, chart: Path) -> bool:
    """A `values:` entry names a -f file by its path relative to the chart, or by its file name."""
    if "/" not in entry and entry == given.name:
        return True
    return (chart / entry).resolve() == given.resolve()


# --------------------------------------------------------------------------- running the registry


def _dns_cluster(objects: list[dict], namespace: str, extra_objects: list[dict] = ()) -> tuple[Cluster, set[str]]:
    """The rendered pods (their ids) plus the cluster's objects and the DNS servers egress rules should reach."""
    cluster = Cluster.from_manifests(objects, namespace)
    rendered = {p.id for p in cluster.pods}
    cluster.add_objects(extra_objects, namespace)
    if cluster.pod(KUBE_DNS.id) is None:
        add_kube_dns(cluster)
    add_cluster_dns(cluster, OPENSHIFT)  # unless the cluster's objects have it already
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


_KEYS = {"id": str, "reason": str, "object": str, "path": str, "pathPattern": str, "values": list}


def _entry_error(entry: Any) -> str | None:
    """What is wrong with one waivers: entry, in a few words (None: nothing)."""
    if not isinstance(entry, Mapping):
        return "is not a mapping; write it as {id, reason, object, path or pathPattern, values}"
    unknown = [str(k) for k in entry if k not in _KEYS]
    if unknown:
        return f"has the unknown key {unknown[0]!r}; a waiver has {', '.join(_KEYS)}"
    for key, kind in _KEYS.items():
        if key in entry and not isinstance(entry[key], kind):
            return f"{key} is {type(entry[key]).__name__}, not {'a list of file names' if kind is list else 'text'}"
    if not entry.get("id") or not entry.get("reason"):
        return "needs an id and a reason"
    if "path" in entry and "pathPattern" in entry:
        return "has both path (literal) and pathPattern (a pattern); keep one"
    if "values" in entry and (not entry["values"] or not all(isinstance(v, str) and v for v in entry["values"])):
        return "values must be a non-empty list of values files (their paths in the chart, or file names)"
    if all(r.id != entry["id"] for r in RULES):
        return f"waives {entry['id']!r}, which is not a lint's id ({', '.join(r.id for r in RULES)})"
    return None


def load_waivers(chart: str | Path) -> list[Waiver]:
    """The waivers of a chart's netpol.yaml ([] without one); a malformed file raises
    ValueError, one line naming the entry."""
    path = Path(chart) / WAIVER_FILE
    if not path.is_file():
        return []
    data = load_yaml_file(path) or {}
    entries = data.get("waivers") if isinstance(data, Mapping) else None
    if not isinstance(entries, list):
        raise ValueError(f"{path}: write `waivers:` as a list of {{id, reason, object, path, values}}")
    waivers = []
    for i, entry in enumerate(entries):
        problem = _entry_error(entry)
        if problem:
            named = f" ({entry['id']})" if isinstance(entry, Mapping) and isinstance(entry.get("id"), str) else ""
            raise ValueError(f"{path}: waivers[{i}]{named} {problem}")
        waivers.append(Waiver(entry["id"], entry["reason"], entry.get("object", "*"), entry.get("path"),
                              entry.get("pathPattern"), tuple(entry.get("values", ()))))
    return waivers


def render_name(values_files: Sequence[str | Path]) -> str:
    """`the render of -f a.yaml -f b.yaml`, or `the render without -f`."""
    if not values_files:
        return "the render without -f"
    return "the render of " + " ".join(f"-f {v}" for v in values_files)


def apply_waivers(findings: list[Finding], waivers: list[Waiver], values_files: Sequence[str | Path] = (),
                  chart: str | Path = ".") -> list[Finding]:
    """Findings with `waived` set where a waiver covers them, plus one stale-waiver
    finding for each waiver that covers nothing. `values_files`: the -f files of the
    render, as given; a waiver for other values files is neither applied nor checked
    (`chart`: the directory its `values:` paths are relative to)."""
    live = [k for k, w in enumerate(waivers) if w.applies_to(values_files, chart)]
    used: set[int] = set()
    out = []
    for found in findings:
        hit = next((k for k in live if waivers[k].covers(found)), None)
        if hit is not None:
            used.add(hit)
            found = replace(found, waived=waivers[hit].reason)
        out.append(found)
    for k in live:
        if k not in used:
            w = waivers[k]
            advice = "" if w.values else "; if only some do, name them in `values:`"
            out.append(finding("stale-waiver", WAIVER_FILE, f"waivers[{k}]",
                               f"waives {w.describe()}, which is not found in {render_name(values_files)}; "
                               f"if no values file needs it, remove it{advice}"))
    return out


def failing(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error" and not f.waived]

