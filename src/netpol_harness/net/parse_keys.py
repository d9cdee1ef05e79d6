"""Reading the same manifest fragment once: a large cluster repeats a few hundred selectors,
peers and ports across tens of thousands of policies and pods, and parsing each again is
most of the time it takes to build the model.

`raw_key` stands for a fragment as written (maps, lists, strings, integers, null) with
types and order kept, so that two fragments with equal keys read the same in every
respect, messages included; a fragment holding anything else (a bool, a float, a map of
another class) has no key and is read each time. `Interned` keeps what a pure reader made
of each key; a reader that raises keeps nothing, so errors are found and worded as before.
"""
from __future__ import annotations

from typing import Any, Callable, Generic, TypeVar

T = TypeVar("T")

UNKEYED: Any = object()  # the key of a fragment no key stands for
_MAP, _LIST = object(), object()  # so that a map, a list and a tuple of strings never share a key


def raw_key(value: Any) -> Any:
    """A hashable stand-in for `value`, UNKEYED when it holds anything but dict, list,
    str, int and None (exact types: True == 1, -0.0 == 0.0 and a str subclass equals a
    str, yet each may read otherwise)."""
    kind = type(value)
    if kind is str or kind is int or value is None:
        return value
    if kind is dict:
        parts: list[Any] = [_MAP]
        for k, v in value.items():
            if type(k) is not str:
                return UNKEYED
            kind = type(v)
            if kind is not str and kind is not int and v is not None:
                v = raw_key(v)
                if v is UNKEYED:
                    return UNKEYED
            parts.append(k)
            parts.append(v)
        return tuple(parts)
    if kind is list:
        items: list[Any] = [_LIST]
        for v in value:
            kind = type(v)
            if kind is not str and kind is not int and v is not None:
                v = raw_key(v)
                if v is UNKEYED:
                    return UNKEYED
            items.append(v)
        return tuple(items)
    return UNKEYED


class Interned(Generic[T]):
    """`read(value, *context)` once per key of `value`; `context` may only change the
    words of an error, never a result (the key does not hold it)."""

    def __init__(self, read: Callable[..., T], limit: int = 1 << 16) -> None:
        self._read = read
        self._limit = limit  # a long-lived process reads many clusters: bound what it keeps
        self._seen: dict[Any, T] = {}

    def __call__(self, value: Any, *context: Any) -> T:
        key = raw_key(value)
        if key is UNKEYED:
            return self._read(value, *context)
        made = self._seen.get(key)
        if made is not None:
            return made
        made = self._read(value, *context)
        if len(self._seen) >= self._limit:
            self._seen.clear()
        self._seen[key] = made
        return made
