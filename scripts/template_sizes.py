#!/usr/bin/env python3
"""The named templates of the charts, largest first: `NAME  LINES  FILE`.

    scripts/template_sizes.py [--top N] [CHART_DIR ...]   (default: every chart under charts/)
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from netpol_harness.chartsource import named_templates

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("charts", nargs="*", type=Path)
    parser.add_argument("--top", type=int, default=0, help="only the N largest")
    args = parser.parse_args(argv)
    charts = args.charts or sorted(p for p in (ROOT / "charts").iterdir() if (p / "Chart.yaml").exists())
    found = sorted((t for chart in charts for t in named_templates(chart)), key=lambda t: (-t.lines, t.name))
    for t in found[: args.top or None]:
        print(f"{t.name:48} {t.lines:4}  {t.path.relative_to(ROOT) if t.path.is_relative_to(ROOT) else t.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
