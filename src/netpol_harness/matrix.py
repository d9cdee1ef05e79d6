"""Value matrices: pairwise combinations of feature values, and the dict plumbing
that turns a flat case (`"networkPolicy.egress.enabled": True`) into chart values.

Why pairwise: most template bugs need two switches in a particular state to show;
covering every pair costs tens of renders where the full product costs thousands.
"""
from __future__ import annotations

import copy
import functools
import itertools
from typing import Any, Iterable, Mapping

Pair = tuple[tuple[int, int], tuple[int, int]]  # ((factor index, value index), (factor index, value index))


def _all_pairs(sizes: list[int]) -> set[Pair]:
    return {
        ((f, a), (g, b))
        for f, g in itertools.combinations(range(len(sizes)), 2)
        for a in range(sizes[f])
        for b in range(sizes[g])
    }


def _pairs_of(case: list[int]) -> set[Pair]:
    return {((f, case[f]), (g, case[g])) for f, g in itertools.combinations(range(len(case)), 2)}


Assignment = frozenset  # of (factor index, value index)


def _index_of(factors: Mapping[str, list], names: list[str], combo: Mapping[str, object], what: str) -> Assignment:
    out = set()
    for name, value in combo.items():
        if name not in factors:
            raise ValueError(f"{what} {combo!r} names {name!r}, which is not a factor")
        matches = [i for i, v in enumerate(factors[name]) if v == value]
        if not matches:
            raise ValueError(f"{what} {combo!r}: {value!r} is not a value of {name!r}")
        out.add((names.index(name), matches[0]))
    return frozenset(out)


def pairwise(factors: Mapping[str, list], *, exclude: Iterable[Mapping[str, object]] = (),
             require: Iterable[Mapping[str, object]] = ()) -> list[dict[str, object]]:
    """Cases (one dict per case, keys in factor order) in which every value of every
    factor meets every value of every other factor at least once.

    `exclude`: combinations ({factor: value, ...}) no case may contain, such as values
    that contradict each other; pairs only such a case could cover are left out.
    `require`: combinations that some case must contain (three-way ones, say).

    Greedy and deterministic: each new case starts from a required combination or the
    first uncovered pair and fills the other factors with the value that covers the most
    still-uncovered pairs (ties go to the value used least so far, then to the earliest).
    Values may be any objects, including lists and dicts; they are copied into the cases."""
    names = list(factors)
    options = [list(factors[n]) for n in names]
    for name, values in zip(names, options):
        if not values:
            raise ValueError(f"factor {name!r} has no values")
    sizes = [len(v) for v in options]
    banned = [_index_of(factors, names, combo, "exclude") for combo in exclude]
    seeds = [_index_of(factors, names, combo, "require") for combo in require]
    if len(names) == 1:
        return [{names[0]: copy.deepcopy(v)} for i, v in enumerate(options[0]) if not _violates({(0, i)}, banned)]

    uncovered = {pair for pair in _all_pairs(sizes) if not _violates(set(pair), banned)}
    used = [[0] * s for s in sizes]
    rows: list[list[int]] = []
    while uncovered or seeds:
        start = set(seeds.pop(0)) if seeds else set(min(uncovered))
        full = _fill(start, sizes, uncovered, used, banned)
        if full is None:  # no case can hold the start: drop it rather than break a rule
            uncovered -= {p for p in uncovered if set(p) <= start}
            continue
        for h, v in enumerate(full):
            used[h][v] += 1
        uncovered -= _pairs_of(full)
        rows.append(full)
    return [{n: copy.deepcopy(options[i][row[i]]) for i, n in enumerate(names)} for row in rows]


def _violates(assigned: set, banned: list[Assignment]) -> bool:
    return any(combo <= assigned for combo in banned)


def _fill(start: set, sizes: list[int], uncovered: set[Pair], used: list[list[int]],
          banned: list[Assignment]) -> list[int] | None:
    """A full case from the `start` assignments, or None when the exclusions allow none."""
    row: list[int | None] = [None] * len(sizes)
    for f, a in start:
        row[f] = a
    if _violates(set(start), banned):
        return None
    # Factors with more values first: they are the hardest to fit later.
    for h in sorted(range(len(sizes)), key=lambda i: (-sizes[i], i)):
        if row[h] is not None:
            continue
        assigned = {(k, w) for k, w in enumerate(row) if w is not None}
        allowed = [v for v in range(sizes[h]) if not _violates(assigned | {(h, v)}, banned)]
        if not allowed:
            return None

        def gain(v: int) -> int:
            return sum(1 for k, w in enumerate(row)
                       if w is not None and (((k, w), (h, v)) if k < h else ((h, v), (k, w))) in uncovered)

        row[h] = max(allowed, key=lambda v: (gain(v), -used[h][v], -v))
    return [int(v) for v in row]  # type: ignore[arg-type]


