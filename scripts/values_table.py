#!/usr/bin/env python3
"""Print a chart's values table (Markdown) from the `# --` comments in values.yaml.

A `# -- text` comment describes the key on the next line; the default comes from the
parsed file. `--check README.md` exits 1 when the README's table for the chart is stale.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import yaml

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
    data = yaml.safe_load(values_file.read_text())
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


def section(chart_dir: Path) -> str:
    return f"{BEGIN.format(chart=chart_dir.name)}\n{table(chart_dir / 'values.yaml')}\n{END}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("chart", type=Path)
    parser.add_argument("--check", type=Path, help="README to compare against")
    parser.add_argument("--write", type=Path, help="README whose table to replace")
    args = parser.parse_args()
    expected = section(args.chart)
    target = args.check or args.write
    if target is None:
        print(expected)
        return 0
    text = target.read_text()
    pattern = re.compile(re.escape(BEGIN.format(chart=args.chart.name)) + r".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        print(f"{target}: no values table for {args.chart.name}", file=sys.stderr)
        return 1
    if args.write:
        target.write_text(pattern.sub(lambda _: expected, text))
        return 0
    if pattern.search(text).group(0) != expected:
        print(f"{target}: values table for {args.chart.name} is stale; run scripts/values_table.py {args.chart} --write {target}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
