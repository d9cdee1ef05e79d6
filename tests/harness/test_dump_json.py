"""A large JSON dump in kubectl's layout is read in two processes (`dumpjson`): the objects,
their order, the depth limit and the fallback for anything unusual are what one process
reading the whole text gives."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from netpol_harness import dumpjson, dumpsplit
from netpol_harness.clusterfiles import ClusterFileError, read_cluster_file
from netpol_harness.dumps import parse_dump
from netpol_harness.loader import Limits, reset_limits, set_limits
from netpol_harness.synthetic import kubectl_list, scale_cluster


def dump_text(pods: int = 80, policies: int = 40, namespaces: int = 5) -> str:
    """As `kubectl get -o json` writes it: four spaces a level."""
    return json.dumps(kubectl_list(scale_cluster(pods, policies, namespaces, 5)), indent=4)


@pytest.fixture
def split(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dumpsplit, "SPLIT_BYTES", 1)
    monkeypatch.setattr(dumpsplit, "_cores", lambda: 2)


def read(tmp_path: Path, text: str, name: str = "dump.json") -> Any:
    path = tmp_path / name
    path.write_text(text)
    try:
        return read_cluster_file(path)
    except ClusterFileError as err:
        return str(err).replace(str(path), "FILE")


def read_in_one_process(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as patch:
        patch.setattr(dumpsplit, "SPLIT_BYTES", 1 << 60)
        return read(tmp_path, text, "one.json")


def test_a_json_dump_read_in_two_processes_gives_the_objects_of_one_process_in_their_order(
        tmp_path, split, monkeypatch):
    text = dump_text()
    assert dumpjson._in_two(text, Limits()) is not None, "read in two processes"
    objects = read(tmp_path, text)
    assert objects == read_in_one_process(tmp_path, text, monkeypatch)
    assert [o["metadata"]["name"] for o in objects] == [o["metadata"]["name"] for o in json.loads(text)["items"]]


def test_a_json_dump_keeps_what_the_yaml_dump_keeps_of_a_pod(tmp_path):
    document = json.loads(dump_text(pods=3, policies=1, namespaces=1))
    json_pods = [o for o in read(tmp_path, json.dumps(document, indent=4)) if o["kind"] == "Pod"]
    yaml_pods = [o for o in parse_dump(yaml.safe_dump(document), "x")[0]["items"] if o["kind"] == "Pod"]
    assert len(json_pods) == len(yaml_pods) == 3
    for read_json, read_yaml in zip(json_pods, yaml_pods):
        # The YAML reader keeps a container's first key (on its "- " line); the model reads name and ports.
        containers = [{"name": c["name"], "ports": c["ports"]} for c in read_yaml["spec"]["containers"]]
        assert read_json["spec"] == {**read_yaml["spec"], "containers": containers}
        assert read_json["metadata"] == read_yaml["metadata"] and read_json["status"] == read_yaml["status"]


@pytest.mark.parametrize("change", [
    pytest.param(lambda t: t.replace('\n    "kind": "List"', '\n    "kind": "NotAList"'), id="not-a-list"),
    pytest.param(lambda t: t.replace('    "items": [', '    "items": [], "items": [', 1), id="items-twice"),
    pytest.param(lambda t: t[:len(t) * 3 // 4] + "]" + t[len(t) * 3 // 4:], id="broken-second-half"),
    pytest.param(lambda t: t.replace("\n        },\n        {\n", "\n        }\n    ], \"more\": [\n        {\n", 1),
                 id="an-item-the-cut-cannot-be-sure-of"),
])
def test_a_json_dump_the_split_cannot_be_sure_of_reads_as_one_process_reads_it(tmp_path, split, monkeypatch, change):
    text = change(dump_text())
    assert read(tmp_path, text) == read_in_one_process(tmp_path, text, monkeypatch)


@pytest.mark.parametrize("depth", [10, 11, 12, 13])
def test_a_json_dump_read_in_two_processes_keeps_the_depth_limit(tmp_path, split, monkeypatch, depth):
    document = json.loads(dump_text())
    document["items"][-1]["spec"]["deep"] = json.loads("[" * 8 + "]" * 8)  # 12 levels with the List
    text = json.dumps(document, indent=4)
    set_limits(yaml_depth=depth)
    try:
        got, one = read(tmp_path, text), read_in_one_process(tmp_path, text, monkeypatch)
    finally:
        reset_limits()
    assert got == one
    assert (isinstance(got, str) and "JSON nested deeper than" in got) == (depth < 12)


def test_a_key_given_twice_whose_dropped_value_is_too_deep_is_read_as_before(tmp_path):
    text = '{"kind": "List", "items": [{"kind": "Namespace", "metadata": {"name": "a"}, "x": %s, "x": 1}]}' % (
        "[" * 150 + "]" * 150)
    assert read(tmp_path, text)[0]["x"] == 1
