"""Reports under dataplane profiles: one profile judges as that CNI enforces the policies;
several draw the report for the first and mark each pair they disagree on as
dataplane-dependent, with every profile's verdict and reason in the text, the HTML (on
click, and written out per workload) and the Mermaid graph. A diff is judged per profile.
`netpol report` and `netpol demo` take `--dataplane NAME|all`; a wrong name is one line
on stderr and exit status 2.

The manifests are the departures table's base cluster with its first case: an ingress
ipBlock of the pod range, which admits pods on the API's reading and not on Cilium.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from netpol_harness.net.dataplanes import PROFILES, UnknownDataplane, dataplanes
from netpol_harness.project import root as repo_root
from netpol_harness.report import (browser, connectivity_report, diff_file, diff_objects, render_diff_html,
                                   render_diff_text, render_html, render_mermaid, render_text)
from netpol_harness.report.cells import DEPENDENT

TABLE = yaml.safe_load((repo_root() / "tests" / "data" / "dataplanes" / "departures.yaml").read_text())
BASE: list[dict] = TABLE["base"]
POD_RANGE = next(c for c in TABLE["cases"] if c["name"].startswith("An ipBlock holding a pod's address"))["objects"]
MANIFESTS = BASE + POD_RANGE
APP, PEER = "default/app", "default/peer"
CILIUM_NOTE = "[cilium] CIDR rules and NetworkPolicy ipBlocks do not select pods"


def report(**kwargs):
    return connectivity_report(MANIFESTS, ["80/TCP"], workloads=["app"], namespace="default", **kwargs)


@pytest.fixture(scope="module")
def compared():
    return report(dataplanes=["kubernetes", "cilium"])


# --------------------------------------------------------------------------- the data


def test_an_ipblock_of_the_pod_range_admits_a_pod_on_kubernetes_but_not_on_cilium_so_the_cell_is_dataplane_dependent(compared):
    cell = compared.cells[(PEER, APP)]
    assert cell.state == DEPENDENT
    kubernetes, cilium = cell.dataplanes
    assert (kubernetes.dataplane, cilium.dataplane) == ("kubernetes", "cilium")
    assert [p.allowed for p in kubernetes.parts] == [True] and [p.allowed for p in cilium.parts] == [False]
    assert kubernetes.parts[0].by == "egress open; ingress: default/from-pod-range ingress[0]"
    assert cilium.parts[0].by == "ingress denied (isolated by default/from-pod-range)"
    assert CILIUM_NOTE in cilium.parts[0].caveat and "docs.cilium.io" in cilium.parts[0].caveat
    assert cell in compared.dependent


def test_the_report_is_drawn_for_the_first_profile_and_says_which_profiles_it_compared(compared):
    assert compared.dataplane == "kubernetes" and compared.dataplanes == ("kubernetes", "cilium")
    assert compared.cells[(PEER, APP)].allowed_probes  # drawn as kubernetes: allowed
    as_cilium = report(dataplanes=["cilium", "kubernetes"])
    assert as_cilium.dataplane == "cilium" and as_cilium.dataplanes == ("cilium", "kubernetes")
    assert not as_cilium.cells[(PEER, APP)].allowed_probes
    assert as_cilium.row(PEER, APP, "80/TCP").allowed is False
    assert as_cilium.cells[(PEER, APP)].state == DEPENDENT


def test_a_pair_every_profile_judges_alike_is_not_marked(compared):
    cell = compared.cells[(APP, PEER)]  # app's egress is open everywhere
    assert cell.state == "allowed" and cell.dataplanes == ()


def test_one_profile_judges_as_that_cni_and_marks_nothing():
    cilium = report(dataplane="cilium")
    assert cilium.cells[(PEER, APP)].state == "denied"
    assert cilium.dependent == [] and cilium.dataplanes == ()
    assert not cilium.ipblock_matches_pods
    assert "dataplane: cilium" in render_text(cilium).splitlines()
    assert 'id="dataplanes">Judged as the dataplane cilium enforces' in render_html(cilium)


def test_the_default_report_is_the_api_reading_and_says_nothing_of_dataplanes():
    default, named = report(), report(dataplane="kubernetes")
    assert render_text(default) == render_text(named) == render_text(report(dataplanes=["kubernetes"]))
    assert default.dataplane == "kubernetes" and default.dataplanes == () and default.dependent == []
    assert default.cells[(PEER, APP)].state == "allowed"
    assert "dataplane" not in render_text(default)
    page = render_html(default)
    assert 'id="dataplanes"' not in page and '"profiles"' not in page and DEPENDENT + '"' not in page
    assert "-.->" not in render_mermaid(default)


def test_ipblock_matches_pods_false_still_judges_every_profile_without_pod_addresses():
    alone = report(ipblock_matches_pods=False)
    assert alone.cells[(PEER, APP)].state == "denied" and not alone.ipblock_matches_pods
    both = report(dataplanes=["kubernetes", "cilium"], ipblock_matches_pods=False)
    assert both.cells[(PEER, APP)].dataplanes == ()  # neither profile lets the ipBlock hold pods now
    assert both.dataplanes[0] == "kubernetes (ipBlocks do not select pods)"


def test_a_dataplane_other_than_the_first_of_dataplanes_is_refused():
    with pytest.raises(ValueError, match="not the first of dataplanes"):
        report(dataplane="calico", dataplanes=["kubernetes", "calico"])
    assert report(dataplane="cilium", dataplanes=["cilium", "kubernetes"]).dataplane == "cilium"


def test_an_unknown_profile_is_refused_naming_the_known_ones():
    with pytest.raises(UnknownDataplane, match="unknown dataplane 'weave'.*cilium"):
        report(dataplanes=["kubernetes", "weave"])


def test_every_profile_can_be_compared_at_once():
    everything = report(dataplanes=dataplanes(["all"]))
    assert everything.dataplanes == tuple(PROFILES)
    verdicts = {v.dataplane: v.parts[0].allowed for v in everything.cells[(PEER, APP)].dataplanes}
    assert verdicts == {name: name != "cilium" for name in PROFILES}


# --------------------------------------------------------------------------- text, HTML, Mermaid


def test_the_text_marks_a_dependent_pair_and_lists_each_profiles_verdict_under_it(compared):
    lines = re.sub(r"\n {10,}", " ", render_text(compared)).splitlines()  # each item on one line again
    assert "dataplanes: drawn for kubernetes, compared with cilium: 7 pairs differ" in "\n".join(lines)
    k = next(i for i, line in enumerate(lines) if line.startswith(f"  from {PEER} "))
    assert lines[k].endswith(f"[{DEPENDENT}]")
    assert lines[k + 1].strip() == "kubernetes: allowed on 80/TCP: egress open; ingress: default/from-pod-range ingress[0]"
    assert lines[k + 2].strip().startswith("cilium: denied on 80/TCP: ingress denied (isolated by default/from-pod-range)")
    assert CILIUM_NOTE in lines[k + 2]


def _page_data(page: str) -> dict:
    blob = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S).group(1)
    return json.loads(blob)


def test_the_html_marks_the_cell_and_carries_each_profiles_verdict_for_the_click(compared):
    page = render_html(compared)
    cell = re.search(r'<td class="c dataplane-dependent" data-cell="([0-9-]+)"[^>]*title="default/peer to default/app: '
                     r'allowed on 80/TCP on kubernetes; other dataplanes differ">\u2260</td>', page)
    assert cell, "the peer -> app cell is not marked"
    data = _page_data(page)
    shown = [data["texts"][k] for k in data["profiles"][cell.group(1)]]
    assert shown[0].startswith("kubernetes: allowed on 80/TCP")
    assert shown[1].startswith("cilium: denied on 80/TCP") and CILIUM_NOTE in shown[1]
    assert "Drawn for the dataplane kubernetes, compared with cilium: 7 pairs differ" in page
    assert "Depending on the dataplane: 7" in page  # written out in the workload's section, for paper
    assert "depends on the dataplane (click for each profile" in page  # the legend


def test_clicking_a_dependent_cell_shows_each_profiles_verdict(compared, tmp_path):
    reason = browser.unavailable_reason()
    if reason:
        pytest.skip(reason)
    path = tmp_path / "report.html"
    path.write_text(render_html(compared))
    with browser.browser_context() as context:
        tab = context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.goto(path.as_uri())
        tab.click(f'td.{DEPENDENT}[title^="{PEER} to {APP}:"]')
        text = tab.inner_text("#explanation")
    assert "Each dataplane's verdict, where they differ" in text
    assert "kubernetes: allowed on 80/TCP" in text and "cilium: denied on 80/TCP" in text
    assert errors == []


def test_the_mermaid_graph_dashes_the_edges_that_depend_on_the_dataplane(compared):
    graph = render_mermaid(compared)
    ids = dict(re.findall(r'^  (n\d+)[\[(]+"([^"]+)"', graph, re.M))
    names = {v: k for k, v in ids.items()}
    assert f'  {names[PEER]} -.->|"80/TCP"| {names[APP]}' in graph
    assert f'  {names[APP]} -->|"80/TCP"| {names[PEER]}' in graph


# --------------------------------------------------------------------------- diff


def test_a_diff_is_judged_under_the_profile_it_is_given():
    kwargs = dict(probes=["80/TCP"], workloads=["app"], namespace="default")
    on_kubernetes = diff_objects(BASE, MANIFESTS, **kwargs)
    assert (PEER, APP) not in {(c.src, c.dst) for c in on_kubernetes.closed}
    on_cilium = diff_objects(BASE, MANIFESTS, dataplane="cilium", **kwargs)
    closed = next(c for c in on_cilium.closed if (c.src, c.dst) == (PEER, APP))
    assert closed.after == "ingress denied (isolated by default/from-pod-range)"
    assert "dataplane: cilium" in render_diff_text(on_cilium).splitlines()
    assert "dataplane" not in render_diff_text(on_kubernetes)
    assert "Judged as the dataplane cilium" in render_diff_html(on_cilium)
    assert diff_file() == "diff.html" and diff_file("cilium:sctp=true") == "diff-cilium_sctp_true.html"


# --------------------------------------------------------------------------- the command line


def _report_cli(*argv: str) -> int:
    from netpol_harness.cli import report as cli

    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return cli.run(parser.parse_args(list(argv)))


def netpol(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netpol_harness.cli", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


@pytest.fixture
def manifests_file(tmp_path: Path) -> Path:
    path = tmp_path / "manifests.yaml"
    path.write_text(yaml.safe_dump_all(MANIFESTS, sort_keys=False))
    return path


def test_cli_report_dataplane_all_on_a_file_of_manifests_marks_the_dependent_pairs(manifests_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert _report_cli(str(manifests_file), "--dataplane", "all", "--port", "80", "--workload", "app",
                       "--out", str(out)) == 0
    text = capsys.readouterr().out
    assert text.startswith("# manifests.yaml (manifests in default)")
    assert f"dataplanes: drawn for kubernetes, compared with {', '.join(list(PROFILES)[1:])}" in " ".join(text.split())
    items = re.sub(r"\n {10,}", " ", text)  # each pair and each profile's verdict on one line again
    assert re.search(rf"^  from {PEER} +allowed on 80/TCP: .*\[{DEPENDENT}\]$", items, re.M)
    assert re.search(r"^ +cilium: denied on 80/TCP: ", text, re.M)
    page = (out / "report.html").read_text()
    assert f'class="c {DEPENDENT}"' in page and "-.->" in (out / "graph.mmd").read_text()


def test_cli_report_with_one_dataplane_draws_it_alone(manifests_file, capsys):
    assert _report_cli(str(manifests_file), "--dataplane", "cilium", "--port", "80", "--workload", "app") == 0
    text = capsys.readouterr().out
    assert "dataplane: cilium" in text.splitlines() and DEPENDENT not in text
    assert re.search(rf"^  from {PEER} +denied on 80/TCP: ", text, re.M)


@pytest.mark.parametrize("command", ["report", "demo"])
def test_an_unknown_dataplane_is_one_line_on_stderr_and_exit_status_2(command, manifests_file, tmp_path):
    out = netpol(command, str(manifests_file if command == "report" else tmp_path), "--dataplane", "weave", cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert out.stderr.startswith(f"netpol {command}: --dataplane: unknown dataplane 'weave'")


def _chart(tmp_path: Path) -> Path:
    """The base cluster as a chart whose values file pins app's ingress to the pod range, or not."""
    chart = tmp_path / "pinned"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: pinned\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("pinned: false\n")
    (chart / "templates" / "base.yaml").write_text(yaml.safe_dump_all(BASE, sort_keys=False))
    (chart / "templates" / "policy.yaml").write_text("{{- if .Values.pinned }}\n"
                                                     + yaml.safe_dump_all(POD_RANGE, sort_keys=False) + "{{- end }}\n")
    (tmp_path / "before.yaml").write_text("pinned: false\n")
    (tmp_path / "after.yaml").write_text("pinned: true\n")
    return chart


