"""A JSON schema's errors, remembered part by part: a value matrix validates the same values
(and the same objects' fields) case after case, and only a few parts of them change.

`SchemaMemo(validator, describe).errors(instance)` gives, for each error jsonschema's
`iter_errors` yields, (its absolute path, its message, describe(error)), in an order that
sorting by path (and message) turns into the order sorting iter_errors' errors gives:
errors at one path come in the order iter_errors yields them. It splits an object schema
into its own keywords (checked on the object, each property's schema made `true`, so
`additionalProperties` and `required` see the same names) and one part per property, follows
a `$ref` whose siblings do not validate, and remembers each part's errors by the schema
node and the instance's text (repr: 1, 1.0 and True differ, and so does key order). A
schema it cannot split that way is validated whole, as iter_errors would; anything that
raises is validated whole again, so the exception is iter_errors' own.
"""
from __future__ import annotations

from typing import Any, Callable

import jsonschema

Found = tuple[tuple, str, Any]  # (absolute path, error.message, describe(error))

_LIMIT = 100_000  # remembered parts per schema; then forget them all (a long matrix stays bounded)
# Keywords whose errors depend on what the `properties` subschemas evaluated, or that change
# the scope references resolve in: an object schema with any of them is validated whole.
_WHOLE = frozenset(("$ref", "$id", "id", "$dynamicRef", "$recursiveRef", "unevaluatedProperties",
                    "unevaluatedItems", "$dynamicAnchor", "$recursiveAnchor"))


class SchemaMemo:
    def __init__(self, validator: jsonschema.protocols.Validator, describe: Callable[[Any], Any]) -> None:
        self.validator = validator
        self.describe = describe
        self._known: dict[tuple[int, str], list[Found]] = {}
        self._stripped: dict[int, dict] = {}
        # The splitting walks jsonschema's resolver itself; a validator without one (an old
        # jsonschema, or a legacy RefResolver given), or whose schema names its own scope
        # ($id), is validated whole.
        self._splits = getattr(validator, "_resolver", None) is not None and \
            getattr(validator, "_ref_resolver", None) is None and \
            not (isinstance(validator.schema, dict) and {"$id", "id"}.intersection(validator.schema))

    def errors(self, instance: Any) -> list[Found]:
        if self._splits:
            try:
                return self._node(self.validator, self.validator.schema, instance)
            except Exception:  # noqa: BLE001 - the whole validation below raises what iter_errors raises
                pass
        return [(tuple(e.absolute_path), e.message, self.describe(e)) for e in self.validator.iter_errors(instance)]

    def _node(self, cur, node: Any, instance: Any) -> list[Found]:
        if not isinstance(node, dict):
            return self._whole(cur, node, instance)
        key = (id(node), repr(instance))
        found = self._known.get(key)
        if found is None:
            found = self._split(cur, node, instance)
            if len(self._known) >= _LIMIT:
                self._known.clear()
            self._known[key] = found
        return found

    def _split(self, cur, node: dict, instance: Any) -> list[Found]:
        ref = node.get("$ref")
        if isinstance(ref, str) and "$id" not in node and all(k == "$ref" or k not in cur.VALIDATORS for k in node):
            # What jsonschema's $ref does (Validator._validate_reference): the target, in its resource.
            resolved = cur._resolver.lookup(ref)
            return self._node(cur.evolve(schema=resolved.contents, _resolver=resolved.resolver),
                              resolved.contents, instance)
        props = node.get("properties")
        if not isinstance(props, dict) or not isinstance(instance, dict) or _WHOLE.intersection(node) \
                or not cur.is_type(instance, "object"):
            return self._whole(cur, node, instance)
        found = self._whole(cur, self._without_properties(node), instance)
        for name, sub in props.items():  # the order jsonschema's `properties` walks them
            if name in instance:
                part = self._whole(cur, sub, instance[name]) if isinstance(sub, dict) and "$id" in sub \
                    else self._node(cur, sub, instance[name])
                found += [((name, *path), message, said) for path, message, said in part]
        return found

    def _whole(self, cur, node: Any, instance: Any) -> list[Found]:
        return [(tuple(e.absolute_path), e.message, self.describe(e)) for e in cur.descend(instance, node)]

    def _without_properties(self, node: dict) -> dict:
        """The node with each property's schema `true`: its own keywords, in their order."""
        stripped = self._stripped.get(id(node))
        if stripped is None:
            stripped = {k: ({name: True for name in v} if k == "properties" else v) for k, v in node.items()}
            self._stripped[id(node)] = stripped
        return stripped
