"""A JSON dump (`kubectl get ... -o json`) read by the json module (in C; a key given twice
keeps its last value, as there), its nesting held to the depth limit, and of the items of
a List what `dumps` keeps of them in YAML: blocks no reader of the harness looks into
(`PRUNED_KEYS` in an item's metadata, spec and status) go, and of a running pod all but
what the model reads.

A large dump in kubectl's layout (four spaces a level, an item's `},` on its own line) is
read in two processes: the List with one placeholder for its items, the first half of the
items here and the second in a forked process, each item decoded in place. The placeholder
(a string no input holds) must come back as the one item of the List's `items`, and each
half must read as values and commas to its very end: then the text is that List with those
items, and the result is what one process gives; else one process reads it all.

Nesting is counted on the text, not on the objects: once the json module has read it, the
text is valid JSON, and its brackets outside strings are its collections. Only when the
text says "too deep" are the objects walked, so a value that a key given twice replaced
(in the text, not in the objects) changes nothing.
"""
from __future__ import annotations

import json
import re
import secrets
from typing import Any

import numpy as np

from .dumppods import POD_KEYS, PRUNED_KEYS
from .dumpsplit import Beside, can_fork
from .loader import Limits, limit_error

__all__ = ["json_documents"]

# Everything of ASCII but brackets and quotes; what is not ASCII sits in strings, which go.
_SKELETON = {c: None for c in range(128) if chr(c) not in '[]{}"'}
_STRINGS = re.compile(r'"[^"]*"')
_SPACE = re.compile(r"[ \t\n\r]*")
_COMMA = re.compile(r"[ \t\n\r]*,[ \t\n\r]*")
_DECODE = json.JSONDecoder().raw_decode
_ITEMS, _ITEM_END = '\n    "items": [', "\n        },\n        {\n"  # kubectl's layout: items 8 spaces in
_PRUNED, _POD, _CONTAINER = frozenset(PRUNED_KEYS), frozenset(POD_KEYS), frozenset(("name", "ports"))
_PIECE = 32 << 20  # text counted in pieces this long: the copies stay small


def json_documents(text: str, lim: Limits, source: str) -> list[Any] | None:
    """The one document of a JSON text, or None when it is not JSON (flow-style YAML is read
    as YAML)."""
    if can_fork(text):
        docs = _in_two(text, lim)
        if docs is not None:
            return docs
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if _deeper_than(text, 0, len(text), lim.yaml_depth):
        _walk_depth(doc, lim, source)  # raises, unless the text's deepest part is not in the objects
    if _is_list(doc):
        doc["items"] = [_pruned_item(item) for item in doc["items"]]
    return [] if doc is None else [doc]


