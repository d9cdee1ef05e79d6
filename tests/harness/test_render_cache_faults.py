"""The render cache holds only answers helm gave, survives a cache it cannot write or
read, tells one helm build from another, and the harness refuses helms it does not support.

Most tests run a stand-in helm: a shell script that answers `version` as the real one
does and does for `template` what the test needs (get killed, hang, print a ConfigMap).
"""
from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

from netpol_harness import project as tools
from netpol_harness.cli import main
from netpol_harness.helm import cache as store
from netpol_harness.helm.binary import HelmNotFound, HelmUnsupported, helm_binary, helm_identity, helm_version
from netpol_harness.helm.template import render

CHARTS = Path(__file__).parents[1] / "data" / "harness" / "charts"
TINY = CHARTS / "tiny"


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """A private, empty render cache for one test; the cache's warnings not yet given."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(tools.CACHE_DIR_ENV, str(folder))
    monkeypatch.delenv(tools.NO_CACHE_ENV, raising=False)
    monkeypatch.setattr(store, "_WARNED", set())
    return folder


def fake_helm(path: Path, version: str = "v3.19.0", template: str = "") -> Path:
    """A helm stand-in: `version` prints what helm 3 prints, `template` runs `template`
    (shell), then prints a ConfigMap named after the release."""
    path.write_text(
        "#!/bin/sh\n"
        'case "$1" in\n'
        f"  version) echo 'version.BuildInfo{{Version:\"{version}\", GitCommit:\"0123abc\", "
        "GitTreeState:\"clean\", GoVersion:\"go1.24.7\"}'; exit 0;;\n"
        f"  template) {template or ':'}\n"
        '    printf -- \'---\\n# Source: tiny/templates/configmap.yaml\\napiVersion: v1\\nkind: ConfigMap\\n'
        'metadata:\\n  name: %s\\n\' "$2"; exit 0;;\n'
        "esac\n"
        "exit 1\n"
    )
    path.chmod(0o755)
    return path


def entries(cache: Path) -> list[Path]:
    return sorted(cache.rglob("*.json")) if cache.exists() else []


# --- 1. only answers helm gave are cached ----------------------------------------------


def test_a_helm_killed_by_a_signal_is_never_cached_and_the_next_run_renders_again(cache, tmp_path, capsys):
    flag = tmp_path / "kill-next"
    flag.touch()
    helm = fake_helm(tmp_path / "helm", template=f'if [ -e {flag} ]; then kill -KILL $$; fi')
    code = main(["render", str(TINY), "--helm", str(helm), "--release", "one"])
    err = capsys.readouterr().err
    assert code != 0 and "SIGKILL" in err and "Traceback" not in err
    assert entries(cache) == []
    flag.unlink()
    assert main(["render", str(TINY), "--helm", str(helm), "--release", "one"]) == 0
    assert "name: one" in capsys.readouterr().out
    assert render(TINY, helm=str(helm), release="one").cached


def test_a_render_killed_by_the_timeout_is_a_failed_result_and_never_cached(cache, tmp_path):
    helm = fake_helm(tmp_path / "helm", template="exec sleep 30")
    result = render(TINY, helm=str(helm), timeout=0.5)
    assert not result.ok and "did not finish within 0.5s" in result.stderr
    assert entries(cache) == []


def test_a_wrapper_that_cannot_start_is_a_failed_result_and_never_cached(cache, tmp_path):
    result = render(TINY, wrapper=[str(tmp_path / "no-such-wrapper")])
    assert not result.ok and "could not run" in result.stderr
    assert entries(cache) == []


def test_a_failure_helm_reports_itself_is_still_cached(cache):
    render(TINY, values={"failWith": "no"})
    again = render(TINY, values={"failWith": "no"})
    assert again.cached and not again.ok and "no" in again.stderr


# --- 2. a cache that cannot be written -------------------------------------------------


def test_a_cache_under_a_file_warns_once_and_the_render_is_still_used(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(tools.CACHE_DIR_ENV, str(blocker / "cache"))
    monkeypatch.delenv(tools.NO_CACHE_ENV, raising=False)
    monkeypatch.setattr(store, "_WARNED", set())
    first, second = render(TINY, release="a"), render(TINY, release="b")
    assert first.ok and second.ok and not second.cached
    assert first.objects[0]["metadata"]["name"] == "a-tiny"
    err = capsys.readouterr().err
    assert err.count("warning") == 1 and "cannot be written" in err and "\n" == err[-1] and err.count("\n") == 1


@pytest.mark.parametrize("code", [errno.EROFS, errno.ENOSPC])
def test_a_read_only_or_full_cache_warns_once_and_the_render_is_still_used(cache, monkeypatch, capsys, code):
    def refuse(*args, **kwargs):
        raise OSError(code, __import__("os").strerror(code))

    monkeypatch.setattr(store.os, "replace", refuse)
    assert render(TINY, release="a").ok and render(TINY, release="b").ok
    err = capsys.readouterr().err
    assert err.count("warning") == 1 and __import__("os").strerror(code) in err
    assert entries(cache) == []  # no half-written records left behind


# --- 3. a cache record of the wrong shape ------------------------------------------------


@pytest.mark.parametrize("text", ['{"format": 3}', "{not json", "[1, 2]", '{"format": 3, "returncode": "0", '
                                  '"stdout": "", "stderr": "", "notes": null}', "",
                                  '{"format": 3, "returncode": -9, "stdout": "", "stderr": "", "notes": null}'])
def test_a_record_of_the_wrong_shape_is_discarded_with_a_warning_and_rendered_again(cache, capsys, text):
    render(TINY)
    (entry,) = entries(cache)
    entry.write_text(text)
    again = render(TINY)
    assert again.ok and not again.cached and again.objects
    assert "discarded" in capsys.readouterr().err
    assert render(TINY).cached and json.loads(entry.read_text())["returncode"] == 0


# --- 4. a helm binary's identity -------------------------------------------------------


@pytest.mark.parametrize("second_version", ["v3.20.0", "v3.19.0"])
def test_a_replaced_helm_binary_is_a_new_cache_key(cache, tmp_path, second_version):
    helm = fake_helm(tmp_path / "helm", template="echo '# first build'")
    first = render(TINY, helm=str(helm))
    assert render(TINY, helm=str(helm)).cached
    fake_helm(helm, version=second_version, template="echo '# the second, longer build'")
    after = render(TINY, helm=str(helm))
    assert not after.cached and "second, longer build" in after.stdout and first.stdout != after.stdout
    assert helm_version(str(helm)) == tuple(int(p) for p in second_version[1:].split("."))


def test_helm_identity_changes_with_the_file_not_only_the_version(tmp_path):
    helm = fake_helm(tmp_path / "helm")
    before = helm_identity(str(helm))
    fake_helm(helm, template="echo '# rebuilt with other bytes'")
    assert helm_identity(str(helm)) != before


# --- 5. supported helm versions --------------------------------------------------------


@pytest.mark.parametrize("version", ["v2.17.0", "v3.9.4", "v5.0.0", "v1.0.0"])
def test_a_helm_outside_the_supported_versions_is_refused_naming_them(tmp_path, version):
    helm = fake_helm(tmp_path / "helm", version=version)
    with pytest.raises(HelmUnsupported, match=r"supports helm 3\.10 .*4") as raised:
        render(TINY, helm=str(helm), cache=False)
    assert isinstance(raised.value, HelmNotFound) and version in str(raised.value)


@pytest.mark.parametrize("version", ["v3.10.0", "v3.19.0", "v4.0.0", "v4.3.1"])
def test_helms_3_10_and_later_and_4_are_accepted(tmp_path, version):
    helm = fake_helm(tmp_path / "helm", version=version)
    assert helm_binary(str(helm)) == str(helm)


@pytest.mark.parametrize("command", [["render"], ["validate"], ["reach", "--port", "80"], ["report"]])
def test_the_cli_refuses_an_unsupported_helm_in_one_line(tmp_path, capsys, command):
    helm = fake_helm(tmp_path / "helm", version="v2.17.0")
    assert main([*command[:1], str(TINY), *command[1:], "--helm", str(helm), "--no-cache"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "v2.17.0" in err and "3.10" in err and "Traceback" not in err


def test_a_helm_whose_version_command_fails_is_one_clear_error(tmp_path):
    helm = tmp_path / "helm"
    helm.write_text("#!/bin/sh\necho 'broken install' >&2\nexit 3\n")
    helm.chmod(0o755)
    with pytest.raises(HelmNotFound, match="broken install"):
        render(TINY, helm=str(helm), cache=False)
