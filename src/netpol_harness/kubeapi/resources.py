"""The resources the server serves, and the errors it answers with (Kubernetes Status)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]

SERVER_VERSION = {
    "major": "1",
    "minor": "30",
    "gitVersion": "v1.30.0",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2024-04-17T00:00:00Z",
    "goVersion": "go1.22.2",
    "compiler": "gc",
    "platform": "linux/amd64",
}

# The user named in Forbidden messages: a CI deployer's service account, the
# account that typically lacks the rights `lookup` needs.
DEFAULT_USER = "system:serviceaccount:ci:deployer"


@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    # A custom resource (a CRD's kind): kube-apiserver serves it without strategic
    # merge patch, which needs the Go type's patch tags (apiextensions-apiserver,
    # pkg/apiserver/customresource_handler.go: JSON patch, merge patch, apply only).
    custom: bool = False

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified(self) -> str:
        """`plural.group`, as a real server names resources in messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def discovery_entry(self) -> Obj:
        return {
            "name": self.plural,
            "singularName": self.kind.lower(),
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": ["create", "delete", "get", "list", "patch", "update"],
            **({"shortNames": list(self.short_names)} if self.short_names else {}),
        }


RESOURCES: tuple[Resource, ...] = (
    Resource("", "v1", "Namespace", "namespaces", False, ("ns",)),
    Resource("", "v1", "Secret", "secrets", True),
    Resource("", "v1", "ConfigMap", "configmaps", True, ("cm",)),
    Resource("", "v1", "Service", "services", True, ("svc",)),
    Resource("", "v1", "ServiceAccount", "serviceaccounts", True, ("sa",)),
    Resource("", "v1", "Endpoints", "endpoints", True, ("ep",)),
    Resource("", "v1", "Pod", "pods", True, ("po",)),
    Resource("apps", "v1", "Deployment", "deployments", True, ("deploy",)),
    Resource("batch", "v1", "Job", "jobs", True),
    Resource("rbac.authorization.k8s.io", "v1", "Role", "roles", True),
    Resource("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", True),
    Resource("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", False),
    Resource("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", False),
    Resource("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", True, ("netpol",)),
    Resource("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", True),
    # Cilium's policy CRDs, as `kubectl api-resources` lists them on a cluster running
    # Cilium (pkg/k8s/apis/cilium.io/v2/register.go: plurals and short names), so that
    # a chart's `.Capabilities.APIVersions.Has "cilium.io/v2/CiliumNetworkPolicy"`
    # is true under `helm install` and its CiliumNetworkPolicies can be stored.
    Resource("cilium.io", "v2", "CiliumNetworkPolicy", "ciliumnetworkpolicies", True, ("cnp", "ciliumnp"),
             custom=True),
    Resource("cilium.io", "v2", "CiliumClusterwideNetworkPolicy", "ciliumclusterwidenetworkpolicies", False,
             ("ccnp",), custom=True),
)

BASE_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


class ApiError(Exception):
    """An answer in the form of a Kubernetes Status with status Failure."""

    def __init__(self, code: int, reason: str, message: str, details: Obj | None = None):
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details

    def status(self) -> Obj:
        body: Obj = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details is not None:
            body["details"] = self.details
        return body


def not_found(res: Resource, name: str) -> ApiError:
    return ApiError(404, "NotFound", f'{res.qualified} "{name}" not found',
                    {"name": name, "group": res.group, "kind": res.plural})


def forbidden_message(res: Resource, verb: str, namespace: str | None, name: str | None,
                      user: str = DEFAULT_USER) -> str:
    """The message kube-apiserver's RBAC authorizer writes, word for word."""
    subject = f'{res.qualified} "{name}"' if name else res.qualified
    scope = f' in the namespace "{namespace}"' if namespace else " at the cluster scope"
    return (f'{subject} is forbidden: User "{user}" cannot {verb} resource '
            f'"{res.plural}" in API group "{res.group}"{scope}')


def resource_for_kind(api_version: str, kind: str) -> Resource:
    for r in RESOURCES:
        if r.api_version == api_version and r.kind == kind:
            return r
    raise KeyError(f"the in-memory API server does not serve {api_version} {kind}")
