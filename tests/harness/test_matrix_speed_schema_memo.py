"""The schema checks remember errors part by part (check.schemamemo) for a value matrix's
speed: their findings must be exactly jsonschema's, in the same order, valid or not."""
from __future__ import annotations

import copy
import json
import random
import warnings
from pathlib import Path

import jsonschema

from netpol_harness.check import validate_values
from netpol_harness.check.kubernetes import _registry, _validator, check_kubernetes_version
from netpol_harness.check.messages import json_path, short
from netpol_harness.check.schemamemo import SchemaMemo
from netpol_harness.check.values import _explain, merged_values

CHART = Path(__file__).parents[2] / "charts" / "job-executor-service"
ODD = ["x", "", 70000, -1, 0, 1.5, None, True, False, [], {}, {"bogus": 1}, ["a", 3], "10.0.0.0/33", "2001:db8::/129",
       {"port": "http"}, [{"port": 99999}], "UPPER_case", "a" * 70]


def _mutated(doc: object, rng: random.Random, changes: int) -> object:
    doc = copy.deepcopy(doc)
    for _ in range(changes):
        node, path = doc, []
        while isinstance(node, (dict, list)) and node and rng.random() < 0.8:
            key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
            if not isinstance(node[key], (dict, list)) or rng.random() < 0.2:
                break
            node, path = node[key], path + [key]
        if isinstance(node, dict):
            key = rng.choice([*node, "unknownField"]) if node else "unknownField"
            node[key] = copy.deepcopy(rng.choice(ODD))
        elif isinstance(node, list):
            node.append(copy.deepcopy(rng.choice(ODD)))
    return doc


def _plain_values(validator, instance) -> list[str]:
    """check.values' findings as they were computed before the memo: jsonschema's, sorted."""
    return [f"{json_path(list(e.absolute_path))}: {short(_explain(e))}"
            for e in sorted(validator.iter_errors(instance), key=lambda e: (list(map(str, e.absolute_path)), e.message))]


def _plain_object(validator, obj) -> list[str]:
    return [f"{json_path(e.absolute_path)}: {short(e.message)}"
            for e in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path)))]


def test_values_findings_with_the_memo_are_jsonschemas_on_valid_and_broken_values():
    schema = json.loads((CHART / "values.schema.json").read_text())
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    plain = cls(schema, format_checker=cls.FORMAT_CHECKER)
    defaults = merged_values(CHART, {})
    rng, broken = random.Random(7), 0
    for k in range(300):
        values = _mutated(defaults, rng, k % 4)
        want = _plain_values(plain, merged_values(CHART, values))
        broken += bool(want)
        assert validate_values(CHART, values) == want, values
    assert broken > 150  # the comparison saw many errors, not only valid values


def test_kubernetes_findings_with_the_memo_are_jsonschemas_on_valid_and_broken_objects():
    objects = _objects()
    version = check_kubernetes_version("1.33")
    rng, broken = random.Random(11), 0
    memos: dict = {}
    for k in range(400):
        original = objects[k % len(objects)]
        obj = _mutated(original, rng, k % 5)
        validator = _validator(version, original["kind"], original["apiVersion"])
        plain = jsonschema.Draft202012Validator(validator.schema, registry=_registry(version))
        memo = memos.setdefault(original["kind"], SchemaMemo(validator, lambda e: None))
        want = _plain_object(plain, obj)
        broken += bool(want)
        got = [f"{json_path(p)}: {short(m)}" for p, m, _ in sorted(memo.errors(obj), key=lambda e: list(map(str, e[0])))]
        assert got == want, obj
    assert broken > 200


def _objects() -> list[dict]:
    labels = {"app": "web"}
    container = {"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                 "resources": {"limits": {"cpu": "100m"}}, "securityContext": {"runAsNonRoot": True}}
    return [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": labels},
         "spec": {"replicas": 2, "selector": {"matchLabels": labels},
                  "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}}}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "web"},
         "spec": {"podSelector": {"matchLabels": labels}, "policyTypes": ["Egress"],
                  "egress": [{"to": [{"ipBlock": {"cidr": "192.0.2.0/24", "except": ["192.0.2.1/32"]}}],
                              "ports": [{"port": 443, "protocol": "TCP", "endPort": 445}]}]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
         "spec": {"selector": labels, "ports": [{"port": 80, "targetPort": "http"}]}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r"},
         "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]},
    ]


def test_a_remote_refs_targets_fetched_anew_never_share_remembered_errors(tmp_path):
    # jsonschema parses a file: $ref's document again on each lookup, so a target node may be
    # freed and its address given to the other target: the memo must not take one for the other.
    defs = tmp_path / "defs.json"
    defs.write_text(json.dumps({"definitions": {
        "A": {"type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"]},
        "B": {"type": "object", "properties": {"y": {"type": "string"}}, "additionalProperties": False}}}))
    schema = {"type": "object", "properties": {"a": {"$ref": f"{defs.as_uri()}#/definitions/A"},
                                               "b": {"$ref": f"{defs.as_uri()}#/definitions/B"}}}
    validator = jsonschema.Draft7Validator(schema)
    memo = SchemaMemo(validator, lambda error: None)
    cases = [{"a": {}}, {"b": {}}, {"a": {"x": 1}}, {"b": {"x": 1}}, {"a": {"y": "1"}}, {"b": {"y": "1"}}]
    with warnings.catch_warnings():  # jsonschema warns that it retrieves file: refs on its own
        warnings.simplefilter("ignore", DeprecationWarning)
        for instance in cases * 3:
            expected = sorted((tuple(e.absolute_path), e.message) for e in validator.iter_errors(instance))
            assert sorted((path, message) for path, message, _ in memo.errors(instance)) == expected, instance


def test_a_bounded_memo_forgets_all_when_the_next_entry_would_pass_its_count_or_its_bytes():
    from netpol_harness.boundedmemo import BoundedMemo

    memo = BoundedMemo(entries=3, size=100)
    for key in "abc":
        memo.put(key, key.upper(), 10)
    assert (len(memo), memo.held, memo.get("a")) == (3, 30, "A")
    memo.put("d", "D", 10)  # a fourth entry: forget a, b, c
    assert (len(memo), memo.held, memo.get("a"), memo.get("d")) == (1, 10, None, "D")
    memo.put("e", "E", 95)  # 10 + 95 bytes: forget d
    assert (len(memo), memo.held, memo.get("d"), memo.get("e")) == (1, 95, None, "E")


def test_the_kubernetes_schema_memo_stays_within_its_bytes_and_still_answers_each_object(monkeypatch):
    from netpol_harness.boundedmemo import BoundedMemo
    from netpol_harness.check import kubernetes

    monkeypatch.setattr(kubernetes, "_SEEN", BoundedMemo(size=3_000))
    big = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"c{k}"}, "data": {"blob": "x" * 1_000}}
           for k in range(5)]
    assert kubernetes.validate_kubernetes(big, engine="python") == []
    # about 1 KB a key: forgotten at the third and the fifth object
    assert len(kubernetes._SEEN) == 1 and kubernetes._SEEN.held <= 3_000
    wrong = dict(big[0], data={"blob": 1})
    assert kubernetes.validate_kubernetes([wrong], engine="python") == [
        "ConfigMap/c0: data.blob: 1 is not of type 'string', 'null'"]
