"""Short names for the HTML matrix that stay distinct, and a report's title from the chart.

A long name loses what it shares with its neighbours, not what tells it apart: the
replica hash of a pod (`pod-template-hash`) first, then its leading words, so
`kyverno-cleanup-cluster-admission-reports` reads `…cluster-admission-reports` and
`ingress-nginx-controller-49g9sf6hl4-9bk4s` reads `…nginx-controller-…-9bk4s`. Names that
would still read the same keep the first word that differs; the page gives every full name
on hover.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import yaml

from ..loader import load_yaml_file

ELLIPSIS = "\u2026"
_HASH = re.compile(r"^(?=.*\d)[a-z0-9]{8,10}$")  # a pod-template-hash, "49g9sf6hl4"


def _tail(tokens: Sequence[str], limit: int, lead: str = "") -> str:
    """`lead` + "…" + the most trailing words that fit in `limit` characters."""
    kept: list[str] = []
    for token in reversed(tokens):
        if len(lead) + 1 + len("-".join([token, *kept])) > limit:
            break
        kept.insert(0, token)
    if not kept:  # the last word alone is too long: its end
        return lead + ELLIPSIS + tokens[-1][-max(1, limit - 1 - len(lead)):]
    return lead + ELLIPSIS + "-".join(kept)


def _words(name: str) -> list[str]:
    """The words of a name, a replica hash folded into "…" between its neighbours
    ("controller…9bk4s")."""
    tokens = name.split("-")
    out: list[str] = []
    for k, token in enumerate(tokens):
        if out and k < len(tokens) - 1 and _HASH.match(token):
            out[-1] += ELLIPSIS
        elif out and out[-1].endswith(ELLIPSIS):
            out[-1] += token
        else:
            out.append(token)
    return out


def short(name: str, limit: int) -> str:
    """`name` in at most `limit` characters: replica hashes, then leading words, give way."""
    if len(name) <= limit:
        return name
    words = _words(name)
    joined = "-".join(words)
    return joined if len(joined) <= limit else _tail(words, limit)


def _clashes(labels: Mapping[str, str]) -> list[list[str]]:
    seen: dict[str, list[str]] = {}
    for name, label in labels.items():
        seen.setdefault(label, []).append(name)
    return [names for names in seen.values() if len(names) > 1]


def _apart(names: list[str], limit: int) -> dict[str, str]:
    """Labels for names that shortened alike: "…" + the first word that differs + "…" + their tail."""
    split = [_words(n) for n in names]
    first = 0
    while all(len(t) > first + 1 for t in split) and len({t[first] for t in split}) == 1:
        first += 1
    out = {}
    for name, tokens in zip(names, split):
        lead = ELLIPSIS + tokens[first] + "-" if first else tokens[0] + "-"
        out[name] = _tail(tokens[first + 1:] or tokens[-1:], limit, lead[:max(2, limit // 2)])
    return out


def abbreviate(names: Iterable[str], limit: int) -> dict[str, str]:
    """Each name's label, at most `limit` characters where it can be, no two alike."""
    names = list(dict.fromkeys(names))
    labels = {n: short(n, limit) for n in names}
    for group in _clashes(labels):
        labels.update(_apart([n for n in group if n != labels[n]], limit))
    for group in _clashes(labels):  # the last resort: number them
        for k, name in enumerate(n for n in group if n != labels[n]):
            mark = f"#{k + 1}"
            labels[name] = labels[name][:max(1, limit - len(mark))] + mark
    return labels


def namespace_labels(widths: Mapping[str, int], px_per_char: float = 6.5) -> dict[str, str]:
    """Namespace headers that fit `widths` (pixels each spans) where they can, distinct, and
    never shorter than their last word ("…reporting", not "k..")."""
    labels = {}
    for ns, width in widths.items():
        room = int((width - 8) / px_per_char)
        last = ns.split("-")[-1]
        labels[ns] = short(ns, max(room, min(len(last) + 1, 16), 3))
    for group in _clashes(labels):
        labels.update({ns: ns for ns in group})
    return labels


def chart_title(chart: Path | str, values: Iterable[Path | str] = (), *, release: str | None = None,
                namespace: str | None = None, beside: str = "") -> str:
    """"NAME VERSION (a.yaml, b.yaml; release R in NS)": the name and version of Chart.yaml,
    the values files by their file names; never the chart's folder or a path."""
    meta: Any = {}
    try:
        meta = load_yaml_file(Path(chart) / "Chart.yaml")  # bounded, as every input the harness reads
    except (OSError, yaml.YAMLError):  # the limits' InputLimitError is a YAMLError
        pass
    meta = meta if isinstance(meta, Mapping) else {}
    name = str(meta.get("name") or Path(chart).resolve().name)
    version = f" {meta['version']}" if meta.get("version") else ""
    where = [", ".join(Path(v).name for v in values) or "chart defaults"]
    if release or namespace:
        where.append(" ".join(w for w in (f"release {release}" if release else "", f"in {namespace}" if namespace else "") if w))
    return f"{name}{version} ({'; '.join(where)}{beside})"
