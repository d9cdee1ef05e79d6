"""JSON decoded as the json module decodes it, by orjson where that gives the same values
(several times faster on a large dump), and with the cyclic collector held off meanwhile.

orjson and json differ on a few inputs: orjson refuses NaN and Infinity, a lone surrogate
escape ("\\ud800"), a number past a float's range and nesting past its own depth limit, all
of which json reads or refuses in its own words; and orjson reads an integer past 64 bits
as a float, where json keeps the integer. So what orjson refuses goes to json, and so does
a text whose value (once pruned) may hold such a float (one of 2**63 or more, which orjson
writes with an exponent): json gives the same float, or the integer. Numbers, strings,
escapes, key order and a key given twice (its last value, in its first place) are otherwise
read alike. Without orjson, json decodes everything.
"""
from __future__ import annotations

import functools
import json
from typing import Any, Callable

try:
    import orjson
except ImportError:  # pragma: no cover - installed with the package; the json module does it all
    orjson = None  # type: ignore[assignment]

__all__ = ["loads", "loads_within"]


def _unchanged(value: Any) -> Any:
    return value


def loads(text: str, prune: Callable[[Any], Any] = _unchanged) -> Any:
    """`prune(json.loads(text))`; raises what json.loads raises."""
    value = _fast(text, prune) if orjson is not None else _NOT_READ
    return prune(json.loads(text)) if value is _NOT_READ else value


_NOT_READ = object()


def _fast(text: str, prune: Callable[[Any], Any], wrap: int = 0) -> Any:
    """What orjson reads of `text` in `wrap` lists, pruned; _NOT_READ where json might read
    `text` otherwise."""
    try:
        # A str that is not all ASCII would keep orjson's UTF-8 copy of it as long as it lives.
        data: str | bytes = text if text.isascii() else text.encode()
        if wrap:
            data = "[" * wrap + data + "]" * wrap if type(data) is str else b"[" * wrap + data + b"]" * wrap
        value = prune(orjson.loads(data))
    except (UnicodeEncodeError, orjson.JSONDecodeError, _Unbalanced):  # a lone surrogate, NaN, ...: json's reading
        return _NOT_READ
    return _NOT_READ if _holds_wide_number(value) else value


def loads_within(text: str, depth: int, prune: Callable[[Any], Any] = _unchanged) -> Any:
    """`prune(json.loads(text))` when that nests at most `depth` collections, read by orjson;
    None when orjson does not read it so (too deep, or json might read it otherwise): so
    `text` must not read as null.

    orjson refuses a text nested deeper than its own limit: within that many levels more,
    `text` reads as it would alone, and nests at most `depth` levels."""
    wrap = _orjson_depth() - depth if orjson is not None else -1
    if wrap < 0:
        return None
    value = _fast(text, lambda value: prune(_unwrapped(value, wrap)), wrap)
    return None if value is _NOT_READ else value


class _Unbalanced(ValueError):
    """The text closed a wrapping list early: not one JSON value, whatever orjson made of it."""


def _unwrapped(value: Any, wrap: int) -> Any:
    # Each wrapping list must hold exactly one value: then the text between them is one
    # JSON value; `{...}],[{...}` would otherwise read as two items of a wrapper.
    for _ in range(wrap):
        if type(value) is not list or len(value) != 1:
            raise _Unbalanced()
        value = value[0]
    return value


@functools.cache
def _orjson_depth() -> int:
    """The deepest nesting orjson reads, of lists and of maps alike (1024 so far); -1: none."""
    low, high = 0, 1 << 16  # orjson reads `low` levels, and not `high`
    if _reads(high):
        return -1
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if _reads(middle) else (low, middle)
    return low if low and _reads(low, '{"k": ', "}") and not _reads(high, '{"k": ', "}") else -1


def _reads(depth: int, opening: str = "[", closing: str = "]") -> bool:
    try:
        orjson.loads(opening * depth + "0" + closing * depth)
    except orjson.JSONDecodeError:
        return False
    return True


def _holds_wide_number(value: Any) -> bool:
    """Whether `value` may hold a float that orjson read from an integer past 64 bits: one
    at least 2**63 in magnitude, which orjson writes with an exponent (`e+18` and up)."""
    mark = _wide_mark()
    try:
        if mark and mark not in orjson.dumps(value):
            return False
    except orjson.JSONEncodeError:  # nested past what orjson writes: walked
        pass
    return _holds_float(value)


@functools.cache
def _wide_mark() -> bytes:
    """What orjson writes in every float of 2**63 or more in magnitude; b"": not known."""
    written = orjson.dumps([2.0 ** 63, -(2.0 ** 63), 2.0 ** 64, 1e300])
    return b"e+" if written.count(b"e+") == 4 else b""


def _holds_float(value: Any) -> bool:
    stack = [value]
    while stack:  # no recursion: the value may nest as deep as the depth limit allows
        value = stack.pop()
        kind = type(value)
        if kind is dict:
            stack.extend(value.values())
        elif kind is list:
            stack.extend(value)
        elif kind is float:
            return True
    return False
