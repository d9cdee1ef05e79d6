"""The lint of `helm test` pods their own chart's policies stop: a pod of a `helm.sh/hook:
test` object (a Pod or a Job) that names a Service of the render in its command, args or
environment (`web`, `web:80`, `web.shop.svc.cluster.local:8080`) is judged calling it; when
the policies deny every port it names (every port of the Service when it names none),
`helm test` would fail on the cluster the chart's policies protect.

Registered with `lint_rule`, like every lint (netpol_harness.check.lintrules).
"""
from __future__ import annotations

import re
from typing import Any, Iterator, Mapping

from ..manifests import pod_templates
from ..net import Pod
from ..net.objects import Service
from ..net.workloads import hook_of
from ..textsafe import visible
from .kubernetes import object_label
from .lintrules import Finding, LintInput, finding, lint_rule


@lint_rule(id="helm-test-denied", severity="warning",
           purpose="A `helm test` pod whose command names a Service of the chart that the chart's policies "
                   "do not let it reach: `helm test` would fail.")
def helm_tests_denied(inp: LintInput) -> Iterator[Finding]:
    for owner, template in pod_templates(inp.objects):
        if "test" not in [h.strip() for h in hook_of(owner).split(",")]:
            continue
        pods = _pods_of(inp, owner)
        words = " ".join(_strings((template.get("spec") or {}).get("containers") or ()))
        for service in inp.cluster.services:
            ports, explicit = _ports_named(words, service, inp.namespace)
            denied = {port: [p for p in pods if not _reaches(inp, p, service, port)] for port in ports}
            failing = [port for port in ports if denied[port]] if explicit else (
                ports if ports and all(denied.values()) else [])
            name = visible(service.id.removeprefix("svc:"))
            for port in failing:
                yield finding("helm-test-denied", object_label(owner), "",
                              f"the test calls Service {name} on {port} (its command names it), "
                              f"which the policies deny to {visible(denied[port][0].id)}: `helm test` would fail")


def _pods_of(inp: LintInput, owner: Mapping[str, Any]) -> list[Pod]:
    label = object_label(owner)
    if owner.get("kind") == "Pod":
        meta = owner.get("metadata") or {}
        pod = inp.cluster.pod(f"{meta.get('namespace') or inp.namespace}/{meta.get('name')}")
        return [pod] if pod is not None else []
    return [p for p in inp.cluster.pods if p.workload == label]


def _strings(node: Any) -> Iterator[str]:
    """Every string in the containers' command, args and env values."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, Mapping):
        for key in ("command", "args", "env", "value"):
            yield from _strings(node.get(key))
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def _ports_named(words: str, service: Service, namespace: str) -> tuple[list[str], bool]:
    """The ports ("80/TCP") of `service` the words call it on, and whether they wrote them:
    those written after its name, else all it offers when the name stands alone; [] when
    the words do not name it."""
    host = rf"{re.escape(service.name)}(?:\.{re.escape(service.namespace)}(?:\.svc(?:\.cluster\.local)?)?)?"
    if service.namespace != namespace:
        host = rf"{re.escape(service.name)}\.{re.escape(service.namespace)}(?:\.svc(?:\.cluster\.local)?)?"
    found = re.findall(rf"(?<![\w.-]){host}(?::(\d+))?(?![\w-])", words)
    if not found:
        return [], False
    named = {int(p) for p in found if p}
    return [f"{p.port}/{p.protocol}" for p in service.ports if not named or p.port in named], bool(named)


def _reaches(inp: LintInput, pod: Pod, service: Service, port: str) -> bool:
    number, protocol = port.split("/")
    try:
        return inp.evaluator.verdict_for(pod, f"{service.id}:{number}", int(number), protocol).allowed
    except (KeyError, ValueError):
        return True  # a port the model cannot map is not this lint's finding
