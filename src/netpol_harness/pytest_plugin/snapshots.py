"""The pytest face of reachability snapshots: each `CHART/netpol-snapshots/<stem>.yaml`
under the configured chart paths is one test item, which renders the values example of
that stem and fails with the opened (+) and closed (-) flows, as `netpol snapshot --check`
prints them.

Like the expectation items, a snapshot item runs once, under the helm the run names or the
default one, not once per helm of `netpol_helm`: a snapshot states what the chart allows, one
answer for every helm, and an item per helm would only repeat the render (a difference
between helms is a finding of the helm tests, not a second snapshot).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from .. import project
from ..snapshot import FOLDER, Entry, SnapshotError, compare, entries, explain
from .render import CHART_PATHS_INI, DEFAULT_CHART_PATHS


class SnapshotDiffers(AssertionError):
    pass


def is_snapshot(file_path: Path, config: pytest.Config) -> bool:
    """A `netpol-snapshots/*.yaml` of a chart under one of the `netpol_chart_paths`."""
    if file_path.suffix != ".yaml" or file_path.parent.name != FOLDER:
        return False
    chart = file_path.parent.parent
    if not (chart / "Chart.yaml").is_file():
        return False
    search = config.getini(CHART_PATHS_INI) or DEFAULT_CHART_PATHS
    return any(chart.resolve().is_relative_to((config.rootpath / folder).resolve()) for folder in search)


def _shown(path: Path) -> str:
    """A path relative to the rootdir, where `netpol snapshot` is run from."""
    try:
        return str(path.resolve().relative_to(project.root().resolve()))
    except ValueError:
        return str(path)


class SnapshotFile(pytest.File):
    def collect(self):
        chart = self.path.parent.parent
        entry = next((e for e in entries(chart) if e.path == self.path), Entry(chart, self.path, None))
        values = entry.example.path.name if entry.example else "(no values file)"
        yield SnapshotItem.from_parent(self, name=f"{chart.name} with {values}", entry=entry)


class SnapshotItem(pytest.Item):
    def __init__(self, *, entry: Entry, **kwargs) -> None:
        super().__init__(**kwargs)
        self.entry = entry

    def runtest(self) -> None:
        try:
            result = compare(self.entry)
        except SnapshotError as err:
            raise SnapshotDiffers(str(err)) from None
        if result.status == "skipped":
            pytest.skip(result.skipped)
        if result.failed:
            raise SnapshotDiffers(explain(result, _shown))

    def repr_failure(self, excinfo, style=None):  # type: ignore[override]
        if isinstance(excinfo.value, SnapshotDiffers):
            return f"{self.name}\n{excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, f"snapshot {self.name}"
