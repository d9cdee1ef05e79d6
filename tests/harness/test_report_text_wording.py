"""The text report reads forwards (issue 24, item 13): a pair says the ports it names first,
what is allowed before what is denied, and the rest last as "every other probed port"; port
lists are sorted by number, each port with its protocol, ranges kept, in the report and in the
lint messages that list ports; no line is longer than 100 characters, and a long item goes on
in lines indented under it, cut between words only, never inside a name."""
from __future__ import annotations

import re

import pytest
import yaml

from netpol_harness.check.lints import lint
from netpol_harness.report import Report, connectivity_report, render_text

# A monitoring agent that may reach 6080 and 10250 in its namespace, a webhook's ports (a range)
# and DNS (both protocols) in kube-system, and nothing else, its rules listing their ports out of
# order; a workload with a name too long for the column takes it on 10250 alone.
AGENT = [d for d in yaml.safe_load_all("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: agent, namespace: ops}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: c, image: registry.invalid/agent, ports: [{containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: a-workload-whose-name-is-long-enough-to-push-its-line-past-the-width, namespace: ops}
spec:
  selector: {matchLabels: {app: long}}
  template:
    metadata: {labels: {app: long}}
    spec: {containers: [{name: c, image: registry.invalid/long, ports: [{containerPort: 10250}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: agent, namespace: ops}
spec:
  podSelector: {matchLabels: {app: agent}}
  policyTypes: [Egress]
  egress:
  - to: [{podSelector: {}}]
    ports: [{port: 10250}, {port: 6080}]
  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]
    ports: [{port: 9402, endPort: 9403}, {port: 53, protocol: UDP}, {port: 53}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: long, namespace: ops}
spec:
  podSelector: {matchLabels: {app: long}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: agent}}}]
    ports: [{port: 10250}]
""") if d]
AGENT_POD = "ops/agent"
LONG_POD = "ops/a-workload-whose-name-is-long-enough-to-push-its-line-past-the-width"
PROBES = ["10250/TCP", "53/UDP", "9403/TCP", "6080/TCP", "53/TCP", "9402/TCP", "80/TCP", "443/TCP"]
EVERY_OTHER = "every other probed port"


@pytest.fixture(scope="module")
def report() -> Report:
    return connectivity_report(AGENT, PROBES, namespace="ops", workloads=["agent"])


def _item(text: str, starts: str) -> str:
    """The item whose first line starts with `starts`, the lines it goes on in joined to it."""
    lines = text.splitlines()
    k = next(i for i, line in enumerate(lines) if line.startswith(starts))
    item = [lines[k]]
    for line in lines[k + 1:]:
        if len(line) - len(line.lstrip(" ")) <= len(starts) - len(starts.lstrip(" ")) + 2:
            break
        item.append(line.strip())
    return " ".join(item)


def _verdicts(item: str) -> list[tuple[str, str]]:
    """("allowed" | "denied", the ports) of each sentence of a pair's item, in order."""
    return re.findall(r"(allowed|denied) on (every other probed port|every probed port|[0-9A-Z/, -]+?): ", item)


def test_a_pair_says_what_is_allowed_first_then_every_other_probed_port(report: Report) -> None:
    item = _item(render_text(report), "  to   ops/neighbour ")
    assert re.fullmatch(r"  to   ops/neighbour +allowed on 6080/TCP, 10250/TCP: egress: ops/agent egress\[0\]; "
                        r"ingress open; denied on every other probed port: egress denied \(isolated by ops/agent\) "
                        r"\(closest: .*\)", item), item
    assert "every probed port but" not in render_text(report)


def test_a_pair_names_each_denial_by_its_ports_before_every_other_probed_port(report: Report) -> None:
    # The long workload takes the agent on 10250 only: 6080 is denied by its ingress (the agent's
    # egress allows it), the rest by both. The ports named come first, the rest last.
    item = _item(render_text(report), f"  to   {LONG_POD}")
    assert _verdicts(item) == [("allowed", "10250/TCP"), ("denied", "6080/TCP"), ("denied", EVERY_OTHER)], item
    assert "denied on 6080/TCP: ingress denied (isolated by ops/long)" in item


def test_port_lists_are_sorted_and_carry_their_protocols(report: Report) -> None:
    text = render_text(report)
    assert "probes: 53/TCP, 53/UDP, 80/TCP, 443/TCP, 6080/TCP, 9402-9403/TCP, 10250/TCP" in text
    # The policy's rules list their ports out of order; the report sorts them, protocols and ranges kept.
    assert re.search(r"^      \[0\] to all pods in namespace ops, on 6080/TCP, 10250/TCP$", text, re.M), text
    rule = _item(text, "      [1] to ")
    assert rule.endswith(", on 53/TCP, 53/UDP, 9402-9403/TCP"), rule
    dns = _item(text, "  to   kube-system/kube-dns ")
    assert _verdicts(dns) == [("allowed", "53/TCP, 53/UDP, 9402-9403/TCP"), ("denied", EVERY_OTHER)], dns


def test_a_lint_lists_an_open_rules_ports_sorted_with_their_protocols() -> None:
    policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "open", "namespace": "ops"},
              "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"ports": [
                  {"port": 80}, {"port": 6443}, {"port": 443}, {"port": 53, "protocol": "UDP"}, {"port": 53},
                  {"port": 9402, "endPort": 9403}]}]}}
    [why] = [f.why for f in lint([policy]) if f.id == "open-rule"]
    assert why == "no `to` peers: it allows every peer on ports 53/TCP, 53/UDP, 80/TCP, 443/TCP, 6443/TCP, 9402-9403/TCP"


