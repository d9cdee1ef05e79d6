"""The matrix runner (`netpol matrix`, `run_matrix`): cases rendered in batches give
exactly what each case gives alone, a failing case in a batch gets its own error, checks
run on every case, and failures come back grouped by cause with the smallest values."""
from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from netpol_harness.helm.batch import BatchRenderer, batchable
from netpol_harness.helm.template import render
from netpol_harness.project import root as repo_root
from netpol_harness.cases import Case, pairwise_cases, random_cases
from netpol_harness.runner import run_matrix

pytestmark = pytest.mark.helm

JES = repo_root() / "charts" / "job-executor-service"
FACTORS = {
    "networkPolicy.ingress.enabled": [True, False],
    "networkPolicy.egress.enabled": [True, False],
    "networkPolicy.egress.dns.preset": ["kubernetes", "openshift", "nodelocal"],
    "networkPolicy.egress.k8sMasterCIDR": ["192.0.2.10/32", ["192.0.2.10/32", "2001:db8::10/128"]],
    "networkPolicy.egress.k8sMasterPort": [6443, [6443, 443]],
    "remoteControlPlane.api.hostname": ["", "203.0.113.5"],
}
# The schema refuses a port above 65535; the template refuses a bad CIDR with its own message.
BAD_PORT = {"networkPolicy": {"egress": {"enabled": True, "k8sMasterPort": 70000}}}
BAD_CIDR = {"networkPolicy": {"egress": {"enabled": True, "k8sMasterCIDR": "10.0.0.300/32"}}}


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Every render here runs helm: a cached answer would prove nothing about batches."""
    monkeypatch.setenv("NETPOL_CACHE_DIR", str(tmp_path / "cache"))


@pytest.mark.parametrize("helm_version", ["3.10", "3.19", "4.3"])
def test_a_batch_gives_each_case_the_objects_and_output_it_gets_alone_even_around_failing_cases(helm_version):
    cases = [c.values for c in pairwise_cases(FACTORS)][:6]
    cases[2:2] = [BAD_PORT]
    cases[5:5] = [BAD_CIDR]
    default_helm = helm_version
    renderer = BatchRenderer(JES, helm=default_helm, size=8)
    assert renderer.verify(cases[0]), renderer.reason
    batched = renderer.render(cases)
    alone = [render(JES, values=v, helm=default_helm, cache=False) for v in cases]
    assert [r.ok for r in batched] == [r.ok for r in alone] == [True, True, False, True, True, False, True, True]
    for b, a in zip(batched, alone):
        assert (b.objects, b.stdout) == (a.objects, a.stdout) if a.ok else b.stderr == a.stderr
    assert renderer.stats["split"] >= 1 and renderer.stats["batches"] > renderer.stats["split"]


def test_a_case_that_fails_alone_proves_nothing_about_batches(default_helm):
    renderer = BatchRenderer(JES, helm=default_helm)
    assert renderer.verify(BAD_CIDR) is None and renderer.enabled
    renderer.verify_on([BAD_CIDR, BAD_PORT, {}])
    assert renderer.verified is True


def test_cases_with_globals_tags_nulls_or_template_text_render_alone():
    assert batchable({"a": {"b": 1}})
    assert not batchable({"global": {"x": 1}})
    assert not batchable({"tags": {"extras": False}})
    assert not batchable({"podLabels": None})
    assert not batchable({"list": [1, None]})
    assert not batchable({"labels": {"team": "{{ .Chart.Name }}"}})  # `tpl` would render it in the copy


def _chart(tmp_path, name: str, templates: dict[str, str], values: str = "", chart_extra: str = ""):
    chart = tmp_path / name
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n{chart_extra}")
    (chart / "values.yaml").write_text(values)
    for file, text in templates.items():
        (chart / "templates" / file).write_text(text)
    return chart


CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {{ toJson .Values.data }}\n"


@pytest.mark.parametrize("templates, chart_extra, hazard", [
    ({"cm.yaml": CM.replace("toJson .Values.data", "dict \"t\" .Template.Name | toJson")}, "", ".Template.Name"),
    ({"cm.yaml": CM.replace("toJson .Values.data", "dict \"v\" (toJson .Values) | toJson")}, "", "the whole .Values printed"),
    ({"cm.yaml": CM.replace("toJson .Values.data", "dict \"r\" (toString .Chart.IsRoot) | toJson")}, "", ".Chart beyond"),
    ({"cm.yaml": CM}, "dependencies:\n  - {name: sub, version: 0.1.0, condition: sub.enabled}\n", "conditions or tags"),
])
def test_a_chart_whose_render_would_show_the_batch_renders_case_by_case(tmp_path, default_helm, templates, chart_extra, hazard):
    chart = _chart(tmp_path, "c", templates, "data: {a: '1'}\n", chart_extra)
    renderer = BatchRenderer(chart, helm=default_helm)
    assert not renderer.enabled and hazard in renderer.reason


def test_a_case_that_warns_in_a_batch_renders_alone_with_its_warning(tmp_path, default_helm):
    chart = _chart(tmp_path, "warns", {"cm.yaml": CM}, "data: {a: '1'}\nstr: x\n")
    cases = [{}, {"str": {"b": 2}}, {"data": {"a": "2"}}]
    renderer = BatchRenderer(chart, helm=default_helm)
    batched = renderer.render(cases)
    alone = [render(chart, values=v, helm=default_helm, cache=False) for v in cases]
    assert "skipped value" in alone[1].stderr and batched[1].stderr == alone[1].stderr
    assert [r.objects for r in batched] == [r.objects for r in alone]


def test_batch_results_never_answer_a_render_alone_and_do_answer_the_next_batch(default_helm):
    cases = [c.values for c in pairwise_cases(FACTORS)][:3]
    BatchRenderer(JES, helm=default_helm).render(cases)
    assert not render(JES, values=cases[0], helm=default_helm).cached
    again = BatchRenderer(JES, helm=default_helm)
    again.render(cases)
    assert again.stats["cached"] == 3


def has_a_policy(case, result):
    return [] if any(o["kind"] == "NetworkPolicy" for o in result.objects) else "renders no NetworkPolicy"


def test_the_runner_checks_every_case_and_groups_failures_by_cause(default_helm):
    cases = pairwise_cases(FACTORS) + [Case("port-70000", BAD_PORT), Case("bad-cidr", BAD_CIDR)]
    cases += [Case(f"port-{p}", {"networkPolicy": {"egress": {"enabled": True, "k8sMasterPort": p}}}) for p in (70001, 99999)]
    result = run_matrix(JES, cases, checks=("render", "values", "kubernetes", "apirules", has_a_policy), helm=default_helm,
                        workers=2)
    assert [o.case.name for o in result.outcomes] == [c.name for c in cases]  # in case order
    failing = {o.case.name for o in result.failed}
    no_policy = {o.case.name for o in result.outcomes if o.rendered and not (
        o.case.values["networkPolicy"]["ingress"]["enabled"] or o.case.values["networkPolicy"]["egress"]["enabled"])}
    assert failing == {"port-70000", "port-70001", "port-99999", "bad-cidr"} | no_policy
    groups = result.groups()
    # The three ports share one cause, each case's number aside; the smallest values are shown.
    ports = next(hits for cause, hits in groups.items() if cause.startswith("render:") and "k8sMasterPort" in cause)
    assert sorted(o.case.name for o, _ in ports) == ["port-70000", "port-70001", "port-99999"]
    assert "has_a_policy: renders no NetworkPolicy" in groups
    summary = result.summary()
    assert "3 x render:" in summary and "smallest failing values:" in summary


def test_the_runner_gives_what_rendering_each_case_alone_gives(default_helm):
    cases = random_cases(FACTORS, 12, seed=4) + [Case("bad-cidr", BAD_CIDR)]
    result = run_matrix(JES, cases, checks=("render",), helm=default_helm, workers=2, batch=5, keep_objects=True)
    for outcome in result.outcomes:
        alone = render(JES, values=outcome.case.values, helm=default_helm, cache=False)
        assert outcome.rendered == alone.ok
        assert outcome.objects == alone.objects


def test_a_closure_check_runs_in_this_process_once_helm_4s_engine_is_loaded_here(default_helm, monkeypatch):
    from netpol_harness import runner

    monkeypatch.setattr(runner, "_can_fork", lambda: False)
    seen = []

    def remember(case, result):
        seen.append(case.name)

    with pytest.warns(RuntimeWarning, match="running them in this process"):
        result = run_matrix(JES, pairwise_cases(FACTORS)[:4], ("render", remember), helm=default_helm, batch=2)
    assert result.ok and seen == [c.name for c in pairwise_cases(FACTORS)[:4]]


def test_random_cases_are_distinct_seeded_and_respect_exclusions():
    exclude = [{"networkPolicy.egress.enabled": False, "networkPolicy.ingress.enabled": False}]
    first = random_cases(FACTORS, 40, seed=9, exclude=exclude)
    assert first == random_cases(FACTORS, 40, seed=9, exclude=exclude)
    assert len({yaml.safe_dump(c.values) for c in first}) == 40
    assert all(c.values["networkPolicy"]["egress"]["enabled"] or c.values["networkPolicy"]["ingress"]["enabled"] for c in first)


def test_netpol_matrix_runs_a_factors_file_and_exits_non_zero_on_failures(default_helm, tmp_path):
    spec = tmp_path / "matrix.yaml"
    spec.write_text(yaml.safe_dump({"factors": {"networkPolicy.egress.enabled": [True],
                                                "networkPolicy.egress.k8sMasterPort": [6443, 70000]},
                                    "random": 2, "seed": 1}))
    out = subprocess.run([sys.executable, "-m", "netpol_harness.cli", "matrix", str(JES), "--cases", str(spec),
                          "--helm", default_helm, "--check", "render,values"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "failing" in out.stdout and "k8sMasterPort: 70000" in out.stdout


def test_workers_come_from_a_fork_server_once_helm_4s_engine_is_loaded_here(default_helm, monkeypatch):
    from netpol_harness import runner

    monkeypatch.setattr(runner, "_can_fork", lambda: False)
    cases = pairwise_cases(FACTORS)[:4]
    result = run_matrix(JES, cases, ("render", has_a_policy), helm=default_helm, batch=2, workers=2)
    assert [o.case.name for o in result.outcomes] == [c.name for c in cases]
    assert {o.case.name for o in result.failed} == {o.case.name for o in result.outcomes if not any(
        o.case.values["networkPolicy"][d]["enabled"] for d in ("ingress", "egress"))}


def test_fork_server_workers_use_this_processs_settings_and_environment(default_helm, monkeypatch, tmp_path):
    from netpol_harness import project, runner

    monkeypatch.setattr(runner, "_can_fork", lambda: False)
    before = project.configure().cache_dir
    project.configure(cache_dir=tmp_path / "configured-cache")  # set here, after any fork server started
    try:
        cases = pairwise_cases(FACTORS)[:4]
        result = run_matrix(JES, cases, ("render",), helm=default_helm, batch=2, workers=2)
    finally:
        project.configure(cache_dir=before)
    assert [o.rendered for o in result.outcomes] == [True] * 4
    assert any((tmp_path / "configured-cache").rglob("*")), "the workers cached elsewhere"
