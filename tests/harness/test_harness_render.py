"""netpol_harness.helm (template, cache, binary): the real helm CLI, NOTES.txt without a cluster,
and a cache that returns exactly what helm said for exactly these inputs."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from netpol_harness.helm import template as render_module
from netpol_harness import project as tools
from netpol_harness.helm.cache import chart_files
from netpol_harness.helm.template import RenderResult, render, render_many, render_notes
from netpol_harness.helm.binary import HelmNotFound, helm_binary, helm_supports_enable_dns, helm_version, parse_version

CHARTS = Path(__file__).parents[1] / "data" / "harness" / "charts"
TINY = CHARTS / "tiny"
POLICY_ON = {"policy": {"enabled": True, "ports": [80, 443]}}


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """A private, empty render cache for one test."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(tools.CACHE_DIR_ENV, str(folder))
    monkeypatch.delenv(tools.NO_CACHE_ENV, raising=False)
    return folder


@pytest.fixture
def tiny_copy(tmp_path) -> Path:
    """tiny and its library, copied with the symlink kept, so tests may edit them."""
    root = tmp_path / "charts"
    shutil.copytree(CHARTS, root, symlinks=True)
    assert (root / "tiny" / "charts" / "tinylib").is_symlink()
    return root / "tiny"


# --- tools ---------------------------------------------------------------------------


def test_helm_version_is_asked_from_the_binary_and_at_least_3_10(helm):
    major, minor, _ = helm_version(helm)
    assert (major, minor) >= (3, 10)
    assert helm_supports_enable_dns(helm) == (helm_version(helm) >= (3, 11, 1))


@pytest.mark.parametrize(
    "text, expected",
    [("v3.10.1+g9f88ccb", (3, 10, 1)), ("v3.11.1", (3, 11, 1)), ("v4.0.0-rc.1+abc", (4, 0, 0))],
)
def test_parse_version_reads_helm_version_strings(text, expected):
    assert parse_version(text) == expected


def test_explicit_helm_that_does_not_exist_is_an_error_naming_the_variable(monkeypatch, tmp_path):
    monkeypatch.setattr(tools.configure(), "helm", None)  # what the plugin set up: as a script sees it
    monkeypatch.setattr(tools.configure(), "helms", None)
    monkeypatch.setenv(tools.HELM_ENV, str(tmp_path / "no-helm"))
    with pytest.raises(HelmNotFound, match=tools.HELM_ENV):
        helm_binary()


