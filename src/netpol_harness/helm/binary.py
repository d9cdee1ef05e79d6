"""Which helm binary runs, and what it can do.

A helm is named by a path or by a version (`3.19`, `4.3.1`: one of the pinned binaries
`make setup` keeps under `<root>/.tools/helm/VERSION/helm`). Unnamed, it is
`<root>/.tools/bin/helm`, else the `helm` on PATH. Code asks the binary what it can do,
never assumes a version; a helm outside SUPPORTED is refused (HelmUnsupported). The answer
is asked again whenever the file changes, and the render cache's key names the build and
the file (`helm_identity`).
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
    """No usable helm binary; the message says how to get one. Where a helm could be named,
    `naming(option)` says so with the option of the context that caught it (the CLI's
    --helm, pytest's --netpol-helm); str() names only $NETPOL_HELM."""

    def __init__(self, message: str, *, nameable: bool = False) -> None:
        super().__init__(message)
        self.nameable = nameable

    def __str__(self) -> str:
        return self.naming(None)

    def naming(self, option: str | None) -> str:
        """The message, saying how to name a helm with `option` (and $NETPOL_HELM)."""
        message = str(self.args[0]) if self.args else ""
        if not self.nameable:
            return message
        names = f"{option} or {project.HELM_ENV}" if option else project.HELM_ENV
        return f"{message}, or name one with {names}"


def _make_setup(what: str, otherwise: str = "") -> str:
    """"run `make setup`" and `what` when the project root is this checkout (its Makefile
    has a setup target), else `otherwise`: a user's project has no such target."""
    makefile = project.root() / "Makefile"
    try:
        ours = makefile.is_file() and re.search(r"^setup\s*:", makefile.read_text(errors="replace"), re.M)
    except OSError:
        ours = False
    return f"run `make setup`{what}" if ours else otherwise


class HelmUnsupported(HelmNotFound):
    """A helm binary of a version the harness does not support; the message names the supported ones."""


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
        how = _make_setup(" for the pinned ones", "give a path to a helm binary instead")
        raise HelmNotFound(f"no pinned helm {spec} under {project.tools_dir() / 'helm'} (pinned: {known}); {how}")
    return str(hits[-1])


def helm_binary(spec: str | None = None) -> str:
    """The helm CLI to run: `spec` (a path or a version), else the configured one
    (--netpol-helm, $NETPOL_HELM), else <root>/.tools/bin/helm, else PATH.
    HelmUnsupported when its version is outside SUPPORTED."""
    binary = _find(spec)
    _version_string(binary)  # asks it once per build, refuses an unsupported one
    return binary


def _find(spec: str | None) -> str:
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
    setup = _make_setup(f" (it installs {default}), or ")
    where = "" if setup else f" (nor at {default})"
    raise HelmNotFound(f"helm not found{where}: {setup}put helm >= 3.10 on PATH", nameable=True)


_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


def parse_version(text: str) -> tuple[int, int, int]:
    match = _VERSION.search(text)
    if not match:
        raise ValueError(f"not a helm version: {text!r}")
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


SUPPORTED = "helm 3.10 and later 3.x releases, and helm 4"


def supported(version: tuple[int, int, int]) -> bool:
    return (3, 10) <= version[:2] < (5, 0)


def _file_identity(binary: str) -> tuple[int, ...]:
    """What changes when the file at `binary` is replaced or rewritten."""
    try:
        st = os.stat(binary)
    except OSError as err:
        raise HelmNotFound(f"helm {binary!r}: {err.strerror}") from None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _version_string(binary: str) -> str:
    """Version and git commit of the helm at `binary`, asked again whenever the file changes."""
    return _ask_version(binary, _file_identity(binary))


@functools.lru_cache(maxsize=None)
def _ask_version(binary: str, file_identity: tuple[int, ...]) -> str:
    # Version and commit: two builds of one tag may still differ, and the render
    # cache must never mix them.
    try:
        proc = subprocess.run([binary, "version", "--template", "{{.Version}}+{{.GitCommit}}"],
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise HelmNotFound(f"`{binary} version` failed: {err}") from None
    text = proc.stdout.strip()
    if proc.returncode != 0 or not text:
        raise HelmNotFound(f"`{binary} version` failed: {proc.stderr.strip() or text or f'exit {proc.returncode}'}")
    try:
        version = parse_version(text)
    except ValueError:
        raise HelmUnsupported(f"{binary} printed no helm version ({text[:80]!r}); netpol supports {SUPPORTED}") from None
    if not supported(version):
        shown = _VERSION.search(text).group(0)  # type: ignore[union-attr]
        setup = _make_setup(" for pinned ones")
        raise HelmUnsupported(f"{binary} is helm {shown}; netpol supports {SUPPORTED}" + (f" ({setup})" if setup else ""))
    return text


def helm_identity(binary: str | None = None) -> str:
    """A string that changes whenever the helm build changes: version + git commit, and
    the file's size and modification time (a rebuilt or replaced binary is a new helm)."""
    binary = binary or helm_binary()
    _, _, size, mtime_ns, _ = _file_identity(binary)
    return f"{_version_string(binary)} size={size} mtime_ns={mtime_ns}"


def helm_version(binary: str | None = None) -> tuple[int, int, int]:
    return parse_version(_version_string(binary or helm_binary()))


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
