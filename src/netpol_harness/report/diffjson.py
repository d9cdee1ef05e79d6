"""A diff as a stable JSON document for CI (`render_diff_json`, `diff_document`):

    {"cases": [{"case", "dataplane",
                "opened": [{"src", "dst", "ports": ["8080/TCP"], "before", "after", "absent"}],
                "closed": [...], "policies": {"added", "removed", "changed"}, "notes": [...]}],
     "summary": {"opened": n, "closed": m}}

One case per (case title, Diff) section, in order; `before` and `after` are the rule
responsible on each side, `absent` the endpoint only one side has ("" when both have it),
`notes` what the verdicts cannot vouch for (`diffmarkdown.case_notes`). Keys are written
sorted and the text is ASCII, so a document can be compared byte for byte.
"""
from __future__ import annotations

import json
from typing import Any, Sequence

from .diff import Change
from .diffmarkdown import Section, case_notes


def _flow(change: Change) -> dict[str, Any]:
    return {"src": change.src, "dst": change.dst, "ports": [str(p) for p in change.probes],
            "before": change.before, "after": change.after, "absent": change.absent}


def diff_document(sections: Sequence[Section]) -> dict[str, Any]:
    """The document for `sections` ((case title, Diff) pairs) as plain data."""
    sections = list(sections)
    cases = [{"case": title, "dataplane": diff.dataplane,
              "opened": [_flow(c) for c in diff.opened], "closed": [_flow(c) for c in diff.closed],
              "policies": {"added": list(diff.policies_added), "removed": list(diff.policies_removed),
                           "changed": list(diff.policies_changed)},
              "notes": notes}
             for (title, diff), notes in zip(sections, case_notes(sections))]
    return {"cases": cases, "summary": {"opened": sum(len(c["opened"]) for c in cases),
                                        "closed": sum(len(c["closed"]) for c in cases)}}


def render_diff_json(sections: Sequence[Section]) -> str:
    return json.dumps(diff_document(sections), indent=2, sort_keys=True) + "\n"
