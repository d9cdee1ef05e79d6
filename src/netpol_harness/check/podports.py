"""The container ports of a pod or a workload's pod template, as the API server checks them
(Kubernetes' validateContainerPorts, pkg/apis/core/validation): a name is an IANA service
name given once per container, a containerPort is 1-65535, a protocol is TCP, UDP or SCTP
(an absent one defaults to TCP). The model reads named ports from them, so a pod the server
would refuse must not answer a policy's named port. A name given in two containers of one pod
is only a warning there (services and probes take the first), so it is not refused here."""
from __future__ import annotations

from typing import Any

from .apirules import port_name_errors

__all__ = ["container_port_errors"]

PROTOCOLS = ("SCTP", "TCP", "UDP")
# Where each kind keeps the pod spec whose containers run.
_SPEC_PATHS = {"Pod": ("spec",), "Deployment": ("spec", "template", "spec"),
               "StatefulSet": ("spec", "template", "spec"), "DaemonSet": ("spec", "template", "spec"),
               "ReplicaSet": ("spec", "template", "spec"), "ReplicationController": ("spec", "template", "spec"),
               "Job": ("spec", "template", "spec"), "CronJob": ("spec", "jobTemplate", "spec", "template", "spec")}


def container_port_errors(obj: dict) -> list[str]:
    """Each wrong container port of `obj`, one line naming its field; [] for other kinds."""
    kind = obj.get("kind")
    steps = _SPEC_PATHS.get(kind) if type(kind) is str else None
    spec: Any = obj
    for step in steps or ():
        spec = spec.get(step) if isinstance(spec, dict) else None
    if not steps or not isinstance(spec, dict):
        return []
    errors = []
    for key in ("initContainers", "containers"):
        containers = spec.get(key)
        for i, container in enumerate(containers if isinstance(containers, list) else ()):
            ports = container.get("ports") if isinstance(container, dict) else None
            if isinstance(ports, list):
                errors += _ports_errors(ports, ".".join(steps) + f".{key}[{i}].ports")
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
        number = port.get("containerPort")
        if number is None:
            errors.append(f"{at}.containerPort: Required value")
        elif type(number) is not int or not 1 <= number <= 65535:
            errors.append(f"{at}.containerPort: Invalid value: {number!r}: must be between 1 and 65535, inclusive")
        protocol = port.get("protocol")
        if protocol not in (None, "", *PROTOCOLS):  # none given: TCP
            errors.append(f"{at}.protocol: Unsupported value: {protocol!r}: supported values: "
                          + ", ".join(f'"{p}"' for p in PROTOCOLS))
    return errors


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
