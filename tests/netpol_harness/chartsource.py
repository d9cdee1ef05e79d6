"""The named templates of a chart, read from its template files.

Go templates nest `define`, `if`, `range`, `with` and `block` up to their `end`; a
template's size is the lines from its `define` to its `end`, and its comment is the
`{{/* ... */}}` block just above the `define`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_ACTION = re.compile(r"\{\{-?\s*(/\*.*?\*/|.*?)\s*-?\}\}", re.S)
_OPENS = ("if", "range", "with", "define", "block")


@dataclass(frozen=True)
class NamedTemplate:
    name: str
    path: Path
    first_line: int
    lines: int
    comment: str  # the comment block right above the define ("" when none)
    body: str


def named_templates(chart: Path) -> list[NamedTemplate]:
    """Every `define` in the chart's own templates/ (subcharts are charts of their own)."""
    found = []
    for path in sorted((chart / "templates").glob("*")):
        if path.is_file():
            found.extend(_defines(path))
    return found


def _defines(path: Path) -> list[NamedTemplate]:
    text = path.read_text()
    found = []
    depth = 0
    current: tuple[str, int, int, str] | None = None  # name, start offset, depth, comment
    last_comment = ("", -1)  # text, end offset
    for match in _ACTION.finditer(text):
        action = match.group(1)
        if action.startswith("/*"):
            last_comment = (action[2:-2].strip(), match.end())
            continue
        word = action.split(None, 1)[0] if action.split() else ""
        if word in _OPENS:
            if word == "define" and current is None:
                name = re.match(r'define\s+"([^"]+)"', action).group(1)
                adjacent = last_comment[1] >= 0 and not text[last_comment[1]:match.start()].strip()
                current = (name, match.start(), depth, last_comment[0] if adjacent else "")
            depth += 1
        elif word == "end":
            depth -= 1
            if current is not None and depth == current[2]:
                name, start, _, comment = current
                first = text.count("\n", 0, start) + 1
                last = text.count("\n", 0, match.end()) + 1
                found.append(NamedTemplate(name, path, first, last - first + 1, comment, text[start:match.end()]))
                current = None
    return found
