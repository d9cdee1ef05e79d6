"""The upstream network-policy-api conformance suite's verdicts for AdminNetworkPolicy,
BaselineAdminNetworkPolicy (v1alpha1) and ClusterNetworkPolicy (v1alpha2), as truth tables
in tests/data/conformance/ (each file names the upstream Go test, its line and commit; the
README there says how they were read). Every case must agree, on a single verdict and in
the full matrix."""
from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from netpol_harness.net import Cluster, Evaluator

# libyaml reads the truth tables' large files several times faster than the pure-Python loader.
FAST = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DATA = Path(__file__).resolve().parent.parent / "data" / "conformance"
TABLES = sorted(p for p in DATA.glob("*.yaml") if p.name != "base.yaml")
PLACEHOLDER = re.compile(r"\{ip of (?:node )?([^}]+)\}")


def addresses(base: list[dict]) -> dict[str, str]:
    """Our addresses for the suite's run-time ones: nodes, then pods (a host-network
    pod has its node's address, as the base manifest says)."""
    out: dict[str, str] = {}
    nodes = [d for d in base if d["kind"] == "Node"]
    for k, node in enumerate(nodes):
        out[node["metadata"]["name"]] = f"172.18.0.{k + 2}"
    pods = [d for d in base if d["kind"] == "Pod"]
    for k, pod in enumerate(pods):
        meta = pod["metadata"]
        host = pod["spec"].get("hostNetwork") and pod["spec"].get("nodeName")
        out[f"{meta['namespace']}/{meta['name']}"] = out[host] if host else f"10.244.1.{k + 1}"
    return out


def filled(obj, ips: dict[str, str]):
    text = yaml.safe_dump(obj)
    return yaml.load(PLACEHOLDER.sub(lambda m: ips[m.group(1)], text), Loader=FAST)


BASE = yaml.load_all((DATA / "base.yaml").read_text(), Loader=FAST)
BASE_DOCS = [d for d in BASE if d]
IPS = addresses(BASE_DOCS)


def state(table: dict, step: dict) -> list[dict]:
    """The objects in force at a step: the base, the test's policies, and the step's changes."""
    policies = copy.deepcopy(table["policies"])
    base = copy.deepcopy(BASE_DOCS)
    changes = step["changes"] if isinstance(step["changes"], dict) else {}
    for new in changes.get("replace", []):
        key = (new["kind"], new["metadata"]["name"])
        policies = [new if (p["kind"], p["metadata"]["name"]) == key else p for p in policies]
    for gone in changes.get("delete", []):
        policies = [p for p in policies if (p["kind"], p["metadata"]["name"]) != (gone["kind"], gone["name"])]
    for ns in base:
        if ns["kind"] == "Namespace" and ns["metadata"]["name"] in (changes.get("namespaceLabels") or {}):
            ns["metadata"]["labels"] = changes["namespaceLabels"][ns["metadata"]["name"]]
    return filled(base + policies, IPS)


def steps():
    for path in TABLES:
        table = yaml.load(path.read_text(), Loader=FAST)
        for k, step in enumerate(table["steps"]):
            yield pytest.param(table, step, id=f"{path.stem}[{k}]")


def test_the_truth_tables_cover_the_whole_upstream_suite():
    cases = [c for path in TABLES for s in yaml.load(path.read_text(), Loader=FAST)["steps"] for c in s["cases"]]
    assert len(TABLES) == 48 and len(cases) == 590


@pytest.mark.parametrize("table, step", list(steps()))
def test_each_upstream_case_gets_the_upstream_verdict(table, step):
    evaluator = Evaluator(Cluster.from_manifests(state(table, step)))
    wrong = []
    for case in step["cases"]:
        verdict = evaluator.check(case["from"], case["to"], case["port"], case["protocol"])
        if ("allowed" if verdict.allowed else "denied") != case["expect"]:
            wrong.append(f"{case}: {verdict.explain()}")
        matrix = evaluator.matrix(case["port"], case["protocol"], [case["from"], case["to"]])
        assert matrix[(case["from"], case["to"])] == verdict.allowed, f"matrix and check disagree on {case}"
    assert wrong == [], f"{step['name']}:\n" + "\n\n".join(wrong)
