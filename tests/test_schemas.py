"""Each chart's values.schema.json is generated (`make schemas`) from its source in
schema/, where the peer vocabulary is written once: so both charts refuse the same bad
rule with the same schema error, and neither file may drift from its source."""
from __future__ import annotations

import importlib.util
import json

import pytest

from netpol_harness.check.errors import schema_error_lines
from netpol_harness.project import root as repo_root

ROOT = repo_root()
JES, NP = ROOT / "charts" / "job-executor-service", ROOT / "charts" / "network-policies"
CHARTS = [JES.name, NP.name]


@pytest.fixture(scope="module")
def generator():
    spec = importlib.util.spec_from_file_location("schemas", ROOT / "scripts" / "schemas.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("chart", CHARTS)
def test_the_checked_in_values_schema_is_what_make_schemas_writes(generator, chart):
    assert chart in generator.charts(), f"schema/{chart}.json is missing"
    checked_in = (ROOT / "charts" / chart / "values.schema.json").read_text()
    assert checked_in == generator.generate(chart), \
        f"charts/{chart}/values.schema.json is stale: run `make schemas` (edit schema/, not the generated file)"


@pytest.mark.parametrize("chart", CHARTS)
def test_both_charts_carry_the_vocabulary_definitions_as_written(generator, chart):
    vocabulary = json.loads((ROOT / "schema" / "vocabulary.json").read_text())["definitions"]
    definitions = json.loads(generator.generate(chart))["definitions"]
    for name in ("rule", "peers", "peer", "ports", "port"):
        assert definitions[name] == vocabulary[name]


def test_a_value_takes_its_values_yaml_description_unless_the_source_gives_one(generator):
    properties = json.loads(generator.generate(JES.name))["properties"]
    assert properties["jobConfig"]["properties"]["namespace"]["description"] == \
        "Namespace the Jobs run in; the release namespace when empty."
    assert properties["nameOverride"]["description"] == \
        "Lowercase letters, digits and '-': it names objects and is a label value."


# --- one vocabulary, one verdict ------------------------------------------------------

DIRECTIONS = {"egress": "to", "ingress": "from"}


def bad_rules(peers: str) -> dict[str, tuple[object, tuple[str, ...]]]:
    """Rules the vocabulary refuses, each with the path below the rule that helm names.
    One unknown key only: newer helm lists several in random order."""
    return {
        "port-above-65535": ({"ports": [{"port": 70000}]}, ("ports", "0", "port")),
        "port-zero": ({"ports": ["dns", 0]}, ("ports", "1")),
        "protocol-icmp": ({"ports": [{"port": 53, "protocol": "ICMP"}]}, ("ports", "0", "protocol")),
        "unknown-rule-key": ({"port": 443}, ()),
        "peers-not-a-list": ({peers: {"cidr": "10.0.0.0/8"}}, (peers,)),
        "rule-not-a-map": ("allow web", ()),
    }


def schema_errors_below(stderr: str, rule: list[str]) -> list[tuple[tuple[str, ...], str]]:
    """Each line of helm's values-schema error as (path below the rule, message), with the
    rule's own path in a message written RULE; fails on an error outside the rule."""
    assert "values don't meet the specifications of the schema" in stderr, stderr
    found = []
    for line in schema_error_lines(stderr):
        assert line.path[:len(rule)] == tuple(rule), f"an error outside the rule:\n{stderr}"
        found.append((line.path[len(rule):], line.message.replace(".".join(rule), "RULE")))
    return found


@pytest.mark.parametrize("case", list(bad_rules("to")))
@pytest.mark.parametrize("direction", DIRECTIONS)
def test_the_same_bad_rule_gets_the_same_schema_error_in_both_charts(render, direction, case):
    rule, below = bad_rules(DIRECTIONS[direction])[case]
    jes = render(JES, values={"networkPolicy": {direction: {"extraRules": [rule]}}}, release="jes")
    np = render(NP, values={"components": {"web": {"podSelector": {"app": "web"}, direction: [rule]}}}, release="np")
    jes_errors = schema_errors_below(jes.stderr, ["networkPolicy", direction, "extraRules", "0"])
    np_errors = schema_errors_below(np.stderr, ["components", "web", direction, "0"])
    assert below in [path for path, _ in jes_errors], jes.stderr
    assert np_errors == jes_errors
