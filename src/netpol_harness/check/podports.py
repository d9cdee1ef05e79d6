"""The container ports of a pod or a workload's pod template, as the API server checks them
(Kubernetes' validateContainerPorts, pkg/apis/core/validation): a name is an IANA service
name given once per container, a containerPort is 1-65535, a protocol is TCP, UDP or SCTP
(an absent one defaults to TCP). The model reads named ports from them, so a pod the server
would refuse must not answer a policy's named port. A name given in two containers of one pod
is only a warning there (services and probes take the first), so it is not refused here."""
from __future__ import annotations

from typing import Any

from ..net.policy import PROTOCOLS
from ..net.workloads import WORKLOAD_KINDS
from .apirules import port_name_errors

__all__ = ["container_port_errors"]

# Where each kind keeps the pod spec whose containers run (as workloads.pod_template reads it).
_SPEC_PATHS = {"Pod": ("spec",), **{kind: ("spec", "template", "spec") for kind in WORKLOAD_KINDS},
               "CronJob": ("spec", "jobTemplate", "spec", "template", "spec")}


def container_port_errors(obj: dict) -> list[str]:
    """Each wrong container port of `obj`, one line naming its field; [] for other kinds."""
    kind = obj.get("kind")
    steps = _SPEC_PATHS.get(kind) if type(kind) is str else None
    spec: Any = obj
    for step in steps or ():
        spec = spec.get(step) if isinstance(spec, dict) else None
    if not steps or not isinstance(spec, dict):
        return []  # a spec of the wrong type: the schemas say so, and the model refuses to read it
    errors = []
    for key in ("initContainers", "containers"):
        errors += _containers_errors(spec.get(key), ".".join(steps) + f".{key}")
    return errors


def _containers_errors(containers: Any, path: str) -> list[str]:
    if containers is None:
        return []
    if not isinstance(containers, list):
        return [f"{path}: Invalid value: must be a list, not {type(containers).__name__}"]
    errors = []
    for i, container in enumerate(containers):
        ports = container.get("ports") if isinstance(container, dict) else None
        if not isinstance(container, dict):
            errors.append(f"{path}[{i}]: Invalid value: must be a map, not {type(container).__name__}")
        elif ports is not None and not isinstance(ports, list):
            errors.append(f"{path}[{i}].ports: Invalid value: must be a list, not {type(ports).__name__}")
        elif ports:
            errors += _ports_errors(ports, f"{path}[{i}].ports")
    return errors


def _ports_errors(ports: list, path: str) -> list[str]:
    errors: list[str] = []
    names: set[str] = set()
    for i, port in enumerate(ports):
        at = f"{path}[{i}]"
        if not isinstance(port, dict):
            errors.append(f"{at}: Invalid value: must be a map, not {type(port).__name__}")
            continue
        errors += _name_errors(port.get("name"), names, f"{at}.name")
        errors += _number_errors(port.get("containerPort"), f"{at}.containerPort", required=True)
        errors += _number_errors(port.get("hostPort"), f"{at}.hostPort", required=False)
        protocol = port.get("protocol")
        if protocol not in (None, "", *PROTOCOLS):  # none given: TCP
            errors.append(f"{at}.protocol: Unsupported value: {protocol!r}: supported values: "
                          + ", ".join(map(repr, PROTOCOLS)))
    return errors


def _number_errors(number: Any, at: str, required: bool) -> list[str]:
    if number is None or number == 0 and type(number) is int:  # 0 is the API's unset
        return [f"{at}: Required value"] if required else []
    if type(number) is not int or not 1 <= number <= 65535:
        return [f"{at}: Invalid value: {number!r}: must be between 1 and 65535, inclusive"]
    return []


def _name_errors(name: Any, names: set[str], at: str) -> list[str]:
    if name is None or name == "":
        return []
    if not isinstance(name, str):
        return [f"{at}: Invalid value: {name!r}: must be a string"]
    wrong = port_name_errors(name)
    if wrong:
        return [f"{at}: Invalid value: {name!r}: {m}" for m in wrong]
    if name in names:
        return [f"{at}: Duplicate value: {name!r}"]
    names.add(name)
    return []
