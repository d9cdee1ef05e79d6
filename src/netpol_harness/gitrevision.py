"""A chart as it is at a git revision, without a second checkout (`chart_at_revision`).

The whole tree of the revision is extracted (`git archive`), not only the chart's folder,
because charts reach their neighbours (`file://../netpol`, a charts/netpol symlink to
../../netpol); tarfile's "data" filter refuses members that would land outside the
temporary directory. A dependency packaged by `make setup` (charts/NAME-VERSION.tgz) is
not in git, so when Chart.yaml lists a `file://` dependency that charts/ lacks,
`helm dependency build --skip-refresh` packages it from the extracted tree, offline; a
missing dependency from a chart repository is one clear error instead (the values may
disable it: --stub-disabled-dependencies). Every git and helm call has a timeout, and the
directory is removed on exit and on error. Every failure is a RevisionError of one line.
"""
from __future__ import annotations

import contextlib
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Iterator

from .helm.dependencies import missing_dependencies

GIT_TIMEOUT = 120
HELM_TIMEOUT = 300


class RevisionError(ValueError):
    """The chart cannot be had at the revision; the message is one line naming it."""


def _run(argv: list[str], what: str, timeout: float, **kwargs) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(argv, capture_output="stdout" not in kwargs, timeout=timeout, **kwargs)
    except FileNotFoundError:
        raise RevisionError(f"{what}: {argv[0]} is not installed") from None
    except subprocess.TimeoutExpired:
        raise RevisionError(f"{what}: {argv[0]} {argv[1] if len(argv) > 1 else ''} did not finish within "
                            f"{timeout:g}s") from None


def _last_line(data: bytes | str | None) -> str:
    text = data.decode(errors="replace") if isinstance(data, bytes) else data or ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def repository_of(chart: Path, rev: str) -> Path:
    """The top of the git work tree that holds `chart`."""
    if not chart.is_dir():
        raise RevisionError(f"--base {rev}: {chart} is not a directory")
    out = _run(["git", "-C", str(chart), "rev-parse", "--show-toplevel"], f"--base {rev}", GIT_TIMEOUT, text=True)
    if out.returncode != 0:
        raise RevisionError(f"--base {rev}: {chart} is not in a git repository ({_last_line(out.stderr)})")
    return Path(out.stdout.strip()).resolve()


def commit_of(top: Path, rev: str) -> str:
    """The commit `rev` names in the repository at `top`."""
    if not rev or rev.startswith("-"):
        raise RevisionError(f"--base {rev!r}: not a git revision")
    out = _run(["git", "-C", str(top), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
               f"--base {rev}", GIT_TIMEOUT, text=True)
    if out.returncode != 0:
        raise RevisionError(f"--base {rev}: not a revision of the git repository {top}")
    return out.stdout.strip()


def extract_tree(top: Path, commit: str, rev: str, into: Path) -> None:
    """The whole tree of `commit` under `into`, through a tar file on disk (bounded memory)."""
    archive = into.parent / "tree.tar"
    with archive.open("wb") as sink:
        out = _run(["git", "-C", str(top), "archive", "--format=tar", commit], f"--base {rev}", GIT_TIMEOUT,
                   stdout=sink, stderr=subprocess.PIPE)
    if out.returncode != 0:
        raise RevisionError(f"--base {rev}: git archive failed: {_last_line(out.stderr)}")
    into.mkdir()
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(into, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise RevisionError(f"--base {rev}: cannot extract the tree of {rev}: {exc}") from None
    finally:
        archive.unlink()


def build_file_dependencies(chart: Path, rev: str, helm: str, scratch: Path, *, allow_remote: bool = False) -> None:
    """Package the `file://` dependencies charts/ lacks (`helm dependency build`, offline);
    RevisionError for a missing one from a chart repository, unless `allow_remote` (the
    render then stands in for the disabled ones, and names an enabled one)."""
    missing = missing_dependencies(chart)
    remote = [str(d["name"]) for d in missing if not str(d.get("repository") or "").startswith("file://")]
    if remote and not allow_remote:
        raise RevisionError(f"--base {rev}: the chart at {rev} needs dependencies from a chart repository that "
                            f"its charts/ lacks: {', '.join(remote)}; pass --stub-disabled-dependencies when the "
                            "values disable them, or commit what `helm dependency build` fetches")
    if not missing or remote:
        return
    # Helm's own homes in the scratch directory: an offline build reads no user repositories.
    env = {**os.environ, **{f"HELM_{k}_HOME": str(scratch / k.lower()) for k in ("CACHE", "CONFIG", "DATA")}}
    out = _run([helm, "dependency", "build", "--skip-refresh", str(chart)], f"--base {rev}", HELM_TIMEOUT,
               text=True, env=env)
    if out.returncode != 0:
        raise RevisionError(f"--base {rev}: helm dependency build failed for the chart at {rev}: "
                            f"{_last_line(out.stderr)}")


@contextlib.contextmanager
def chart_at_revision(chart: str | os.PathLike, rev: str, *, helm: str = "helm",
                      allow_remote_dependencies: bool = False) -> Iterator[Path]:
    """The chart folder as it is at `rev` of the git repository that holds `chart`, in a
    temporary directory removed when the block ends; its missing `file://` dependencies
    are built with `helm` (see `build_file_dependencies`)."""
    path = Path(chart).resolve()
    top = repository_of(path, rev)
    commit = commit_of(top, rev)
    inside = path.relative_to(top)
    with tempfile.TemporaryDirectory(prefix="netpol-base-") as scratch:
        tree = Path(scratch) / "tree"
        extract_tree(top, commit, rev, tree)
        at = tree / inside
        if not (at / "Chart.yaml").is_file():
            raise RevisionError(f"--base {rev}: {inside.as_posix() or '.'} holds no chart (Chart.yaml) at {rev}")
        build_file_dependencies(at, rev, helm, Path(scratch), allow_remote=allow_remote_dependencies)
        yield at
