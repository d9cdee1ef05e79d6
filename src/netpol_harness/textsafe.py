"""Text from manifests made safe to print or embed: names and messages come from charts and
values anyone may write, and a name may hold a terminal escape or a newline.

    visible(s)      control characters as `\\x1b`, `\\n`, `\\u202e`: one line, no terminal escapes
    xml_escape(s)   escaped for XML text and attributes, characters XML cannot hold made visible
    mermaid_label(s)  a Mermaid label's text, for between double quotes: one line, nothing that ends it

Use `visible` on each line printed to a terminal (or joined into a text report) that holds
a name, never on the joined text: its own line breaks would show as `\\n`.
"""
from __future__ import annotations

import html
import re

# C0 and C1 controls and DEL (terminal escapes, BEL, line breaks), the Unicode line and
# paragraph separators, and the bidirectional overrides that reorder what a line shows.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# What XML 1.0 cannot hold, not even as a character reference (tab, LF and CR it can).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Mermaid reads `#name;` and `#123;` in a label as an entity; these say the character itself.
_MERMAID = {'"': "#quot;", "#": "#35;", "`": "#96;", "<": "#lt;", ">": "#gt;"}


def _shown(match: re.Match[str]) -> str:
    c = match.group()
    if c in _NAMED:
        return _NAMED[c]
    return f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"


def visible(s: str) -> str:
    """`s` with every control character written out (ESC as `\\x1b`, a newline as `\\n`), so
    it prints as one line that cannot move the cursor, retitle the window or ring the bell."""
    return _CONTROL.sub(_shown, s)


def xml_escape(s: str) -> str:
    """`s` escaped for XML text or a quoted attribute, each character XML 1.0 cannot hold
    (ESC, BEL, a lone surrogate) written out as `visible` writes it."""
    return html.escape(_NOT_XML.sub(_shown, s))


def mermaid_label(s: str) -> str:
    """`s` for between a Mermaid label's double quotes: on one line (`visible`), with the quote,
    `#`, the backtick and angle brackets as Mermaid entities, so it cannot end the label,
    start a statement, turn into markdown or into HTML."""
    return "".join(_MERMAID.get(c, c) for c in visible(s))
