#!/usr/bin/env python3
"""The README's table of dataplane profiles, made from netpol_harness.net.dataplanes:
each departure from the NetworkPolicy API, the profiles that make it, and its source.

    scripts/dataplane_table.py                    print the table
    scripts/dataplane_table.py --check README.md  exit 1 when the README's table is stale
    scripts/dataplane_table.py --write README.md  rewrite the README's table
"""
from __future__ import annotations

import sys

from netpol_harness.doctables import readme_command
from netpol_harness.net.dataplanes import OPTIONS, PROFILES

BEGIN, END = "<!-- dataplanes -->", "<!-- /dataplanes -->"


def table() -> str:
    lines = ["| rule | profile | what the dataplane does | source |", "|---|---|---|---|"]
    for profile in PROFILES.values():
        for d in profile.departures:
            says = d.says.replace("|", "\\|")
            lines.append(f"| `{d.key}` | `{profile.name}` | {says} | <{d.source}> |")
    options = [f"`{name}:{key}={value}`" for name, keys in OPTIONS.items() for key, values in keys.items()
               for value in values if value and values[value]]
    lines += ["", "Options: " + ", ".join(options) + " (several: `cilium:OPTION=VALUE,OPTION=VALUE`)."]
    return "\n".join(lines)


def main() -> int:
    return readme_command(__doc__, BEGIN, END, table, "the table of dataplane profiles", "scripts/dataplane_table.py")


if __name__ == "__main__":
    sys.exit(main())
