"""Label and field selectors, as the API server parses them for list calls."""
from __future__ import annotations

import re
from typing import Callable

from .resources import ApiError, Obj

_SET_TERM = re.compile(r"^\s*([^\s!=()]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")


def _split_selector(text: str) -> list[str]:
    """Split on commas outside parentheses ("a in (x,y),b=c" -> two terms)."""
    terms, depth, cur = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            terms.append(cur)
            cur = ""
        else:
            cur += ch
    terms.append(cur)
    return [t.strip() for t in terms if t.strip()]


def label_selector(text: str) -> Callable[[dict[str, str]], bool]:
    """Compile a Kubernetes label selector string into a predicate on labels."""
    checks: list[Callable[[dict[str, str]], bool]] = []
    for term in _split_selector(text):
        if m := _SET_TERM.match(term):
            key, op, vals = m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",")}
            if op == "in":
                checks.append(lambda l, k=key, vs=vals: l.get(k) in vs)
            else:
                checks.append(lambda l, k=key, vs=vals: l.get(k) not in vs)
        elif "!=" in term:
            key, val = (s.strip() for s in term.split("!=", 1))
            checks.append(lambda l, k=key, v=val: l.get(k) != v)
        elif "=" in term:
            key, val = (s.strip() for s in re.split(r"==?", term, maxsplit=1))
            checks.append(lambda l, k=key, v=val: l.get(k) == v)
        elif term.startswith("!"):
            checks.append(lambda l, k=term[1:].strip(): k not in l)
        elif re.fullmatch(r"[A-Za-z0-9./_-]+", term):
            checks.append(lambda l, k=term: k in l)
        else:
            raise ApiError(400, "BadRequest", f"unable to parse requirement: {term!r}")
    return lambda labels: all(c(labels) for c in checks)


def field_selector(text: str) -> Callable[[Obj], bool]:
    """Only the two fields every resource supports: metadata.name, metadata.namespace."""
    checks: list[Callable[[Obj], bool]] = []
    for term in _split_selector(text):
        negate = "!=" in term
        key, val = (s.strip() for s in re.split(r"!=|==?", term, maxsplit=1))
        if key not in ("metadata.name", "metadata.namespace"):
            raise ApiError(400, "BadRequest",
                           f'"{key}" is not a known field selector: only "metadata.name", "metadata.namespace"')
        attr = key.split(".")[1]
        checks.append(lambda o, a=attr, v=val, n=negate: (o["metadata"].get(a, "") == v) != n)
    return lambda obj: all(c(obj) for c in checks)
