"""A dump's items read by their layout (`dumpshapes.ShapeReader`) are what reading them line
by line (`dumppods.read_item`) gives, and the newline-led patterns that cut a dump's text
(`dumps`) cut what the line-anchored patterns they replace cut."""
from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netpol_harness import dumps
from netpol_harness.dumppods import POD_KEYS, PRUNED_KEYS, read_item
from netpol_harness.dumpshapes import ShapeReader
from netpol_harness.loader import parse_manifests

# The patterns the newline-led ones replace: what they cut is the specification.
OLD_PRUNE = re.compile(r"^( *)(?:%s):\n(?:\1(?: |- ).*\n|[ \t]*\n)*" % "|".join(PRUNED_KEYS), re.MULTILINE)
OLD_LIST_ITEM = re.compile(r"^- .*\n(?:  .*\n|[ \t]*\n)*", re.MULTILINE)
OLD_POD_UNREAD = re.compile(r"^    (?!(?:%s):)[^ \n-][^\n]*\n(?:    (?: |- ).*\n)*" % "|".join(POD_KEYS), re.MULTILINE)
OLD_CONTAINERS = re.compile(r"^    (?:containers|initContainers):\n(?:    (?: |- ).*\n)*", re.MULTILINE)
OLD_CONTAINER_UNREAD = re.compile(r"^      (?!(?:name|ports):)[^ \n-][^\n]*\n(?:      (?: |- ).*\n)*", re.MULTILINE)

KEYS = ["kind", "metadata", "spec", "status", "name", "containers", "ports", "image", "labels", "x.io/y",
        "managedFields", "volumes", "env", "conditions", "podIP", "nodeName", "a", "b"]
VALUES = ["Pod", "web", "1", "01", "1.10", "true", "yes", "null", "~", "", '"q"', '"a \\"b\\" c"', '"\\u00e9"',
          '"t\tab"',
          "'it''s'", "{}", "[]", "{a: 1}", "a: b", "x #c", "#c", "http://x", "key:", "- x", "&a x", "*b", "!t x", "|",
          ">-", "=", "<<", "web ", "web\t", "2026-11-02T09:14:07Z", "0x1F", "1e3", ".inf", "a,b", "%x", "@x", "`x"]


def old_cut(text: str) -> str:
    """What `dumps` cut with the line-anchored patterns (no item read)."""
    def item(match: re.Match) -> str:
        body = match.group(0)
        if body.startswith("- kind: Pod\n") or "\n  kind: Pod\n" in body:
            body = OLD_CONTAINERS.sub(lambda m: OLD_CONTAINER_UNREAD.sub("", m.group(0)), OLD_POD_UNREAD.sub("", body))
        return body
    return OLD_LIST_ITEM.sub(item, OLD_PRUNE.sub("", text))


def new_cut(text: str) -> str:
    return dumps._pruned_part(text, "", 0, ShapeReader(dumps._plain, 98))[0]


def outcome(read: Any, item: str) -> Any:
    try:
        return "read", read(item)
    except Exception as err:  # noqa: BLE001 - both readers must raise alike
        return "raised", type(err)


_LINE = st.builds(lambda indent, dash, key, value: " " * indent + dash + (f"{key}:{value}" if key else value),
                  st.integers(0, 8), st.sampled_from(["", "- ", "-"]), st.sampled_from(KEYS + [""]),
                  st.sampled_from([""] + [" " + v for v in VALUES] + VALUES))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_LINE, st.sampled_from(["", "\t", "  ", "- kind: Pod", "  kind: Pod", "    containers:",
                                                 "  spec:", "    managedFields:", "- a: 1"])), max_size=40),
       st.booleans())
def test_the_newline_led_patterns_cut_what_the_line_anchored_ones_cut(lines, last_newline):
    text = "\n".join(lines) + ("\n" if last_newline else "")
    assert new_cut(text) == old_cut(text)


