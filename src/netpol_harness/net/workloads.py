"""Pods as their controllers make them: names, the labels controllers add, and replicas.

Policies select on controller labels (`statefulset.kubernetes.io/pod-name: db-0`,
`job-name: migrate`), and replicas of one workload are distinct pods that reach each
other only when a rule allows it. So a workload becomes pods named and labelled as its
controller would make them:

  Deployment    pod-template-hash; two replicas or more: NAME-HASH-xxxxx
  ReplicaSet, ReplicationController   two replicas or more: NAME-xxxxx
  StatefulSet   NAME-0, NAME-1 with statefulset.kubernetes.io/pod-name,
                apps.kubernetes.io/pod-index and controller-revision-hash
  DaemonSet     one pod on each of two nodes: NAME-xxxxx, controller-revision-hash,
                pod-template-generation
  Job, CronJob  job-name and batch.kubernetes.io/job-name (a CronJob's Job is NAME-<minute>)

More than one replica becomes exactly two pods: enough to judge traffic between replicas.
A single pod keeps the workload's name (except a StatefulSet's NAME-0), so verdicts
read as the manifests do. Hashes are derived from the pod template, deterministically.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping  # not typing's: its isinstance is slow, and runs per pod
from dataclasses import dataclass
from typing import Any

from .objects import ContainerPort
from .parse_keys import interned

# The alphabet Kubernetes' name generator draws from (no vowels, no look-alikes).
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
CRONJOB_MINUTE = "29000000"  # a CronJob's Job is named NAME-<scheduled minute>
HOOK_ANNOTATION = "helm.sh/hook"
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job")
_TEMPLATE_KINDS = frozenset((*WORKLOAD_KINDS, "CronJob"))  # stood_in asks it of every object


@dataclass(frozen=True)
class PodSpec:
    name: str
    labels: dict[str, str]


# json.dumps(template, sort_keys=True, default=str), without an encoder made per call.
_ENCODE = json.JSONEncoder(sort_keys=True, default=str).encode


def _hash(template: Mapping[str, Any], length: int = 10) -> str:
    digest = hashlib.sha256(_ENCODE(template).encode()).digest()
    return "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:length])


# A value matrix renders the same few pod templates case after case: each is written out and
# hashed once (a template is a kilobyte or two, hence the small bound).
_template_hash = interned(_hash, limit=1024)


def _suffix(seed: str, index: int) -> str:
    digest = hashlib.sha256(f"{seed}/{index}".encode()).digest()
    return "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:5])


def replica_count(obj: Mapping[str, Any]) -> int:
    """1 or 2: how many pods stand for the workload (0 replicas still gives one: the
    policies speak about the pods it would run)."""
    spec = obj.get("spec") or {}
    kind = obj.get("kind")
    if kind == "DaemonSet":
        return 2
    if kind in ("Job", "CronJob"):
        job = spec if kind == "Job" else ((spec.get("jobTemplate") or {}).get("spec") or {})
        wanted = job.get("parallelism", 1)
    else:
        wanted = spec.get("replicas", 1)
    try:
        return 2 if int(wanted) > 1 else 1
    except (TypeError, ValueError):
        return 1


def controller_pods(obj: Mapping[str, Any], template: Mapping[str, Any]) -> list[PodSpec]:
    """The pods a workload's controller would make from `template`."""
    kind = str(obj.get("kind"))
    name = str((obj.get("metadata") or {}).get("name"))
    labels = {str(k): v for k, v in ((template.get("metadata") or {}).get("labels") or {}).items()}
    count = replica_count(obj)
    template_hash = _template_hash(template)
    if kind == "StatefulSet":
        revision = f"{name}-{template_hash}"
        return [PodSpec(f"{name}-{i}", {**labels, "statefulset.kubernetes.io/pod-name": f"{name}-{i}",
                                         "apps.kubernetes.io/pod-index": str(i), "controller-revision-hash": revision})
                for i in range(count)]
    if kind == "Deployment":
        extra = {"pod-template-hash": template_hash}
        names = [name] if count == 1 else [f"{name}-{template_hash}-{_suffix(name, i)}" for i in range(count)]
    elif kind == "DaemonSet":
        extra = {"controller-revision-hash": template_hash, "pod-template-generation": "1"}
        names = [f"{name}-{_suffix(name, i)}" for i in range(count)]
    elif kind in ("Job", "CronJob"):
        job = name if kind == "Job" else f"{name}-{CRONJOB_MINUTE}"
        extra = {"job-name": job, "batch.kubernetes.io/job-name": job}
        names = [name] if count == 1 else [f"{job}-{_suffix(job, i)}" for i in range(count)]
    else:  # ReplicaSet, ReplicationController
        extra = {}
        names = [name] if count == 1 else [f"{name}-{_suffix(name, i)}" for i in range(count)]
    return [PodSpec(n, {**labels, **extra}) for n in names]


