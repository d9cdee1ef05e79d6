"""The connectivity report (`netpol report`) on a small hand-written shop.

Namespace `shop` denies all ingress by default. frontend takes anyone on its named port
http (8080) and may send only to backend on "api" (9000) and to kube-dns on 53/UDP (not
TCP: a classic mistake the report must show). backend takes frontend on "api" and may send
only to db on 5432 and to 203.0.113.7 on 443. db takes backend on 5432; its egress is open.
"""
from __future__ import annotations

import argparse
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from netpol_harness.report import Probe, Report, connectivity_report, demo_probes, render_html, render_mermaid, render_text

SHOP = yaml.safe_load_all("""
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: retail}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: frontend, namespace: shop}
spec:
  selector: {matchLabels: {app: frontend}}
  template:
    metadata: {labels: {app: frontend}}
    spec: {containers: [{name: web, image: registry.invalid/web, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: backend, namespace: shop}
spec:
  selector: {matchLabels: {app: backend}}
  template:
    metadata: {labels: {app: backend}}
    spec: {containers: [{name: api, image: registry.invalid/api, ports: [{name: api, containerPort: 9000}]}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: pg, image: registry.invalid/pg, ports: [{containerPort: 5432}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: frontend, namespace: shop}
spec:
  podSelector: {matchLabels: {app: frontend}}
  policyTypes: [Ingress, Egress]
  ingress:
  - ports: [{port: http}]
  egress:
  - to: [{podSelector: {matchLabels: {app: backend}}}]
    ports: [{port: api}]
  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
    ports: [{port: 53, protocol: UDP}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: backend, namespace: shop}
spec:
  podSelector: {matchLabels: {app: backend}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: frontend}}}]
    ports: [{port: api}]
  egress:
  - to: [{podSelector: {matchLabels: {app: db}}}]
    ports: [{port: 5432}]
  - to: [{ipBlock: {cidr: 203.0.113.7/32}}]
    ports: [{port: 443}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: backend}}}]
    ports: [{port: 5432}]
""")
SHOP = [d for d in SHOP if d]

FRONTEND, BACKEND, DB = "shop/frontend", "shop/backend", "shop/db-0"
KUBE_DNS, OTHER, NEIGHBOUR = "kube-system/kube-dns", "elsewhere/pod", "shop/neighbour"


@pytest.fixture(scope="module")
def report() -> Report:
    return connectivity_report(SHOP, title="shop")


def verdict(report: Report, src: str, dst: str, probe: str) -> tuple[bool, str]:
    row = report.row(src, dst, probe)
    return row.allowed, row.by


def test_default_probes_are_the_ports_policies_and_containers_mention_plus_dns_and_https() -> None:
    probes = {str(p) for p in demo_probes(SHOP)}
    # Named ports http/api resolve to 8080/9000; DNS both ways; 443 from the ipBlock rule.
    assert probes == {"53/UDP", "53/TCP", "443/TCP", "5432/TCP", "8080/TCP", "9000/TCP"}


def test_report_adds_kube_dns_other_pods_and_the_addresses_the_policies_name(report: Report) -> None:
    assert {KUBE_DNS, OTHER, NEIGHBOUR, "ip:1.1.1.1", "ip:203.0.113.7"} <= set(report.added_peers)
    assert [w.workload for w in report.workloads] == [FRONTEND, BACKEND, DB]  # only the manifests' own pods


def test_frontend_reaches_backend_on_its_named_api_port_by_both_policies(report: Report) -> None:
    allowed, by = verdict(report, FRONTEND, BACKEND, "9000/TCP")
    assert allowed
    assert by == "egress: shop/frontend egress[0]; ingress: shop/backend ingress[0]"
    assert verdict(report, FRONTEND, BACKEND, "8080/TCP")[0] is False


def test_frontend_dns_rule_allows_udp_but_not_tcp(report: Report) -> None:
    assert verdict(report, FRONTEND, KUBE_DNS, "53/UDP") == (True, "egress: shop/frontend egress[1]; ingress open")
    allowed, by = verdict(report, FRONTEND, KUBE_DNS, "53/TCP")
    assert not allowed
    assert by == "egress denied (isolated by shop/frontend)"


def test_anyone_reaches_frontend_on_http_but_not_backend_or_db(report: Report) -> None:
    assert verdict(report, OTHER, FRONTEND, "8080/TCP")[0] is True
    assert verdict(report, "ip:1.1.1.1", FRONTEND, "8080/TCP")[0] is True
    assert verdict(report, OTHER, BACKEND, "9000/TCP") == (False, "ingress denied (isolated by shop/default-deny, shop/backend)")
    assert verdict(report, FRONTEND, DB, "5432/TCP")[0] is False  # frontend's egress has no db rule