@pytest.mark.helm
def test_cli_report_diff_with_several_dataplanes_reports_each_on_its_own(tmp_path, capsys, default_helm):
    chart = _chart(tmp_path)
    out = tmp_path / "out"
    code = _report_cli(str(chart), "--diff", str(tmp_path / "before.yaml"), str(tmp_path / "after.yaml"),
                       "--dataplane", "kubernetes", "--dataplane", "cilium", "--port", "80", "--workload", "app",
                       "-n", "default", "--helm", default_helm, "--out", str(out))
    assert code == 0
    text = capsys.readouterr().out
    kubernetes, cilium = text.split("== dataplane cilium")
    assert kubernetes.startswith("== dataplane kubernetes")
    assert f"- {PEER} -> {APP} on 80/TCP" not in kubernetes and f"- {PEER} -> {APP} on 80/TCP" in cilium
    assert (out / "diff-kubernetes.html").is_file() and (out / "diff-cilium.html").is_file()
    assert not (out / "diff.html").exists()


@pytest.mark.helm
def test_cli_report_diff_with_one_dataplane_is_judged_under_it(tmp_path, capsys, default_helm):
    chart = _chart(tmp_path)
    code = _report_cli(str(chart), "--diff", str(tmp_path / "before.yaml"), str(tmp_path / "after.yaml"),
                       "--dataplane", "cilium", "--port", "80", "--workload", "app", "-n", "default",
                       "--helm", default_helm, "--fail-on-open")
    assert code == 0  # the change only closes flows
    text = capsys.readouterr().out
    assert "== dataplane" not in text and "dataplane: cilium" in text.splitlines()
    assert f"- {PEER} -> {APP} on 80/TCP" in text


@pytest.mark.helm
def test_demo_draws_each_report_for_the_first_dataplane_and_marks_the_others(tmp_path, default_helm):
    chart = _chart(tmp_path)
    (chart / "ci").mkdir()
    (chart / "ci" / "pinned-values.yaml").write_text("pinned: true\n")
    out = netpol("--root", str(tmp_path), "demo", str(chart), "--helm", default_helm, "--out", "demo-out",
                 "-n", "default", "--dataplane", "kubernetes", "--dataplane", "cilium", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "dataplanes: drawn for kubernetes, compared with cilium" in out.stdout
    assert f"[{DEPENDENT}]" in out.stdout
    page = (tmp_path / "demo-out" / "pinned-pinned-values.html").read_text()
    assert f'class="c {DEPENDENT}"' in page
