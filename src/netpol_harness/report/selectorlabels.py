"""Labels made from selectors: the fewest labels a selector matches, and an outsider that
differs from given labels in one term, so a witness shows a rule working and holding."""
from __future__ import annotations

import re
from typing import Iterable, Mapping

from ..net import LabelSelector, Requirement

# The value a witness gives a label that a selector only asks to exist.
ANY_VALUE = "set"
# Label keys whose values name a pod well, best first.
NAME_KEYS = ("app.kubernetes.io/component", "component", "app.kubernetes.io/name", "app", "name", "k8s-app")


def satisfying(selector: LabelSelector | None) -> dict[str, str] | None:
    """The fewest labels the selector matches (None: it matches no labels at all)."""
    if selector is None:
        return {}
    labels = dict(selector.match_labels)
    for req in selector.match_expressions:
        if req.operator == "In" and req.key not in labels:
            # A value every requirement on this key accepts: `In (a, b)` with `NotIn (a)` is b.
            fits = [v for v in req.values if all(r.matches({req.key: v}) for r in selector.match_expressions if r.key == req.key)]
            if not fits:
                return None
            labels[req.key] = fits[0]
        elif req.operator == "Exists" and req.key not in labels:
            labels[req.key] = ANY_VALUE
    return labels if selector.matches(labels) else None


def _other_value(values: Iterable[str]) -> str:
    taken = set(values)
    candidate = "other"
    while candidate in taken:
        candidate += "-x"
    return candidate


def _flip(labels: dict[str, str], term: tuple[str, str] | Requirement) -> tuple[dict[str, str], str]:
    """`labels` changed so that `term` no longer holds, and how."""
    out = dict(labels)
    if isinstance(term, tuple):
        key, value = term
        flipped = {"true": "false", "false": "true"}.get(value)
        if flipped is None:
            del out[key]
            return out, f"without {key}={value}"
        out[key] = flipped
        return out, f"{key}={flipped} instead of {value}"
    key = term.key
    if term.operator == "In":
        out[key] = _other_value(term.values)
        return out, f"{key}={out[key]}, not in ({', '.join(term.values)})"
    if term.operator == "NotIn":
        out[key] = term.values[0]
        return out, f"{key}={out[key]}, which is excluded"
    if term.operator == "Exists":
        out.pop(key, None)
        return out, f"without {key}"
    out[key] = ANY_VALUE
    return out, f"with {key}, which must not exist"


def outsider(selector: LabelSelector | None, base: Mapping[str, str] | None = None) -> tuple[dict[str, str], str] | None:
    """Labels like `base` (labels the selector admits; default: the fewest) but failing the
    selector in one term, and how they differ; None when it admits everything (or nothing)."""
    if selector is None or selector.is_empty:
        return None
    base = dict(base) if base is not None else satisfying(selector)
    if base is None or not selector.matches(base):
        return None
    for term in (*selector.match_labels, *selector.match_expressions):
        labels, how = _flip(base, term)
        if not selector.matches(labels):
            return labels, how
    return None


# --------------------------------------------------------------------------- naming


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")[:50].strip("-") or "pod"


def name_for(labels: Mapping[str, str]) -> str:
    """A readable pod name from its labels: the best naming label, else key and value."""
    for key in NAME_KEYS:
        if labels.get(key) and labels[key] != ANY_VALUE:
            return slug(labels[key])
    if not labels:
        return "pod"
    key, value = sorted(labels.items())[0]
    short = key.rsplit("/", 1)[-1]
    return slug(short if value in ("true", ANY_VALUE, "") else f"{short}-{value}")
