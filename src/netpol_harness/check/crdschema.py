"""The parts of OpenAPI that CustomResourceDefinitions of network policies use, as a small
schema tree and its walk: each node checks its type, fields (unknown ones are errors,
with a hint where one helps), required fields, counts, lengths, enums and ranges, and
runs an extra `check` for a CEL or harness rule. Messages start with the field path, as
the API server's do. `check.adminrules` and `check.ciliumrules` describe their CRDs with it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .apirules import labels_errors, object_name_errors

Check = Callable[[Any, str], list]


@dataclass
class Node:
    """One schema node: the parts of OpenAPI the CRDs use, plus `check` for a CEL or harness rule."""
    type: str  # object, array, string, integer, map (of strings), any
    fields: dict[str, "Node"] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    exactly_one: bool = False  # MinProperties=1 and MaxProperties=1
    min_props: int = 0
    hints: dict[str, str] = field(default_factory=dict)  # unknown field -> why it is unknown here
    items: "Node | None" = None
    min_items: int = 0
    max_items: int | None = None
    unique: bool = False  # x-kubernetes-list-type: set
    max_length: int | None = None
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    check: Check | None = None  # runs when the value has the node's type
    clean_only: bool = False  # ... and only when nothing inside it was refused


def schema_object(fields, required=(), **kw) -> Node:
    return Node("object", fields=fields, required=tuple(required), **kw)


def schema_array(items, lo=0, hi=None, unique=False) -> Node:
    return Node("array", items=items, min_items=lo, max_items=hi, unique=unique)


def schema_string(max_length=None, enum=(), check=None) -> Node:
    return Node("string", max_length=max_length, enum=tuple(enum), check=check)


def schema_integer(lo, hi) -> Node:
    return Node("integer", minimum=lo, maximum=hi)


# --- the walk --------------------------------------------------------------------


def schema_errors(node: Node, value: Any, path: str) -> list[str]:
    if value is None:  # pruned; the parent reports it if required
        return []
    errors, typed = _TYPE_CHECKS[node.type](node, value, path)
    if typed and node.check is not None and not (node.clean_only and errors):
        errors += node.check(value, path)
    return errors


def _object(node: Node, value: Any, path: str) -> tuple[list[str], bool]:
    if not isinstance(value, dict):
        return [f"{path}: Invalid value: {type(value).__name__}: must be an object"], False
    errors = []
    for key in value:
        if key not in node.fields:
            why = node.hints.get(key, "not in the schema")
            errors.append(f"{path}.{key}: Unknown field: {why} (the API server drops it, or refuses it "
                          "under strict field validation)")
    errors += [f"{path}.{key}: Required value" for key in node.required if value.get(key) is None]
    present = [key for key in node.fields if value.get(key) is not None]
    if node.exactly_one and len(present) != 1:
        found = ", ".join(present) if present else "none"
        errors.append(f"{path}: Invalid value: exactly one of {', '.join(node.fields)} must be set (found: {found})")
    elif len(present) < node.min_props:
        errors.append(f"{path}: Required value: must set {' or '.join(node.fields)}")
    for key in present:
        errors += schema_errors(node.fields[key], value[key], f"{path}.{key}")
    return errors, True


def _array(node: Node, value: Any, path: str) -> tuple[list[str], bool]:
    if not isinstance(value, list):
        return [f"{path}: Invalid value: {type(value).__name__}: must be a list"], False
    errors = []
    if len(value) < node.min_items:
        errors.append(f"{path}: Required value: must have at least {node.min_items} item")
    if node.max_items is not None and len(value) > node.max_items:
        errors.append(f"{path}: Too many: {len(value)}: must have at most {node.max_items} items")
    for i, item in enumerate(value):
        if node.unique and item in value[:i]:
            errors.append(f"{path}[{i}]: Duplicate value: {item!r}")
        if item is None:  # only fields are pruned when null, not list items
            errors.append(f"{path}[{i}]: Invalid value: null: must not be null")
        errors += schema_errors(node.items, item, f"{path}[{i}]")
    return errors, True


def _string(node: Node, value: Any, path: str) -> tuple[list[str], bool]:
    if not isinstance(value, str):
        return [f"{path}: Invalid value: {value!r}: must be a string"], False
    if node.enum and value not in node.enum:
        supported = ", ".join(repr(v) for v in node.enum)
        return [f"{path}: Unsupported value: {value!r}: supported values: {supported}"], False
    if node.max_length is not None and len(value) > node.max_length:
        return [f"{path}: Too long: may not be more than {node.max_length} characters"], False
    return [], True


def _integer(node: Node, value: Any, path: str) -> tuple[list[str], bool]:
    # JSON has one number type: an integral float such as 10.0 is an integer to the server.
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, float) and value.is_integer())):
        return [f"{path}: Invalid value: {value!r}: must be an integer"], False
    if not node.minimum <= value <= node.maximum:
        return [f"{path}: Invalid value: {value!r}: must be between {node.minimum} and {node.maximum}, inclusive"], False
    return [], True


def _string_map(node: Node, value: Any, path: str) -> tuple[list[str], bool]:
    if not isinstance(value, dict):
        return [f"{path}: Invalid value: {type(value).__name__}: must be a map of strings"], False
    return [f"{path}.{k}: Invalid value: {v!r}: must be a string" for k, v in value.items()
            if not isinstance(v, str)], True


_TYPE_CHECKS = {"object": _object, "array": _array, "string": _string, "integer": _integer,
                "map": _string_map, "any": lambda node, value, path: ([], True)}


# --- CEL rules and the harness's stricter ones -------------------------------------------


OBJECT_META_FIELDS = frozenset((
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
    "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers",
    "managedFields"))


def metadata_errors(kind: str, meta: Any) -> list[str]:
    """ObjectMeta as the API server checks it: known fields, the object's name and labels."""
    if not isinstance(meta, dict):
        return ["metadata: Required value"]
    errors = [f"metadata.{key}: Unknown field: not in ObjectMeta" for key in meta if key not in OBJECT_META_FIELDS]
    return errors + object_name_errors(kind, meta.get("name")) + labels_errors(meta.get("labels"), "metadata.labels")
