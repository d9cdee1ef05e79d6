"""Where the helm binary is and what it can do.

The pinned reference is Helm 3.10.1 in `.tools/bin/helm` (installed by `make setup`);
CI may bring a newer Helm on PATH. Code asks the binary, never assumes a version.
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from pathlib import Path

HELM_ENV = "NETPOL_HELM"


class HelmNotFound(RuntimeError):
    """No usable helm binary; the message says how to get one."""


def repo_root() -> Path:
    # tests/harness/tools.py -> repository root, wherever the checkout lives.
    return Path(__file__).resolve().parents[2]


def helm_binary() -> str:
    """The helm CLI to run: $NETPOL_HELM, else the project's pinned one, else PATH."""
    explicit = os.environ.get(HELM_ENV)
    if explicit:
        if not (os.path.isfile(explicit) and os.access(explicit, os.X_OK)):
            raise HelmNotFound(f"{HELM_ENV}={explicit} is not an executable file")
        return explicit
    pinned = repo_root() / ".tools" / "bin" / "helm"
    if pinned.exists() and os.access(pinned, os.X_OK):
        return str(pinned)
    on_path = shutil.which("helm")
    if on_path:
        return on_path
    raise HelmNotFound(
        "helm not found: run `make setup` (it installs .tools/bin/helm), "
        f"or put helm >= 3.10 on PATH, or set {HELM_ENV}"
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
