"""The fast path from a Pod manifest to the model's Pod: a cluster's dump holds one per
running pod, a hundred thousand in a large cluster, so each step is the cheapest that
gives the same value, and anything unusual goes the general way (`Cluster.add_pod`)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .objects import ContainerPort, Pod
from .reading import object_metadata, object_name

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


def status_ips(status: Mapping[str, Any]) -> list[Any] | None:
    """A running pod's addresses: status.podIPs, else status.podIP; None without any."""
    ips = [p.get("ip") for p in status.get("podIPs") or () if p.get("ip")]
    return ips or ([status["podIP"]] if status.get("podIP") else None)
