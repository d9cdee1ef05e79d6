"""A render's objects are parsed one template's output at a time, each distinct text once
(helm.parsed), for a value matrix's speed: the objects, and the errors, must be exactly
those of parsing the whole output at once."""
from __future__ import annotations

import pytest
import yaml

from netpol_harness.helm.parsed import parse_rendered
from netpol_harness.loader import parse_manifests, reset_limits, set_limits

SA = "---\n# Source: app/templates/sa.yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: app\n"
CM = "---\n# Source: app/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  when: 2024-01-01\n  n: '1'\n"
EMPTY = "---\n# Source: app/templates/empty.yaml\n# nothing\n"
TWO = "---\n# Source: app/templates/two.yaml\na: 1\n---\nb: [1, 2.5, true, null]\n"
ANCHORS = "---\n# Source: app/templates/a.yaml\nx: &a {k: v}\ny: *a\n"
DUPLICATE = "---\n# Source: app/templates/d.yaml\nkind: A\nkind: B\n"
BROKEN = "---\n# Source: app/templates/b.yaml\nmetadata:\n  name: [unclosed\n"
ALIAS_ONLY = "---\n# Source: app/templates/u.yaml\ny: *nowhere\n"


def _outcome(fn, docs):
    try:
        return fn(docs)
    except yaml.YAMLError as err:
        return type(err).__name__, str(err)


@pytest.mark.parametrize("docs", [
    [], [SA], [SA, CM], [CM, SA, EMPTY, TWO], [SA, ANCHORS, CM], [SA, DUPLICATE], [SA, CM, BROKEN],
    [SA, ALIAS_ONLY], [EMPTY], [TWO, TWO, SA, SA],
])
def test_parsing_each_template_alone_gives_the_whole_outputs_objects_and_errors(docs):
    for _ in range(2):  # the second time from what the first remembered
        assert _outcome(parse_rendered, docs) == _outcome(lambda d: parse_manifests("".join(d)), docs)


def test_remembered_objects_are_fresh_for_each_render():
    first = parse_rendered([SA, CM])
    first[0]["metadata"]["name"] = "changed"
    assert parse_rendered([SA, CM])[0]["metadata"]["name"] == "app"


def test_the_input_limit_is_that_of_the_whole_output():
    docs = [SA] * 40
    set_limits(input_bytes=len(SA) * 20)
    try:
        assert _outcome(parse_rendered, docs) == _outcome(lambda d: parse_manifests("".join(d)), docs)
        assert isinstance(_outcome(parse_rendered, docs), tuple)
    finally:
        reset_limits()
