"""Where the harness finds things: the project root, the helm CLI, the render cache.

Nothing is found relative to this package's own files: an installed copy lives in
site-packages, far from the charts it checks. Each setting comes, in order, from what
the caller configured (the pytest plugin's options, the CLI's flags), then the
environment variable, then a default under the project root. The root is what the
caller configured (pytest's rootpath, `netpol --root`), else the current directory.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

HELM_ENV = "NETPOL_HELM"
CACHE_DIR_ENV = "NETPOL_CACHE_DIR"
NO_CACHE_ENV = "NETPOL_NO_CACHE"
REAL_CLUSTER_ENV = "NETPOL_REAL_CLUSTER"


@dataclass
class Settings:
    root: Path | None = None
    helm: str | None = None  # a path, or a version such as "3.19" (see netpol_harness.helm.binary)
    helms: tuple[str, ...] | None = None  # several: tests that use the helm fixture run once per helm
    cache_dir: Path | None = None
    no_cache: bool | None = None
    real_cluster: bool | None = None


_settings = Settings()


def configure(**changes: object) -> Settings:
    """Set some settings (None leaves one to its environment variable or default)."""
    known = {f.name for f in fields(Settings)}
    unknown = set(changes) - known
    if unknown:
        raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(_settings, name, value)
    return _settings


def root() -> Path:
    """The project whose charts are checked: as configured, else the current directory."""
    return Path(_settings.root) if _settings.root is not None else Path.cwd()


def split_helms(text: str | None) -> tuple[str, ...]:
    """"3.10,3.19, 4.3" -> ("3.10", "3.19", "4.3"): how several helms are named at once."""
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def helm_spec() -> tuple[str | None, str]:
    """The one helm the user asked for (path or version) and where it was asked for;
    (None, "") for the default search. When several helms are configured and none is
    chosen for the moment, the default is searched: several cannot run one render."""
    if _settings.helm:
        return _settings.helm, "the configured helm"
    if _settings.helms:
        return None, ""
    named = split_helms(os.environ.get(HELM_ENV))
    if len(named) > 1:
        raise ValueError(f"{HELM_ENV}={os.environ[HELM_ENV]} names several helms; name one (a path or a version) "
                         "for a single command, or run pytest, which runs each helm test once per helm")
    return (named[0], HELM_ENV) if named else (None, "")


def helms() -> tuple[str, ...]:
    """The helms each helm test runs under, when several were configured; () otherwise."""
    return tuple(_settings.helms or ())


def cache_dir() -> Path:
    if _settings.cache_dir is not None:
        return Path(_settings.cache_dir)
    return Path(os.environ.get(CACHE_DIR_ENV) or root() / ".cache" / "render")


def cache_enabled() -> bool:
    if _settings.no_cache is not None:
        return not _settings.no_cache
    return os.environ.get(NO_CACHE_ENV, "") in ("", "0")


def real_cluster() -> bool:
    """Lookup tests run against the cluster in KUBECONFIG instead of the in-memory one."""
    if _settings.real_cluster is not None:
        return _settings.real_cluster
    return os.environ.get(REAL_CLUSTER_ENV) == "1"


def tools_dir() -> Path:
    """Where `make setup` keeps the pinned helm binaries."""
    return root() / ".tools"


def remove_at_exit(path: Path) -> None:
    """Remove a scratch directory when this process ends, a worker process of a pool
    too (those end without running atexit handlers)."""
    import atexit
    import multiprocessing.util
    import shutil

    atexit.register(shutil.rmtree, path, True)
    multiprocessing.util.Finalize(None, shutil.rmtree, args=(path, True), exitpriority=10)
