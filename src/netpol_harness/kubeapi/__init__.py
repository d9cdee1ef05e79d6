"""An in-memory Kubernetes API server, small enough to read, real enough for `helm`.

Why: `lookup` only runs on a real install or upgrade, so the API-server
autodetection of the charts can only be tested by talking the real REST protocol
to the real `helm` binary. No cluster exists on the test machines; this does.

What it implements (plain HTTP/1.1 on loopback; JSON, plus protobuf request
bodies for v1 Secrets, which Helm 3.19 and 4 write their releases with):
  discovery   GET /version, /api, /api/v1, /apis, /apis/<group>, /apis/<group>/<version>;
              the legacy documents (clients asking for aggregated discovery
              get plain JSON and fall back, as against older servers);
              /openapi/v2 as an empty document, so client-side validation
              checks nothing (schemas are netpol_harness.check's job)
  resources   namespaces, secrets, configmaps, services, serviceaccounts,
              endpoints, pods (v1); deployments (apps/v1); jobs (batch/v1);
              roles, rolebindings, clusterroles, clusterrolebindings
              (rbac.authorization.k8s.io/v1); networkpolicies
              (networking.k8s.io/v1); endpointslices (discovery.k8s.io/v1);
              ciliumnetworkpolicies, ciliumclusterwidenetworkpolicies
              (cilium.io/v2, custom resources: no strategic merge patch), so
              `.Capabilities.APIVersions.Has "cilium.io/v2/CiliumNetworkPolicy"`
              is true under helm install
  verbs       get; list (labelSelector =, ==, !=, in, notin, key, !key;
              fieldSelector metadata.name / metadata.namespace); create
              (generateName, dryRun=All); update (PUT, resourceVersion
              precondition); patch; delete
  patch types application/json-patch+json (RFC 6902);
              application/merge-patch+json (RFC 7386);
              application/strategic-merge-patch+json -- maps merge, null
              deletes, the lists Kubernetes merges by key (containers, env,
              volumes, volumeMounts, container and Service ports, ...) merge by
              that key, all other lists (NetworkPolicy rules among them) are
              replaced; $patch, $setElementOrder, $deleteFromPrimitiveList and
              $retainKeys are honoured: what `helm upgrade`'s three-way patches
              send for our kinds;
              application/apply-patch+yaml (server-side apply, Helm 4's
              default) for a single field manager: the applied object replaces
              the stored one, or is created; ownership between managers is not
              modelled
  semantics   uid, resourceVersion, creationTimestamp, generation; namespaced
              objects need their namespace; deleting a namespace deletes its
              objects; NotFound / AlreadyExists / Conflict answers carry the
              messages a real server writes
  accepted, not enforced: fieldManager, fieldValidation (no schemas here),
              timeout, propagationPolicy (deletion is immediate; no garbage
              collector, no controllers: a Deployment never gets Pods)

What it refuses, always with a Kubernetes `Status` (kind Status, status Failure,
reason, code), never with a silent success: unknown paths and resources (404),
subresources (404), watch and deletecollection (405), PATCH with
application/json and bodies in other media types (415), protobuf bodies of
other kinds than Secret (415).

The calls helm makes (logged in `Cluster.requests`): Helm 3.10 install --
GET /version; list secrets ?labelSelector=name=R,owner=helm; discovery
(/api, /apis, every group version); the chart's lookups (list endpointslices in
default, get endpoints default/kubernetes); GET /openapi/v2 (protobuf);
GET each object (existence check); POST the release secret, POST each object
?fieldManager=helm; PUT the release secret. Upgrade adds PATCH
(strategic-merge-patch+json) per changed object and DELETE for objects that left
the chart; uninstall DELETEs the objects and the release secrets. Helm 3.19 adds
GET /openapi/v3 (404 here: it then uses v2) and writes secrets in protobuf; Helm 4
also writes objects with server-side apply (PATCH apply-patch+yaml ?fieldManager&force).

Layout, one job per module: resources (what is served, Status errors),
selectors, patch (the three patch types), protobuf (Secret bodies), store (the
cluster state and the API rules), server (HTTP, discovery, routing), seeds
(cluster states shipped in kubeapi/states/*.yaml, and `control_plane()`).

Test controls: seed objects, read what was stored, inject faults per resource
(403 with the RBAC message a real server writes, 500, or a delay), and read the
log of every request (method, path, query) -- `helm`'s calls are visible there.
"""
from __future__ import annotations

from .patch import json_merge_patch, json_patch, strategic_merge_patch
from .protobuf import decode_protobuf
from .resources import DEFAULT_USER, RESOURCES, ApiError, Obj, Resource, forbidden_message, resource_for_kind
from .seeds import SEED_DIR, control_plane, load_state, state_names
from .selectors import field_selector, label_selector
from .server import KubeApiServer
from .store import Cluster, Fault, Request

__all__ = [
    "DEFAULT_USER", "RESOURCES", "SEED_DIR", "state_names", "ApiError", "Cluster", "Fault", "KubeApiServer", "Obj", "Request",
    "Resource", "control_plane", "decode_protobuf", "field_selector", "forbidden_message", "json_merge_patch",
    "json_patch", "label_selector", "load_state", "resource_for_kind", "strategic_merge_patch",
]