def test_backend_reaches_db_and_the_named_outside_address_and_nothing_else(report: Report) -> None:
    assert verdict(report, BACKEND, DB, "5432/TCP") == (True, "egress: shop/backend egress[0]; ingress: shop/db ingress[0]")
    assert verdict(report, BACKEND, "ip:203.0.113.7", "443/TCP") == (True, "egress: shop/backend egress[1]")
    assert verdict(report, BACKEND, "ip:1.1.1.1", "443/TCP")[0] is False
    assert verdict(report, BACKEND, KUBE_DNS, "53/UDP")[0] is False


def test_db_egress_is_open_because_no_policy_selects_it_for_egress(report: Report) -> None:
    db = next(w for w in report.workloads if w.workload == DB)
    assert db.egress_policies == ()
    assert db.ingress_policies == ("shop/default-deny", "shop/db")
    assert all(row.allowed for row in db.outgoing if row.dst.startswith("ip:"))


def test_text_report_says_each_pair_on_one_line_with_one_explanation_for_all_its_denied_ports(report: Report) -> None:
    text = render_text(report)
    # The pair's item: its line and the lines it goes on in, indented under it.
    item = re.search(r"^  to   kube-system/kube-dns .*(?:\n {10,}\S.*)*", text, re.M).group()
    line = re.sub(r"\n +", " ", item)
    assert re.fullmatch(
        r"  to   kube-system/kube-dns +allowed on 53/UDP: egress: shop/frontend egress\[1\]; ingress open; "
        r"denied on every other probed port: egress denied \(isolated by shop/frontend\) "
        r"\(closest: shop/frontend egress\[1\]: right peer, wrong protocol: .*\)", line)
    assert line.count("closest:") == 1
    assert "## shop/frontend (Deployment/frontend)" in text


def test_text_report_writes_peers_with_the_same_verdict_on_one_line(report: Report) -> None:
    text = render_text(report)
    # Nothing may reach backend but frontend: every other peer shares one line.
    backend = text.split("## shop/backend", 1)[1].split("## ", 1)[0]
    shared = re.search(r"^  from (\d+) peers \(([^)]*)\):\n +denied on every probed port: ingress denied "
                       r"\(isolated by shop/default-deny, shop/backend\)$", backend, re.M)
    assert shared, backend
    peers = " ".join(shared.group(2).split()).split(", ")  # the list goes on in lines under its first peer
    assert OTHER in peers and FRONTEND not in peers
    assert int(shared.group(1)) == len(peers)


def test_text_report_describes_every_policy_in_words(report: Report) -> None:
    text = render_text(report)
    assert "shop/default-deny selects every pod in namespace shop.\n    Ingress: denies everything (isolates, no rules)." in text
    assert "      [1] to ipBlock 203.0.113.7/32, on 443/TCP" in text


def _mermaid_edges(source: str) -> dict[tuple[str, str], str]:
    names = dict(re.findall(r'^  (n\d+)\S*?"([^"]+)"', source, re.M))
    return {(names[a], names[b]): label for a, label, b in re.findall(r'^  (n\d+) -->\|"([^"]*)"\| (n\d+)$', source, re.M)}


def test_mermaid_graph_has_an_edge_per_allowed_pair_labelled_with_its_ports(report: Report) -> None:
    edges = _mermaid_edges(render_mermaid(report))
    assert edges[(FRONTEND, BACKEND)] == "9000/TCP"
    assert edges[(FRONTEND, KUBE_DNS)] == "53/UDP"
    assert edges[(BACKEND, DB)] == "5432/TCP"
    assert edges[(BACKEND, "ip:203.0.113.7")] == "443/TCP"
    assert edges[(OTHER, FRONTEND)] == "8080/TCP"
    assert (FRONTEND, DB) not in edges and (OTHER, BACKEND) not in edges and (BACKEND, KUBE_DNS) not in edges


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_page_is_self_contained_with_a_matrix_and_every_explanation(report: Report) -> None:
    page = render_html(report)
    parser = _Tags()
    parser.feed(page)
    names = [t for t, _ in parser.tags]
    assert "link" not in names and "img" not in names and "iframe" not in names
    assert all("src" not in attrs for tag, attrs in parser.tags if tag == "script"), "scripts are inline"
    for _, attrs in parser.tags:
        for key in ("src", "href"):
            assert not str(attrs.get(key) or "").lower().startswith(("http:", "https:", "//")), attrs
    assert not re.search(r"url\((?!#)", page), "CSS must not fetch anything"
    assert not re.search(r"fetch\(|XMLHttpRequest|import\(", page), "the script must not fetch anything"
    cells = [attrs for tag, attrs in parser.tags if tag == "td" and "data-cell" in attrs]
    assert len(cells) == len(report.cells)
    titles = {attrs["title"] for attrs in cells}
    assert f"{FRONTEND} to {BACKEND}: allowed on 9000/TCP" in titles
    assert f"{OTHER} to {BACKEND}: denied on every probed port" in titles
    data = json.loads(re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S).group(1))
    explained = {data["texts"][k[0]]: [data["texts"][i] for i in k[1:]] for k in data["cells"].values()}
    assert explained[f"{BACKEND} \u2192 ip:203.0.113.7"][0] == "allowed on 443/TCP: egress: shop/backend egress[1]"
    assert "shop/default-deny selects every pod in namespace shop." in "".join(parser.text)