def test_no_line_of_the_text_report_is_longer_than_100_characters(report: Report) -> None:
    lines = render_text(report).splitlines()
    assert [line for line in lines if len(line) > 100] == []
    assert any(len(line) > 90 for line in lines)  # it does fill its lines


def test_a_long_item_goes_on_in_lines_indented_under_it_and_never_cuts_a_name(report: Report) -> None:
    text = render_text(report)
    lines = text.splitlines()
    k = next(i for i, line in enumerate(lines) if line.startswith("  to   ops/neighbour "))
    sentences_at = lines[k].index("allowed on")
    # The item goes on under its sentences, not under the peer's name or the next item.
    assert lines[k + 1].startswith(" " * sentences_at) and lines[k + 1][sentences_at] != " ", lines[k:k + 2]
    # A name too long for the column has a line of its own, what is said of it indented under it.
    k = lines.index(f"  to   {LONG_POD}")
    assert lines[k + 1].startswith(" " * 11 + "allowed on 10250/TCP: ")
    # Lines are cut between words only: no name is split across two lines.
    glued = re.sub(r"\n +", "", text)
    for name in [e.id for e in report.endpoints] + report.policies:
        assert text.count(name) == glued.count(name), name


def test_where_most_ports_are_allowed_the_few_denied_are_named_and_the_rest_said_last() -> None:
    # No "every probed port but ...": the ports named come first, the largest part last.
    from netpol_harness.report import Probe
    from netpol_harness.report.words import ports_in_order

    universe = [Probe(53, "UDP"), Probe(53, "TCP"), Probe(80), Probe(443)]
    allowed, denied = universe[1:], universe[:1]
    assert ports_in_order([allowed, denied], universe) == [(1, "53/UDP"), (0, "every other probed port")]
    assert ports_in_order([universe], universe) == [(0, "every probed port")]
    # Parts that do not hold every probe (a profile's verdicts where profiles differ) name their ports.
    assert ports_in_order([universe[2:]], universe) == [(0, "80/TCP, 443/TCP")]


def test_a_verdicts_closest_miss_lists_the_rules_ports_sorted_with_their_protocols():
    from netpol_harness.assertions import build_network

    policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "out", "namespace": "ops"},
              "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"ports": [
                  {"port": 443}, {"port": 53, "protocol": "UDP"}, {"port": 9402, "endPort": 9403}, {"port": 53}]}]}}
    net = build_network([policy], default_namespace="ops", externals=["192.0.2.1"])
    net.add_pod("ops", "agent", {"app": "agent"})
    explanation = net.verdict("ops/agent", "ip:192.0.2.1", 8080).explain()
    assert "53/TCP, 53/UDP, 443/TCP, 9402-9403/TCP" in explanation, explanation
