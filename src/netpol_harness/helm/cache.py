"""The render cache: a chart's files as helm reads them, and records stored by a key
that hashes everything that can change helm's output.

The key covers every chart file with symlinks followed (so `charts/netpol -> ../../netpol`
counts), and helm renders a private snapshot written from exactly those bytes: a chart
edited while a render runs can never be cached under the wrong key.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
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


def load(key: str) -> dict | None:
    path = project.cache_dir() / key[:2] / f"{key}.json"
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return record if record.get("format") == FORMAT else None


def store(key: str, record: dict) -> None:
    folder = project.cache_dir() / key[:2]
    folder.mkdir(parents=True, exist_ok=True)
    # Write aside, then rename: readers in other pytest-xdist workers see either
    # nothing or the whole record.
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(json.dumps({**record, "format": FORMAT}))
        os.replace(tmp, folder / f"{key}.json")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
