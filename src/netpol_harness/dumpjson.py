"""A JSON dump (`kubectl get ... -o json`) read as the json module reads it (a key given
twice keeps its last value, as there; `jsonfast` has orjson read it where that gives the
same), its nesting held to the depth limit, and of the items of a List what `dumps` keeps
of them in YAML: blocks no reader of the harness looks into (`PRUNED_KEYS` in an item's
metadata, spec and status) go, and of a running pod all but what the model reads.

A large dump in kubectl's layout (four spaces a level, an item's `},` on its own line) is
read a run of items at a time, each run pruned as soon as it is read, so the whole tree of
the dump never lives at once: the List with one placeholder for its items, then the items
between kubectl's item ends. The placeholder (a string no input holds) must come back as
the one item of the List's `items`, and each run must read as values with commas between
them: then the text is that List with those items, and the result is what reading the
whole text gives; else the whole text is read at once. One process does it: a forked one
would count the text it shares once more in its own peak memory, and decoding no longer
costs enough to pay for that.

Nesting is counted on the text, not on the objects: once the json module has read it, the
text is valid JSON, and its brackets outside strings are its collections; a run read by
orjson within its own depth limit less the levels the run may nest is within that depth.
Only when the text says "too deep" are the objects walked, so a value that a key given
twice replaced (in the text, not in the objects) changes nothing.
"""
from __future__ import annotations

import json
import re
import secrets
from typing import Any

import numpy as np

from . import dumpsplit
from .dumppods import POD_KEYS, PRUNED_KEYS
from .gcpause import collector_held
from .jsonfast import loads, loads_within
from .loader import Limits, limit_error

__all__ = ["json_documents"]

# Every byte but brackets and quotes; what is not ASCII sits in strings, which go.
_NOT_SKELETON = bytes(c for c in range(256) if chr(c) not in '[]{}"')
_STRINGS = re.compile(rb'"[^"]*"')
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # a level in, a level out (as int8)
_ITEMS, _ITEM_END = '\n    "items": [', "\n        },\n        {\n"  # kubectl's layout: items 8 spaces in
_PRUNED, _POD, _CONTAINER = frozenset(PRUNED_KEYS), frozenset(POD_KEYS), frozenset(("name", "ports"))
_PIECE = 32 << 20  # text counted in pieces this long: the copies stay small
_RUN = 256 << 10  # items decoded a run this long at a time: one call, and a small tree at once


def json_documents(text: str, lim: Limits, source: str) -> list[Any] | None:
    """The one document of a JSON text, or None when it is not JSON (flow-style YAML is read
    as YAML)."""
    with collector_held():
        if len(text) >= dumpsplit.SPLIT_BYTES:
            docs = _by_item(text, lim)
            if docs is not None:
                return docs
        return _whole(text, lim, source)


def _whole(text: str, lim: Limits, source: str) -> list[Any] | None:
    try:
        doc = loads(text)
    except (ValueError, RecursionError):
        return None
    if _deeper_than(text, 0, len(text), lim.yaml_depth):
        try:  # json's reading, which may give up (RecursionError) short of where orjson does
            doc = json.loads(text)
        except (ValueError, RecursionError):
            return None
        _walk_depth(doc, lim, source)  # raises, unless the text's deepest part is not in the objects
    if _is_list(doc):
        doc["items"] = [_pruned_item(item) for item in doc["items"]]
    return [] if doc is None else [doc]


def _by_item(text: str, lim: Limits) -> list[Any] | None:
    """The List of a large dump in kubectl's layout, its items decoded a run at a time;
    None: not sure."""
    start = text.find(_ITEMS)
    end = text.rfind("\n    ]", start) if start >= 0 else -1  # from the end: a few lines, not the text
    if end < 0:
        return None
    start += len(_ITEMS)  # the items' first space
    doc = _frame(text, start, end, lim.yaml_depth)
    items = _items(text, start, end, lim.yaml_depth - 2) if doc is not None else None
    if items is None:
        return None
    doc["items"] = items
    return [doc]


def _frame(text: str, start: int, end: int, depth: int) -> dict | None:
    """The List around the items, with a placeholder for them; None unless it is one, with
    the placeholder as its `items`' one item, and within the depth limit."""
    placeholder = f"netpol-items-{secrets.token_hex(8)}"
    frame = f'{text[:start]}"{placeholder}"{text[end:]}'
    try:
        doc = loads(frame)
    except (ValueError, RecursionError):
        return None
    if not _is_list(doc) or doc["items"] != [placeholder] or _deeper_than(frame, 0, len(frame), depth):
        return None
    return doc


def _items(text: str, start: int, end: int, depth: int) -> list[Any] | None:
    """The values between `start` and `end`, each nesting at most `depth`, pruned, read a
    run of them at a time: runs end at kubectl's item ends (`},` on a line of its own, 8
    spaces in); None when a run is not values with commas between them, or too deep. Runs
    that are, with commas between them, are what json reads between those offsets."""
    items: list[Any] = []
    while start < end:
        cut = text.find(_ITEM_END, min(start + _RUN, end), end)
        stop = end if cut < 0 else cut + len("\n        }")
        run = _run(text, start, stop, depth)
        if not run:
            return None
        items += run
        start = stop + 1 if cut >= 0 else end
    return items or None


def _run(text: str, start: int, stop: int, depth: int) -> list[Any] | None:
    run = f"[{text[start:stop]}]"
    items = loads_within(run, depth + 1, _pruned_items)  # orjson, which keeps to the depth
    if items is not None:
        return items
    if _deeper_than(text, start, stop, depth):  # the depth counted on the text, and json's reading
        return None
    try:
        return loads(run, _pruned_items)
    except (ValueError, RecursionError):
        return None


def _pruned_items(items: list[Any]) -> list[Any]:
    return [_pruned_item(item) for item in items]


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
    top = level = 0
    while start < end:  # cut at line ends: a JSON string holds no line break, so no escape is cut
        stop = text.find("\n", min(start + _PIECE, end), end) + 1 or end
        brackets = _brackets(text[start:stop].encode("utf-8", "surrogatepass"))
        start = stop
        if brackets:
            levels = np.cumsum(np.frombuffer(brackets.translate(_STEPS), dtype=np.int8), dtype=np.int64)
            top, level = max(top, level + int(levels.max())), level + int(levels[-1])
    return top > depth


def _brackets(piece: bytes) -> bytes:
    """The brackets of whole lines of valid JSON (UTF-8) that are not in strings."""
    if b"\\" in piece:
        piece = piece.replace(b"\\\\", b"").replace(b'\\"', b"")  # escapes, left to right: no quote in a string
    skeleton = piece.translate(None, _NOT_SKELETON)
    brackets = skeleton.replace(b'""', b"")
    if b'"' in brackets:  # a string holds a bracket: pairing adjacent quotes would mix strings up
        brackets = _STRINGS.sub(b"", skeleton)
    return brackets


def _walk_depth(doc: Any, lim: Limits, source: str) -> None:
    level, depth = ([doc] if type(doc) in (dict, list) else []), 0
    while level:  # one level of collections at a time: no recursion, whatever the depth
        depth += 1
        if depth > lim.yaml_depth:
            raise limit_error(source, f"JSON nested deeper than {lim.yaml_depth} levels", "yaml_depth")
        level = [v for c in level for v in (c.values() if type(c) is dict else c) if type(v) in (dict, list)]
