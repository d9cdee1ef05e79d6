"""A chart's Go templates as text: their actions, and the named templates they define.

`actions` splits a template into its `{{ ... }}` actions and reads each into tokens
(strings, fields, variables, words ...), so a "}}" inside a string never ends an action.
Comments come out as actions with no tokens and their text. Named templates nest
`define`, `if`, `range`, `with` and `block` up to their `end`; a template's size is the
lines from its `define` to its `end`, and its comment is the one just above the `define`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator


class TemplateSyntaxError(ValueError):
    """Text this reader does not understand: a check fails rather than guess."""


_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<close>-?\s*}})
  | (?P<string>"(?:\\.|[^"\\\n])*")
  | (?P<raw>`[^`]*`)
  | (?P<char>'(?:\\.|[^'\\])+')
  | (?P<decl>:=)
  | (?P<op>[|(),=])
  | (?P<var>\$[A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<field>(?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.)
  | (?P<number>[+-]?(?:0[xX][0-9a-fA-F_]+|[0-9][0-9_]*(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+)i?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
""", re.X)
_COMMENT_CLOSE = re.compile(r"\s*-?\s*}}")
_OPENS = ("if", "range", "with", "define", "block")


@dataclass
class Token:
    kind: str
    text: str
    attached: bool = False  # a field right after ")" applies to the parenthesised value


@dataclass(frozen=True)
class Action:
    start: int  # offsets of "{{" and just after "}}"
    end: int
    tokens: list[Token]
    comment: str | None = None  # the text of a {{/* comment */}} (then no tokens)


def actions(text: str, name: str) -> Iterator[Action]:
    """Every action of a template, in order; `name` is for messages."""
    pos = 0
    while (start := text.find("{{", pos)) != -1:
        i = start + 2
        if text.startswith("- ", i) or text.startswith("-\t", i) or text.startswith("-\n", i):
            i += 2
        rest = text[i:].lstrip()
        if rest.startswith("/*"):
            opening = text.index("/*", i)
            end = text.find("*/", opening + 2)
            close = _COMMENT_CLOSE.match(text, end + 2) if end != -1 else None
            if close is None:
                raise TemplateSyntaxError(f"{name}: unclosed comment at offset {start}")
            yield Action(start, close.end(), [], text[opening + 2:end].strip())
            pos = close.end()
            continue
        tokens: list[Token] = []
        while True:
            m = _TOKEN.match(text, i)
            if m is None:
                raise TemplateSyntaxError(f"{name}: cannot read {text[i:i + 30]!r} at offset {i}")
            i = m.end()
            kind = m.lastgroup
            if kind == "close":
                break
            if kind != "space":
                attached = kind == "field" and bool(tokens) and tokens[-1].text == ")" and text[m.start() - 1] == ")"
                tokens.append(Token(kind, m.group(), attached))
        yield Action(start, i, tokens)
        pos = i


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
    last_comment: Action | None = None
    for action in actions(text, path.name):
        if action.comment is not None:
            last_comment = action
            continue
        word = action.tokens[0].text if action.tokens and action.tokens[0].kind == "ident" else ""
        if word in _OPENS:
            if word == "define" and current is None:
                name = action.tokens[1].text.strip('"`')
                adjacent = last_comment is not None and not text[last_comment.end:action.start].strip()
                current = (name, action.start, depth, last_comment.comment if adjacent else "")
            depth += 1
        elif word == "end":
            depth -= 1
            if current is not None and depth == current[2]:
                name, start, _, comment = current
                first = text.count("\n", 0, start) + 1
                last = text.count("\n", 0, action.end) + 1
                found.append(NamedTemplate(name, path, first, last - first + 1, comment, text[start:action.end]))
                current = None
    return found