def test_a_kubectl_dump_is_cut_as_the_line_anchored_patterns_cut_it():
    from test_dump_split import dump_text
    text = dump_text(pods=60, policies=30, namespaces=3)
    assert new_cut(text) == old_cut(text)
    assert dumps.prune("\n" + text) == "\n" + OLD_PRUNE.sub("", text)


def _render(node: Any, indent: int, leaves: list[str]) -> list[str]:
    """kubectl's block layout of `node`: a map's keys at `indent`, a list's dashes at its key's
    indent and a map in it from its dash's line on; each leaf is the next of `leaves`."""
    pad, lines = " " * indent, []
    for key, value in node.items() if isinstance(node, dict) else ((None, v) for v in node):
        head = f"{pad}{key}:" if key is not None else f"{pad}-"
        if isinstance(value, dict) and key is None:
            inner = _render(value, indent + 2, leaves)
            lines += [f"{pad}- {inner[0].lstrip(' ')}", *inner[1:]]
        elif isinstance(value, (dict, list)):
            lines.append(head)
            lines += _render(value, indent + 2 if isinstance(value, dict) or key is None else indent, leaves)
        else:
            lines.append(f"{head} {leaves.pop()}")
    return lines


_TREE = st.recursive(st.just("leaf"), lambda inner: st.one_of(
    st.dictionaries(st.sampled_from(KEYS), inner, min_size=1, max_size=4),
    st.lists(inner, min_size=1, max_size=3)), max_leaves=12)


def _leaf_count(node: Any) -> int:
    if isinstance(node, (dict, list)):
        return sum(_leaf_count(v) for v in (node.values() if isinstance(node, dict) else node)) or 1
    return 1


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(KEYS), _TREE, min_size=1, max_size=4), st.data())
def test_items_of_one_layout_read_by_it_equal_their_lines_read_one_by_one(tree, data):
    reader = ShapeReader(dumps._plain, 98)
    lines_reader = ShapeReader(dumps._plain, 98)
    scalars = [v for v in VALUES if v and outcome(ShapeReader(dumps._plain, 98).read_lines, f"- a: {v}\n")[1]
               not in (None, dumps._Unusual)]
    node = {"apiVersion": "leaf", **tree}
    for k in range(12):  # past the uses after which a layout is compiled; the last with any value
        leaves = data.draw(st.lists(st.sampled_from(scalars if k < 10 else VALUES), min_size=_leaf_count(node),
                                    max_size=_leaf_count(node)))
        item = "- " + "\n".join(_render(node, 2, leaves))[2:] + "\n"
        assert outcome(reader.read, item) == outcome(lines_reader.read_lines, item)


@pytest.mark.parametrize("depth", [3, 4, 5, 98])
def test_an_item_read_by_its_layout_keeps_the_depth_of_reading_it_line_by_line(depth):
    item = "- kind: Pod\n  spec:\n    containers:\n    - name: c{k}\n      ports:\n      - containerPort: 8{k}\n"
    reader = ShapeReader(dumps._plain, depth)
    for k in range(12):
        text = item.format(k=k)
        assert reader.read(text) == read_item(text, dumps._plain, depth, {}, {})


def test_an_empty_map_or_list_read_by_layout_is_its_own_object_in_each_item():
    reader = ShapeReader(dumps._plain, 98)
    items = [reader.read(f"- kind: Pod\n  metadata:\n    name: p{k}\n  spec: {{}}\n  status: []\n") for k in range(12)]
    assert items[-1] == {"kind": "Pod", "metadata": {"name": "p11"}, "spec": {}, "status": []}
    assert len({id(item["spec"]) for item in items}) == 12 and len({id(item["status"]) for item in items}) == 12


