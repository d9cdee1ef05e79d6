#!/usr/bin/env python3
"""The README's table of lints, made from the registry in netpol_harness.check.lintrules
(each lint's id, severity and purpose), errors first.

    scripts/lint_table.py                    print the table
    scripts/lint_table.py --check README.md  exit 1 when the README's table is stale
    scripts/lint_table.py --write README.md  rewrite the README's table
"""
from __future__ import annotations

import sys

from netpol_harness.check.lints import RULES, SEVERITIES
from netpol_harness.doctables import readme_command

BEGIN, END = "<!-- lints -->", "<!-- /lints -->"


def table() -> str:
    lines = ["| id | severity | finding |", "|---|---|---|"]
    for rule in sorted(RULES, key=lambda r: SEVERITIES.index(r.severity)):
        purpose = rule.purpose.replace("|", "\\|")
        lines.append(f"| `{rule.id}` | {rule.severity} | {purpose} |")
    return "\n".join(lines)


def main() -> int:
    return readme_command(__doc__, BEGIN, END, table, "the table of lints", "scripts/lint_table.py")


if __name__ == "__main__":
    sys.exit(main())
