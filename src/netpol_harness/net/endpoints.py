"""Endpoints as callers name them.

A reference is tried as each of these in turn, the first that fits winning:

  1. a Pod (the cluster's current copy of it) or an External;
  2. "ip:ADDR", a pod id "ns/pod", or a bare address;
  3. a pod name ("db-0", "web"), when exactly one pod in the cluster has it;
  4. a workload's name, "ns/NAME" or a bare "NAME" when one namespace has that workload.
     Pods keep the names their controllers give them (`workloads.controller_pods`): a
     single replica of a Deployment, ReplicaSet, ReplicationController or Job is the pod
     NAME, while a StatefulSet's pods are always NAME-0, NAME-1 and two replicas or more of
     the others get generated suffixes. A workload's name denotes the workload, all its
     pods (`replicas_named`, `Evaluator.denoted`): the assertions and expectations judge each of them; where one end is
     needed (`resolve`), it is the workload's first pod by id. The ids the evaluator answers
     with are pod ids (airflow/af-worker-0); `NetworkAssertions.reaching(..., by="workload")`
     answers with workload names.

A name that fits none of these raises KeyError, listing the nearest names the cluster has
(and, for kube-dns, how to add it); a pod name or workload name that fits more than one
pod or namespace raises KeyError naming them all.
"""
from __future__ import annotations

import difflib

from .cluster import KUBE_DNS, External, Pod
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
    replica = workload_pods(pods, text)
    if replica:
        return replica[0]
    raise KeyError(unknown_message(pods, text))


def replicas_named(pods: PodIndex, ref: EndpointRef) -> list[Pod]:
    """The pods of the workload `ref` names when it has more than one (by id); [] when `ref`
    is anything else (a pod, an address, a workload of one pod), which `resolve` answers."""
    if isinstance(ref, str) and not ref.startswith(("ip:", "svc:")) and ref not in pods.index:
        if "/" in ref or not any(p.name == ref for p in pods.pods):
            replicas = workload_pods(pods, ref)
            if len(replicas) > 1:
                return replicas
    return []


def workload_pods(pods: PodIndex, text: str) -> list[Pod]:
    """The pods of the workload named "ns/NAME" (or "NAME", when only one namespace has a
    workload of that name), by id; [] for none; KeyError when "NAME" is in several namespaces."""
    namespace, _, name = text.rpartition("/")
    if not name:
        return []
    hits = sorted((p for p in pods.pods if p.workload and p.workload.split("/", 1)[-1] == name
                   and (not namespace or p.namespace == namespace)), key=lambda p: p.id)
    spaces = sorted({p.namespace for p in hits})
    if len(spaces) > 1:
        raise KeyError(f"workload name {text!r} is ambiguous: it is in namespaces {', '.join(spaces)} "
                       f"(write ns/{name})")
    return hits


def names_of(pods: PodIndex) -> list[str]:
    """Every name `resolve` takes for a pod: its id, and each workload's "ns/NAME"."""
    workloads = {f"{p.namespace}/{p.workload.split('/', 1)[-1]}" for p in pods.pods if p.workload}
    return sorted(set(pods.index) | workloads)


def unknown_message(pods: PodIndex, text: str) -> str:
    """Why `text` names no endpoint: the nearest names the cluster has, and for kube-dns
    how to add it."""
    names = names_of(pods)
    near = difflib.get_close_matches(text, names, n=5, cutoff=0.6)
    if not near and "/" not in text:
        by_name = {n.rpartition("/")[2]: n for n in names}
        near = [by_name[n] for n in difflib.get_close_matches(text, list(by_name), n=5, cutoff=0.6)]
    parts = [f"unknown endpoint {text!r}"]
    parts.append(f"did you mean {', '.join(near)}?" if near else
                 f"the cluster has {len(names)} pods and workloads" + (f": {', '.join(names[:10])}"
                                                                       f"{', ...' if len(names) > 10 else ''}"
                                                                       if names else ""))
    if text in (KUBE_DNS.id, KUBE_DNS.name):
        parts.append("kube-dns is not in the manifests: add it with setup=add_kube_dns "
                     "(net_from/build_network; from netpol_harness import add_kube_dns), or "
                     "add_kube_dns(cluster)")
    return "; ".join(parts)
