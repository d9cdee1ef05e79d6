"""Is a failed render's message one a user can act on?

A clear error names a value the user wrote (its real path in the values) and comes
from the chart (`fail`) or from helm's values-schema check. Everything else is Go's
own error text (a nil pointer, a type mismatch, a range over a scalar, a YAML parse
error of the rendered output), which tells the user nothing about their values.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

_CHART_FAIL = re.compile(r"execution error at \([^)]*\): (.*)", re.S)
_SCHEMA_HEADER = "values don't meet the specifications of the schema"
# Helm 3.10: "- a.b.0: msg"; Helm >= 3.18: "- at '/a/b/0': msg", with each oneOf branch's
# reason indented below its line.
_SCHEMA_LINE = re.compile(r"^(?P<indent>[ \t]*)- (?:at '(?P<pointer>[^']*)'|(?P<dotted>\S[^:\n]*)): (?P<message>.*)$",
                          re.M)
_SEGMENT = re.compile(r"\[([^\]]*)\]|([^.\[]+)")


@dataclass(frozen=True)
class ErrorVerdict:
    clear: bool
    source: str  # "chart" | "schema" | "go"
    path: str  # the value path the message names ("" when none)
    why: str


def parse_path(text: str) -> list[str | int] | None:
    """`a.b[0] (name).c[key]` -> ["a", "b", 0, "c", "key"]; None when it is no path."""
    text = re.sub(r" \([^)]*\)", "", text.strip())
    if not text or " " in text:
        return None
    parts: list[str | int] = []
    pos = 0
    for match in _SEGMENT.finditer(text):
        if match.start() != pos and text[pos:match.start()] != ".":
            return None
        index, name = match.groups()
        if index is not None:
            parts.append(int(index) if index.isdigit() else index)
        else:
            parts.append(int(name) if name.isdigit() else name)
        pos = match.end()
    return parts if pos == len(text) else None


def resolves(values: Any, path: list[str | int]) -> bool:
    """True when `path` names a value in `values` (a map key or a list index at each
    step), or a key missing from a map that is there: a message may name the key the
    user left out. Map keys may contain dots (label keys), which a dotted path splits:
    consecutive parts are tried joined."""
    node, i = values, 0
    while i < len(path):
        step = _step(node, path, i)
        if step is None:
            return i == len(path) - 1 and isinstance(node, Mapping)
        node, i = step
    return True


def _step(node: Any, path: list[str | int], i: int) -> tuple[Any, int] | None:
    if isinstance(node, list) and isinstance(path[i], int) and 0 <= path[i] < len(node):
        return node[path[i]], i + 1
    if isinstance(node, Mapping):
        for j in range(len(path), i, -1):  # the longest key first
            key = ".".join(str(p) for p in path[i:j])
            if key in node:
                return node[key], j
    return None


@dataclass(frozen=True)
class SchemaErrorLine:
    path: tuple[str, ...]  # the value path's keys; () for the root
    message: str
    nested: bool  # a reason indented below another line (Helm >= 3.18)


def schema_error_lines(stderr: str) -> list[SchemaErrorLine]:
    """Every line of a helm values-schema error, in either format."""
    lines = []
    for m in _SCHEMA_LINE.finditer(stderr):
        if m["pointer"] is not None:
            path = tuple(_unescape(p) for p in m["pointer"].split("/") if p)
        elif m["dotted"].startswith("at "):
            continue
        else:
            path = () if m["dotted"] == "(root)" else tuple(m["dotted"].split("."))
        lines.append(SchemaErrorLine(path, m["message"], bool(m["indent"])))
    return lines


def schema_error_paths(stderr: str) -> list[str]:
    """The value paths a helm values-schema error names, dotted, in either format."""
    return [".".join(line.path) or "(root)" for line in schema_error_lines(stderr) if not line.nested]


def _unescape(segment: str) -> str:
    """A JSON pointer segment as the key it names (RFC 6901: ~1 is "/", ~0 is "~")."""
    return segment.replace("~1", "/").replace("~0", "~")


def error_source(stderr: str) -> str:
    """Who wrote a failed render's message: "schema" (helm's values-schema check),
    "chart" (the chart's `fail`), or "go" (Go's own text, which names no value)."""
    if _SCHEMA_HEADER in stderr:
        return "schema"
    return "chart" if _CHART_FAIL.search(stderr) else "go"


def judge_error(stderr: str, *values: Mapping[str, Any]) -> ErrorVerdict:
    """Classify a failed render's stderr against the values it rendered: the user's
    values and the same merged with the chart's defaults, as helm saw them (a path
    that either of them holds counts as named)."""
    def named(path: list[str | int]) -> bool:
        return any(resolves(v, path) for v in values)

    source = error_source(stderr)
    if source == "schema":
        paths = schema_error_paths(stderr)
        for path in paths:
            parsed = [] if path == "(root)" else parse_path(path)
            if parsed is None or not named(parsed):
                return ErrorVerdict(False, "schema", path, f"the schema error names {path!r}, which is not in the values")
        if not paths:
            return ErrorVerdict(False, "schema", "", "a schema error without a value path")
        return ErrorVerdict(True, "schema", paths[0], "")
    if source == "go":
        return ErrorVerdict(False, "go", "", "not a message of the chart: " + stderr.strip().splitlines()[0][:300])
    message = _CHART_FAIL.search(stderr).group(1).strip()
    head = message.split(": ", 1)[0]
    parsed = parse_path(head)
    if parsed is None:
        return ErrorVerdict(False, "chart", "", f"the message does not start with a value path: {message[:200]}")
    if not named(parsed):
        return ErrorVerdict(False, "chart", head, f"the message names {head!r}, which is not in the values")
    return ErrorVerdict(True, "chart", head, "")
