"""A large dump is read in parts on every core (`dumpsplit`), each item line by line
(`dumppods.read_item`): the objects, their order, the limits and the loader's words for
anything unusual are what one process reading the whole text gives."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from netpol_harness import dumps, dumpsplit
from netpol_harness.clusterfiles import ClusterFileError, read_cluster_file
from netpol_harness.loader import parse_manifests, reset_limits, set_limits
from netpol_harness.synthetic import kubectl_list, scale_cluster


def dump_text(pods: int = 120, policies: int = 60, namespaces: int = 6) -> str:
    # Through JSON, so that no two places share an object and the dump holds no anchor.
    return yaml.safe_dump(json.loads(json.dumps(kubectl_list(scale_cluster(pods, policies, namespaces, 3)))),
                          sort_keys=True)


@pytest.fixture
def three_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dumpsplit, "SPLIT_BYTES", 1)
    monkeypatch.setattr(dumpsplit, "_cores", lambda: 3)


def read(tmp_path: Path, text: str, name: str = "dump.yaml") -> list[dict]:
    path = tmp_path / name
    path.write_text(text)
    return read_cluster_file(path)


def read_in_one_process(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    with monkeypatch.context() as patch:
        patch.setattr(dumpsplit, "SPLIT_BYTES", 1 << 60)
        return read(tmp_path, text, "one.yaml")


def without(value: Any, keys: tuple[str, ...]) -> Any:
    """`value` without the blocks of `keys` (a key with a one-line value stays)."""
    if isinstance(value, dict):
        return {k: without(v, keys) for k, v in value.items() if k not in keys or not isinstance(v, (dict, list))}
    return [without(v, keys) for v in value] if isinstance(value, list) else value


def test_a_dump_read_in_parts_gives_the_objects_of_one_process_in_their_order(tmp_path, three_cores, monkeypatch):
    text = dump_text()
    assert len(dumpsplit.cuts(text, dumps._PRUNED_HEAD)) == 3 * dumpsplit._SHARES + 1, "parts for three processes"
    split = read(tmp_path, text)
    assert split == read_in_one_process(tmp_path, text, monkeypatch)
    assert [o["metadata"]["name"] for o in split] == [o["metadata"]["name"] for o in parse_manifests(text)[0]["items"]]


def test_items_other_than_pods_read_line_by_line_equal_what_the_loader_reads(tmp_path, three_cores):
    text = dump_text()
    assert len(dumps._pruned(text, 100)[1]) == 120 + 60 + 6, "every item is read line by line"
    expected = [o for o in parse_manifests(text)[0]["items"] if o["kind"] != "Pod"]
    assert [o for o in read(tmp_path, text) if o["kind"] != "Pod"] == without(expected, dumps.PRUNED_KEYS)


def test_a_column_0_list_under_a_pruned_key_is_not_cut(tmp_path, three_cores, monkeypatch):
    items = dump_text().split("\nitems:\n", 1)[1].split("\nkind: List\n")[0]
    text = f"apiVersion: v1\nkind: List\nmetadata: {{}}\nmanagedFields:\n{items}\nitems:\n{items}\n"
    offsets = dumpsplit.cuts(text, dumps._PRUNED_HEAD)
    assert all(o > text.index("\nitems:\n") for o in offsets[1:-1]), "no cut before the pruned block ends"
    assert read(tmp_path, text) == read_in_one_process(tmp_path, text, monkeypatch)


def test_an_unusual_value_in_a_later_part_goes_to_the_loader_in_its_words(tmp_path, three_cores):
    text = dump_text()
    at = text.rindex("  kind: NetworkPolicy\n")
    with pytest.raises(ClusterFileError, match="could not determine a constructor for the tag"):
        read(tmp_path, text[:at] + "  odd: =\n" + text[at:])
    duplicate = text[:at] + "  kind: Pod\n" + text[at:]
    with pytest.raises(ClusterFileError, match="duplicate key 'kind'"):
        read(tmp_path, duplicate, "duplicate.yaml")


def test_anchors_leave_the_dump_to_one_process_and_the_parser(tmp_path, three_cores):
    text = dump_text().replace("team: team-", "team: &t team-", 1)
    assert dumps._pruned(text, 100)[1] == {}, "no item is read line by line"
    expected = [o for o in parse_manifests(text)[0]["items"] if o["kind"] != "Pod"]
    assert [o for o in read(tmp_path, text) if o["kind"] != "Pod"] == without(expected, dumps.PRUNED_KEYS)


@pytest.mark.parametrize("depth", [9, 10, 11])
def test_an_item_read_line_by_line_keeps_the_depth_limit_of_the_parser(tmp_path, three_cores, depth):
    # The policies nest 10 levels with the List: over the limit at 9; at 10 they are left to the
    # parser (the line reader keeps a level to spare); at 11 read line by line. The blocks cut
    # before parsing (managedFields) are not counted, as before.
    text = dump_text(pods=0)
    set_limits(yaml_depth=depth)
    try:
        try:
            expected: Any = without(parse_manifests(dumps.prune("\n" + text))[0]["items"], dumps.PRUNED_KEYS)
        except yaml.YAMLError as err:
            expected = f"deeper than {depth} levels" in str(err)
        try:
            got: Any = read(tmp_path, text)
        except ClusterFileError as err:
            got = f"deeper than {depth} levels" in str(err)
    finally:
        reset_limits()
    assert got == expected


def _count_in_worker(path: str) -> int:
    dumpsplit.SPLIT_BYTES = 1  # a pool's worker is a daemon: it may not fork, and reads in one process
    return len(read_cluster_file(path))


def test_a_dump_read_in_a_pool_worker_which_may_not_fork_is_read_in_one_process(tmp_path):
    import multiprocessing
    path = tmp_path / "dump.yaml"
    path.write_text(dump_text())
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply(_count_in_worker, (str(path),)) == 120 + 60 + 6


def test_a_value_ending_in_a_tab_is_trimmed_as_the_loader_trims_it():
    # kubectl never writes one; a hand-edited dump may, and a label must not keep the tab.
    text = ("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n"
            "    labels:\n      team: web\t\n    name: shop\t\n")
    assert dumps.parse_dump(text, "dump.yaml") == parse_manifests(text, "dump.yaml")
    assert dumps.parse_dump(text, "dump.yaml")[0]["items"][0]["metadata"] == {"labels": {"team": "web"}, "name": "shop"}


@pytest.mark.parametrize("answer", [{"a": [1, 2.5, None, True, "x", (1, 2)]}, ValueError("no"), Path("a/b")])
def test_a_forked_process_answers_plain_data_and_any_other_picklable_object_alike(answer):
    ok, value = dumpsplit.Beside(lambda: answer).result()
    assert ok is True and type(value) is type(answer) and repr(value) == repr(answer)
