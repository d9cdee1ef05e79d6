"""Tables the READMEs carry, made from their sources so they cannot drift: a chart's
values table from the `# --` comments in values.yaml (also the schema's descriptions),
and the marked sections (`<!-- name -->` ... `<!-- /name -->`) that hold generated text.

A `# -- text` comment describes the key on the next line; the default comes from the
parsed file.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Callable

from .loader import load_yaml_file

KEY = re.compile(r"^(\s*)([A-Za-z0-9_.-]+):")
BEGIN = "<!-- values-table: {chart} -->"
END = "<!-- /values-table -->"


def described(values_file: Path) -> list[tuple[tuple[str, ...], str]]:
    """Each key with a `# --` comment: its path from the root and the comment's text."""
    stack: list[tuple[int, str]] = []
    pending: list[str] = []
    out = []
    for line in values_file.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("# --"):
            pending = [stripped[4:].strip()]
            continue
        if pending and stripped.startswith("#") and not stripped.startswith("# --"):
            pending.append(stripped[1:].strip())
            continue
        match = KEY.match(line)
        if not match:
            continue
        indent = len(match.group(1))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, match.group(2)))
        if pending:
            out.append((tuple(k for _, k in stack), " ".join(pending)))
            pending = []
    return out


def rows(values_file: Path) -> list[tuple[str, str, str]]:
    """The values table's rows: (dotted key, default as JSON, description)."""
    data = load_yaml_file(values_file)
    out = []
    for path, text in described(values_file):
        node = data
        for k in path:
            node = node[k]
        out.append((".".join(path), json.dumps(node, separators=(", ", ": ")), text))
    return out


def table(values_file: Path) -> str:
    lines = ["| Key | Default | Description |", "|---|---|---|"]
    for key, default, text in rows(values_file):
        escaped = text.replace("|", r"\|")
        lines.append(f"| `{key}` | `{default}` | {escaped} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- marked sections


def marked(begin: str, body: str, end: str) -> str:
    return f"{begin}\n{body}\n{end}"


def replace_section(text: str, begin: str, end: str, section_text: str) -> str | None:
    """`text` with the part from `begin` to `end` (markers included) replaced by
    `section_text`; None when `text` has no such part."""
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        return None
    return pattern.sub(lambda _: section_text, text, count=1)


def readme_command(doc: str, begin: str, end: str, body: Callable[[], str], what: str, command: str) -> int:
    """A script's main: `--check README` / `--write README` / print, for one generated section."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", type=Path, metavar="README")
    parser.add_argument("--write", type=Path, metavar="README")
    args = parser.parse_args()
    return sync_section(args.check or args.write, bool(args.write), begin, end, body(), what, command)


def sync_section(target: Path | None, write: bool, begin: str, end: str, body: str, what: str, command: str) -> int:
    """The scripts' print / --check / --write: print `body` when there is no target;
    else compare (or, with `write`, replace) the target's section. 0 when in step (or
    written), 1 with one line on stderr naming `what` and the `command` that fixes it."""
    if target is None:
        print(body)
        return 0
    text = target.read_text()
    fresh = replace_section(text, begin, end, marked(begin, body, end))
    if fresh is None:
        print(f"{target}: no {what}", file=sys.stderr)
        return 1
    if write:
        target.write_text(fresh)
        return 0
    if fresh != text:
        print(f"{target}: {what} is stale; run {command} --write {target}", file=sys.stderr)
        return 1
    return 0
