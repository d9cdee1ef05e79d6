"""The render cache: a chart's files as helm reads them, and records stored by a key
that hashes everything that can change helm's output.

The key covers every chart file with symlinks followed (so `charts/netpol -> ../../netpol`
counts), and helm renders a private snapshot written from exactly those bytes: a chart
edited while a render runs can never be cached under the wrong key.

The cache holds only answers helm gave (`cacheable`): never a render ended by a signal
(killed, or timed out) or one the harness could not run. A cache that cannot be written
costs only speed (one warning per process); a record of the wrong shape is discarded
with a warning and rendered again.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Mapping

from .. import project

FORMAT = 3  # bump when a cached record's meaning changes


def chart_files(chart: Path) -> dict[str, bytes]:
    """Every file of a chart directory by relative path, following symlinks the way
    helm does (a dependency linked into charts/ is part of the chart)."""
    files: dict[str, bytes] = {}
    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(chart, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen:  # a symlink loop; helm would fail, we just stop descending
            dirnames[:] = []
            continue
        seen.add(real)
        dirnames.sort()
        for name in sorted(filenames):
            full = Path(dirpath, name)
            if full.is_file():
                files[full.relative_to(chart).as_posix()] = full.read_bytes()
    return files


def write_snapshot(files: Mapping[str, bytes], target: Path) -> None:
    for rel, data in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def digest(parts: Mapping[str, Any], files: Mapping[str, bytes]) -> str:
    h = hashlib.sha256()
    h.update(json.dumps({"format": FORMAT, **parts}, sort_keys=True, default=str).encode())
    for rel in sorted(files):
        h.update(b"\0file\0" + rel.encode() + b"\0")
        h.update(hashlib.sha256(files[rel]).digest())
    return h.hexdigest()


# Each record field and the types it may hold (None: may be missing).
_FIELDS: dict[str, tuple[type, ...]] = {
    "returncode": (int,), "stdout": (str,), "stderr": (str,), "notes": (str, type(None)),
    "argv": (list, type(None)), "objects": (list, type(None)),
}
_OPTIONAL = ("argv", "objects")
_WARNED: set[str] = set()  # the kinds of warning this process has given


def _warn(kind: str, message: str, once: bool = True) -> None:
    """One line on stderr; with `once`, the first of its kind in this process only."""
    if once and kind in _WARNED:
        return
    _WARNED.add(kind)
    print(f"netpol: warning: {message}", file=sys.stderr)


def cacheable(record: Mapping[str, Any]) -> bool:
    """Whether a record is an answer helm gave: it exited by itself (a negative returncode
    is a signal: a kill, a timeout) and the harness ran it (no `harness_error`)."""
    return record.get("returncode", -1) >= 0 and not record.get("harness_error")


def _problem(record: Any) -> str | None:
    """What is wrong with a stored record, or None when it is one to answer with."""
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        return "not a record this netpol wrote"
    for name, types in _FIELDS.items():
        if name not in record:
            if name not in _OPTIONAL:
                return "not a record this netpol wrote"
        elif not isinstance(record[name], types) or isinstance(record[name], bool):
            return "not a record this netpol wrote"
    if not all(isinstance(o, dict) for o in record.get("objects") or ()):
        return "not a record this netpol wrote"
    return None if cacheable(record) else "a render helm did not finish (ended by a signal)"


def load(key: str) -> dict | None:
    """The record stored under `key`, or None: none, unreadable, or one not to answer with
    (then it is removed, with a warning, so the render runs and stores it again)."""
    path = project.cache_dir() / key[:2] / f"{key}.json"
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError):
        return None
    try:
        record = json.loads(text)
    except ValueError:
        record = None
    problem = _problem(record)
    if problem is None:
        return record
    _warn("shape", f"discarded the render cache record {path}: {problem}", once=False)
    try:
        path.unlink()
    except OSError:
        pass  # store() replaces it, or warns that it cannot
    return None


def store(key: str, record: dict) -> None:
    """Store `record` under `key`; a cache that cannot be written is a warning (once per
    process), never an error: the render's result stands."""
    folder = project.cache_dir() / key[:2]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Write aside, then rename: readers in other pytest-xdist workers see either
        # nothing or the whole record.
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
    except OSError as err:
        return _unwritable(err)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(json.dumps({**record, "format": FORMAT}))
        os.replace(tmp, folder / f"{key}.json")
    except OSError as err:
        _remove(tmp)
        _unwritable(err)
    except BaseException:
        _remove(tmp)
        raise


def _remove(path: str) -> None:
    try:
        Path(path).unlink(missing_ok=True)
    except OSError:
        pass


def _unwritable(err: OSError) -> None:
    where = err.filename or project.cache_dir()
    _warn("write", f"the render cache {project.cache_dir()} cannot be written ({err.strerror or err} at {where}); "
                   "renders run uncached")


class Snapshots:
    """Chart snapshots helm renders from, one per chart content, kept for the life of the
    process: writing and removing a chart's files cost more than the render on some disks.
    A snapshot is never changed once written."""

    def __init__(self) -> None:
        self._root: Path | None = None
        self._pid = os.getpid()
        self._made: dict[str, Path] = {}
        self._lock = threading.Lock()

    @property
    def root(self) -> Path:
        if self._root is None or self._pid != os.getpid():
            # A forked worker writes its own snapshots, never into its parent's.
            self._root, self._pid, self._made = Path(tempfile.mkdtemp(prefix="netpol-render-")), os.getpid(), {}
            project.remove_at_exit(self._root)
        return self._root

    def path(self, files: Mapping[str, bytes], name: str, private: bool = False) -> Path:
        """A directory `name` holding exactly `files`; `private`: one nobody else gets
        (helm will write into it)."""
        if private:
            snapshot = Path(tempfile.mkdtemp(dir=self.root, prefix="private-")) / name
            write_snapshot(files, snapshot)
            return snapshot
        key = digest({}, files)
        root = self.root
        with self._lock:
            snapshot = self._made.get(key)
            if snapshot is None:
                snapshot = root / key[:16] / name
                write_snapshot(files, snapshot)
                self._made[key] = snapshot
        return snapshot
