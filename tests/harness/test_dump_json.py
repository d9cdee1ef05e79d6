"""A large JSON dump in kubectl's layout is read a run of items at a time (`dumpjson`), by
orjson where that reads as the json module does (`jsonfast`): the objects, their order, the
depth limit and the fallback for anything unusual are what reading the whole text with the
json module gives."""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from netpol_harness import dumpjson, dumpsplit, jsonfast
from netpol_harness.clusterfiles import ClusterFileError, read_cluster_file
from netpol_harness.dumps import parse_dump
from netpol_harness.loader import Limits, reset_limits, set_limits
from netpol_harness.synthetic import kubectl_list, scale_cluster


def dump_text(pods: int = 80, policies: int = 40, namespaces: int = 5) -> str:
    """As `kubectl get -o json` writes it: four spaces a level."""
    return json.dumps(kubectl_list(scale_cluster(pods, policies, namespaces, 5)), indent=4)


def dump_nesting_12_levels(at: int) -> str:
    """`dump_text()` with item `at` holding lists 8 deep: 12 levels with the List."""
    document = json.loads(dump_text())
    document["items"][at]["spec"]["deep"] = json.loads("[" * 8 + "]" * 8)
    return json.dumps(document, indent=4)


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


def test_a_json_dump_read_item_by_item_gives_the_objects_of_the_whole_text_in_their_order(
        tmp_path, split, monkeypatch):
    text = dump_text()
    assert dumpjson._by_item(text, Limits()) is not None, "read item by item"
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
def test_a_json_dump_read_item_by_item_keeps_the_depth_limit(tmp_path, split, monkeypatch, depth):
    text = dump_nesting_12_levels(-1)
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


@pytest.fixture(params=["orjson", "json alone"])
def decoder(request, monkeypatch) -> str:
    if request.param == "json alone":
        monkeypatch.setattr(jsonfast, "orjson", None)
    return request.param


