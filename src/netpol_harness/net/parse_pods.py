"""The fast path from a Pod manifest to the model's Pod: a cluster's dump holds one per
running pod, a hundred thousand in a large cluster, so each step is the cheapest that
gives the same value, and anything unusual goes the general way (`Cluster.add_pod`)."""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from typing import Any

from .objects import ContainerPort, External, Pod
from .reading import flat_objects, object_metadata, object_name
from .selector import label_map
from .workloads import hook_of, spec_ports

_V4_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_V4_WRITTEN = re.compile(rf"(?:{_V4_OCTET}\.){{3}}{_V4_OCTET}")

_new = object.__new__


def stamp_pod(namespace: str, name: str, labels: dict[str, str], ips: tuple[str, ...],
              ports: tuple[ContainerPort, ...], workload: str, host_network: bool, node: str, hook: str) -> Pod:
    """Pod(...) of fields already in the form Pod keeps; without the frozen dataclass's
    __init__, which sets each field through object.__setattr__ (half the cost of a pod)."""
    pod = _new(Pod)
    fields = pod.__dict__  # item by item: a third cheaper than update(**fields)
    fields["namespace"], fields["name"], fields["labels"], fields["ips"] = namespace, name, labels, ips
    fields["ports"], fields["workload"], fields["host_network"], fields["node"] = ports, workload, host_network, node
    fields["hook"] = hook
    return pod


def stamp_external(address: str) -> External:
    """External(address) of an address already written as ipaddress writes it (`address`),
    without the parse its __post_init__ would do again."""
    ext = _new(External)
    ext.__dict__["ip"] = address
    return ext


def flat(objects: Iterable[Mapping[str, Any] | None]) -> list[Mapping[str, Any]]:
    """`reading.flat_objects` in one pass when every document is a map of a kind that is no
    List (as a dump's items and a chart's documents are); otherwise the objects go there."""
    objects = objects if type(objects) is list else list(objects)
    out = [o for o in objects if type(o) is dict and type(o.get("kind")) is str and not o["kind"].endswith("List")]
    return out if len(out) == len(objects) else flat_objects(objects)


def metadata(obj: Mapping[str, Any], default_namespace: str) -> Mapping[str, Any]:
    """`reading.object_metadata`, with a map checked by its type first."""
    meta = obj.get("metadata")
    return meta if type(meta) is dict else object_metadata(obj, default_namespace)


def read_running_pod(obj: Mapping[str, Any], meta: Mapping[str, Any], default_namespace: str) -> tuple[
        str, dict[str, str], list[Any] | None, tuple[ContainerPort, ...], bool, str, str]:
    """A Pod manifest's name, labels, addresses as written, container ports, hostNetwork,
    node and helm hook; `meta` is its metadata. Faults are found in the order
    `Cluster.add_pod` met them, so the same one is named."""
    status = obj.get("status") or {}
    ips = [p.get("ip") for p in status.get("podIPs") or () if p.get("ip")] or (
        [status["podIP"]] if status.get("podIP") else None)  # status.podIPs, else status.podIP
    spec = obj.get("spec") or {}
    name = meta.get("name")
    if type(name) is not str or not name:
        name = object_name(obj, default_namespace)
    labels = meta.get("labels")
    ports = spec_ports(spec)
    host_network, node = spec.get("hostNetwork") is True, str(spec.get("nodeName") or "")
    # Without annotations on its metadata a pod has no hook (hook_of reads only those).
    hook = hook_of(obj) if meta.get("annotations") else ""
    return name, label_map(labels), ips, ports, host_network, node, hook


def address(ip: Any) -> str:
    """An address as ipaddress writes it; ValueError for none. An IPv4 address already
    written so is taken as it is: a cluster's dump holds one per pod, and parsing is slow."""
    if type(ip) is str and _V4_WRITTEN.fullmatch(ip):
        return ip
    return str(ipaddress.ip_address(ip))