def pod_template(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """A workload's pod template ({} when it has none); None for kinds that run no pods."""
    kind = obj.get("kind")
    spec = obj.get("spec") or {}
    if kind in WORKLOAD_KINDS:
        return spec.get("template") or {}
    if kind == "CronJob":
        return ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}
    return None


def hook_of(obj: Mapping[str, Any]) -> str:
    """The helm.sh/hook annotation of an object or of its pod template ("test",
    "pre-install,pre-upgrade"); "" for none. Helm runs such objects at install, upgrade or
    `helm test`: they are not among the release's running workloads."""
    template = obj if obj.get("kind") == "Pod" else pod_template(obj) or {}
    for source in (obj,) if template is obj else (obj, template):
        annotations = (source.get("metadata") or {}).get("annotations")
        if isinstance(annotations, Mapping) and annotations.get(HOOK_ANNOTATION):
            return str(annotations[HOOK_ANNOTATION]).strip()
    return ""


def pod_spec_ports(spec: Mapping[str, Any] | None) -> list[ContainerPort]:
    return list(spec_ports(spec))


def spec_ports(spec: Mapping[str, Any] | None) -> tuple[ContainerPort, ...]:
    """The container ports of a pod spec, as pod_spec_ports lists them."""
    spec = spec or {}
    containers = spec.get("containers") or ()
    if type(containers) is not list or spec.get("initContainers"):
        # Sidecar init containers (restartPolicy: Always) serve ports too, so they count.
        containers = list(spec.get("containers") or ()) + list(spec.get("initContainers") or ())
    return tuple([_container_port(p) for container in containers for p in container.get("ports") or ()])


def container_port(p: ContainerPort | Mapping[str, Any] | tuple) -> ContainerPort:
    if isinstance(p, ContainerPort):
        return p
    if isinstance(p, tuple):
        name, port, *rest = p
        return ContainerPort(name, int(port), (rest[0] if rest else "TCP").upper())
    number, name = p.get("containerPort", p.get("port")), p.get("name")
    if name is not None and type(name) is not str:  # the port index keys on it: a map there cannot be read
        raise ValueError(f"a container port's name must be a string, not {type(name).__name__}")
    return ContainerPort(name, int(number), str(p.get("protocol") or "TCP").upper())


# The replicas of one template, and the pods of one workload in a cluster's dump, declare the
# same few ports: each distinct one is read once.
_container_port = interned(container_port)


def _owner_keys(pod: Mapping[str, Any], namespace: str) -> list[tuple[str, str, str]]:
    """The workloads a running pod belongs to, as (namespace, kind, name): its controller,
    and the Deployment of its ReplicaSet (NAME-<pod-template-hash>) or the CronJob of its
    Job (NAME-<scheduled minute>)."""
    meta = pod.get("metadata") or {}
    refs = [r for r in meta.get("ownerReferences") or () if isinstance(r, Mapping)]
    ref = next((r for r in refs if r.get("controller") is True), refs[0] if refs else None)
    if ref is None:
        return []
    kind, name = str(ref.get("kind")), str(ref.get("name"))
    keys = [(namespace, kind, name)]
    head, _, tail = name.rpartition("-")
    labels = meta.get("labels") if isinstance(meta.get("labels"), Mapping) else {}
    if kind == "ReplicaSet" and head and tail == str(labels.get("pod-template-hash")):
        keys.append((namespace, "Deployment", head))
    elif kind == "Job" and head and tail.isdigit():
        keys.append((namespace, "CronJob", head))
    return keys


def stood_in(objects: list[Mapping[str, Any]], default_namespace: str) -> set[int]:
    """The objects (by id) the model leaves out so that no pod counts twice: a running pod
    (a cluster's dump) of a workload the objects render as a template (a chart: its pods
    stand for it), and a running workload (with a uid) whose running pods are among them."""
    def namespace(obj: Mapping[str, Any]) -> str:
        return str((obj.get("metadata") or {}).get("namespace") or default_namespace)

    # `type(...) is str` first: a kind that is a list or a map cannot be looked up in a set.
    workloads = {(namespace(o), str(o.get("kind")), str((o.get("metadata") or {}).get("name"))): o
                 for o in objects if type(o.get("kind")) is str and o["kind"] in _TEMPLATE_KINDS
                 and isinstance(o.get("metadata") or {}, Mapping)}
    left_out: set[int] = set()
    if not workloads:
        return left_out
    for obj in objects:
        if obj.get("kind") != "Pod" or not isinstance(obj.get("metadata") or {}, Mapping):
            continue
        for key in _owner_keys(obj, namespace(obj)):
            workload = workloads.get(key)
            if workload is not None:
                live = bool((workload.get("metadata") or {}).get("uid"))
                left_out.add(id(workload) if live else id(obj))
                break
    return left_out
