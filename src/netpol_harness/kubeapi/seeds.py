"""Cluster states to seed the server with: named files, or built in code."""
from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Iterable

from ..loader import parse_manifests
from .resources import Obj

# Shipped inside the package (package data), so an installed harness has them too.
SEED_DIR = Path(str(importlib.resources.files(__package__) / "states"))


def state_names() -> list[str]:
    return sorted(p.stem for p in SEED_DIR.glob("*.yaml"))


def load_state(name: str) -> list[Obj]:
    """A named cluster state shipped with the harness (kubeapi/states/<name>.yaml)."""
    path = SEED_DIR / f"{name}.yaml"
    if not path.is_file():
        raise KeyError(f"no seed state {name!r}; known: {', '.join(state_names())}")
    return [d for d in parse_manifests(path.read_text(), str(path)) if d]


def control_plane(slices: Iterable[tuple[str, list[str]]] = (), endpoints: list[str] | None = None,
                  port: int = 6443, not_ready: Iterable[str] = ()) -> list[Obj]:
    """The `kubernetes` Service's endpoints as kube-apiserver publishes them.

    slices: (addressType, addresses) per EndpointSlice, e.g. [("IPv4", ["10.0.0.10"])];
    endpoints: the addresses of v1 Endpoints default/kubernetes (None: no Endpoints object).
    """
    not_ready = set(not_ready)
    objs: list[Obj] = []
    for n, (family, addresses) in enumerate(slices):
        objs.append({
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": "kubernetes" if n == 0 else f"kubernetes-{family.lower()}", "namespace": "default",
                         "labels": {"kubernetes.io/service-name": "kubernetes"}},
            "addressType": family,
            "endpoints": [{"addresses": [a], "conditions": {"ready": a not in not_ready}} for a in addresses],
            "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
        })
    if endpoints is not None:
        ready = [{"ip": a} for a in endpoints if a not in not_ready]
        subset: Obj = {"addresses": ready, "ports": [{"name": "https", "port": port, "protocol": "TCP"}]}
        if len(ready) != len(endpoints):
            subset["notReadyAddresses"] = [{"ip": a} for a in endpoints if a in not_ready]
        objs.append({
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
            "subsets": [subset] if endpoints else [],
        })
    return objs