def test_report_can_be_limited_to_one_workload_and_given_probes() -> None:
    only = connectivity_report(SHOP, ["53/TCP", (53, "UDP")], workloads=["frontend"])
    assert [w.workload for w in only.workloads] == [FRONTEND]
    assert only.probes == (Probe(53, "TCP"), Probe(53, "UDP"))


def test_cli_renders_a_chart_with_helm_and_writes_the_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from netpol_harness.cli import report as cli
    from netpol_harness.helm.binary import HelmNotFound, helm_binary

    try:
        helm_binary()
    except HelmNotFound as exc:
        pytest.skip(str(exc))
    chart = tmp_path / "shop"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: shop\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("dnsProtocol: UDP\n")
    # The chart renders the shop with its DNS protocol from values; a --set flips it.
    manifests = yaml.safe_dump_all([d for d in SHOP if d["kind"] != "Namespace"], sort_keys=False)
    manifests = manifests.replace("protocol: UDP", "protocol: {{ .Values.dnsProtocol }}").replace("namespace: shop", "namespace: {{ .Release.Namespace }}")
    (chart / "templates" / "shop.yaml").write_text(manifests)
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    out = tmp_path / "out"
    args = parser.parse_args([str(chart), "--namespace", "shop", "--set", "dnsProtocol=TCP", "--port", "53/TCP", "--port", "53/UDP",
                              "--workload", "frontend", "--out", str(out)])
    assert cli.run(args) == 0
    text = capsys.readouterr().out
    items = re.sub(r"\n {10,}", " ", text)  # each pair on one line again
    assert re.search(r"^  to   kube-system/kube-dns +allowed on 53/TCP: .*; denied on 53/UDP: ", items, re.M)
    page = (out / "report.html").read_text()
    assert 'title="shop/frontend to kube-system/kube-dns: allowed on 53/TCP"' in page
    assert (out / "graph.mmd").read_text().startswith("flowchart LR")


def test_a_denial_carries_the_closest_miss_and_the_html_shows_it() -> None:
    only = connectivity_report(SHOP, ["53/TCP"], workloads=["frontend"])
    row = next(r for r in only.workloads[0].outgoing if r.dst == KUBE_DNS)
    assert not row.allowed
    assert row.detail == "closest: shop/frontend egress[1]: right peer, wrong protocol: the rule allows 53/UDP but the connection is 53/TCP"
    assert "right peer, wrong protocol" in render_html(only)


@pytest.mark.parametrize("bad", [["--port", "70000"], ["--port", "53/ICMP"], ["--external", "not-an-ip"]])
def test_cli_refuses_bad_probes_and_addresses_before_rendering(bad: list[str], tmp_path: Path) -> None:
    from netpol_harness.cli import report as cli

    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    assert cli.run(parser.parse_args([str(tmp_path / "no-such-chart"), *bad])) == 2


def _run_report(*argv: str) -> int:
    from netpol_harness.cli import report as cli

    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return cli.run(parser.parse_args(list(argv)))


def test_cli_names_a_missing_values_file_and_a_half_chart_half_file_diff(tmp_path: Path, capsys) -> None:
    chart = tmp_path / "c"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (tmp_path / "v.yaml").write_text("{}\n")
    assert _run_report(str(chart), "-f", str(tmp_path / "missing.yaml")) == 2
    assert _run_report("--diff", str(chart), str(tmp_path / "v.yaml")) == 2
    err = capsys.readouterr().err
    assert "no such values file" in err and "two chart directories or two values files, not one of each" in err


@pytest.mark.helm
def test_cli_says_a_policy_the_api_server_would_refuse_cannot_be_judged(tmp_path: Path, capsys, default_helm) -> None:
    chart = tmp_path / "c"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (chart / "templates" / "p.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\n"
        "spec: {podSelector: {matchExpressions: [{key: a, operator: Bogus}]}}\n")
    assert _run_report(str(chart), "--helm", default_helm) == 2  # bad input (README: exit codes)
    assert "would refuse this policy" in capsys.readouterr().err
