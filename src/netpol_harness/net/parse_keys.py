"""Reading the same manifest fragment once: a large cluster repeats a few hundred selectors,
peers and ports across tens of thousands of policies and pods, and parsing each again is
most of the time it takes to build the model.

`raw_key` stands for a fragment as written, so that two fragments with equal keys read the
same in every respect, messages included. `interned` keeps what a pure reader made of each
key; a reader that raises keeps nothing, so errors are found and worded as before.
"""
from __future__ import annotations

import marshal
from typing import Any, Callable, TypeVar

T = TypeVar("T")

UNKEYED: Any = object()  # the key of a fragment no key stands for

# marshal writes a value with its exact types (True is not 1, -0.0 not 0.0, a tuple not a
# list, map order kept) and refuses any other class (a str or dict subclass, a Mapping
# that is no dict), where equal values might read otherwise; version 2 writes each string
# by its characters, never by a reference to an earlier one, so equal fragments give
# equal bytes. It does so in C, several times faster than walking the fragment.
_VERSION = 2
_dumps = marshal.dumps


def raw_key(value: Any) -> Any:
    """Bytes that stand for `value`; UNKEYED when it holds an object of another class
    than dict, list, tuple, str, int, float, bool and None (and a few more marshal writes)."""
    try:
        return marshal.dumps(value, _VERSION)
    except ValueError:
        return UNKEYED


def interned(read: Callable[..., T], limit: int = 1 << 16, size: int = 64 << 20) -> Callable[..., T]:
    """`read(value, *context)`, once per key of `value`; `context` may only change the
    words of an error, never a result (the key does not hold it). A function rather than
    an object with __call__: it runs per peer and per pod, and calls one cheaper. Forgets
    all past `limit` keys or `size` bytes of them (a long-lived process reads many clusters,
    and a key is as large as the value it stands for)."""
    seen: dict[Any, T] = {}
    held = [0]  # bytes of the keys in `seen`

    def once(value: Any, *context: Any) -> T:
        try:
            key = _dumps(value, _VERSION)  # raw_key, without a call more
        except ValueError:
            return read(value, *context)
        made = seen.get(key)
        if made is None:
            made = read(value, *context)
            if len(seen) >= limit or held[0] + len(key) > size:
                seen.clear()
                held[0] = 0
            seen[key] = made
            held[0] += len(key)
        return made

    return once
