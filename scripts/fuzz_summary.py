#!/usr/bin/env python3
"""The fuzz tests' tallies (written to .cache/fuzz/ by tests/*/test_*_fuzz.py), as a table."""
import json
import sys
from pathlib import Path

FOLDER = Path(__file__).resolve().parent.parent / ".cache" / "fuzz"


def main() -> int:
    files = sorted(FOLDER.glob("*.json"))
    if not files:
        print(f"no fuzz tallies in {FOLDER}; run make fuzz", file=sys.stderr)
        return 1
    print(f"{'chart-helm':<32} {'cases':>6} {'clear errors':>13} {'valid renders':>14} {'violations':>11}")
    total = [0, 0, 0, 0]
    for path in files:
        t = json.loads(path.read_text())
        row = [t["cases"], t["clear_errors"], t["valid_renders"], t["violations"]]
        total = [a + b for a, b in zip(total, row)]
        print(f"{path.stem:<32} {row[0]:>6} {row[1]:>13} {row[2]:>14} {row[3]:>11}")
        for example in t.get("examples", []):
            print(f"    {example}")
    print(f"{'total':<32} {total[0]:>6} {total[1]:>13} {total[2]:>14} {total[3]:>11}")
    return 1 if total[3] else 0


if __name__ == "__main__":
    sys.exit(main())
