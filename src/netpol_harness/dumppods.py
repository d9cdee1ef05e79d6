"""A running pod of a kubectl dump, read without a YAML parser: once `dumps` has cut what
the model never reads, a pod is a few dozen lines of the one block layout kubectl writes
(`key: value`, `key:` then a deeper map or a list at the key's indent, `- key: value`),
and reading those lines is several times faster than libyaml's events in Python.

Anything else -- a block or multi-line scalar, a flow collection other than `{}` and `[]`,
an anchor, alias, tag or comment, a key given twice, a key that is not a plain name, a
list of scalars -- makes `read_pod` answer None, and the pod goes to the YAML parser.
Scalars resolve as the loader resolves them (`dumps` passes its resolver in).
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable

__all__ = ["read_pod"]

# One line of kubectl's block layout: indent, "- " or not, a plain key, its one-line value or nothing.
_LINES = re.compile(r"^( *)(- )?([A-Za-z0-9][A-Za-z0-9._/-]*):(?: (.*))?\n", re.MULTILINE)
_DOUBLE = re.compile(r'"(?:[^"\\]|\\.)*"')
_SINGLE = re.compile(r"'(?:[^']|'')*'")
_PLAIN = re.compile(r"[^-?:,\[\]{}#&*!|>'\"%@` \t](?:[^#:]|:(?! ))*")  # no comment, no `: `, not ending in ':'
_NONE = object()


def _scalar(text: str, plain: Callable[[str], Any]) -> Any:
    """A one-line scalar's value, or _NONE when the line holds something else."""
    first = text[:1]
    if first == '"':
        if "\\u" in text or not _DOUBLE.fullmatch(text):  # PyYAML keeps a surrogate pair's halves apart
            return _NONE
        try:
            return json.loads(text)  # JSON's escapes are YAML's; YAML's others are left to the parser
        except ValueError:
            return _NONE
    if first == "'":
        return text[1:-1].replace("''", "'") if _SINGLE.fullmatch(text) else _NONE
    if text in ("{}", "[]"):
        return {} if text == "{}" else []
    if text.endswith((":", " ")) or not _PLAIN.fullmatch(text):
        return _NONE
    return plain(text)


def _key(key: Any) -> str:
    return key if type(key) is str else json.dumps(key)  # what the loader's JSON round trip makes of `yes`, `1`


def _remembered(text: str, plain: Callable[[str], Any], seen: dict[str, Any]) -> Any:
    value = _scalar(text, plain)
    if value is not _NONE and type(value) not in (dict, list):  # an empty map or list is made anew for each place
        seen[text] = value
    return value


def read_pod(item: str, plain: Callable[[str], Any], depth: int, seen: dict[str, Any],
             keys: dict[str, str]) -> dict | None:
    """`item` ("- apiVersion: v1\\n  kind: Pod\\n ...") as a map, or None; `seen`, `keys`: read before."""
    lines = _LINES.findall("  " + item[2:])
    if len(lines) != item.count("\n"):
        return None  # a line of another form
    root: dict = {}
    stack: list[tuple[int, Any]] = [(2, root)]  # (column of its keys or dashes, map or list)
    top_column, top = 2, root
    pending: tuple[dict, str, int] | None = None  # a key whose value is the block below it
    for indent, dash, name, text in lines:
        column = len(indent)
        if pending is not None:
            parent, key, at = pending
            pending = None
            if dash and column >= at or not dash and column > at:
                top_column, top = column, [] if dash else {}
                parent[key] = top
                stack.append((column, top))
            else:
                parent[key] = None
        while top_column > column or top_column == column and (type(top) is list) != bool(dash):
            stack.pop()
            if not stack:
                return None
            top_column, top = stack[-1]
        if top_column != column or len(stack) > depth:
            return None
        target = top
        if dash:
            target = {}
            top.append(target)
            column += 2
            top_column, top = column, target
            stack.append((column, target))
        key = keys.get(name)
        if key is None:
            key = keys[name] = _key(plain(name))
        if key in target:
            return None
        if not text:
            pending = (target, key, column)
            continue
        value = seen.get(text, _NONE)
        if value is _NONE and (value := _remembered(text, plain, seen)) is _NONE:
            return None
        target[key] = value
    if pending is not None:
        pending[0][pending[1]] = None
    return root
