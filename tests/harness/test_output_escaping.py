"""Names come from manifests anyone may write: a terminal escape, a BEL or a newline in one
is shown in the output (as `\\x1b`, `\\x07`, `\\n`), never obeyed; JUnit XML stays parseable
and the Mermaid graph keeps one statement per line. And a rule open to `0.0.0.0/0` or `::/0`
on every port is an error, as a rule without peers is."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from netpol_harness.check.lints import Finding, lint
from netpol_harness.expect import Outcome, junit_xml
from netpol_harness.report import connectivity_report, diff_objects, render_diff_text, render_mermaid, render_text
from netpol_harness.textsafe import mermaid_label, visible, xml_escape

ESC_TITLE = "\x1b]0;owned\x07\x1b[31m"  # retitles the window, rings the bell, turns the text red
FORGED = "\n  click n0 href 'javascript:alert(1)'\nok  forged"
CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


def deployment(name: str, app: str) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "shop"},
            "spec": {"selector": {"matchLabels": {"app": app}}, "template": {
                "metadata": {"labels": {"app": app}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}}


def policy(name: str, spec: dict, namespace: str = "shop") -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def shop(web: str = "web", db: str = "db", deny: str = "db-ingress") -> list[dict]:
    """web may reach db on 5432; db takes nothing else. The names are the test's to poison."""
    return [deployment(web, "web"), deployment(db, "db"),
            policy(deny, {"podSelector": {"matchLabels": {"app": "db"}}, "policyTypes": ["Ingress"],
                          "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}],
                                       "ports": [{"port": 5432}]}]})]


POISONED = {"web": "web" + ESC_TITLE, "db": "db" + FORGED, "deny": "deny" + "\x1b[2J" + FORGED}


# --------------------------------------------------------------------------- textsafe


def test_visible_writes_out_control_characters_and_leaves_other_text_alone():
    assert visible("a\x1b[31mb\x07\n\r\t\x7f\x9b") == "a\\x1b[31mb\\x07\\n\\r\\t\\x7f\\x9b"
    assert visible("rtl\u202eevil\u2028next") == "rtl\\u202eevil\\u2028next"
    assert visible("shop/wéb → ip:2001:db8::1 {app=web}") == "shop/wéb → ip:2001:db8::1 {app=web}"


def test_xml_escape_makes_what_xml_cannot_hold_visible_and_keeps_tabs_and_newlines():
    text = xml_escape('a<b & "c"\x1b\x07\ud800\n\tz')
    assert text == 'a&lt;b &amp; &quot;c&quot;\\x1b\\x07\\ud800\n\tz'
    assert ET.fromstring(f'<x a="{text}">{text}</x>').text == 'a<b & "c"\\x1b\\x07\\ud800\n\tz'


def test_a_mermaid_label_is_one_line_and_cannot_end_its_quotes():
    label = mermaid_label('a"]\n  click n0 href "javascript:x"\n`**md**` <img> #quot;')
    assert "\n" not in label and '"' not in label and "`" not in label and "<" not in label
    assert label.startswith("a#quot;]\\n  click")
    assert label.endswith("#35;quot;")


# --------------------------------------------------------------------------- JUnit


def test_an_escape_or_bell_in_a_name_leaves_the_junit_xml_parseable_and_shows_them():
    outcomes = [Outcome("case" + ESC_TITLE, "web -> db" + FORGED, False, "denied\x1b[2J\nby shop/deny\x00"),
                Outcome("ok-case", "web -> db", True)]
    suite = ET.fromstring(junit_xml("suite\x1b", outcomes))
    assert suite.get("name") == "suite\\x1b" and suite.get("tests") == "2" and suite.get("failures") == "1"
    first = suite.findall("testcase")[0]
    assert first.get("classname") == "suite\\x1b.case\\x1b]0;owned\\x07\\x1b[31m"
    failure = first.find("failure")
    assert failure is not None and failure.text == "denied\\x1b[2J\nby shop/deny\\x00"
    assert failure.get("message") == "denied\\x1b[2J"


# --------------------------------------------------------------------------- the text report


def test_the_text_report_shows_terminal_escapes_instead_of_sending_them():
    text = render_text(connectivity_report(shop(**POISONED), [5432]))
    assert not CONTROLS.search(text.replace("\n", ""))  # no control character but the line breaks
    assert "shop/web\\x1b]0;owned\\x07\\x1b[31m" in text
    assert "deny\\x1b[2J\\n  click n0" in text


def test_a_newline_in_a_name_cannot_forge_a_line_of_the_text_report(monkeypatch):
    import netpol_harness.report.text
    # Escaped names are longer: no wrapping, no line of their own, so only a forged line could add one.
    monkeypatch.setattr(netpol_harness.report.text, "WIDTH", 10**6)
    monkeypatch.setattr(netpol_harness.report.text, "NAME_COLUMN", 10**6)
    clean = render_text(connectivity_report(shop(), [5432])).splitlines()
    poisoned = render_text(connectivity_report(shop(**POISONED), [5432])).splitlines()
    assert len(poisoned) == len(clean)
    assert not [line for line in poisoned if line.startswith(("ok  forged", "  click"))]


