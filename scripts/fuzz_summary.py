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
    print(f"{'chart-helm':<40} {'cases':>6} {'clear errors':>13} {'valid renders':>14} {'helm limits':>12} {'violations':>11}")
    total = [0, 0, 0, 0, 0]
    for path in files:
        t = json.loads(path.read_text())
        row = [t["cases"], t["clear_errors"], t["valid_renders"], t.get("helm_limits", 0), t["violations"]]
        total = [a + b for a, b in zip(total, row)]
        print(f"{path.stem:<40} {row[0]:>6} {row[1]:>13} {row[2]:>14} {row[3]:>12} {row[4]:>11}")
        for example in t.get("examples", []):
            print(f"    {example}")
    print(f"{'total':<40} {total[0]:>6} {total[1]:>13} {total[2]:>14} {total[3]:>12} {total[4]:>11}")
    return 1 if total[4] else 0


if __name__ == "__main__":
    sys.exit(main())
