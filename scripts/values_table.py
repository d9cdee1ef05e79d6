#!/usr/bin/env python3
"""Print a chart's values table (Markdown) from the `# --` comments in values.yaml.

`--check README.md` exits 1 when the README's table for the chart is stale; `--write
README.md` replaces it. The table is made by netpol_harness.doctables.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from netpol_harness.doctables import BEGIN, END, replace_section, section


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
    fresh = replace_section(text, BEGIN.format(chart=args.chart.name), END, expected)
    if fresh is None:
        print(f"{target}: no values table for {args.chart.name}", file=sys.stderr)
        return 1
    if args.write:
        target.write_text(fresh)
        return 0
    if fresh != text:
        print(f"{target}: values table for {args.chart.name} is stale; run scripts/values_table.py {args.chart} --write {target}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
