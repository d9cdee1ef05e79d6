"""A JSON schema's errors, remembered part by part: a value matrix validates the same values
(and the same objects' fields) case after case, and only a few parts of them change.

`SchemaMemo(validator, describe).errors(instance)` gives, for each error jsonschema's
`iter_errors` yields, (its absolute path, its message, describe(error)), in an order that
sorting by path (and message) turns into the order sorting iter_errors' errors gives:
errors at one path come in the order iter_errors yields them. It splits an object schema
into its own keywords (checked on the object, each property's schema made `true`, so
`additionalProperties` and `required` see the same names) and one part per property, follows
a `$ref` whose siblings do not validate, splits an array schema's `items` likewise, and
remembers each part's errors by the schema node and the part's content (`memo_key`: 1, 1.0
and True differ, and so does key order; an instance holding other than the built-in types is
validated whole). A schema it cannot split that way is validated whole, as iter_errors
would; anything that raises is validated whole again, so the exception is iter_errors' own.
"""
from __future__ import annotations

import marshal
from typing import Any, Callable

import jsonschema

Found = tuple[tuple, str, Any]  # (absolute path, error.message, describe(error))

_LIMIT = 100_000  # remembered parts per schema; then forget them all (a long matrix stays bounded)
_BYTES = 64 << 20  # nor more than this many bytes of remembered parts (an object that changes every case)
# Keywords whose errors depend on what the `properties` subschemas evaluated, or that change
# the scope references resolve in: an object schema with any of them is validated whole.
_WHOLE = frozenset(("$ref", "$id", "id", "$dynamicRef", "$recursiveRef", "unevaluatedProperties",
                    "unevaluatedItems", "$dynamicAnchor", "$recursiveAnchor"))
_SCOPE = frozenset(("$id", "id"))
# Keywords that give some items schemas of their own: an array schema with any is validated whole.
_POSITIONAL = frozenset(("prefixItems", "additionalItems"))


class SchemaMemo:
    def __init__(self, validator: jsonschema.protocols.Validator, describe: Callable[[Any], Any]) -> None:
        self.validator = validator
        self.describe = describe
        self._known: dict[tuple[int, bool, bytes], list[Found]] = {}
        self._stripped_nodes: dict[tuple[int, str], dict] = {}
        # Keys name schema nodes by id(): the nodes are held here so that no other node can take
        # the id of one that is freed (a remote $ref's document is fetched and parsed anew per lookup).
        self._nodes: dict[int, Any] = {}
        self._bytes = 0
        # The splitting walks jsonschema's resolver itself; a validator without one (an old
        # jsonschema, or a legacy RefResolver given) is validated whole.
        self._splits = getattr(validator, "_resolver", None) is not None and \
            getattr(validator, "_ref_resolver", None) is None

    def errors(self, instance: Any) -> list[Found]:
        if self._splits:  # an instance marshal refuses raises ValueError in _node: validated whole below
            try:
                # The root's own $id is the scope the validator's resolver starts in already.
                return self._node(self.validator, self.validator.schema, instance, entered=True)
            except Exception:  # noqa: BLE001 - the whole validation below raises what iter_errors raises
                pass
        return [(tuple(e.absolute_path), e.message, self.describe(e)) for e in self.validator.iter_errors(instance)]

    def _node(self, cur, node: Any, instance: Any, entered: bool = False) -> list[Found]:
        """`entered`: cur's resolver is in the node's own scope already (the root, a $ref's
        target), as jsonschema has it there; else it enters it as `descend` does."""
        if not isinstance(node, dict):
            return self._whole(cur, node, instance, entered)
        key = (id(node), entered, marshal.dumps(instance, 2))
        found = self._known.get(key)
        if found is None:
            found = self._split(cur, node, instance, entered)
            if len(self._known) >= _LIMIT or self._bytes >= _BYTES:
                self._forget()
            self._nodes[id(node)] = node
            self._known[key] = found
            self._bytes += len(key[2])
        return found

    def _forget(self) -> None:
        self._known.clear()
        self._stripped_nodes.clear()
        self._nodes.clear()
        self._bytes = 0

    def _split(self, cur, node: dict, instance: Any, entered: bool) -> list[Found]:
        ref = node.get("$ref")
        if isinstance(ref, str) and not _WHOLE.intersection(node.keys() - {"$ref"}) \
                and all(k == "$ref" or k not in cur.VALIDATORS for k in node):
            # What jsonschema's $ref does (Validator._validate_reference): the target, in its resource.
            resolved = cur._resolver.lookup(ref)
            return self._node(cur.evolve(schema=resolved.contents, _resolver=resolved.resolver),
                              resolved.contents, instance, entered=True)
        if _WHOLE.intersection(node) and not (entered and not (_WHOLE - _SCOPE).intersection(node)):
            return self._whole(cur, node, instance, entered)
        props, items = node.get("properties"), node.get("items")
        if isinstance(props, dict) and isinstance(instance, dict) and cur.is_type(instance, "object"):
            found = self._whole(cur, self._stripped(node, "properties"), instance, entered)
            for name, sub in props.items():  # the order jsonschema's `properties` walks them
                if name in instance:
                    found += [((name, *path), m, said) for path, m, said in self._node(cur, sub, instance[name])]
            return found
        if isinstance(items, dict) and isinstance(instance, list) and cur.is_type(instance, "array") \
                and not _POSITIONAL.intersection(node):
            found = self._whole(cur, self._stripped(node, "items"), instance, entered)
            for index, item in enumerate(instance):
                found += [((index, *path), m, said) for path, m, said in self._node(cur, items, item)]
            return found
        return self._whole(cur, node, instance, entered)

    def _whole(self, cur, node: Any, instance: Any, entered: bool = False) -> list[Found]:
        errors = cur.descend(instance, node, resolver=cur._resolver if entered else None)
        return [(tuple(e.absolute_path), e.message, self.describe(e)) for e in errors]

    def _stripped(self, node: dict, keyword: str) -> dict:
        """The node without what `keyword` checks in its parts (each property's schema, or
        the items' schema, made `true`): its own keywords, in their order."""
        stripped = self._stripped_nodes.get((id(node), keyword))
        if stripped is None:
            value = node[keyword]
            blank = {name: True for name in value} if keyword == "properties" else True
            stripped = {k: (blank if k == keyword else v) for k, v in node.items()}
            self._nodes[id(node)] = node
            self._stripped_nodes[(id(node), keyword)] = stripped
        return stripped


def memo_key(value: Any) -> bytes | None:
    """The value's content as bytes, or None when it holds anything but the built-in
    containers and scalars (exactly those: a subclass may define equality its own way, and
    an object's repr may be its address, which a later object can reuse). marshal keeps
    types (1, 1.0 and True differ) and key order; format 2 has no back-references, so
    equal contents give equal bytes (but for interned strings: only a missed reuse)."""
    try:
        return marshal.dumps(value, 2)
    except ValueError:
        return None
