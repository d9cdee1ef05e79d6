"""The fast path from a Pod manifest to the model's Pod: a cluster's dump holds one per
running pod, a hundred thousand in a large cluster, so each step is the cheapest that
gives the same value, and anything unusual goes the general way (`Cluster.add_pod`)."""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

from .objects import ContainerPort, Pod
from .reading import object_metadata, object_name
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
    pod.__dict__.update(namespace=namespace, name=name, labels=labels, ips=ips, ports=ports, workload=workload,
                        host_network=host_network, node=node, hook=hook)
    return pod


def metadata(obj: Mapping[str, Any], default_namespace: str) -> Mapping[str, Any]:
    """`reading.object_metadata`, with a map checked by its type first."""
    meta = obj.get("metadata")
    return meta if type(meta) is dict else object_metadata(obj, default_namespace)


def name_of(obj: Mapping[str, Any], meta: Mapping[str, Any], default_namespace: str) -> str:
    """`reading.object_name` of an object whose metadata is `meta`."""
    name = meta.get("name")
    return name if type(name) is str and name else object_name(obj, default_namespace)


def read_running_pod(obj: Mapping[str, Any], meta: Mapping[str, Any], default_namespace: str) -> tuple[
        str, dict[str, str], list[Any] | None, tuple[ContainerPort, ...], bool, str, str]:
    """A Pod manifest's name, labels, addresses as written, container ports, hostNetwork,
    node and helm hook; `meta` is its metadata. Faults are found in the order
    `Cluster.add_pod` met them, so the same one is named."""
    ips = status_ips(obj.get("status") or {})
    spec = obj.get("spec") or {}
    name = name_of(obj, meta, default_namespace)
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


def status_ips(status: Mapping[str, Any]) -> list[Any] | None:
    """A running pod's addresses: status.podIPs, else status.podIP; None without any."""
    ips = [p.get("ip") for p in status.get("podIPs") or () if p.get("ip")]
    return ips or ([status["podIP"]] if status.get("podIP") else None)
