"""What the API server would take: the objects a judgement may start from.

Every way into the evaluator -- `build_network` (and so the assertions and `net_from`),
`netpol reach`, `netpol report`, `netpol check` -- first runs the API server's rules (those
`netpol validate` runs: `api_server_errors`) on the objects the model reads, and refuses an
object the server would refuse: a verdict on a cluster that cannot exist hides the bug (a
port 70000 probed, an `except` outside its `cidr` given a witness). Each refusal is one line
naming the object, the field and the reason.

`judge_invalid` judges such objects anyway, as written: each is marked (a copy carrying
`REFUSED_KEY`) and every verdict says so ("not modelled: NetworkPolicy default/np (judged
although the API server would refuse it: ...)"). An object the model cannot read at all (a
string where a map belongs) is refused either way.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..net.cluster import Cluster
from ..net.reading import REFUSED_KEY, flat_objects, manifest_label, reads
from ..net.selector import PolicyError
from .adminrules import admin_policy_errors, in_admin_group
from .apirules import networkpolicy_errors, object_errors, workload_errors
from .ciliumrules import cilium_policy_errors, is_cilium_policy
from .podports import container_port_errors

OPTION = "--judge-invalid (judge_invalid=True in build_network)"


class RefusedObjects(PolicyError):
    """Objects the API server would refuse, not judged; `lines` says why, one line each."""

    def __init__(self, lines: list[str], summary: str) -> None:
        self.lines = list(lines)
        self.summary = summary
        super().__init__(summary + "".join(f"\n  {line}" for line in self.lines))

    def report_lines(self) -> list[str]:
        """One line per refusal, then what became of them."""
        return self.lines + [self.summary]


def object_api_errors(obj: Mapping[str, Any]) -> list[str]:
    """What the API server checks on one object beyond the schemas, each message starting
    with the field path: the NetworkPolicy rules, the admin and Cilium policies' CRD rules,
    and for any other object its name, labels, workload selector and container ports."""
    # The model reads manifests written without apiVersion too (tests do): only a value of the wrong type is refused.
    kind, version = obj.get("kind"), obj.get("apiVersion", "")
    if not isinstance(kind, str) or not kind:
        return ["kind: Required value: must be a non-empty string"]
    if not isinstance(version, str):
        return [f"apiVersion: Invalid value: must be a string, not {type(version).__name__}"]
    if kind == "NetworkPolicy" and version.split("/")[0] in ("", "networking.k8s.io"):  # not Calico's, Antrea's
        return networkpolicy_errors(obj)
    if in_admin_group(obj):  # name and labels included
        return admin_policy_errors(obj)
    if is_cilium_policy(obj):  # name and labels included
        return cilium_policy_errors(obj)
    return object_errors(obj) + workload_errors(obj) + container_port_errors(obj)


def refusals(obj: Mapping[str, Any]) -> list[str]:
    """`object_api_errors`, and never an exception: a check that cannot read the object says so."""
    try:
        return object_api_errors(obj)
    except (AttributeError, TypeError, KeyError, ValueError) as exc:
        return [f"cannot be checked ({type(exc).__name__}: {exc})"]


def unreadable(obj: Mapping[str, Any]) -> str | None:
    """Why the model cannot read this object on its own, or None when it can."""
    try:
        Cluster().add_objects([obj])
    except (PolicyError, AttributeError, TypeError, KeyError, ValueError) as exc:
        return str(exc)
    return None


def admit(objects: Iterable[Mapping[str, Any] | None], *, judge_invalid: bool = False,
          default_namespace: str = "default") -> list[Mapping[str, Any]]:
    """The objects to judge (Lists unpacked, empty documents left out). RefusedObjects when
    the API server would refuse one the model reads; with `judge_invalid`, those are
    returned marked (copies with REFUSED_KEY) unless the model cannot read them."""
    try:
        flat = flat_objects(objects)
    except PolicyError as exc:
        raise RefusedObjects([str(exc)], "the model cannot read this document") from None
    out, lines, refused = [], [], []
    for obj in flat:
        reasons = refusals(obj) if reads(obj) else []
        if not reasons:
            out.append(obj)
            continue
        label = manifest_label(obj, default_namespace)
        marked = {**obj, REFUSED_KEY: tuple(reasons)}
        if judge_invalid and unreadable(marked) is None:
            out.append(marked)
            continue
        refused.append(obj)
        lines += [f"{label}: {reason}" for reason in reasons]
    if lines:
        raise RefusedObjects(lines, _summary(refused, judge_invalid))
    return out


def _summary(refused: list[Mapping[str, Any]], judge_invalid: bool) -> str:
    policy = len(refused) == 1 and str(refused[0].get("kind", "")).endswith("Policy")
    one = len(refused) == 1
    this = ("this policy" if policy else "this object") if one else f"these {len(refused)} objects"
    it, they = ("it", "it") if one else ("them", "they")
    if judge_invalid:
        return f"the API server would refuse {this}, and the model cannot read {it}, not even to judge {it} anyway"
    return f"the API server would refuse {this}, so {they} cannot be judged; {OPTION} judges {it} anyway"
