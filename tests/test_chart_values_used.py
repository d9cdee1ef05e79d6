"""Every key of a chart's values.yaml is read by some template: a key nobody reads is a
setting that silently does nothing. The reading is static (netpol_harness.valuesusage):
it follows `.Values` chains through variables, `with` and `range`, whatever the
templates and their helpers are called."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from netpol_harness.valuesusage import TemplateSyntaxError, unused_values
from netpol_harness.project import root as repo_root

ROOT = repo_root()
CHARTS = sorted(p.parent.name for p in (ROOT / "charts").glob("*/values.yaml"))

# Keys that no template reads, on purpose: {chart: {dotted key: why}}. Keep it short.
UNUSED_ON_PURPOSE: dict[str, dict[str, str]] = {}


@pytest.mark.parametrize("chart", CHARTS)
def test_every_values_key_is_read_by_a_template(chart):
    # Equality, so an exception whose key a template reads again is stale and fails too.
    assert unused_values(ROOT / "charts" / chart) == sorted(UNUSED_ON_PURPOSE.get(chart, {}))


def test_the_charts_with_values_are_found():
    assert {"job-executor-service", "network-policies"} <= set(CHARTS)


# ---------------------------------------------------------------------- the reader
def make_chart(tmp_path: Path, values: dict, templates: dict[str, str], name: str = "demo") -> Path:
    chart = tmp_path / name
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text(yaml.safe_dump(values))
    for file, text in templates.items():
        (chart / "templates" / file).write_text(textwrap.dedent(text))
    return chart


def test_a_key_no_template_reads_is_reported(tmp_path):
    chart = make_chart(tmp_path, {"image": {"repository": "x", "tag": "1", "digest": ""}}, {
        "deployment.yaml": 'image: {{ printf "%s:%s" .Values.image.repository .Values.image.tag }}\n',
    })
    assert unused_values(chart) == ["image.digest"]


def test_keys_read_through_a_variable_a_with_block_or_a_range_count(tmp_path):
    values = {"egress": {"dns": {"preset": "kubernetes", "ports": []},
                         "gateway": {"enabled": True, "labels": {"app": "gw"}, "forgotten": 1},
                         "rules": [], "extra": {"a": 1}}}
    chart = make_chart(tmp_path, values, {"policy.yaml": """\
        {{- $v := .Values.egress | default dict }}
        {{- $rules := list (dict "dns" $v.dns) }}
        {{- with $v.gateway }}
        {{- if .enabled }}{{ $rules = append $rules (dict "pods" .labels) }}{{ end }}
        {{- end }}
        {{- range $i, $r := $v.rules }}{{ $r.name }}{{ end }}
        {{- range $k, $x := .Values.egress.extra }}{{ $k }}{{ end }}
        rules: {{ toJson $rules }}
        """})
    assert unused_values(chart) == ["egress.gateway.forgotten"]


def test_a_subtree_handed_over_whole_counts_as_every_key_below(tmp_path):
    values = {"resources": {"limits": {"memory": "1Gi"}}, "api": {"host": "h", "port": 1},
              "labels": {"team": "a"}}
    chart = make_chart(tmp_path, values, {
        "_helpers.tpl": '{{- define "demo.url" -}}{{ .host }}:{{ .port }}{{- end }}\n',
        "deployment.yaml": """\
            resources: {{- toYaml .Values.resources | nindent 2 }}
            url: {{ include "demo.url" .Values.api }}
            {{- $spec := dict "labels" $.Values.labels }}
            """,
    })
    assert unused_values(chart) == []


def test_a_map_that_is_only_tested_does_not_count_as_reading_its_keys(tmp_path):
    values = {"serviceAccount": {"create": True, "name": ""}, "podAnnotations": {"a": "b"},
              "tls": {"cert": ""}, "extra": {"x": 1}}
    chart = make_chart(tmp_path, values, {"sa.yaml": """\
        {{- if .Values.serviceAccount }}kind: ServiceAccount{{ end }}
        {{- with .Values.podAnnotations }}annotated: true{{ end }}
        {{- if and (not (empty .Values.tls)) (kindIs "map" .Values.extra) }}tls: true{{ end }}
        """})
    assert unused_values(chart) == ["extra.x", "podAnnotations.a", "serviceAccount.create", "serviceAccount.name",
                                    "tls.cert"]


def test_dot_is_the_root_again_after_a_with_block_and_in_its_else(tmp_path):
    values = {"a": {"x": 1, "y": 2}, "b": 3}
    chart = make_chart(tmp_path, values, {"t.yaml": """\
        {{- with .Values.a }}{{ .x }}{{ else }}{{ .Values.b }}{{ end }}
        {{- .y }}
        """})
    assert unused_values(chart) == ["a.y"]


def test_index_get_and_haskey_read_the_key_they_name(tmp_path):
    values = {"a": {"b": 1, "other": 1}, "c": {"d": 1, "other": 1}, "e": {"f": 1, "other": 1}}
    chart = make_chart(tmp_path, values, {"t.yaml": """\
        {{ index .Values "a" "b" }} {{ get .Values.c "d" }} {{ if hasKey .Values.e "f" }}yes{{ end }}
        """})
    assert unused_values(chart) == ["a.other", "c.other", "e.other"]


def test_reads_in_a_library_subcharts_templates_count(tmp_path):
    library = make_chart(tmp_path / "charts", {}, {
        "_lib.tpl": '{{- define "lib.port" -}}{{ .ctx.Values.port }}{{- end }}\n'}, name="lib")
    (library / "Chart.yaml").write_text("apiVersion: v2\nname: lib\nversion: 0.1.0\ntype: library\n")
    (library / "values.yaml").unlink()
    chart = make_chart(tmp_path, {"port": 80, "host": "h"}, {
        "t.yaml": 'port: {{ include "lib.port" (dict "ctx" .) }}\n'})
    (tmp_path / "charts").rename(chart / "charts")
    assert unused_values(chart) == ["host"]


def test_values_named_in_comments_strings_and_plain_text_are_not_reads(tmp_path):
    chart = make_chart(tmp_path, {"a": 1, "b": 2, "c": 3}, {"t.yaml": """\
        {{- /* .Values.a */ -}}
        note: {{ "see .Values.b" }} and .Values.c
        """})
    assert unused_values(chart) == ["a", "b", "c"]


def test_a_template_the_reader_cannot_read_fails_the_check_instead_of_passing_it(tmp_path):
    chart = make_chart(tmp_path, {"a": 1}, {"t.yaml": "{{ if .Values.a }}unclosed\n"})
    with pytest.raises(TemplateSyntaxError, match="if without end"):
        unused_values(chart)
