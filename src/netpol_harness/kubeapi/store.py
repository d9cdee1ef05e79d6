"""The cluster state and the API rules applied to it (thread-safe)."""
from __future__ import annotations

import copy
import datetime
import itertools
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from .patch import json_merge_patch, json_patch, strategic_merge_patch
from .resources import (BASE_NAMESPACES, DEFAULT_USER, RESOURCES, ApiError, Obj, Resource, not_found,
                        resource_for_kind)
from .selectors import field_selector, label_selector


@dataclass
class Fault:
    """An injected answer for requests to one resource (optionally some verbs)."""
    plural: str
    code: int | None            # None: answer normally, only late
    delay: float = 0.0
    verbs: frozenset[str] | None = None
    user: str = DEFAULT_USER


@dataclass
class Request:
    method: str
    path: str
    query: str
    content_type: str
    verb: str = ""
    code: int = 0


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Cluster:
    """The objects and the rules of the in-memory API server (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._objects: dict[tuple[str, str], dict[tuple[str, str], Obj]] = {}
        self._rv = itertools.count(1000)
        self.faults: list[Fault] = []
        self.requests: list[Request] = []
        self.reset()

    # -- test controls ---------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self._objects = {(r.group, r.plural): {} for r in RESOURCES}
            self.faults.clear()
            for name in BASE_NAMESPACES:
                self.put({"apiVersion": "v1", "kind": "Namespace",
                          "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}}})

    def put(self, obj: Obj) -> Obj:
        """Store an object as it is (create or replace), bypassing the API rules."""
        res = resource_for_kind(obj.get("apiVersion", ""), obj.get("kind", ""))
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        if res.namespaced:
            meta.setdefault("namespace", "default")
        with self._lock:
            key = (meta.get("namespace", ""), meta["name"])
            old = self._objects[(res.group, res.plural)].get(key)
            meta.setdefault("uid", (old or {}).get("metadata", {}).get("uid") or str(uuid.uuid4()))
            meta.setdefault("creationTimestamp", _now())
            meta["resourceVersion"] = str(next(self._rv))
            self._objects[(res.group, res.plural)][key] = obj
        return copy.deepcopy(obj)

    def objects(self, kind: str, namespace: str | None = None) -> list[Obj]:
        res = next((r for r in RESOURCES if r.kind == kind), None)
        if res is None:
            raise KeyError(f"the in-memory API server does not serve kind {kind!r}")
        with self._lock:
            found = [copy.deepcopy(o) for (ns, _), o in sorted(self._objects[(res.group, res.plural)].items())
                     if namespace is None or ns == namespace]
        return found

    def record(self, request: Request) -> Request:
        with self._lock:
            self.requests.append(request)
        return request

    def fault_for(self, res: Resource, verb: str) -> Fault | None:
        for f in self.faults:
            if f.plural in (res.plural, res.qualified) and (f.verbs is None or verb in f.verbs):
                return f
        return None

    # -- the API ---------------------------------------------------------
    def _bucket(self, res: Resource) -> dict[tuple[str, str], Obj]:
        return self._objects[(res.group, res.plural)]

    def _require_namespace(self, namespace: str) -> None:
        if ("", namespace) not in self._objects[("", "namespaces")]:
            raise ApiError(404, "NotFound", f'namespaces "{namespace}" not found',
                           {"name": namespace, "kind": "namespaces"})

    def get(self, res: Resource, ns: str, name: str) -> Obj:
        with self._lock:
            obj = self._bucket(res).get((ns, name))
            if obj is None:
                raise not_found(res, name)
            return copy.deepcopy(obj)

    def list(self, res: Resource, ns: str | None, labels: str, fields: str) -> Obj:
        match_labels = label_selector(labels)
        match_fields = field_selector(fields)
        with self._lock:
            items = [copy.deepcopy(o) for (ons, _), o in sorted(self._bucket(res).items())
                     if (ns is None or ons == ns)
                     and match_labels(o["metadata"].get("labels") or {}) and match_fields(o)]
            rv = str(next(self._rv))
        return {"kind": f"{res.kind}List", "apiVersion": res.api_version,
                "metadata": {"resourceVersion": rv}, "items": items}

    def create(self, res: Resource, ns: str, body: Obj, dry_run: bool) -> Obj:
        self._check_type(res, body)
        meta = body.setdefault("metadata", {})
        if not meta.get("name"):
            if meta.get("generateName"):
                meta["name"] = meta["generateName"] + uuid.uuid4().hex[:5]
            else:
                raise ApiError(422, "Invalid", f"{res.kind} in version \"{res.version}\" cannot be handled "
                               "as a " + res.kind + ": metadata.name: Required value: name or generateName is required")
        if res.namespaced:
            if meta.get("namespace") and meta["namespace"] != ns:  # empty means "the request's"
                raise ApiError(400, "BadRequest",
                               "the namespace of the provided object does not match the namespace sent on the request")
            meta["namespace"] = ns
        else:
            meta.pop("namespace", None)
        with self._lock:
            if res.namespaced:
                self._require_namespace(ns)
            key = (meta.get("namespace", ""), meta["name"])
            if key in self._bucket(res):
                raise ApiError(409, "AlreadyExists", f'{res.qualified} "{meta["name"]}" already exists',
                               {"name": meta["name"], "group": res.group, "kind": res.plural})
            for k in ("resourceVersion", "uid", "creationTimestamp", "deletionTimestamp"):
                meta.pop(k, None)
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = _now()
            meta["generation"] = 1
            meta["resourceVersion"] = str(next(self._rv))
            if res.kind == "Namespace":
                meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta["name"]
                body.setdefault("spec", {"finalizers": ["kubernetes"]})
                body["status"] = {"phase": "Active"}
            if not dry_run:
                self._bucket(res)[key] = copy.deepcopy(body)
        return body

    def update(self, res: Resource, ns: str, name: str, body: Obj) -> Obj:
        self._check_type(res, body)
        meta = body.setdefault("metadata", {})
        if meta.get("name", name) != name:
            raise ApiError(400, "BadRequest", "the name of the object does not match the name on the URL")
        with self._lock:
            old = self.get(res, ns, name)
            rv = meta.get("resourceVersion")
            if rv and rv != old["metadata"]["resourceVersion"]:
                raise ApiError(409, "Conflict",
                               f'Operation cannot be fulfilled on {res.qualified} "{name}": the object has been '
                               "modified; please apply your changes to the latest version and try again",
                               {"name": name, "group": res.group, "kind": res.plural})
            return self._store_changed(res, old, body)

    def apply(self, res: Resource, ns: str, name: str, applied: Any, dry_run: bool) -> tuple[int, Obj]:
        """Server-side apply, for a single field manager: the applied object becomes the
        object (server-owned metadata and status kept). Field ownership between
        several managers is not modelled; helm is the only writer in these tests."""
        with self._lock:
            if (ns, name) not in self._bucket(res):
                if isinstance(applied, dict):
                    applied.setdefault("metadata", {}).setdefault("name", name)
                return 201, self.create(res, ns, applied, dry_run)
            old = self.get(res, ns, name)
            self._check_type(res, applied)
            new = copy.deepcopy(applied)
            meta = new.setdefault("metadata", {})
            if meta.get("name", name) != name:
                raise ApiError(400, "BadRequest", "the name of the object does not match the name on the URL")
            meta["name"] = name
            if "status" in old:
                new["status"] = old["status"]
            if dry_run:
                return 200, new
            return 200, self._store_changed(res, old, new)

    def patch(self, res: Resource, ns: str, name: str, content_type: str, patch: Any) -> Obj:
        with self._lock:
            old = self.get(res, ns, name)
            if content_type == "application/json-patch+json":
                new = json_patch(old, patch)
            elif content_type == "application/merge-patch+json":
                new = json_merge_patch(old, patch)
            elif content_type == "application/strategic-merge-patch+json" and not res.custom:
                new = strategic_merge_patch(old, patch, res.kind)
            elif res.custom:
                raise ApiError(415, "UnsupportedMediaType",
                               'the body of the request was in an unknown format - accepted media types include: '
                               'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml')
            else:
                raise ApiError(415, "UnsupportedMediaType",
                               'the body of the request was in an unknown format - accepted media types include: '
                               'application/json-patch+json, application/merge-patch+json, '
                               'application/apply-patch+yaml, application/strategic-merge-patch+json '
                               f'(got {content_type or "no content type"})')
            if not isinstance(new, dict):
                raise ApiError(422, "Invalid", "the patch does not leave an object")
            self._check_type(res, new)
            meta = new.setdefault("metadata", {})
            if meta.get("name") != name or meta.get("namespace", "") != old["metadata"].get("namespace", ""):
                raise ApiError(422, "Invalid", "a patch may not change metadata.name or metadata.namespace")
            return self._store_changed(res, old, new)

    def _store_changed(self, res: Resource, old: Obj, new: Obj) -> Obj:
        meta, old_meta = new["metadata"], old["metadata"]
        for k in ("uid", "creationTimestamp", "namespace"):
            if k in old_meta:
                meta[k] = old_meta[k]
        spec_changed = {k: v for k, v in new.items() if k not in ("metadata", "status")} != \
            {k: v for k, v in old.items() if k not in ("metadata", "status")}
        meta["generation"] = int(old_meta.get("generation", 1)) + int(spec_changed)
        meta["resourceVersion"] = str(next(self._rv))
        self._bucket(res)[(old_meta.get("namespace", ""), old_meta["name"])] = copy.deepcopy(new)
        return new

    def delete(self, res: Resource, ns: str, name: str) -> Obj:
        with self._lock:
            old = self.get(res, ns, name)
            del self._bucket(res)[(ns, name)]
            if res.kind == "Namespace":
                for bucket in self._objects.values():
                    for key in [k for k in bucket if k[0] == name]:
                        del bucket[key]
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                "details": {"name": name, "group": res.group, "kind": res.plural,
                            "uid": old["metadata"]["uid"]}}

    @staticmethod
    def _check_type(res: Resource, body: Any) -> None:
        if not isinstance(body, dict):
            raise ApiError(400, "BadRequest", "the request body is not a JSON object")
        if body.get("apiVersion", res.api_version) != res.api_version or body.get("kind", res.kind) != res.kind:
            raise ApiError(400, "BadRequest",
                           f'the API version in the data ({body.get("apiVersion")}) does not match the expected '
                           f"API version ({res.api_version}) or the kind {body.get('kind')} is not {res.kind}")
        body["apiVersion"], body["kind"] = res.api_version, res.kind
