#!/usr/bin/env python3
"""Print a chart's values table (Markdown) from the `# --` comments in values.yaml.

`--check README.md` exits 1 when the README's table for the chart is stale; `--write
README.md` replaces it. The table is made by netpol_harness.doctables.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from netpol_harness.doctables import BEGIN, END, sync_section, table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("chart", type=Path)
    parser.add_argument("--check", type=Path, help="README to compare against")
    parser.add_argument("--write", type=Path, help="README whose table to replace")
    args = parser.parse_args()
    begin = BEGIN.format(chart=args.chart.name)
    return sync_section(args.check or args.write, bool(args.write), begin, END, table(args.chart / "values.yaml"),
                        f"values table for {args.chart.name}", f"scripts/values_table.py {args.chart}")


if __name__ == "__main__":
    sys.exit(main())