def _in_two(text: str, lim: Limits) -> list[Any] | None:
    """The List of a large dump in kubectl's layout, read in two processes; None: not sure."""
    start = text.find(_ITEMS)
    cut = text.find(_ITEM_END, max(start, len(text) // 2)) if start >= 0 else -1
    end = text.rfind("\n    ]", cut) if cut >= 0 else -1  # from the end: a few lines, not half the text
    if end < 0:
        return None
    start, cut = start + len(_ITEMS), cut + len("\n        }")  # the items' first space; the comma
    doc = _frame(text, start, end, lim.yaml_depth)
    if doc is None:
        return None
    other = Beside(lambda: _items(text, cut + 1, end, lim.yaml_depth - 2))
    try:  # whatever happens here (an interrupt too), the other process is ended and reaped
        try:
            mine = _items(text, start, cut, lim.yaml_depth - 2)
        except (ValueError, RecursionError):
            return None
        if mine is None:
            return None
        ok, theirs = other.result()
    finally:
        other.stop()
    if ok is not True or theirs is None:
        return None
    doc["items"] = mine + theirs
    return [doc]


def _frame(text: str, start: int, end: int, depth: int) -> dict | None:
    """The List around the items, with a placeholder for them; None unless it is one, with
    the placeholder as its `items`' one item, and within the depth limit."""
    placeholder = f"netpol-items-{secrets.token_hex(8)}"
    frame = f'{text[:start]}"{placeholder}"{text[end:]}'
    try:
        doc = json.loads(frame)
    except (ValueError, RecursionError):
        return None
    if not _is_list(doc) or doc["items"] != [placeholder] or _deeper_than(frame, 0, len(frame), depth):
        return None
    return doc


def _items(text: str, start: int, end: int, depth: int) -> list[Any] | None:
    """The values between `start` and `end` (values and commas, nothing else), each nesting
    at most `depth`, pruned; None when that is not what is there."""
    if _deeper_than(text, start, end, depth):
        return None
    items = []
    at = _SPACE.match(text, start).end()
    while at < end:
        item, at = _DECODE(text, at)
        items.append(_pruned_item(item))
        comma = _COMMA.match(text, at)
        if comma is None or comma.end() > end:
            break
        at = comma.end()
    return items if _SPACE.match(text, at, end).end() == end and items else None


def _is_list(doc: Any) -> bool:
    return (type(doc) is dict and type(doc.get("kind")) is str and doc["kind"].endswith("List")
            and type(doc.get("items")) is list)


def _pruned_item(item: Any) -> Any:
    """`item` without what `dumps` cuts of it in YAML: the blocks of PRUNED_KEYS in its
    metadata, spec and status, and of a running pod all but what the model reads."""
    if type(item) is not dict:
        return item
    if item.get("kind") == "Pod":
        return {k: _pod_part(v) if type(v) is dict else v for k, v in item.items()}
    for part in item.values():
        if type(part) is dict and not _PRUNED.isdisjoint(part):
            for key in _PRUNED.intersection(part):
                if type(part[key]) in (dict, list) or part[key] is None:
                    del part[key]
    return item


def _pod_part(part: dict) -> dict:
    """A running pod's metadata, spec or status: what the model reads; of containers, name and ports."""
    kept = {k: v for k, v in part.items() if k in _POD}
    for name in ("containers", "initContainers"):
        if type(kept.get(name)) is list:
            kept[name] = [{k: v for k, v in c.items() if k in _CONTAINER} if type(c) is dict else c
                          for c in kept[name]]
    return kept


def _deeper_than(text: str, start: int, end: int, depth: int) -> bool:
    """Whether the valid JSON values of text[start:end] nest more than `depth` collections."""
    pieces = []
    while start < end:  # cut at line ends: a JSON string holds no line break, so no escape is cut
        stop = text.find("\n", min(start + _PIECE, end), end) + 1 or end
        piece = text[start:stop]
        if "\\" in piece:
            piece = piece.replace("\\\\", "").replace('\\"', "")  # escapes, left to right: no quote in a string
        pieces.append(piece.translate(_SKELETON))
        start = stop
    skeleton = "".join(pieces)
    brackets = skeleton.replace('""', "")
    if '"' in brackets:  # a string holds a bracket: pairing adjacent quotes would mix strings up
        brackets = _STRINGS.sub("", skeleton)
    if not brackets:
        return False
    codes = np.frombuffer(brackets.encode("ascii"), dtype=np.uint8)
    opens = (codes == ord("[")) | (codes == ord("{"))
    return int(np.cumsum(np.where(opens, 1, -1), dtype=np.int64).max()) > depth


def _walk_depth(doc: Any, lim: Limits, source: str) -> None:
    level, depth = ([doc] if type(doc) in (dict, list) else []), 0
    while level:  # one level of collections at a time: no recursion, whatever the depth
        depth += 1
        if depth > lim.yaml_depth:
            raise limit_error(source, f"JSON nested deeper than {lim.yaml_depth} levels", "yaml_depth")
        level = [v for c in level for v in (c.values() if type(c) is dict else c) if type(v) in (dict, list)]
