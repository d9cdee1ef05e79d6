"""Items of a dump read by their layout: a workload's pods differ in their names,
addresses and hashes, not in their lines, so the pods of a large dump repeat a few layouts.
An item is cut into its layout and its values by one regex (`_SLOT`, in C) and the layout
looked up. A layout seen the second time is learned: `dumppods.read_item` reads the item
with each value standing in as a slot, which gives the maps and lists the layout makes and
where its values go; the items after it are built from that template and their values
(resolved through the cache of scalars), by a compiled display once the layout has served a
few. That is several times faster than reading each item's lines in Python.

A value is what `read_item` resolves as a scalar: the text after a map key's `key: `, or
after a list item's `- ` when no `key:` follows. The layout holds everything else (indents,
dashes, keys, lines of other forms), so items of one layout are the same lines but for
their values, and `read_item` reads them alike: as the same nesting of maps and lists with
the values in the same places, or as None. A layout `read_item` answers None for, or
whose values it asks for in another order, is read by `read_item` every time.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from .dumppods import NOT_SCALAR, read_item, scalar

__all__ = ["Scalars", "ShapeReader"]

_NAME = r"[A-Za-z0-9][A-Za-z0-9._/-]*"  # dumppods' plain key
# A line's start, then its value: led by the newline before the line, a literal the regex
# engine finds fast (a line-start anchor would be tried at every character).
_SLOT = re.compile(r"(\n *(?:- )?%s: |\n *- (?!%s:(?: |\n|\Z)))([^\n]+)" % (_NAME, _NAME))
_NESTING = 40  # Python's parser limits nested displays (to 200)


class _Unreadable(Exception):
    """A value that is no one-line scalar: the item goes to the parser."""


class Scalars(dict):
    """Each scalar's text and its value, resolved once (an empty map or list made anew for
    each place); `read_item`'s cache of scalars, and the fast path's."""

    def __init__(self, plain: Callable[[str], Any]) -> None:
        super().__init__()
        self.plain = plain

    def __missing__(self, text: str) -> Any:
        value = scalar(text, self.plain)
        if value is NOT_SCALAR:
            raise _Unreadable()
        if type(value) is not dict and type(value) is not list:
            self[text] = value
        return value


class _Slot:
    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


class _Slots(dict):
    """Stands in for the cache of scalars while a layout is read: each value asked for is
    the next slot, and its text is kept to check the order against the layout's."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def get(self, text: str, default: Any = None) -> Any:
        self.texts.append(text)
        return _Slot(len(self.texts) - 1)


class ShapeReader:
    """`read_item` for many items, with `read_item`'s answers; `depth`: as `read_item`'s;
    `resolve`: a plain scalar's value (asked once for each)."""

    def __init__(self, resolve: Callable[[str], Any], depth: int) -> None:
        plains: dict[str, Any] = {}

        def plain(text: str) -> Any:
            if text not in plains:
                plains[text] = resolve(text)
            return plains[text]

        self.plain = plain
        self.depth = depth
        self.scalars = Scalars(plain)
        self.keys: dict[str, str] = {}
        # A layout's _ONCE (seen once), _Layout, compiled build, or _BY_LINES (left to read_item).
        self.builds: dict[tuple[str, ...], Any] = {}

    def read_lines(self, item: str) -> dict | None:
        """`read_item` on `item`, with this reader's caches: for items whose layouts seldom repeat."""
        return read_item(item, self.plain, self.depth, self.scalars, self.keys)

    def read(self, item: str) -> dict | None:
        parts = _SLOT.split("\n" + item)
        values = parts[2::3]
        del parts[2::3]
        shape = tuple(parts)
        build = self.builds.get(shape, _BY_LINES)
        if build is _BY_LINES:  # new or left to read_item: see it twice before learning it
            self.builds[shape] = _ONCE if shape not in self.builds else _BY_LINES
            return read_item(item, self.plain, self.depth, self.scalars, self.keys)
        if build is _ONCE:
            build = self.builds[shape] = self._layout(item, values)
            if build is _BY_LINES:
                return read_item(item, self.plain, self.depth, self.scalars, self.keys)
        try:
            resolved = list(map(self.scalars.__getitem__, values))
        except _Unreadable:
            return None
        if type(build) is _Layout:
            build.uses += 1
            if build.uses < _COMPILE_AFTER:
                return _filled(build.template, resolved)
            build = self.builds[shape] = _compiled(build.template)
        return build(resolved)

    def _layout(self, item: str, values: list[str]) -> Any:
        """`item`'s layout, or _BY_LINES: it is left to `read_item`."""
        slots = _Slots()
        template = read_item(item, self.plain, self.depth, slots, self.keys)
        if template is None or slots.texts != values or _nesting(template) > _NESTING:
            return _BY_LINES  # a deeper layout would not compile, nor be walked within the recursion limit
        return _Layout(template)


class _Layout:
    """What `read_item` makes of a layout, its values slots; and how many items it served."""
    __slots__ = ("template", "uses")

    def __init__(self, template: dict) -> None:
        self.template = template
        self.uses = 0


_BY_LINES, _ONCE = object(), object()
# A compiled display builds an item several times faster than walking the template, but
# compiling it costs as much as walking it some dozen times, and most layouts of policies
# serve one or two items.
_COMPILE_AFTER = 8


def _filled(node: Any, values: list[Any]) -> Any:
    kind = type(node)
    if kind is _Slot:
        return values[node.index]
    if kind is dict:
        return {key: _filled(value, values) for key, value in node.items()}
    if kind is list:
        return [_filled(value, values) for value in node]
    return None


def _compiled(template: dict) -> Callable[[list[Any]], dict]:
    """A function that builds the template with its slots filled from its one argument."""
    return eval("lambda v: " + _code(template), {"__builtins__": {}})  # noqa: S307 - our own display


def _code(node: Any) -> str:
    """A Python display that builds `node`, its slots taken from the list `v`."""
    if type(node) is _Slot:
        return f"v[{node.index}]"
    if type(node) is dict:
        return "{" + ", ".join(f"{key!r}: {_code(value)}" for key, value in node.items()) + "}"
    if type(node) is list:
        return "[" + ", ".join(_code(value) for value in node) + "]"
    assert node is None, node  # read_item's structure holds maps, lists, slots and nulls
    return "None"


def _nesting(node: Any) -> int:
    if type(node) is dict:
        return 1 + max(map(_nesting, node.values()), default=0)
    if type(node) is list:
        return 1 + max(map(_nesting, node), default=0)
    return 0