def read_by_json_alone(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as patch:
        patch.setattr(jsonfast, "orjson", None)
        patch.setattr(dumpsplit, "SPLIT_BYTES", 1 << 60)
        return read(tmp_path, text, "json.json")


def with_item(text: str, item: str) -> str:
    """`text` (a dump) with `item` (JSON in kubectl's layout) as its second item."""
    head = '\n    "items": [\n'
    first_end = text.index("\n        },\n", text.index(head)) + len("\n        },\n")
    return text[:first_end] + item + ",\n" + text[first_end:]


UNUSUAL_ITEMS = {
    "a key given twice": '"kind": "Namespace", "metadata": {"name": "twice", "name": "once"}',
    "a lone surrogate": '"kind": "Namespace", "metadata": {"name": "\\ud800", "labels": {"a": "\\udfff"}}',
    "an integer past 64 bits": '"kind": "NetworkPolicy", "metadata": {"name": "n"}, "spec": {"n": 18446744073709551616}',
    "an integer past 64 bits in a pruned block":
        '"kind": "Namespace", "metadata": {"name": "n", "managedFields": [{"n": 18446744073709551616}]}',
    "NaN and Infinity": '"kind": "NetworkPolicy", "metadata": {"name": "n"}, "spec": {"x": [NaN, Infinity]}',
    "floats": '"kind": "NetworkPolicy", "metadata": {"name": "n"}, "spec": {"x": [1.5, -0.0, 1e20]}',
    "not ASCII": '"kind": "Namespace", "metadata": {"name": "n", "labels": {"team": "équipe"}}',
    "a pruned key given twice": '"kind": "Namespace", "metadata": {"name": "n", "managedFields": "kept", '
                                '"managedFields": [1]}',
}


@pytest.mark.parametrize("item", list(UNUSUAL_ITEMS.values()), ids=list(UNUSUAL_ITEMS))
def test_an_unusual_item_reads_as_the_json_module_reads_the_whole_text(tmp_path, split, monkeypatch, decoder, item):
    text = with_item(dump_text(), "        {" + item + "}")
    assert dumpjson._by_item(text, Limits()) is not None, "read item by item"
    objects = read(tmp_path, text)
    assert objects == read_by_json_alone(tmp_path, text, monkeypatch)
    assert objects[1]["metadata"]["name"] == json.loads("{%s}" % item)["metadata"]["name"]
    assert json.dumps(objects, sort_keys=True) == json.dumps(read_by_json_alone(tmp_path, text, monkeypatch),
                                                             sort_keys=True)  # an int stays an int


def test_items_that_close_the_list_early_are_not_json_and_read_as_the_loader_reads_them(tmp_path, split, monkeypatch,
                                                                                       decoder):
    # `{...}],[{...}`: two lists where one belongs. json refuses the text; no reader may keep the first half.
    text = with_item(dump_text(), '        {"kind": "Namespace", "metadata": {"name": "a"}}],\n        [{"kind": '
                                  '"Namespace", "metadata": {"name": "b"}}')
    with pytest.raises(ValueError):
        json.loads(text)
    assert read(tmp_path, text) == read_by_json_alone(tmp_path, text, monkeypatch)


def test_an_integer_past_64_bits_stays_an_integer(tmp_path, split):
    item = UNUSUAL_ITEMS["an integer past 64 bits"]
    objects = read(tmp_path, with_item(dump_text(), "        {" + item + "}"))
    assert type(objects[1]["spec"]["n"]) is int and objects[1]["spec"]["n"] == 2 ** 64


@pytest.mark.parametrize("run", [1, 5_000, 1 << 30])
def test_runs_of_any_length_give_the_objects_of_the_whole_text(tmp_path, split, monkeypatch, decoder, run):
    monkeypatch.setattr(dumpjson, "_RUN", run)  # 1: an item a run; 1 << 30: all the items one run
    text = dump_text()
    assert read(tmp_path, text) == read_by_json_alone(tmp_path, text, monkeypatch)


@pytest.mark.parametrize("depth", [10, 11, 12, 13, 400])
def test_the_depth_limit_on_items_is_the_json_modules_whichever_decoder(tmp_path, split, monkeypatch, decoder, depth):
    text = dump_nesting_12_levels(1)
    set_limits(yaml_depth=depth)
    try:
        got, alone = read(tmp_path, text), read_by_json_alone(tmp_path, text, monkeypatch)
    finally:
        reset_limits()
    assert got == alone
    assert got == "FILE: JSON nested deeper than %d levels; the limit is --max-yaml-depth or " \
                  "NETPOL_MAX_YAML_DEPTH" % depth if depth < 12 else isinstance(got, list)


@pytest.mark.parametrize("levels", [150, 990, 1030, 5_000])
def test_an_item_nested_past_the_limit_is_refused_in_the_words_json_gives(tmp_path, split, monkeypatch, decoder,
                                                                         levels):
    deep = "[" * levels + "]" * levels  # json's reading gives up (RecursionError) short of 1000 levels
    text = with_item(dump_text(), '        {"kind": "NetworkPolicy", "metadata": {"name": "n"}, "x": %s}' % deep)
    got = read(tmp_path, text)
    assert got == read_by_json_alone(tmp_path, text, monkeypatch)
    assert isinstance(got, str) and "nested deeper than 100 levels" in got  # JSON's words, or YAML's past json


def test_a_key_given_twice_whose_dropped_value_is_too_deep_is_read_as_before_item_by_item(tmp_path, split, decoder):
    item = '        {"kind": "Namespace", "metadata": {"name": "a"}, "x": %s, "x": 1}' % ("[" * 150 + "]" * 150)
    assert read(tmp_path, with_item(dump_text(), item))[1]["x"] == 1


def nesting(value: Any) -> int:
    if type(value) is dict:
        return 1 + max(map(nesting, value.values()), default=0)
    if type(value) is list:
        return 1 + max(map(nesting, value), default=0)
    return 0


def random_value(rng: random.Random, depth: int) -> Any:
    strings = ['a"[', "]}\\", '\\"{', "é[ü]", "\\\\", '"', "{}[]", "x\ny", "\ud83d\ude00"]
    kind = rng.randrange(4) if depth else 3
    if kind == 0:
        return [random_value(rng, depth - 1) for _ in range(rng.randrange(3))]
    if kind == 1:
        return {rng.choice(strings): random_value(rng, depth - 1) for _ in range(rng.randrange(3))}
    return rng.choice(strings + [1, 2.5, None, True])


@pytest.mark.parametrize("seed", range(40))
def test_the_nesting_counted_on_the_text_is_the_nesting_of_its_values(seed):
    rng = random.Random(seed)
    value = random_value(rng, 8)
    text = json.dumps(value, indent=rng.choice([None, 4]), ensure_ascii=rng.random() < 0.5)
    depth = nesting(value)
    assert [dumpjson._deeper_than(text, 0, len(text), d) for d in (depth - 1, depth)] == [True, False]


def test_a_dump_that_is_not_utf_8_is_refused_before_any_decoder_reads_it(tmp_path, split, monkeypatch, decoder):
    text = with_item(dump_text(), '        {"kind": "Namespace", "metadata": {"name": "NOT-UTF-8"}}')
    path = tmp_path / "dump.json"
    path.write_bytes(text.encode().replace(b"NOT-UTF-8", b"\xff\xfe"))
    with pytest.raises(ClusterFileError) as err:
        read_cluster_file(path)
    assert str(err.value) == f"{path}: cannot read it: not UTF-8 text (invalid start byte)"
