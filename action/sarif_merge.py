"""One SARIF document for a chart out of one `netpol validate --format sarif` per values case.

Code scanning takes one run per tool and category in an upload: several files of runs by
the same `netpol` driver would be refused (or, formerly, silently merged). So the runs
become one: the rules of all of them, each id once, and every result, which keeps the
values case it came from in `properties.values` and in its message, and the invocations
of all of them (executionSuccessful false for one that could not render). The run's
`automationDetails.id` (CATEGORY/) keeps two charts of a matrix from replacing each
other's alerts.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _tagged(result: dict[str, Any], case: str) -> dict[str, Any]:
    """The result, saying which values case it was found with."""
    if not case:
        return result
    result = dict(result)
    result["properties"] = {**result.get("properties", {}), "values": case}
    message = dict(result.get("message", {}))
    if "text" in message:
        message["text"] = f"{message['text']} (values: {case})"
    result["message"] = message
    return result


def merge_sarif(files: Iterable[tuple[str, Path]], category: str) -> dict[str, Any]:
    """(values case, SARIF file) pairs -> one document of one run."""
    driver: dict[str, Any] = {}
    rules: dict[str, dict] = {}
    results: list[dict] = []
    invocations: list[dict] = []
    for case, path in files:
        for run in json.loads(path.read_text()).get("runs", []):
            tool = run.get("tool", {}).get("driver", {})
            driver = driver or {k: v for k, v in tool.items() if k != "rules"}
            for rule in tool.get("rules", []):
                rules.setdefault(rule.get("id", ""), rule)
            results += [_tagged(r, case) for r in run.get("results", [])]
            invocations += run.get("invocations", [])
    # Results point at their rule by ruleIndex too: renumbered against the merged rules.
    index = {rule_id: n for n, rule_id in enumerate(rules)}
    for result in results:
        if "ruleIndex" in result and result.get("ruleId") in index:
            result["ruleIndex"] = index[result["ruleId"]]
    run = {"tool": {"driver": {**(driver or {"name": "netpol"}), "rules": list(rules.values())}},
           "automationDetails": {"id": category.rstrip("/") + "/"}, "results": results,
           "invocations": invocations}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
