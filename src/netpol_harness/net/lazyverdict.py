"""A verdict whose answer is known before its explanation: the evaluator answers allowed or
denied from its class tables, and the sides, reason, context and caveats are worked out
the first time something reads them, by the same code that builds an eager `Verdict`.

What callers see is a `Verdict`: the same fields, equal to the eager one, picklable (as
the eager one), with `explain()` and `closest_misses()` unchanged.
"""
from __future__ import annotations

from typing import Any, Callable

from .verdict import Verdict

LAZY_FIELDS = ("egress", "ingress", "reason", "context", "caveats")
_new = object.__new__


class _Lazy:
    """A field filled on first read. A non-data descriptor: once filled, the instance's own
    value is found first and this is never called again for it."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, verdict: Any, owner: type) -> Any:
        if verdict is None:
            return self
        state = verdict.__dict__
        if self.name != "context" and "_sides" in state and "_context" in state:  # the usual first read
            state.pop("_sides")(state)
            return state[self.name]
        verdict.fill(self.name)  # also lets go of the model once nothing is left to fill
        return state[self.name]


class LazyVerdict(Verdict):
    """`Verdict` with the explanation made on demand by `make()` (which returns the eager one)."""

    egress = _Lazy("egress")
    ingress = _Lazy("ingress")
    reason = _Lazy("reason")
    context = _Lazy("context")
    caveats = _Lazy("caveats")

    @classmethod
    def deferred(cls, allowed: bool, src: Any, dst: Any, port: int, protocol: str,
                 make: Callable[[], Verdict]) -> "LazyVerdict":
        # Bypasses the dataclass __init__: the lazy fields must stay unset until read.
        verdict = object.__new__(cls)
        verdict.__dict__.update(allowed=allowed, src=src.id, dst=dst.id, port=port, protocol=protocol,
                                src_endpoint=src, dst_endpoint=dst, _make=make)
        return verdict

    def fill(self, name: str | None = None) -> None:
        """Fill `name`, or every lazy field."""
        state = self.__dict__
        make = state.pop("_make", None)
        if make is not None:
            full = make()
            for field in LAZY_FIELDS:
                state[field] = getattr(full, field)
            return
        if name != "context" and "_sides" in state:
            state.pop("_sides")(state)
        if name in (None, "context") and "_context" in state:
            state["context"] = state.pop("_context")(state)
        if "_sides" not in state and "_context" not in state:
            state.pop("_pair", None)  # what made the fields: the verdict need not keep a model alive

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Verdict):
            return NotImplemented
        return _fields(self) == _fields(other)

    def __hash__(self) -> int:
        return hash(_fields(self))

    def __repr__(self) -> str:
        # Reads as the eager verdict it stands for: logs and snapshots do not see the difference.
        return Verdict.__name__ + Verdict.__repr__(self)[len(type(self).__qualname__):]

    def __reduce__(self) -> tuple:
        # Workers send verdicts back by pickle: send the eager verdict, explanation included.
        self.fill()
        return Verdict, tuple(getattr(self, f) for f in Verdict.__dataclass_fields__)


def between(allowed: bool, src_id: str, dst_id: str, src: Any, dst: Any, port: int, protocol: str,
            sides: Callable[[dict], None], context: Callable[[dict], Any], pair: Any) -> LazyVerdict:
    """A verdict whose context is made apart from the rest: reading the reason or the sides
    need not build it. `sides(state)` writes the other lazy fields into the verdict's fields,
    `context(state)` returns the context; both read `pair` there (as `_pair`), and are plain
    functions, not closures, which every verdict would have to make."""
    verdict = _new(LazyVerdict)
    # Field by field into the instance's own dict: cheaper than a new dict of ten entries.
    state = verdict.__dict__
    state["allowed"] = allowed
    state["src"] = src_id
    state["dst"] = dst_id
    state["port"] = port
    state["protocol"] = protocol
    state["src_endpoint"] = src
    state["dst_endpoint"] = dst
    state["_sides"] = sides
    state["_context"] = context
    state["_pair"] = pair
    return verdict


def _fields(verdict: Verdict) -> tuple:
    return tuple(getattr(verdict, f.name) for f in Verdict.__dataclass_fields__.values() if f.compare)