def missing_pairs(factors: Mapping[str, list], cases: Iterable[Mapping[str, object]]) -> list[str]:
    """Pairs of factor values that no case combines, described for a failure message.
    Values are compared with `==`, so lists and dicts work."""
    names = list(factors)
    covered: set[Pair] = set()
    for case in cases:
        idx = []
        for n in names:
            matches = [i for i, v in enumerate(factors[n]) if v == case.get(n, _ABSENT)]
            idx.append(matches[0] if matches else -1)
        covered |= {p for p in _pairs_of(idx) if p[0][1] >= 0 and p[1][1] >= 0}
    missing = sorted(_all_pairs([len(factors[n]) for n in names]) - covered)
    return [f"{names[f]}={factors[names[f]][a]!r} with {names[g]}={factors[names[g]][b]!r}" for (f, a), (g, b) in missing]


_ABSENT = object()


def product(factors: Mapping[str, list]) -> list[dict[str, object]]:
    """The full cartesian product, for factor sets small enough to afford it."""
    names = list(factors)
    return [dict(zip(names, copy.deepcopy(combo))) for combo in itertools.product(*(factors[n] for n in names))]


@functools.lru_cache(maxsize=4096)  # a matrix splits the same few keys for every case
def _split_key(key: str) -> tuple[str, ...]:
    # `\.` keeps a literal dot, for label keys such as kubernetes.io/metadata.name.
    if "\\" not in key:
        parts = key.split(".")
        if "" in parts:
            raise ValueError(f"empty path segment in {key!r}")
        return tuple(parts)
    parts, current, chars = [], "", iter(key)
    for ch in chars:
        if ch == "\\":
            current += next(chars, "\\")
        elif ch == ".":
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    if any(p == "" for p in parts):
        raise ValueError(f"empty path segment in {key!r}")
    return tuple(parts)


def to_values(flat: Mapping[str, object]) -> dict:
    """Dotted keys to nested dicts: {"a.b": 1, "a.c": 2} -> {"a": {"b": 1, "c": 2}}.
    A key that is both a leaf and a parent is an error, not a silent overwrite."""
    out: dict = {}
    for key, value in flat.items():
        path = _split_key(key)
        node = out
        for i, part in enumerate(path[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ValueError(f"{key!r}: {'.'.join(path[: i + 1])} is already set to a non-mapping value")
            node = child
        leaf = path[-1]
        if leaf in node and isinstance(node[leaf], dict) and not isinstance(value, dict):
            raise ValueError(f"{key!r} would replace the mapping given by other keys")
        if isinstance(value, dict) and isinstance(node.get(leaf), dict):
            node[leaf] = deep_merge(node[leaf], value)
        else:
            node[leaf] = copy.deepcopy(value)
    return out


class Replace:
    """`deep_merge(a, {"key": Replace({...})})` sets the map instead of merging into it
    (Helm has no way to say so; a test sometimes needs to clear a default map)."""

    def __init__(self, value: object) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Replace({self.value!r})"


def deep_merge(a: Mapping, b: Mapping, *, drop_none: bool = False, share: bool = False) -> dict:
    """A new dict: `b` over `a`, mappings merged recursively, everything else
    (lists included) replaced, as Helm merges values files; `Replace(value)` replaces
    a mapping too.

    drop_none=True mimics Helm deleting a default when a user sets it to null (a null
    for a key without a default stays, as Helm keeps it). share=True shares what it does
    not change with `a` and `b` instead of copying it: for a reader that lets it go (the
    values check validates each case's merge once)."""
    keep = _shared if share else copy.deepcopy
    out = keep(dict(a))
    for key, value in b.items():
        if isinstance(value, Replace):
            out[key] = keep(value.value)
        elif value is None and drop_none and key in out:
            out.pop(key)
        elif isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value, drop_none=drop_none, share=share)
        else:
            out[key] = keep(value)
    return out


def _shared(value: Any) -> Any:
    return value


def case_ids(cases: list[Mapping[str, object]], prefix: str = "case") -> list[str]:
    """Stable, readable pytest ids: prefix-00, prefix-01, ..."""
    width = max(2, len(str(len(cases) - 1)))
    return [f"{prefix}-{i:0{width}d}" for i in range(len(cases))]
