"""The HTML matrix at fifty endpoints (issue 24, item 14), on the storefront test chart
(twenty workloads, 51 endpoints) and on wide-matrix (33 workload pods whose names share
long prefixes, as kyverno's do; 54 endpoints), in Debian's chromium driven by Playwright:

* a click is explained in a panel beside the matrix, in view where the click happened;
* the header row and column stay in view while the matrix scrolls;
* every header carries its full name on hover, and the shortened names stay distinct;
* the endpoints the report added are folded into one row and one column, and unfold;
* the page is titled from Chart.yaml and the values files' names.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from netpol_harness.helm.template import render
from netpol_harness.project import root as repo_root
from netpol_harness.report import Report, connectivity_report, render_html
from netpol_harness.report.labels import abbreviate, chart_title, namespace_labels
from netpol_harness.report.matrix import LABEL_LIMIT, folded

CHARTS = {"storefront": repo_root() / "tests" / "data" / "harness" / "charts" / "storefront",
          "wide-matrix": repo_root() / "tests" / "data" / "charts" / "wide-matrix"}
KYVERNO = ["kyverno-admission-controller-gpr86w6gjf-lqb4z", "kyverno-admission-controller-gpr86w6gjf-hf7jx",
           "kyverno-cleanup-controller", "kyverno-cleanup-admission-reports", "kyverno-cleanup-cluster-admission-reports",
           "kyverno-cleanup-ephemeral-reports", "kyverno-cleanup-cluster-ephemeral-reports", "kyverno-reports-controller",
           "kyverno-cleanup-update-requests", "kyverno-background-controller"]


# --------------------------------------------------------------------------- names and titles


@pytest.mark.parametrize("limit", [20, 24, 28])
def test_shortened_names_stay_distinct_and_keep_the_tail_that_tells_them_apart(limit):
    labels = abbreviate(KYVERNO, limit)
    assert len(set(labels.values())) == len(KYVERNO)
    assert all(len(label) <= limit for label in labels.values())
    assert not any(label.endswith("\u2026") for label in labels.values())  # the tail is kept, not the prefix


def test_the_names_kyverno_reads_as_its_distinguishing_tails():
    labels = abbreviate(KYVERNO, LABEL_LIMIT)
    assert labels["kyverno-cleanup-cluster-admission-reports"] == "\u2026cluster-admission-reports"
    assert labels["kyverno-cleanup-admission-reports"] == "\u2026cleanup-admission-reports"
    assert labels["kyverno-admission-controller-gpr86w6gjf-lqb4z"] == "\u2026admission-controller\u2026lqb4z"
    assert labels["kyverno-cleanup-controller"] == "kyverno-cleanup-controller"  # it fits


def test_namespace_headers_are_distinct_and_keep_their_last_word():
    labels = namespace_labels({"kyverno": 40, "kyverno-reporting": 40, "kube-observability": 40, "kube-system": 20,
                               "elsewhere": 20, "edge": 20})
    assert len(set(labels.values())) == len(labels)
    assert labels["kyverno-reporting"] == "\u2026reporting" and labels["kube-system"] == "\u2026system"
    assert all(len(label) >= 4 for label in labels.values())  # never "k.."


def test_the_title_is_chart_yaml_s_name_and_version_and_the_values_files_names(tmp_path):
    chart = tmp_path / "chart"  # a folder name that says nothing
    shutil.copytree(CHARTS["wide-matrix"], chart)
    values = tmp_path / "ci" / "prod-values.yaml"
    title = chart_title(chart.resolve(), [values.resolve(), "other.yaml"], release="rel", namespace="ops")
    assert title == "wide-matrix 0.3.0 (prod-values.yaml, other.yaml; release rel in ops)"
    assert str(tmp_path) not in title and "chart " not in title
    assert chart_title(chart) == "wide-matrix 0.3.0 (chart defaults)"


# --------------------------------------------------------------------------- in the browser


@pytest.fixture(scope="module", params=sorted(CHARTS))
def report(request, default_helm: str) -> Report:
    chart = CHARTS[request.param]
    result = render(chart, helm=default_helm)
    assert result.ok, result.stderr
    return connectivity_report(result.objects, title=chart_title(chart, [chart / "values.yaml"]))


@pytest.fixture(scope="module")
def page_file(report: Report, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("matrix") / "report.html"
    path.write_text(render_html(report))
    return path


def _box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def test_the_report_has_fifty_endpoints_or_more(report: Report):
    assert len(report.endpoints) >= 50 and len(report.workloads) >= 20


def test_a_click_low_in_the_matrix_is_explained_beside_it_in_view(page):
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.evaluate("document.querySelector('.matrix-wrap').scrollIntoView()")
    page.evaluate("var w = document.querySelector('.matrix-wrap'); w.scrollTop = w.scrollHeight")
    cells = page.locator("#matrix tbody tr[data-name] td.c:visible")
    cell = cells.nth(cells.count() - 3)
    name = cell.get_attribute("title").split(":")[0].replace(" to ", " \u2192 ")
    cell.click()
    at, panel = cell.bounding_box(), _box(page, "#explanation")
    assert page.inner_text("#explanation h3") == name
    assert 0 <= panel["y"] < 1000 and panel["y"] + 40 < 1000  # its top and heading are in the window
    assert panel["x"] >= at["x"] + at["width"]  # beside the matrix, to its right
    assert abs(panel["y"] - at["y"]) < 1000 - 40


def test_in_a_narrow_window_the_explanation_is_a_sheet_in_view(page):
    page.set_viewport_size({"width": 800, "height": 700})
    assert not page.locator("#explanation").is_visible()  # nothing to cover the page with yet
    page.evaluate("document.querySelector('.matrix-wrap').scrollIntoView()")
    page.locator("#matrix tbody tr[data-name] td.c:visible").nth(5).click()
    panel = _box(page, "#explanation")
    assert panel["y"] >= 0 and panel["y"] + panel["height"] <= 701
    page.click("#explanation button.close")
    assert not page.locator("#explanation").is_visible()


def test_the_header_row_and_column_stay_while_the_matrix_scrolls(page):
    page.set_viewport_size({"width": 1000, "height": 700})
    page.check("#show-added")  # every endpoint: taller and wider than the window
    page.evaluate("document.querySelector('.matrix-wrap').scrollIntoView()")
    wrap = _box(page, ".matrix-wrap")
    page.evaluate("var w = document.querySelector('.matrix-wrap'); w.scrollTop = 500; w.scrollLeft = 400")
    assert page.evaluate("document.querySelector('.matrix-wrap').scrollTop") == 500
    column, nsgroup = _box(page, "#matrix th.col"), _box(page, "#matrix th.nsgroup")
    assert abs(nsgroup["y"] - wrap["y"]) <= 2 and abs(column["y"] - (nsgroup["y"] + nsgroup["height"])) <= 2
    rows = page.locator("#matrix tbody tr[data-name] th.rowhead")
    below = [rows.nth(k).bounding_box() for k in range(rows.count())]
    shown = [b for b in below if b["y"] > column["y"] + column["height"]]
    assert shown and all(abs(b["x"] - wrap["x"]) <= 2 for b in shown)  # at the left edge, though scrolled 400 px right
    cell = page.locator("#matrix tbody tr[data-name] td.c:visible").nth(0).bounding_box()
    assert cell["x"] < wrap["x"]  # the cells did scroll


def test_every_header_has_its_full_name_on_hover_and_a_distinct_uncut_label(page, report: Report):
    page.check("#show-added")
    heads = page.evaluate("""Array.from(document.querySelectorAll('#matrix th.col[data-id]')).map(th => ({
        id: th.dataset.id, title: th.title, text: th.innerText, cut: th.firstChild.scrollHeight > th.firstChild.clientHeight + 1}))""")
    rows = page.evaluate("""Array.from(document.querySelectorAll('#matrix tr[data-name] th.rowhead')).map(th => ({
        id: th.parentElement.dataset.name, title: th.title, text: th.innerText, cut: th.scrollWidth > th.clientWidth + 1}))""")
    namespaces = {ep.id: ep.namespace for ep in report.endpoints}
    for found in (heads, rows):
        assert len(found) == len(report.endpoints)
        assert all(h["title"].startswith(h["id"]) for h in found)
        assert not [h for h in found if h["cut"]]
        labels = {(namespaces[h["id"]], h["text"]) for h in found}
        assert len(labels) == len(found)  # distinct within each namespace
        assert all(len(h["text"]) <= LABEL_LIMIT for h in found if "[hook" not in h["text"])
    groups = page.evaluate("""Array.from(document.querySelectorAll('#matrix th.nsgroup[data-span]')).map(th => ({
        title: th.title, text: th.innerText, cut: th.scrollWidth > th.clientWidth + 1}))""")
    assert len({g["text"] for g in groups}) == len(groups) and not [g for g in groups if g["cut"]]
    assert all(len(g["text"]) >= min(4, len(g["title"])) for g in groups)


def test_the_endpoints_the_report_added_are_folded_into_one_row_and_one_column(page, report: Report):
    added = [ep for ep in report.endpoints if folded(ep)]
    assert len(added) >= len(report.endpoints) / 3 and not page.is_checked("#show-added")
    rows = page.locator("#matrix tbody tr[data-name]:visible")
    assert rows.count() == len(report.endpoints) - len(added)
    assert page.locator("#matrix th.col:visible").count() == len(report.endpoints) - len(added) + 1
    assert page.locator("#matrix tr.fold:visible").count() == 1
    summary = page.locator("#matrix tr[data-name] td.sum").first
    summary.click()
    assert f"the {len(added)} endpoints the report added" in page.inner_text("#explanation h3")
    assert "kube-system/kube-dns" in page.inner_text("#explanation")
    page.click("#matrix th.col button.unfold")
    assert page.is_checked("#show-added")
    assert page.locator("#matrix tbody tr[data-name]:visible").count() == len(report.endpoints)
    assert page.locator("#matrix .fold:visible").count() == 0
    page.uncheck("#show-added")
    assert page.locator("#matrix tbody tr[data-name]:visible").count() == len(report.endpoints) - len(added)


def test_the_filter_finds_added_endpoints_while_they_are_folded(page):
    page.fill("#filter", "kube-system/")
    names = page.locator("#matrix tbody tr[data-name]:visible")
    assert "kube-system/kube-dns" in [names.nth(k).get_attribute("data-name") for k in range(names.count())]
    page.fill("#filter", "")
    assert page.locator('#matrix tr[data-name="kube-system/kube-dns"]').is_hidden()


def test_the_keyboard_skips_the_folded_columns(page, report: Report):
    row = page.locator("#matrix tbody tr.workload").first
    cells = row.locator("td.c:visible")
    cells.nth(cells.count() - 1).focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.classList.contains('fold')")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("document.activeElement.getClientRects().length") > 0


def test_the_page_is_titled_from_chart_yaml_and_the_values_file(page, report: Report):
    assert page.title() == report.title == page.inner_text("h1")
    assert report.title.split(" (")[0] in {"storefront 0.1.0", "wide-matrix 0.3.0"}
    assert "(values.yaml)" in report.title and "/" not in report.title
