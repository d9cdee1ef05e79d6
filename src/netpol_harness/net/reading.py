"""How the model reads manifests: which objects it takes anything from, how messages name
one, and the mark on an object judged although the API server would refuse it
(`check.admission` sets it; `Cluster.add_objects` makes every verdict say so)."""
from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Iterable, Mapping  # isinstance against typing.Mapping is slow, per object
from typing import Any

from .adminpolicy import is_admin_policy
from .apiserver import is_apiserver_endpoints
from .ciliumpolicy import is_cilium_policy
from .objects import Pod, UnmodelledPolicy
from .selector import PolicyError
from .workloads import WORKLOAD_KINDS

# Kinds that are cluster-wide: they govern every namespace. AdminNetworkPolicy and the
# others of policy.networking.k8s.io are read (`adminpolicy`); these names stay for the
# same kinds of other groups (Antrea's crd.antrea.io ClusterNetworkPolicy, say).
CLUSTER_WIDE_POLICY_KINDS = ("AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "GlobalNetworkPolicy",
                             "CiliumClusterwideNetworkPolicy", "ClusterNetworkPolicy")


CLUSTER_SCOPED_KINDS = ("Namespace", "Node", *CLUSTER_WIDE_POLICY_KINDS)
# The kinds `Cluster.add_objects` reads, besides every *NetworkPolicy (admin and Cilium kinds
# among them); of Endpoints and EndpointSlices, only the API server's.
MODEL_KINDS = frozenset(("Namespace", "Pod", "Service", "Node", "CronJob", "Endpoints", "EndpointSlice",
                         *WORKLOAD_KINDS, *CLUSTER_WIDE_POLICY_KINDS))

# On a copy of an object the API server would refuse, judged anyway (`check.admission`): its reasons.
REFUSED_KEY = "x-netpol-harness-refused"


@dataclass(frozen=True)
class RefusedObject(UnmodelledPolicy):
    """An object judged although the API server would refuse it: every verdict says so."""

    reasons: tuple[str, ...] = ()

    def could_select(self, pod: "Pod") -> bool:
        return True

    def __str__(self) -> str:
        return f"{self.kind} {self.name} (judged although the API server would refuse it: {'; '.join(self.reasons)})"


def flat_objects(objects: Iterable[Mapping[str, Any] | None]) -> list[Mapping[str, Any]]:
    """The objects, Lists unpacked and empty documents left out; PolicyError for a
    document that is no manifest (a map)."""
    out: list[Mapping[str, Any]] = []
    for n, obj in enumerate(objects, 1):
        if not obj:
            continue  # empty YAML documents
        if not isinstance(obj, Mapping):
            raise PolicyError(f"document {n}: a {type(obj).__name__}, not a manifest (a map with kind and metadata)")
        if obj.get("kind") == "List" or str(obj.get("kind", "")).endswith("List"):
            items = obj.get("items") or []
            if not isinstance(items, list):
                raise PolicyError(f"{manifest_label(obj)}: items: must be a list of objects, not {type(items).__name__}")
            out += flat_objects(items)
        else:
            out.append(obj)
    return out


def manifest_label(obj: Mapping[str, Any], default_namespace: str = "default") -> str:
    """`Kind ns/name` (`Kind name` for a cluster-wide kind), as messages name an object."""
    kind = obj.get("kind") if isinstance(obj.get("kind"), str) and obj.get("kind") else "object without a kind"
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), Mapping) else {}
    name = meta.get("name") if isinstance(meta.get("name"), str) and meta.get("name") else "<unnamed>"
    if kind in CLUSTER_SCOPED_KINDS or is_admin_policy(obj) or kind == "CiliumClusterwideNetworkPolicy":
        return f"{kind} {name}"
    namespace = meta.get("namespace")
    return f"{kind} {namespace if isinstance(namespace, str) and namespace else default_namespace}/{name}"


def object_metadata(obj: Mapping[str, Any], default_namespace: str) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    if meta is not None and not isinstance(meta, Mapping):
        raise PolicyError(f"{manifest_label(obj, default_namespace)}: metadata: must be a map, not {type(meta).__name__}")
    return meta or {}


def object_name(obj: Mapping[str, Any], default_namespace: str) -> str:
    """metadata.name, which the model names pods and workloads after; PolicyError without one."""
    name = object_metadata(obj, default_namespace).get("name")
    if not name or not isinstance(name, str):
        raise PolicyError(f"{manifest_label(obj, default_namespace)}: metadata.name: Required value: "
                          "the model names what it reads after it")
    return name


def reads(obj: Mapping[str, Any]) -> bool:
    """Whether `add_objects` takes anything from this object (its kind changes a verdict)."""
    kind = obj.get("kind")
    if not isinstance(kind, str):
        return False
    if kind in ("Endpoints", "EndpointSlice"):
        return isinstance(obj.get("metadata") or {}, Mapping) and is_apiserver_endpoints(obj)
    return kind in MODEL_KINDS or kind.endswith("NetworkPolicy") or is_admin_policy(obj) or is_cilium_policy(obj)
