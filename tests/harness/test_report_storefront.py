"""The report at scale, on the storefront test chart (twenty workloads in three namespaces,
sixteen policies): every rule has a witness on each side, and the HTML page works in a real
browser (Debian's chromium, driven by Playwright): no console errors, nothing fetched, a
click explains a cell, the filter hides rows, the keyboard moves and explains, the focus
view shows one workload, and the matrix fits a 1400-pixel-wide window."""
from __future__ import annotations

from pathlib import Path

import pytest

from netpol_harness.helm.template import render
from netpol_harness.net import Peer
from netpol_harness.project import root as repo_root
from netpol_harness.report import Report, build_cluster, connectivity_report, render_html, render_text
from netpol_harness.report.witness import admits

STOREFRONT = repo_root() / "tests" / "data" / "harness" / "charts" / "storefront"
NAMESPACES = ("shop", "monitoring", "edge")


@pytest.fixture(scope="module")
def objects(default_helm: str) -> list[dict]:
    result = render(STOREFRONT, helm=default_helm)
    assert result.ok, result.stderr
    return result.objects


@pytest.fixture(scope="module")
def report(objects) -> Report:
    return connectivity_report(objects, title="storefront")


def test_the_chart_runs_twenty_workloads_in_three_namespaces(report: Report):
    controllers = {(wl.workload.split("/")[0], wl.controller) for wl in report.workloads if wl.kind == "workload"}
    assert len(controllers) >= 15
    assert {ns for ns, _ in controllers} == set(NAMESPACES)


def test_every_peer_of_every_rule_has_a_pod_it_admits_and_an_outsider_it_refuses(objects):
    cluster, _, added = build_cluster(objects)
    for policy in cluster.policies:
        for direction, rules in (("ingress", policy.ingress), ("egress", policy.egress)):
            for k, rule in enumerate(rules):
                for j, peer in enumerate(rule.peers):
                    if peer.ip_block is not None:
                        continue
                    where = f"{policy.id} {direction}[{k}] peer {j}"
                    assert any(admits(peer, policy, p.namespace, p.labels, cluster) for p in cluster.pods), where
                    if _admits_everything(peer):
                        continue
                    outsiders = [cluster.pod(w.id) for w in added if f"outsider of {where}:" in w.why]
                    assert outsiders, f"no outsider for {where}"
                    assert not any(admits(p, policy, o.namespace, o.labels, cluster) for o in outsiders for p in rule.peers)


def _admits_everything(peer: Peer) -> bool:
    return (peer.pod_selector is None or peer.pod_selector.is_empty) and (
        peer.namespace_selector is not None and peer.namespace_selector.is_empty)


def test_the_text_writes_one_line_per_pair_or_one_for_peers_that_share_a_verdict(report: Report):
    text = render_text(report)
    pair_lines = [l for l in text.splitlines() if l.startswith(("  to ", "  from "))]
    pairs = sum(len(wl.outgoing) + len(wl.incoming) for wl in report.workloads) // len(report.probes)
    assert len(pair_lines) < pairs / 3  # twenty workloads read in a few hundred lines
    assert all(l.count("closest:") <= len([p for p in l.split("; denied on ")]) for l in pair_lines)


# --------------------------------------------------------------------------- in the browser


@pytest.fixture(scope="module")
def page_file(report: Report, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("storefront") / "report.html"
    path.write_text(render_html(report))
    return path


def test_the_page_loads_without_console_errors_and_fetches_nothing(page, page_file: Path):
    assert page.locator("#matrix td.c").count() > 1000
    assert page.errors == []
    assert page.requests == [page_file.as_uri()]


def test_clicking_a_cell_shows_its_explanation(page):
    page.click('tr[data-name="shop/web"] td[title^="shop/web to shop/cart:"]')
    text = page.inner_text("#explanation")
    assert text.startswith("shop/web \u2192 shop/cart")
    assert "allowed on 8080/TCP: egress: shop/web egress[0]; ingress: shop/api ingress[0]" in text
    assert "denied on every other probed port" in text


def test_the_filter_hides_every_row_that_does_not_match(page, report: Report):
    page.fill("#filter", "monitoring/")
    visible = page.locator("#matrix tbody tr[data-name]:visible")
    names = [visible.nth(k).get_attribute("data-name") for k in range(visible.count())]
    assert names and all(n.startswith("monitoring/") for n in names)
    assert len(names) == len([e for e in report.endpoints if e.namespace == "monitoring"])
    assert page.locator('tr.nsrow:visible').count() == 1
    page.fill("#filter", "")
    page.check("#show-added")  # the endpoints the report added are folded by default
    assert page.locator("#matrix tbody tr[data-name]:visible").count() == len(report.endpoints)


def test_the_matrix_fits_a_1400_pixel_window(page):
    assert page.viewport_size["width"] == 1400
    box = page.locator("#matrix").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1400
    assert page.evaluate("document.documentElement.scrollWidth") <= 1400


def test_the_keyboard_moves_between_cells_and_explains_them(page):
    first = page.locator('#matrix td.c[tabindex="0"]')
    first.focus()
    start = first.get_attribute("title")
    assert page.inner_text("#hover") == start  # focus shows the ports, as hover does
    page.keyboard.press("ArrowRight")
    moved = page.evaluate("document.activeElement.title")
    assert moved != start and moved.split(" to ")[0] == start.split(" to ")[0]  # same row
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    below = page.evaluate("document.activeElement.title")
    assert page.inner_text("#explanation h3") == below.split(":")[0].replace(" to ", " \u2192 ")


def test_the_focus_view_shows_one_workload_and_marks_its_row_and_column(page):
    page.select_option("#focus", label="shop/payments")
    shown = page.locator("section.focus:visible")
    assert shown.count() == 1 and shown.get_attribute("data-workload") == "shop/payments"
    assert "ip:1.1.1.1 on 443/TCP" in shown.inner_text()
    assert page.locator('tr.hl-row[data-name="shop/payments"]').count() == 1
    assert page.locator('th.col.hl-col[title="shop/payments"]').count() == 1


def test_on_paper_every_workload_is_written_out_and_the_controls_are_gone(page, report: Report):
    page.select_option("#focus", label="shop/payments")
    page.emulate_media(media="print")
    assert page.locator("section.focus:visible").count() == len(report.workloads)
    assert not page.locator("#filter").is_visible()


def test_after_filtering_the_keyboard_still_reaches_a_visible_cell(page):
    page.fill("#filter", "edge/")
    focusable = page.locator('#matrix td.c[tabindex="0"]')
    assert focusable.count() == 1 and focusable.is_visible()


def test_names_that_look_like_html_cannot_break_the_page(chromium, tmp_path):
    tricky = "x<!--<script>"
    objects = [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db", "namespace": "shop", "labels": {"role": tricky}}},
               {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "p", "namespace": "shop"},
                "spec": {"podSelector": {"matchLabels": {"role": tricky}}, "policyTypes": ["Ingress"],
                         "ingress": [{"from": [{"podSelector": {"matchLabels": {"role": "</script><b>"}}}]}]}}]
    path = tmp_path / "tricky.html"
    path.write_text(render_html(connectivity_report(objects, ["80/TCP"], namespace="shop")))
    tab = chromium.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.goto(path.as_uri())
    assert tab.evaluate("document.scripts.length") == 2 and errors == []
    tab.click('tr[data-name="shop/db"] td.c >> nth=0')
    assert tab.inner_text("#explanation h3").startswith("shop/db \u2192 ")
    tab.close()
