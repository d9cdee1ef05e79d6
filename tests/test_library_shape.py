"""The library reads like a reference: every template is small, lives in the file named
after its group, says how to call it when it is public and what it takes (a Params: block),
and the application charts call only the public ones. Every template of the library and
the application charts reads at a glance: no line over 120 characters, and control flow
indented two spaces per level, as Bitnami's charts are."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from netpol_harness.chartsource import actions, named_templates
from netpol_harness.project import root

CHARTS = root() / "charts"
LIBRARY = CHARTS / "netpol"
APP_CHARTS = [CHARTS / "job-executor-service", CHARTS / "network-policies",
              root() / "tests" / "data" / "charts" / "netpol-probe"]
MAX_LINES = 40
MAX_WIDTH = 120
TEMPLATE_CHARTS = [LIBRARY, *APP_CHARTS[:2]]


def library_templates():
    return named_templates(LIBRARY)


def public(name: str) -> bool:
    return not name.startswith("netpol._")


@pytest.mark.parametrize("chart", [LIBRARY, *APP_CHARTS[:2]], ids=lambda c: c.name)
def test_every_named_template_is_at_most_forty_lines(chart: Path):
    long = [f"{t.name}: {t.lines} lines" for t in named_templates(chart) if t.lines > MAX_LINES]
    assert not long


def test_each_library_template_lives_in_the_file_named_after_its_group():
    # netpol.policy.build -> _policy.tpl; netpol._peer.urls -> _peer.tpl
    misplaced = []
    for t in library_templates():
        group = t.name.split(".")[1].lstrip("_").lower()
        if t.path.name != f"_{group}.tpl":
            misplaced.append(f"{t.name} in {t.path.name}")
    assert not misplaced


def test_every_public_library_template_shows_its_include_call_in_a_usage_line():
    missing = [t.name for t in library_templates()
               if public(t.name) and not re.search(r'Usage:.*include "' + re.escape(t.name) + '"', t.comment)]
    assert not missing


def test_the_library_readme_lists_exactly_the_public_templates():
    readme = (LIBRARY / "README.md").read_text()
    listed = set(re.findall(r'`(netpol\.[A-Za-z.]+)`', readme))
    names = {t.name for t in library_templates()}
    assert {n for n in names if public(n)} <= listed
    assert not {n for n in listed if n.startswith("netpol.") and n not in names}, "the README names templates that do not exist"


@pytest.mark.parametrize("chart", APP_CHARTS, ids=lambda c: c.name)
def test_application_charts_include_only_public_library_templates(chart: Path):
    text = "".join(p.read_text() for p in (chart / "templates").iterdir() if p.is_file())
    called = set(re.findall(r'include\s+"(netpol\.[^"]+)"', text))
    assert called, "the chart calls the library"
    assert not {n for n in called if not public(n)}


def test_the_peer_types_are_listed_once_and_each_has_its_template():
    text = "".join(p.read_text() for p in (LIBRARY / "templates").iterdir())
    (listing,) = re.findall(r'list ((?:"[A-Za-z0-9]+"\s*)*"hostNetwork"(?:\s+"[A-Za-z0-9]+")*)', text)
    types = re.findall(r'"([A-Za-z0-9]+)"', listing)
    defined = {t.name.removeprefix("netpol._peer.") for t in library_templates() if t.name.startswith("netpol._peer.")}
    # pods and namespaces combine into one selector peer
    assert {("selector" if t in ("pods", "namespaces") else t) for t in types} <= defined


def test_the_label_rule_is_written_once():
    text = "".join(p.read_text() for p in (LIBRARY / "templates").iterdir())
    assert text.count("[-A-Za-z0-9_.]*[A-Za-z0-9]") == 1


# ------------------------------------------------------------- read at a glance
def template_files() -> list[Path]:
    """The templates of the library and the application charts: helpers (.tpl), manifests
    (.yaml) and NOTES.txt, which Helm renders as a template too."""
    return [p for chart in TEMPLATE_CHARTS for p in sorted((chart / "templates").iterdir())
            if p.is_file() and (p.suffix in (".tpl", ".yaml") or p.name == "NOTES.txt")]


def file_id(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.name}"


@pytest.mark.parametrize("path", template_files(), ids=file_id)
def test_no_template_line_is_longer_than_120_characters(path: Path):
    long = [f"{path.name}:{n}: {len(line)} characters"
            for n, line in enumerate(path.read_text().splitlines(), 1) if len(line) > MAX_WIDTH]
    assert not long


OPENS = ("if", "range", "with", "define", "block")
CONTINUES = ("else", "end")  # `else if`, `else with` continue a block too


def misindented(text: str, name: str, helper: bool) -> list[str]:
    """The lines of a template that begin with control flow (in a helper file: with any
    `{{-` action) and are not two spaces deeper than the line that opened the block they
    are in; `else` and `end` line up with that line. At the top level a helper file starts
    at column 0; a manifest or NOTES.txt places a top-level block where the YAML it guards
    needs it. Lines that begin with text or with `{{ ` (no trim) are output, and keep the
    indentation the output needs."""
    wrong = []
    opened: list[int] = []  # indentation of the line that opened each open block
    for action in actions(text, name):
        line_start = text.rfind("\n", 0, action.start) + 1
        prefix = text[line_start:action.start]
        line_indent = len(text[line_start:]) - len(text[line_start:].lstrip(" "))
        word = action.tokens[0].text if action.tokens and action.tokens[0].kind == "ident" else ""
        begins_line = not prefix.strip()
        trimmed = text.startswith("{{-", action.start)
        if begins_line and (word in OPENS + CONTINUES or (helper and trimmed)):
            if word in CONTINUES:
                expected = opened[-1] if opened else 0
            elif opened:
                expected = opened[-1] + 2
            else:
                expected = 0 if helper else None
            if "\t" in prefix or (expected is not None and len(prefix) != expected):
                line = text.count("\n", 0, action.start) + 1
                wrong.append(f"{name}:{line}: indented {len(prefix)}, expected {expected}: {text[action.start:action.end][:60]}")
        if word in OPENS:
            opened.append(line_indent)
        elif word == "end" and opened:
            opened.pop()
    return wrong


@pytest.mark.parametrize("path", template_files(), ids=file_id)
def test_nested_control_flow_is_indented_two_spaces_per_level(path: Path):
    assert not misindented(path.read_text(), path.name, helper=path.name.startswith("_"))


def test_the_indentation_check_finds_an_unindented_nested_line():
    indented = (
        '{{- define "x" -}}\n'
        '  {{- range $i := .items -}}\n'
        '    {{- if $i -}}{{- $_ := $i -}}{{- end -}}\n'
        '    {{- if not $i -}}\n'
        '      {{- fail "empty" -}}\n'
        '    {{- else -}}\n'
        '      {{- $i -}}\n'
        '    {{- end -}}\n'
        '  {{- end -}}\n'
        '{{- end -}}\n'
    )
    assert misindented(indented, "_x.tpl", helper=True) == []
    flat = indented.replace("    {{- if not $i -}}", "{{- if not $i -}}")
    # the unindented `if`, and with it the lines of its block, which are measured from it
    assert [w.split(": ")[0] for w in misindented(flat, "_x.tpl", helper=True)] == [
        "_x.tpl:4", "_x.tpl:5", "_x.tpl:6", "_x.tpl:7", "_x.tpl:8"]
    # a manifest's top-level block follows its YAML; what is nested in it is indented from there
    manifest = (
        "spec:\n"
        "  {{- with .Values.a }}\n"
        "  a:\n"
        "    {{- toYaml . | nindent 4 }}\n"
        "  {{- if .b }}\n"
        "  {{- end }}\n"
        "  {{- end }}\n"
    )
    assert [w.split(": ")[0] for w in misindented(manifest, "m.yaml", helper=False)] == ["m.yaml:5"]


PARAM = re.compile(r"^ +- (\.|[A-Za-z][A-Za-z0-9]*) - [A-Z][A-Za-z|]* - (Required|Optional)\. \S")


def params_block(comment: str) -> list[str] | None:
    """The parameters a template's comment lists under `Params:` ("- name - Type -
    Required|Optional. Meaning", as Bitnami's common chart writes them); ["..."] when the
    Params: line itself says what it takes (`Params: none.`); None without a Params: line."""
    lines = comment.splitlines()
    heads = [i for i, line in enumerate(lines) if line.startswith("Params:")]
    if len(heads) != 1:
        return None
    said = lines[heads[0]].removeprefix("Params:").strip()
    if said:
        return [said]
    params: list[str] = []
    for line in lines[heads[0] + 1:]:
        if PARAM.match(line):
            params.append(line.split(" - ")[0].strip("- "))
        elif not (params and line.startswith("    ") and not line.lstrip().startswith("- ")):
            break  # not a continuation of the parameter above
    return params


@pytest.mark.parametrize("chart", TEMPLATE_CHARTS, ids=lambda c: c.name)
def test_every_named_template_says_what_it_takes_in_a_params_block(chart: Path):
    missing = [t.name for t in named_templates(chart) if not params_block(t.comment)]
    assert not missing
