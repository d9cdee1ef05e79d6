"""Which helm binary runs, and what it can do.

A helm is named by a path or by a version (`3.19`, `4.3.1`: one of the pinned binaries
`make setup` keeps under `<root>/.tools/helm/VERSION/helm`). Unnamed, it is
`<root>/.tools/bin/helm`, else the `helm` on PATH. Code asks the binary what it can do,
never assumes a version.
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Mapping

from .. import project


class HelmNotFound(RuntimeError):
    """No usable helm binary; the message says how to get one."""


_VERSION_SPEC = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?$")


def _executable(path: str | Path) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def pinned_binaries() -> dict[str, Path]:
    """The pinned helm binaries under <root>/.tools/helm, by full version ("3.19.0")."""
    folder = project.tools_dir() / "helm"
    if not folder.is_dir():
        return {}
    found = {p.parent.name: p for p in folder.glob("*/helm") if _executable(p)}
    return dict(sorted(found.items(), key=lambda kv: parse_version(kv[0])))


def _by_version(spec: str) -> str:
    wanted = _VERSION_SPEC.match(spec)
    assert wanted is not None
    pinned = pinned_binaries()
    hits = [path for version, path in pinned.items()
            if parse_version(version)[: 3 if wanted.group(3) else 2] == tuple(int(g) for g in wanted.groups() if g)]
    if not hits:
        known = ", ".join(pinned) or "none"
        raise HelmNotFound(f"no pinned helm {spec} under {project.tools_dir() / 'helm'} (pinned: {known}); run `make setup`")
    return str(hits[-1])


def helm_binary(spec: str | None = None) -> str:
    """The helm CLI to run: `spec` (a path or a version), else the configured one
    (--netpol-helm, $NETPOL_HELM), else <root>/.tools/bin/helm, else PATH."""
    try:
        chosen, source = (spec, "helm") if spec else project.helm_spec()
    except ValueError as err:
        raise HelmNotFound(str(err)) from None
    if chosen:
        if _VERSION_SPEC.match(chosen) and not os.path.exists(chosen):
            return _by_version(chosen)
        if not _executable(chosen):
            raise HelmNotFound(f"{source} {chosen!r} is not an executable file (nor a pinned version such as 3.19)")
        return str(chosen)
    default = project.tools_dir() / "bin" / "helm"
    if _executable(default):
        return str(default)
    on_path = shutil.which("helm")
    if on_path:
        return on_path
    raise HelmNotFound(
        f"helm not found: run `make setup` (it installs {default}), "
        f"or put helm >= 3.10 on PATH, or name one with --netpol-helm / {project.HELM_ENV}"
    )


_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


def parse_version(text: str) -> tuple[int, int, int]:
    match = _VERSION.search(text)
    if not match:
        raise ValueError(f"not a helm version: {text!r}")
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


@functools.lru_cache(maxsize=None)
def _version_string(binary: str) -> str:
    # Version and commit: two builds of one tag may still differ, and the render
    # cache must never mix them.
    proc = subprocess.run(
        [binary, "version", "--template", "{{.Version}}+{{.GitCommit}}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if proc.returncode != 0 or not proc.stdout.strip():
        raise HelmNotFound(f"`{binary} version` failed: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout.strip()


def helm_identity(binary: str | None = None) -> str:
    """A string that changes whenever the helm build changes (version + git commit)."""
    return _version_string(binary or helm_binary())


def helm_version(binary: str | None = None) -> tuple[int, int, int]:
    return parse_version(helm_identity(binary).split("+", 1)[0])


def helm_supports_enable_dns(binary: str | None = None) -> bool:
    """Helm 3.11.1 added `--enable-dns`; before it, getHostByName always resolved."""
    return helm_version(binary) >= (3, 11, 1)


def by_helm_version(binary: str, since: Mapping[str, Any]) -> Any:
    """The entry of `since` for this helm binary (see `for_version`)."""
    return for_version(helm_version(binary), since)


def for_version(version: tuple[int, int, int], since: Mapping[str, Any]) -> Any:
    """The entry of `since` for a helm version: keys are the first version a value holds
    for ({"3.10": a, "3.19": b} gives b on 3.19.0 and 4.3.1, a on 3.10.1)."""
    fits = [(_version_key(k), v) for k, v in since.items() if _version_key(k) <= version]
    if not fits:
        raise KeyError(f"helm {'.'.join(map(str, version))} is older than every version in {sorted(since)}")
    return max(fits, key=lambda kv: kv[0])[1]


def _version_key(text: str) -> tuple[int, int, int]:
    parts = [int(p) for p in text.lstrip("v").split(".")]
    return tuple((parts + [0, 0])[:3])  # type: ignore[return-value]
