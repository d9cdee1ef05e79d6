"""`jsonfast` reads JSON as the json module reads it: by orjson where that gives the same,
by json where orjson refuses a text or might read it otherwise, and by json alone when
orjson is not installed."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from typing import Any

import pytest

from netpol_harness import jsonfast

orjson = pytest.importorskip("orjson")

UNUSUAL = {
    "a key given twice": '{"a": 1, "b": {"c": [1]}, "a": {"d": 2}}',
    "a lone surrogate": '{"s": "\\ud800", "t": "\\udfff x"}',
    "a surrogate pair": '{"s": "\\ud83d\\ude00"}',
    "an integer past 64 bits": '{"n": 18446744073709551616, "m": -9223372036854775809}',
    "an integer of 64 bits": '{"n": 18446744073709551615, "m": -9223372036854775808}',
    "an integer of 300 digits": '{"n": %s}' % ("7" * 300),
    "NaN and Infinity": '[NaN, Infinity, -Infinity]',
    "a number past a float": '[1e400, -1e400]',
    "floats": '[1.5, -0.0, 1e16, 1e+300, 2.2250738585072011e-308, 0.1]',
    "escapes": '"\\u0000\\/\\b\\f\\n\\r\\t\\"\\\\ \\u00e9 é"',
    "not ASCII": '{"é": ["ü", "日本"]}',
    "a wide integer nested past what orjson writes": "[" * 300 + "18446744073709551616" + "]" * 300,
}
REFUSED = {
    "trailing garbage": '{"a": 1} x',
    "a trailing comma": "[1, 2,]",
    "a control character": '"a\x01"',
    "a bad escape": '"\\x41"',
    "a byte order mark": '\ufeff{}',
    "too deep for json": "[" * 100_000 + "]" * 100_000,
    "empty": "",
}


def same(a: Any, b: Any) -> bool:
    """Equal, with the same types all the way down (1 is not 1.0) and NaN equal to NaN."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if type(a) is dict:
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if type(a) is list:
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def outcome(read: Any, text: str) -> tuple[str, Any]:
    try:
        return "read", read(text)
    except (ValueError, RecursionError) as err:
        return "refused", f"{type(err).__name__}: {err}"


@pytest.fixture(params=["orjson", "json alone"])
def which(request, monkeypatch) -> str:
    if request.param == "json alone":
        monkeypatch.setattr(jsonfast, "orjson", None)
    return request.param


@pytest.mark.parametrize("text", list(UNUSUAL.values()), ids=list(UNUSUAL))
def test_an_unusual_text_reads_as_the_json_module_reads_it(which, text):
    kind, value = outcome(jsonfast.loads, text)
    assert kind == "read" and same(value, json.loads(text))


@pytest.mark.parametrize("text", list(REFUSED.values()), ids=list(REFUSED))
def test_a_text_json_refuses_is_refused_in_the_json_modules_words(which, text):
    assert outcome(jsonfast.loads, text) == outcome(json.loads, text)


def test_a_pruned_value_is_what_the_json_modules_value_gives_pruned(which):
    text = '[{"keep": 18446744073709551616, "drop": 1}, {"keep": "x", "drop": [1.5]}]'
    pruned = jsonfast.loads(text, lambda items: [item["keep"] for item in items])
    assert same(pruned, [18446744073709551616, "x"])


def test_orjsons_depth_limit_is_found_for_lists_and_maps():
    depth = jsonfast._orjson_depth()  # found, not assumed (1024 so far)
    assert depth > 0 and jsonfast._reads(depth) and not jsonfast._reads(depth + 1)
    assert jsonfast._reads(depth, '{"k": ', "}") and not jsonfast._reads(depth + 1, '{"k": ', "}")


@pytest.mark.parametrize("depth", [1, 2, 3, 97, 98, 99])
def test_a_text_within_a_depth_reads_and_one_past_it_gets_no_answer(depth):
    text = "[" * 98 + '{"a": 1}' + "]" * 98  # 99 levels
    within = jsonfast.loads_within(text, depth)
    assert (within is None) == (depth < 99)
    if within is not None:
        assert within == json.loads(text)


@pytest.mark.parametrize("text", list(UNUSUAL.values()), ids=list(UNUSUAL))
def test_within_a_depth_an_unusual_text_reads_as_json_reads_it_or_gets_no_answer(text):
    within = jsonfast.loads_within(text, 400)
    assert within is None or same(within, json.loads(text))


def test_within_a_depth_orjsons_reading_of_a_wide_integer_is_no_answer():
    assert jsonfast.loads_within('[18446744073709551616]', 5) is None
    assert jsonfast.loads_within('[18446744073709551615, 1.5, 1e300]', 5) is None  # may be wide: walked, a float
    assert jsonfast.loads_within('[18446744073709551615, "1e+300"]', 5) == [18446744073709551615, "1e+300"]


@pytest.mark.parametrize("text", ['{"a": 1}],[{"b": 2}', '1],[2', '[1]],[[2]'])
def test_a_text_that_closes_its_wrapping_early_gets_no_answer(text):
    with pytest.raises(ValueError):
        json.loads(text)
    assert jsonfast.loads_within(text, 10) is None


def test_without_orjson_nothing_reads_within_a_depth(monkeypatch):
    monkeypatch.setattr(jsonfast, "orjson", None)
    assert jsonfast.loads_within("[1]", 5) is None


def test_where_orjson_cannot_be_imported_the_json_module_reads_everything():
    code = ("import sys; sys.modules['orjson'] = None\n"
            "from netpol_harness import jsonfast\n"
            "assert jsonfast.orjson is None\n"
            "text = sys.stdin.read()\n"
            "print(repr(jsonfast.loads(text)), jsonfast.loads_within(text, 9))")
    text = '{"a": 1, "a": [18446744073709551616, NaN, "\\ud800"]}'
    out = subprocess.run([sys.executable, "-c", code], input=text, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"{json.loads(text)!r} None"
