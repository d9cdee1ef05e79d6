"""Endpoints as callers name them: a Pod, an External, "ns/pod", "ip:ADDR", a bare
address, a pod name unique in the cluster, or a workload standing for its first pod."""
from __future__ import annotations

from .cluster import External, Pod
from .selection import PodIndex

EndpointRef = Pod | External | str


def resolve(pods: PodIndex, ref: EndpointRef) -> Pod | External:
    """The Pod (the cluster's current copy) or External that `ref` names; KeyError if none."""
    if isinstance(ref, (Pod, External)):
        if isinstance(ref, Pod):
            if ref.id not in pods.index:
                raise KeyError(f"pod {ref.id} is not in the cluster")
            return pods.pods[pods.index[ref.id]]
        return ref
    text = str(ref)
    if text.startswith("ip:"):
        return External(text[3:])
    if text in pods.index:
        return pods.pods[pods.index[text]]
    try:
        return External(text)
    except ValueError:
        pass
    if "/" not in text:
        hits = [p for p in pods.pods if p.name == text]
        if len(hits) == 1:
            return hits[0]
        if hits:
            raise KeyError(f"pod name {text!r} is ambiguous: {', '.join(p.id for p in hits)}")
    replica = _first_replica(pods, text)
    if replica is not None:
        return replica
    known = ", ".join(sorted(pods.index)[:20])
    raise KeyError(f"unknown endpoint {text!r} (pods: {known}{', ...' if len(pods.index) > 20 else ''})")


def _first_replica(pods: PodIndex, text: str) -> Pod | None:
    """A workload named as "ns/NAME" or "NAME" stands for its first pod (NAME-0 ...)."""
    namespace, _, name = text.rpartition("/")
    hits = sorted((p for p in pods.pods if p.workload.split("/", 1)[-1] == name
                   and (not namespace or p.namespace == namespace)), key=lambda p: p.id)
    if hits and len({p.namespace for p in hits}) == 1:
        return hits[0]
    return None
