"""An item of a kubectl dump, read without a YAML parser: once `dumps` has cut what the
model never reads, an item (a running pod, a NetworkPolicy, a Namespace ...) is a few dozen
lines of the one block layout kubectl writes (`key: value`, `key:` then a deeper map or a
list at the key's indent, `- key: value`, `- value`), and reading those lines is several
times faster than libyaml's events in Python.

Anything else -- a block or multi-line scalar, a flow collection other than `{}` and `[]`,
an anchor, alias, tag or comment, a key given twice, a key that is not a plain name, a
list item that is not a one-line scalar or a map, nesting within one level of the depth
limit -- makes `read_item` answer None, and the item goes to the YAML parser, which counts
the limits and says what is wrong. Scalars resolve as the loader resolves them (`dumps`
passes its resolver in).
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable

__all__ = ["NOT_SCALAR", "POD_KEYS", "PRUNED_KEYS", "read_item", "scalar"]

# Keys whose blocks no reader of the harness (the model, the API server's rules it runs)
# looks into, and that make up most of a dumped pod or node.
PRUNED_KEYS = ("managedFields", "containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses",
               "conditions", "volumes", "volumeMounts", "env", "envFrom", "livenessProbe", "readinessProbe",
               "startupProbe", "tolerations", "affinity", "images", "nodeInfo", "volumesInUse", "volumesAttached")
# Of a running pod's metadata, spec and status, what the model reads; of its containers, name and ports.
POD_KEYS = ("name", "namespace", "labels", "annotations", "ownerReferences", "containers", "initContainers",
            "hostNetwork", "nodeName", "podIP", "podIPs")

# One line of kubectl's block layout: indent, "- " or not, then a plain key and its one-line
# value (or nothing: a block below), or else a one-line scalar (a list item when after "- ").
_LINES = re.compile(r"^( *)(- )?(?:([A-Za-z0-9][A-Za-z0-9._/-]*):(?: (.*))?|(.*))\n", re.MULTILINE)
# Characters YAML does not read as written, in no scalar read here: outside its printable set
# (the loader's reader refuses them), line breaks other than \n (folded in a quoted value), a BOM.
_ODD = r"\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff"
_DOUBLE = re.compile(r'"(?:[^"\\%s]|\\[^%s])*"' % (_ODD, _ODD))
_BARE_DOUBLE = re.compile(r'"[^"\\\x00-\x1f%s]*"' % _ODD)  # no escape: JSON would read it as it stands
_SINGLE = re.compile(r"'(?:[^'%s]|'')*'" % _ODD)
_PLAIN = re.compile(r"[^-?:,\[\]{}#&*!|>'\"%%@` \t%s](?:[^#:%s]|:(?! ))*" % (_ODD, _ODD))  # no comment, no `: `, not ending in ':'
_NONE = NOT_SCALAR = object()


def scalar(text: str, plain: Callable[[str], Any]) -> Any:
    """A one-line scalar's value, or NOT_SCALAR when the line holds something else."""
    first = text[:1]
    if first == '"':
        if _BARE_DOUBLE.fullmatch(text):
            return text[1:-1]
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
    if text.endswith((":", " ", "\t")) or not _PLAIN.fullmatch(text):  # YAML trims trailing blanks
        return _NONE
    return plain(text)


def _key(key: Any) -> str:
    return key if type(key) is str else json.dumps(key)  # what the loader's JSON round trip makes of `yes`, `1`


def _value(text: str, plain: Callable[[str], Any], seen: dict[str, Any]) -> Any:
    value = seen.get(text, _NONE)
    if value is _NONE:
        value = scalar(text, plain)
        if value is not _NONE and type(value) not in (dict, list):  # an empty map or list is made anew for each place
            seen[text] = value
    return value


def read_item(item: str, plain: Callable[[str], Any], depth: int, seen: dict[str, Any],
              keys: dict[str, str]) -> dict | None:
    """`item` ("- apiVersion: v1\\n  kind: Pod\\n ...") as a map, or None; `depth`: the levels
    it may nest (itself the first); `seen`, `keys`: scalars and keys read before."""
    lines = _LINES.findall("  " + item[2:])
    if len(lines) != item.count("\n"):
        return None  # a line of another form
    root: dict = {}
    stack: list[tuple[int, Any]] = [(2, root)]  # (column of its keys or dashes, map or list)
    at, top = stack[-1]  # the innermost open one: most lines add to it
    pending: tuple[dict, str, int] | None = None  # a key whose value is the block below it
    for indent, dash, name, text, alone in lines:
        column = len(indent)
        if pending is not None:
            _open(pending, column, dash, stack)
            pending = None
            at, top = stack[-1]
        if column != at or (type(top) is list) is not (dash != ""):
            top = _top(stack, column, dash)
            if top is None:
                return None
            at = column
        if not name:
            value = _value(alone, plain, seen) if dash else _NONE
            if value is _NONE or len(stack) >= depth:
                return None
            top.append(value)
            continue
        if dash:
            top.append(top := {})
            at = column + 2
            stack.append((at, top))
        if len(stack) >= depth:
            return None  # near the limit: the parser counts it, and says so when it is over
        key = keys.get(name) or keys.setdefault(name, _key(plain(name)))
        if key in top:
            return None
        if not text:
            pending = (top, key, at)
            continue
        value = seen.get(text, _NONE)
        if value is _NONE and (value := _value(text, plain, seen)) is _NONE:
            return None
        top[key] = value
    if pending is not None:
        pending[0][pending[1]] = None
    return root


def _open(pending: tuple[dict, str, int], column: int, dash: str, stack: list[tuple[int, Any]]) -> None:
    """The value of a key with nothing after it: the block of the line below, or null."""
    parent, key, at = pending
    if dash and column >= at or not dash and column > at:
        parent[key] = block = [] if dash else {}
        stack.append((column, block))
    else:
        parent[key] = None


def _top(stack: list[tuple[int, Any]], column: int, dash: str) -> Any:
    """The open map or list a line at `column` belongs to (those it closes popped), or None."""
    top_column, top = stack[-1]
    while top_column > column or top_column == column and (type(top) is list) != bool(dash):
        stack.pop()
        if not stack:
            return None
        top_column, top = stack[-1]
    return top if top_column == column else None