def test_a_value_the_line_reader_leaves_to_the_parser_is_left_to_it_by_layout_too():
    reader = ShapeReader(dumps._plain, 98)
    for k in range(12):
        read = reader.read(f"- kind: Pod\n  metadata:\n    name: p{k}\n")
        assert read == {"kind": "Pod", "metadata": {"name": f"p{k}"}}
    assert reader.read("- kind: Pod\n  metadata:\n    name: a: b\n") is None
    assert reader.read("- kind: Pod\n  metadata:\n    name: '{}'\n") == {"kind": "Pod", "metadata": {"name": "{}"}}
    with pytest.raises(dumps._Unusual):
        reader.read("- kind: Pod\n  metadata:\n    name: =\n")


def test_pods_read_by_layout_equal_what_the_loader_reads_of_the_cut_dump():
    from test_dump_split import dump_text, without
    text = dump_text(pods=200, policies=20, namespaces=4)
    pruned, found = dumps._pruned(text, 100)
    assert len(found) == 224, "every item is read by its layout or line by line"
    cut = parse_manifests(dumps.prune("\n" + text)[1:])[0]["items"]
    got = dumps.parse_dump(text, "dump.yaml")[0]["items"]
    assert [o for o in got if o["kind"] != "Pod"] == without([o for o in cut if o["kind"] != "Pod"], PRUNED_KEYS)
    pods = [o for o in cut if o["kind"] == "Pod"]
    assert [p["metadata"]["name"] for p in got if p["kind"] == "Pod"] == [p["metadata"]["name"] for p in pods]
    assert [(p["metadata"].get("labels"), p["status"].get("podIP"), p["spec"]["containers"][0].get("ports"))
            for p in got if p["kind"] == "Pod"] == [
        (p["metadata"].get("labels"), p["status"].get("podIP"), p["spec"]["containers"][0].get("ports")) for p in pods]


def test_a_layout_nested_deeper_than_a_display_compiles_is_read_line_by_line_alike():
    deep = "".join(f"{' ' * (2 + 2 * k)}k{k}:\n" for k in range(60))
    reader = ShapeReader(dumps._plain, 98)
    for k in range(12):
        item = f"- kind: Pod\n{deep}{' ' * 122}name: p{k}\n"
        assert reader.read(item) == read_item(item, dumps._plain, 98, {}, {}) is not None


def test_items_read_in_a_row_go_to_the_parser_as_one_placeholder_and_come_back_in_order():
    items = "".join(f"- kind: Namespace\n  metadata:\n    name: n{k}\n" for k in range(5))
    odd = "- netpol-item-0123456789abcdef-0-0\n"  # the dump's own text, that looks like a placeholder
    text = f"apiVersion: v1\nitems:\n{items}- |\n  a block\n{odd}{items}kind: List\n"
    pruned, found = dumps._runs(*dumps._pruned(text, 100))
    assert pruned.count("\n- netpol-item-") == 3 and [len(run) for run in found.values()] == [5, 5]
    assert dumps.parse_dump(text, "dump.yaml") == parse_manifests(text, "dump.yaml")


ODD_CHARACTERS = {"NEL, a line break YAML folds": "\x85", "DEL, outside YAML's printable set": "\x7f",
                  "a C1 control": "\x90", "the line separator": "\u2028", "a byte-order mark": "\ufeff"}


@pytest.mark.parametrize("odd", list(ODD_CHARACTERS.values()), ids=list(ODD_CHARACTERS))
@pytest.mark.parametrize("form", ["{}", '"{}"', "'{}'"])
def test_a_value_holding_a_character_yaml_does_not_read_as_written_reads_as_the_loader_reads_it(odd, form):
    value = form.format("x" + odd + "y")
    text = ("apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    labels:\n"
            f"      team: {value}\n    name: n\nkind: List\nmetadata:\n  resourceVersion: \"\"\n")
    try:
        expected: Any = parse_manifests(text, "dump")
    except Exception as err:  # noqa: BLE001 - the loader's refusal is the answer to match
        expected = (type(err), str(err))
    try:
        read: Any = dumps.parse_dump(text, "dump")
    except Exception as err:  # noqa: BLE001
        read = (type(err), str(err))
    assert read == expected