def test_the_diff_text_shows_a_poisoned_name_on_its_own_line():
    before = shop(**POISONED)
    after = before[:2] + [policy(POISONED["deny"], {"podSelector": {"matchLabels": {"app": "db"}},
                                                   "policyTypes": ["Ingress"]})]
    text = render_diff_text(diff_objects(before, after, namespace="shop", probes=[5432]))
    assert "\x1b" not in text and "\x07" not in text
    assert not [line for line in text.splitlines() if line.startswith(("ok  forged", "  click"))]
    assert "- shop/web\\x1b]0;owned\\x07\\x1b[31m -> shop/db\\n  click" in text


def test_a_finding_prints_as_one_line_whatever_the_names_hold():
    line = str(Finding("open-rule", "error", "NetworkPolicy/p" + ESC_TITLE + FORGED, "spec.ingress[0]", "why\x07"))
    assert "\n" not in line and not CONTROLS.search(line)
    assert line.endswith("NetworkPolicy/p\\x1b]0;owned\\x07\\x1b[31m\\n  click n0 href 'javascript:alert(1)'"
                         "\\nok  forged spec.ingress[0]: why\\x07")


# --------------------------------------------------------------------------- the Mermaid graph


def test_a_name_cannot_add_statements_to_the_mermaid_graph():
    report = connectivity_report(shop(**POISONED), [5432])
    lines = render_mermaid(report).splitlines()
    nodes = {n for edge in report.edges() for n in edge} | {w.workload for w in report.workloads}
    # flowchart, one line per node, one per edge, classDef and class: nothing else.
    assert len(lines) == 1 + len(nodes) + len(report.edges()) + 2
    statement = re.compile(r'^(flowchart LR|  n\d+(\["[^"\n]*"\]|\("[^"\n]*"\)|\(\["[^"\n]*"\]\))'
                           r'|  n\d+ -\.?->\|"[^"\n]*"\| n\d+|  classDef workload .*|  class [n\d,]+ workload)$')
    assert [line for line in lines if not statement.match(line)] == []
    assert '  n0["shop/web\\x1b]0;owned\\x07\\x1b[31m"]' in lines
    assert not CONTROLS.search("".join(lines))


# --------------------------------------------------------------------------- open-cidr-rule


WEB = deployment("web", "web")


def open_cidr(rule: dict, direction: str = "egress") -> list[tuple[str, str, str, str]]:
    p = policy("p", {"podSelector": {}, "policyTypes": [direction.capitalize()], direction: [rule]}, "default")
    web = {**WEB, "metadata": {"name": "web"}}
    return [(f.id, f.severity, f.path, f.why) for f in lint([web, p]) if f.id == "open-cidr-rule"]


@pytest.mark.parametrize("direction, key, cidr, family", [
    ("egress", "to", "0.0.0.0/0", "IPv4"), ("ingress", "from", "::/0", "IPv6")])
def test_a_rule_open_to_every_address_on_every_port_is_an_error_like_an_open_rule(direction, key, cidr, family):
    assert open_cidr({key: [{"ipBlock": {"cidr": cidr}}]}, direction) == [
        ("open-cidr-rule", "error", f"spec.{direction}[0]",
         f"`{key}` ipBlock {cidr} without ports: it allows every {family} address on every port, outside the "
         f"cluster too; narrow the CIDR or name the ports")]


def test_both_families_in_one_rule_are_one_finding_naming_both():
    [(_, _, _, why)] = open_cidr({"to": [{"ipBlock": {"cidr": "::/0"}}, {"podSelector": {}},
                                         {"ipBlock": {"cidr": "0.0.0.0/0"}}, {"ipBlock": {"cidr": "0.0.0.0/0"}}]})
    assert why.startswith("`to` ipBlock ::/0 and 0.0.0.0/0 without ports: it allows every IPv6 and IPv4 address")


@pytest.mark.parametrize("rule", [
    {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"port": 443}]},
    {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}}]},
    {"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}, {"ipBlock": {"cidr": "::/1"}}]},
], ids=["with ports", "with except", "narrower"])
def test_a_cidr_rule_with_ports_an_except_or_a_prefix_is_not_open(rule):
    assert open_cidr(rule) == []


def test_an_api_server_cidr_of_every_address_is_reported_by_validate(default_helm):
    from netpol_harness.assertions.render import render_valid
    from netpol_harness.project import root

    result = render_valid(root() / "charts" / "job-executor-service", release="test", set_values=[
        "networkPolicy.egress.enabled=true", "networkPolicy.egress.k8sMasterCIDR=0.0.0.0/0"])
    found = [(f.id, f.severity, f.object) for f in lint(result.objects) if f.id == "open-cidr-rule"]
    assert found == [("open-cidr-rule", "error", "NetworkPolicy/test-job-executor-service-egress")]
