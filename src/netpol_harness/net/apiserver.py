"""The API server as the manifests of a cluster give it: the endpoints of the Service
`default/kubernetes` (EndpointSlices labelled with its name, or its Endpoints)."""
from __future__ import annotations

import ipaddress
from typing import Any, Mapping


def is_apiserver_endpoints(obj: Mapping[str, Any]) -> bool:
    """The default/kubernetes Service's EndpointSlices or Endpoints: the API server's addresses."""
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), Mapping) else {}
    if meta.get("namespace", "default") != "default":
        return False
    if obj.get("kind") == "EndpointSlice":
        labels = meta.get("labels")
        return isinstance(labels, Mapping) and labels.get("kubernetes.io/service-name") == "kubernetes"
    return obj.get("kind") == "Endpoints" and meta.get("name") == "kubernetes"


def endpoint_addresses(obj: Mapping[str, Any]) -> tuple[str, ...]:
    if obj.get("kind") == "EndpointSlice":
        found = [a for e in obj.get("endpoints") or () for a in e.get("addresses") or ()]
    else:
        found = [a.get("ip") for s in obj.get("subsets") or () for a in s.get("addresses") or ()]
    return tuple(str(ipaddress.ip_address(a)) for a in found if a)


def endpoint_port(obj: Mapping[str, Any]) -> int:
    """The API server's port in its EndpointSlice or Endpoints (6443, kubeadm's, when none is given)."""
    if obj.get("kind") == "EndpointSlice":
        ports = obj.get("ports") or ()
    else:
        ports = [p for s in obj.get("subsets") or () for p in s.get("ports") or ()]
    return next((int(p["port"]) for p in ports if isinstance(p, Mapping) and p.get("port")), 6443)
