"""PATCH semantics: RFC 7386 merge patch, RFC 6902 JSON patch, strategic merge patch."""
from __future__ import annotations

import copy
import json
from typing import Any

from .resources import ApiError, Obj


def json_merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = json_merge_patch(result.get(key), value)
    return result


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in path.lstrip("/").split("/")]


def json_patch(doc: Any, ops: list[Obj]) -> Any:
    """RFC 6902: add, remove, replace, move, copy, test."""
    doc = copy.deepcopy(doc)

    def parent(path: str) -> tuple[Any, str]:
        parts = _pointer(path)
        if not parts:
            raise ApiError(422, "Invalid", "the JSON patch may not replace the whole object")
        node = doc
        for p in parts[:-1]:
            node = node[int(p)] if isinstance(node, list) else node[p]
        return node, parts[-1]

    def get(path: str) -> Any:
        node = doc
        for p in _pointer(path):
            node = node[int(p)] if isinstance(node, list) else node[p]
        return node

    try:
        for op in ops:
            kind, path = op["op"], op["path"]
            if kind == "test":
                if get(path) != op["value"]:
                    raise ApiError(422, "Invalid", f"the JSON patch test at {path} failed")
                continue
            if kind in ("move", "copy"):
                value = copy.deepcopy(get(op["from"]))
                if kind == "move":
                    node, last = parent(op["from"])
                    del node[int(last) if isinstance(node, list) else last]
                kind, op = "add", {"value": value}
            node, last = parent(path)
            if kind == "add":
                if isinstance(node, list):
                    node.insert(len(node) if last == "-" else int(last), copy.deepcopy(op["value"]))
                else:
                    node[last] = copy.deepcopy(op["value"])
            elif kind == "remove":
                del node[int(last) if isinstance(node, list) else last]
            elif kind == "replace":
                key = int(last) if isinstance(node, list) else last
                if not isinstance(node, list) and key not in node:
                    raise ApiError(422, "Invalid", f"the JSON patch replaces {path}, which is missing")
                node[key] = copy.deepcopy(op["value"])
            else:
                raise ApiError(400, "BadRequest", f"unknown JSON patch operation {kind!r}")
    except (KeyError, IndexError, ValueError, TypeError) as err:
        raise ApiError(422, "Invalid", f"the JSON patch cannot be applied: {err!r}") from err
    return doc


# Lists the Kubernetes types declare with patchStrategy=merge, by field name.
# Every other list is atomic and a patch replaces it whole (NetworkPolicy's
# ingress/egress, their peers and ports among them).
_MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "hostAliases": "ip",
    "topologySpreadConstraints": "topologyKey",
    "ownerReferences": "uid",
    "conditions": "type",
}
# Lists of scalars with patchStrategy=merge: a patch adds to them.
_MERGE_PRIMITIVE_LISTS = {"finalizers"}


def _merge_key(field_name: str, path: tuple[str, ...], kind: str, items: list[Any]) -> str | None:
    if field_name == "ports":
        if any(isinstance(i, dict) and "containerPort" in i for i in items):
            return "containerPort"
        if kind == "Service" and path == ("spec",):
            return "port"
        return None
    return _MERGE_KEYS.get(field_name)


def strategic_merge_patch(target: Any, patch: Any, kind: str, path: tuple[str, ...] = ()) -> Any:
    """Apply a strategic merge patch as kube-apiserver does for the fields above."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    result = dict(target) if isinstance(target, dict) else {}
    orders: dict[str, list[Any]] = {}
    for key, value in patch.items():
        if key in ("$patch", "$retainKeys"):
            continue
        if key.startswith("$setElementOrder/"):
            orders[key.split("/", 1)[1]] = value
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            name = key.split("/", 1)[1]
            result[name] = [v for v in result.get(name) or [] if v not in value]
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            if value.get("$patch") == "delete":
                result.pop(key, None)
            else:
                result[key] = strategic_merge_patch(result.get(key), value, kind, path + (key,))
        elif isinstance(value, list):
            result[key] = _merge_list(result.get(key), value, key, path, kind)
        else:
            result[key] = value
    if "$retainKeys" in patch:
        keep = set(patch["$retainKeys"])
        result = {k: v for k, v in result.items() if k in keep}
    for name, order in orders.items():
        items = result.get(name)
        if not isinstance(items, list):
            continue
        mkey = _merge_key(name, path, kind, items + list(order))
        ident = (lambda i: i.get(mkey) if isinstance(i, dict) else i) if mkey else (lambda i: i)
        rank = {json.dumps(ident(o), sort_keys=True): n for n, o in enumerate(order)}
        result[name] = sorted(items, key=lambda i: rank.get(json.dumps(ident(i), sort_keys=True), len(rank)))
    return result


def _merge_list(current: Any, patch: list[Any], name: str, path: tuple[str, ...], kind: str) -> list[Any]:
    current = list(current) if isinstance(current, list) else []
    if any(isinstance(i, dict) and i.get("$patch") == "replace" for i in patch):
        return [copy.deepcopy(i) for i in patch if not (isinstance(i, dict) and "$patch" in i)]
    if name in _MERGE_PRIMITIVE_LISTS:
        return current + [v for v in patch if v not in current]
    mkey = _merge_key(name, path, kind, current + patch)
    if mkey is None:
        return copy.deepcopy(patch)
    for item in patch:
        if not isinstance(item, dict) or mkey not in item:
            raise ApiError(422, "Invalid", f"strategic merge patch: an element of {name} has no {mkey}")
        found = next((n for n, c in enumerate(current) if isinstance(c, dict) and c.get(mkey) == item[mkey]), None)
        if item.get("$patch") == "delete":
            if found is not None:
                del current[found]
        elif found is None:
            current.append(strategic_merge_patch({}, item, kind, path + (name,)))
        else:
            current[found] = strategic_merge_patch(current[found], item, kind, path + (name,))
    return current