def test_missing_helm_tells_the_user_to_run_make_setup_where_the_project_has_it(monkeypatch, tmp_path):
    monkeypatch.setattr(tools.configure(), "helm", None)
    monkeypatch.setattr(tools.configure(), "helms", None)
    monkeypatch.delenv(tools.HELM_ENV, raising=False)
    monkeypatch.setattr(tools, "root", lambda: tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(HelmNotFound) as elsewhere:
        helm_binary()
    assert "make setup" not in str(elsewhere.value) and "NETPOL_HELM" in str(elsewhere.value)
    (tmp_path / "Makefile").write_text("setup:\n\ttrue\n")
    with pytest.raises(HelmNotFound, match="make setup"):
        helm_binary()


# --- rendering -----------------------------------------------------------------------


def test_render_returns_parsed_objects_including_those_from_a_symlinked_library(cache):
    result = render(TINY, values=POLICY_ON, release="demo", namespace="team-a")
    assert result.ok and result.returncode == 0, result.stderr
    assert sorted((o["kind"], o["metadata"]["name"]) for o in result.objects) == [
        ("ConfigMap", "demo-tiny"),
        ("NetworkPolicy", "demo-tiny"),
    ]
    policy = result.get("NetworkPolicy", "demo-tiny")
    assert policy["metadata"]["namespace"] == "team-a"
    assert [p["port"] for p in policy["spec"]["ingress"][0]["ports"]] == [80, 443]
    assert result.by_kind("ConfigMap")[0]["data"] == {"message": "hello", "size": "1"}


def test_get_names_what_was_rendered_when_the_object_is_missing(cache):
    result = render(TINY)
    with pytest.raises(KeyError, match="ConfigMap/test-tiny"):
        result.get("NetworkPolicy", "test-tiny")


def test_values_files_and_set_values_reach_helm_in_order(cache, tmp_path):
    first = tmp_path / "first.yaml"
    first.write_text("message: from-file\nsize: 2\n")
    result = render(TINY, values={"message": "from-dict"}, values_files=[first], set_values=["size=7"])
    assert result.ok, result.stderr
    # -f files given later win over the values dict; --set wins over both.
    assert result.by_kind("ConfigMap")[0]["data"] == {"message": "from-file", "size": "7"}


def test_notes_are_rendered_offline_with_the_release_values(cache):
    result = render(TINY, values=POLICY_ON, release="demo", namespace="team-a", notes=True)
    assert result.notes == "Release demo in team-a says hello.\nPolicy demo-tiny opens ports: 80, 443.\n"
    assert render_notes(TINY, release="r") == "Release r in default says hello.\n"


def test_notes_probe_leaves_no_trace_in_stdout_or_objects(cache):
    result = render(TINY, values=POLICY_ON, notes=True)
    assert render_module.PROBE_KEY not in result.stdout
    assert render_module.PROBE_NAME not in result.stdout
    assert all(render_module.PROBE_KEY not in o for o in result.objects)
    assert result.stdout.count("\n---\n") + result.stdout.startswith("---\n") == len(result.objects)


def test_a_failing_notes_template_fails_the_render_with_its_own_message(cache):
    # The probe runs after NOTES.txt, so the error is NOTES.txt's, not a wrapped
    # "error calling include" from the probe.
    result = render(TINY, values={"failNotesWith": "notes cannot render: set message"}, notes=True)
    assert not result.ok
    assert "tiny/templates/NOTES.txt" in result.stderr
    assert "notes cannot render: set message" in result.stderr
    assert "error calling include" not in result.stderr
    assert result.objects == [] and result.notes is None


def test_failed_render_has_helm_message_and_no_objects(cache):
    result = render(TINY, values={"failWith": "message is required: set message"})
    assert not result.ok and result.returncode != 0
    assert "message is required: set message" in result.stderr
    assert result.objects == []


def test_schema_violation_fails_the_render_like_helm_does(cache):
    result = render(TINY, values={"size": "big"})
    assert not result.ok
    assert "size" in result.stderr


def test_stderr_names_the_chart_not_the_private_snapshot(cache):
    result = render(TINY, values={"failWith": "boom"})
    assert "netpol-render-" not in result.stderr


def test_enable_dns_is_passed_only_to_a_helm_that_knows_the_flag(cache, helm):
    result = render(TINY, enable_dns=True)
    assert result.ok, result.stderr
    assert ("--enable-dns" in result.argv) == helm_supports_enable_dns(helm)
    assert "--enable-dns" not in render(TINY).argv


def test_wrapper_callable_receives_the_helm_argv_and_runs_it(cache, helm):
    seen: list[list[str]] = []

    def through_env(argv: list[str]) -> list[str]:
        seen.append(argv)
        return ["env", "NETPOL_WRAPPED=1", *argv]

    result = render(TINY, wrapper=through_env)
    assert result.ok, result.stderr
    assert seen and seen[0][:2] == [helm, "template"]
    # No cache_key: the harness cannot know what the wrapper changes, so never caches.
    assert not render(TINY, wrapper=through_env).cached
    assert len(seen) == 2


def test_wrapper_with_a_cache_key_is_cached_under_that_key(cache):
    class Wrapped:
        def __init__(self, key: str):
            self.cache_key = key
            self.calls = 0

        def __call__(self, argv):
            self.calls += 1
            return ["env", *argv]

    first = Wrapped("hosts-sha256:aaa")
    render(TINY, wrapper=first)
    assert render(TINY, wrapper=first).cached and first.calls == 1
    other = Wrapped("hosts-sha256:bbb")
    assert not render(TINY, wrapper=other).cached and other.calls == 1


def test_wrapper_as_argv_prefix(cache):
    result = render(TINY, wrapper=["env", "NETPOL_WRAPPED=1"])
    assert result.ok, result.stderr
    assert render(TINY, wrapper=["env", "NETPOL_WRAPPED=1"]).cached
    assert not render(TINY, wrapper=["env", "NETPOL_WRAPPED=2"]).cached


# --- cache ---------------------------------------------------------------------------


def test_second_render_comes_from_the_cache_and_is_identical(cache):
    first = render(TINY, values=POLICY_ON)
    second = render(TINY, values=POLICY_ON)
    assert not first.cached and second.cached
    assert first == second
    assert (first.stdout, first.stderr, first.notes, first.objects) == (
        second.stdout,
        second.stderr,
        second.notes,
        second.objects,
    )
    assert len(list(cache.rglob("*.json"))) == 1


def test_changing_values_release_or_namespace_misses_the_cache(cache):
    render(TINY, values=POLICY_ON)
    assert not render(TINY, values={"policy": {"enabled": True, "ports": [80]}}).cached
    assert not render(TINY, values=POLICY_ON, release="other").cached
    assert not render(TINY, values=POLICY_ON, namespace="other").cached
    assert not render(TINY, values=POLICY_ON, set_values=["size=3"]).cached


def test_editing_a_chart_template_invalidates_the_cache(cache, tiny_copy):
    before = render(tiny_copy)
    template = tiny_copy / "templates" / "configmap.yaml"
    template.write_text(template.read_text().replace("message:", "greeting:"))
    after = render(tiny_copy)
    assert not after.cached
    assert "greeting" in after.by_kind("ConfigMap")[0]["data"]
    assert before != after


def test_editing_a_library_reached_through_a_symlink_invalidates_the_cache(cache, tiny_copy):
    render(tiny_copy, values=POLICY_ON)
    library = tiny_copy.parent / "tinylib" / "templates" / "_policy.tpl"
    library.write_text(library.read_text().replace("policyTypes: [Ingress]", "policyTypes: [Ingress, Egress]"))
    after = render(tiny_copy, values=POLICY_ON)
    assert not after.cached
    assert after.by_kind("NetworkPolicy")[0]["spec"]["policyTypes"] == ["Ingress", "Egress"]


def test_editing_a_values_file_invalidates_the_cache(cache, tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text("message: one\n")
    render(TINY, values_files=[values])
    values.write_text("message: two\n")
    again = render(TINY, values_files=[values])
    assert not again.cached and again.by_kind("ConfigMap")[0]["data"]["message"] == "two"


def test_failed_renders_are_cached_too(cache):
    first = render(TINY, values={"failWith": "always fails"})
    second = render(TINY, values={"failWith": "always fails"})
    assert second.cached and not second.ok and first == second


def test_no_cache_env_runs_helm_every_time(cache, monkeypatch):
    monkeypatch.setenv(tools.NO_CACHE_ENV, "1")
    render(TINY)
    assert not render(TINY).cached
    assert not cache.exists()


def test_cluster_facing_renders_are_never_cached(cache):
    render(TINY, env={"KUBECONFIG": os.devnull})
    assert not render(TINY, env={"KUBECONFIG": os.devnull}).cached


def test_a_corrupt_cache_entry_is_ignored_and_rewritten(cache):
    render(TINY)
    (entry,) = cache.rglob("*.json")
    entry.write_text("{not json")
    again = render(TINY)
    assert again.ok and not again.cached
    assert render(TINY).cached


def test_chart_files_follow_symlinks_into_dependencies():
    files = chart_files(TINY)
    assert "charts/tinylib/templates/_policy.tpl" in files
    assert "templates/NOTES.txt" in files


def test_render_many_keeps_job_order_and_accepts_both_job_shapes(cache):
    results = render_many(
        [
            {"chart": TINY, "release": "one"},
            (TINY, {"release": "two", "values": {"failWith": "two fails"}}),
            {"chart": TINY, "release": "three"},
        ]
    )
    assert [r.ok for r in results] == [True, False, True]
    assert results[0].objects[0]["metadata"]["name"] == "one-tiny"
    assert results[2].objects[0]["metadata"]["name"] == "three-tiny"
    assert all(isinstance(r, RenderResult) for r in results)


def test_chart_dir_fixture_finds_test_charts(chart_dir):
    assert chart_dir("tiny") == TINY.resolve()


def test_manifests_parse_as_kubernetes_reads_them():
    from netpol_harness.loader import parse_manifests

    # Dates stay strings (Kubernetes never sees a timestamp type); empty documents vanish.
    assert parse_manifests("a: 2024-01-01\n---\n---\nb: [1, '2']\n") == [{"a": "2024-01-01"}, {"b": [1, "2"]}]


def test_show_only_still_yields_notes_and_only_the_asked_template(cache):
    result = render(TINY, values=POLICY_ON, extra_args=["--show-only", "templates/configmap.yaml"], notes=True)
    assert result.ok, result.stderr
    assert [o["kind"] for o in result.objects] == ["ConfigMap"]
    assert result.notes.startswith("Release test in default")


def test_render_command_prints_manifests_and_notes(cache, capsys):
    import argparse

    from netpol_harness.cli import render as cli_render

    parser = argparse.ArgumentParser()
    cli_render.add_arguments(parser)
    code = cli_render.run(parser.parse_args([str(TINY), "--set", "message=hi", "--release", "cli", "--notes"]))
    out = capsys.readouterr().out
    assert code == 0
    assert "name: cli-tiny" in out and 'message: "hi"' in out
    assert "# Release cli in default says hi." in out


def test_render_command_returns_helms_exit_code_on_failure(cache, capsys):
    import argparse

    from netpol_harness.cli import render as cli_render

    parser = argparse.ArgumentParser()
    cli_render.add_arguments(parser)
    assert cli_render.run(parser.parse_args([str(TINY), "--set", "failWith=nope"])) != 0
    assert "nope" in capsys.readouterr().err


def test_a_key_rendered_twice_fails_the_render_instead_of_losing_a_value(cache, tiny_copy):
    template = tiny_copy / "templates" / "configmap.yaml"
    template.write_text(template.read_text().replace("data:\n", "data:\n  size: \"0\"\n"))
    result = render(tiny_copy)
    assert result.returncode == 0  # helm itself does not notice
    assert not result.ok and result.objects == []
    assert "duplicate key 'size'" in result.stderr
