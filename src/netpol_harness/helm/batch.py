"""Render many value cases of one chart in one helm process, with the objects each case
gives alone.

Helm's start-up is most of a small chart's render. A batch is an umbrella chart whose
subcharts c0 .. cN-1 are copies of the chart, each given one case's values; one `helm
template` renders them all and the output is split back per case. A copy renders as the
chart does alone except where the chart or the case lets the difference show:
  * a subchart's `.Chart.Name` is its name in the umbrella: the copies' templates get the
    chart's own name written in where they say `.Chart.Name`;
  * charts that show the difference anyway are never batched (`hazards()`): `.Template.Name`,
    other `.Chart` fields, the whole `.Values` printed (a batch adds `global`), dependencies
    switched by conditions or tags (the umbrella's values decide those), library templates
    that non-library subcharts also call, template text in the defaults;
  * cases that would are rendered alone (`batchable()`): `global`, `tags`, nulls (Helm
    coalesces them across subcharts), and template text (`tpl` would render it in the copy).
`BatchRenderer.verify()` renders a case both ways and turns batching off for a chart
where they differ. A batch that fails or warns is split in halves until each such case is
rendered alone, so its error is exactly the one helm gives it alone. Batch results are
cached apart from single renders: `render()` never answers with one.

`api_versions` (a cases file's `apiVersions`) go to every helm process, alone or for a
batch, as `--api-versions`: `.Capabilities.APIVersions` is one set for the whole
umbrella, so each copy sees what the chart alone would. They are part of every cache
key, so a render cached without them never answers a case that has them.

Every helm process, alone or for a batch, gets `timeout` seconds: a batch that runs out
renders its cases one by one, and a case that runs out alone gets a failing result that
says so (never cached), so one hanging case costs its own render and no more.
"""
from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml

from .. import project
from . import cache as store
from .binary import helm_binary, helm_version
from .template import DEFAULT_NAMESPACE, DEFAULT_RELEASE, RenderResult, YAML_DUMPER, cached_render, render, store_render

UMBRELLA = "netpol-batch"
# Cases per helm process, measured on this project's charts (scripts/bench.py): Helm 3.10
# slows down past a few dozen subcharts; newer ones keep their per-case time to 100 and more.
BATCH_SIZES = {(3, 10): 20}
DEFAULT_BATCH_SIZE = 50
DEFAULT_CASE_TIMEOUT = 300.0  # seconds per helm process: generous, yet a hanging case ends
_CHART_NAME = re.compile(r"(?<![\w.])(\$[A-Za-z0-9_]*)?\.Chart\.Name\b")
_CHART_FIELDS = re.compile(r"\.Chart\.(?!(Name|Version|AppVersion)\b)\w+|\.Chart\s*[|)}]")
_WHOLE_VALUES = re.compile(r"(toYaml|toJson|toPrettyJson|toRawJson|toToml)\s+\$?\.Values\s*(\||\)|}})")
_RAW_CHART_NAME = re.compile(r"`[^`]*\.Chart\.Name[^`]*`")
_NOISE = ("found symbolic link",)  # helm's note on the links a batch is made of
_SOURCE = re.compile(r"^---\n# Source: " + UMBRELLA + r"/charts/c(\d+)/", re.M)


def batch_size_for(helm: str | None) -> int:
    version = helm_version(helm_binary(helm))
    return BATCH_SIZES.get(version[:2], DEFAULT_BATCH_SIZE)


def batchable(values: Mapping[str, Any]) -> bool:
    """Whether a case renders in a batch as it does alone: no `global`, no `tags`, no null
    and no template text anywhere."""
    def risky(v: Any) -> bool:
        if v is None or (isinstance(v, str) and "{{" in v):
            return True
        if isinstance(v, Mapping):
            return any(risky(x) for x in v.values())
        if isinstance(v, list):
            return any(risky(x) for x in v)
        return False
    return "global" not in values and "tags" not in values and not risky(dict(values))


def hazards(files: Mapping[str, bytes]) -> list[str]:
    """What in a chart would let a batch render differ from a render alone."""
    found = []
    meta = yaml.safe_load(files.get("Chart.yaml", b"{}")) or {}
    if any(isinstance(d, Mapping) and (d.get("condition") or d.get("tags")) for d in meta.get("dependencies") or ()):
        found.append("dependencies switched by conditions or tags")
    charts = {rel.rsplit("/Chart.yaml", 1)[0]: data for rel, data in files.items()
              if rel.endswith("/Chart.yaml") and rel.count("/") == 2 and rel.startswith("charts/")}
    libraries = {d for d, data in charts.items() if b"type: library" in data}
    for rel, data in files.items():
        if not (rel.startswith("templates/") or any(rel.startswith(f"{lib}/templates/") for lib in libraries)):
            continue
        text = data.decode(errors="replace")
        if ".Template.Name" in text:
            found.append(f"{rel}: .Template.Name")
        if _CHART_FIELDS.search(text):
            found.append(f"{rel}: .Chart beyond Name, Version and AppVersion")
        if _WHOLE_VALUES.search(text):
            found.append(f"{rel}: the whole .Values printed")
        if _RAW_CHART_NAME.search(text):
            found.append(f"{rel}: .Chart.Name inside a raw string")
        if rel.split("/templates/")[0] in libraries and ".Chart.Name" in text and set(charts) - libraries:
            found.append(f"{rel}: a library's .Chart.Name, and subcharts that are not libraries")
    defaults = files.get("values.yaml", b"").decode(errors="replace")
    if "{{" in defaults and (".Chart" in defaults or ".Template" in defaults):
        found.append("values.yaml: template text about .Chart or .Template")
    return found


def _shared_files(files: Mapping[str, bytes], name: str) -> dict[str, bytes]:
    """The chart's files as every copy sees them: `.Chart.Name` written in as the chart's
    own name, in its templates and in those of its library subcharts (they run with its
    context)."""
    libraries = {rel.rsplit("/Chart.yaml", 1)[0] for rel, data in files.items()
                 if rel.endswith("Chart.yaml") and rel != "Chart.yaml" and b"type: library" in data}
    out = {}
    for rel, data in files.items():
        top_template = rel.startswith("templates/")
        library_template = any(rel.startswith(f"{lib}/templates/") for lib in libraries)
        if top_template or library_template:
            data = _CHART_NAME.sub(f'"{name}"', data.decode()).encode()
        out[rel] = data
    return out


def _write_copy(shared: Path, files: Mapping[str, bytes], target: Path, copy_name: str) -> None:
    """A copy named `copy_name` (helm keys subcharts by their Chart.yaml name): its own
    Chart.yaml, every other top-level entry a link into the shared files."""
    target.mkdir(parents=True)
    meta = yaml.safe_load(files["Chart.yaml"]) or {}
    (target / "Chart.yaml").write_text(yaml.safe_dump({**meta, "name": copy_name}, sort_keys=False))
    for entry in sorted({rel.split("/", 1)[0] for rel in files} - {"Chart.yaml"}):
        (target / entry).symlink_to(shared / entry)


@dataclass
class BatchRenderer:
    chart: Path
    helm: str | None = None
    release: str = DEFAULT_RELEASE
    namespace: str = DEFAULT_NAMESPACE
    size: int | None = None
    timeout: float = DEFAULT_CASE_TIMEOUT  # seconds per helm process, alone or for a batch
    api_versions: tuple[str, ...] = ()  # helm --api-versions, for every render
    enabled: bool = True
    reason: str = ""  # why batching is off for this chart
    verified: bool | None = None  # whether a batch was seen to render as a render alone does
    stats: dict[str, int] = field(default_factory=lambda: {"batches": 0, "alone": 0, "cached": 0, "split": 0})

    def __post_init__(self) -> None:
        self.chart = Path(self.chart)
        self.api_versions = tuple(self.api_versions)
        self.flags = [arg for v in self.api_versions for arg in ("--api-versions", v)]
        self.binary = helm_binary(self.helm)
        self.size = self.size or batch_size_for(self.helm)
        self._load()
        found = hazards(self.files)
        if found:
            self.enabled, self.reason = False, "rendered case by case: " + "; ".join(found)

    def _load(self) -> None:
        """Read the chart; umbrellas are (re)built from these bytes."""
        self.files = store.chart_files(self.chart)
        self.digest = store.digest({}, self.files)
        meta = yaml.safe_load(self.files.get("Chart.yaml", b"{}")) or {}
        self.name = str(meta.get("name") or self.chart.name)
        self._umbrellas: dict[int, Path] = {}
        self._work = Path(tempfile.mkdtemp(prefix="netpol-batch-"))
        project.remove_at_exit(self._work)

    # ------------------------------------------------------------------ public
    def render(self, cases: Sequence[Mapping[str, Any]]) -> list[RenderResult]:
        """One result per case, in order, each as `render(chart, values=case)` gives it."""
        if store.digest({}, store.chart_files(self.chart)) != self.digest:
            self._load()  # the chart changed: a batch must render what a render alone would now
        results: list[RenderResult | None] = [None] * len(cases)
        pending = []
        for k, values in enumerate(cases):
            hit = self._cached(values)
            if hit is not None:
                results[k] = hit
                self.stats["cached"] += 1
            elif self.enabled and batchable(values):
                pending.append(k)
            else:
                results[k] = self._alone(values)
        for start in range(0, len(pending), self.size):
            chunk = pending[start:start + self.size]
            for k, result in zip(chunk, self._batch([cases[k] for k in chunk])):
                results[k] = result
        return [r for r in results if r is not None]

    def _cached(self, values: Mapping[str, Any]) -> RenderResult | None:
        where = dict(values=values, release=self.release, namespace=self.namespace, helm=self.helm, files=self.files,
                     extra_args=self.flags)
        return cached_render(self.chart, **where) or cached_render(self.chart, **where, batch=True)

    def verify_on(self, cases: Sequence[Mapping[str, Any]], tries: int = 3) -> None:
        """Until a verdict is in, `verify` on the first batchable cases that render alone."""
        for values in [v for v in cases if batchable(v)][:tries]:
            if self.verified is not None:
                return
            self.verified = self.verify(values)

    def verify(self, values: Mapping[str, Any]) -> bool | None:
        """Render `values` alone and in a batch of two; batching stays on only if both
        give the same objects. None when `values` does not render alone, or either render
        runs out of time: it proves nothing."""
        alone = render(self.chart, values=values, release=self.release, namespace=self.namespace, helm=self.helm,
                       cache=False, timeout=self.timeout, extra_args=self.flags)
        if not alone.ok:
            return None
        try:
            batched = self._run([values, values])
        except subprocess.TimeoutExpired:
            return None
        same = batched is not None and all((b.objects, b.stdout) == (alone.objects, alone.stdout) for b in batched)
        if not same:
            self.enabled = False
            self.reason = "a batch renders this chart differently from a render alone"
        return same

    # ------------------------------------------------------------------ batches
    def _alone(self, values: Mapping[str, Any]) -> RenderResult:
        """A render alone; one that runs out of time is a failing result that says so."""
        self.stats["alone"] += 1
        return render(self.chart, values=values, release=self.release, namespace=self.namespace, helm=self.helm,
                      timeout=self.timeout, extra_args=self.flags)

    def _batch(self, cases: list[Mapping[str, Any]]) -> list[RenderResult]:
        if len(cases) == 1:
            return [self._alone(cases[0])]
        try:
            results = self._run(cases)
        except subprocess.TimeoutExpired:  # some case hangs, or the batch is slow: each case alone, with its own time
            self.stats["split"] += 1
            return [self._alone(values) for values in cases]
        if results is None:  # some case fails: halve until each failing case is alone
            self.stats["split"] += 1
            half = len(cases) // 2
            return self._batch(cases[:half]) + self._batch(cases[half:])
        for values, result in zip(cases, results):
            store_render(result, self.chart, values=values, release=self.release, namespace=self.namespace, helm=self.helm,
                         files=self.files, extra_args=self.flags)
        return results

    def _umbrella(self, n: int) -> Path:
        path = self._umbrellas.get(n)
        if path is None:
            path = self._work / f"u{n}" / UMBRELLA
            (path / "Chart.yaml").parent.mkdir(parents=True)
            (path / "Chart.yaml").write_text(f"apiVersion: v2\nname: {UMBRELLA}\nversion: 0.0.0\n")
            shared = self._work / "shared"
            if not shared.exists():
                store.write_snapshot(_shared_files(self.files, self.name), shared)
            for i in range(n):
                _write_copy(shared, self.files, path / "charts" / f"c{i}", f"c{i}")
            self._umbrellas[n] = path
        return path

    def _run(self, cases: list[Mapping[str, Any]]) -> list[RenderResult] | None:
        """Each case's result from one helm process, or None when the batch failed;
        TimeoutExpired when helm runs out of time (it is killed)."""
        self.stats["batches"] += 1
        values = {f"c{i}": dict(v) for i, v in enumerate(cases)}
        fd, values_path = tempfile.mkstemp(dir=self._work, suffix=".yaml")
        with os.fdopen(fd, "w") as handle:
            handle.write(yaml.dump(values, Dumper=YAML_DUMPER, sort_keys=False))
        try:
            argv = [self.binary, "template", self.release, str(self._umbrella(len(cases))), "--namespace", self.namespace,
                    "-f", values_path, *self.flags]
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=self.timeout)
        finally:
            os.unlink(values_path)
        warnings = [l for l in proc.stderr.splitlines() if l.strip() and not any(n in l for n in _NOISE)]
        if proc.returncode != 0 or warnings:
            return None  # a case fails or warns: halve until it is alone and gets its own words
        return self._split(proc.stdout, len(cases))

    def _split(self, stdout: str, n: int) -> list[RenderResult] | None:
        """Each case's part of the output, as a render alone prints it; None when some
        part does not parse (a render alone reports that per case)."""
        from .parsed import parse_rendered

        parts: list[list[str]] = [[] for _ in range(n)]
        marks = list(_SOURCE.finditer(stdout))
        for m, following in zip(marks, marks[1:] + [None]):
            end = following.start() if following is not None else len(stdout)
            doc = stdout[m.start():end].replace(f"{UMBRELLA}/charts/c{m.group(1)}/", f"{self.name}/", 1)
            parts[int(m.group(1))].append(doc)
        argv = (self.binary, "template", self.release, str(self.chart), "--namespace", self.namespace, "-f", "<tmp>/values-0.yaml",
                *self.flags)
        out = []
        for docs in parts:
            # Helm 4 puts a blank line before each `---`: the last document of a case ends
            # as the whole output does, not with the next case's blank line.
            if docs and docs[-1].endswith("\n\n") and not stdout.endswith("\n\n"):
                docs[-1] = docs[-1][:-1]
            text = "".join(docs)
            try:
                objects = parse_rendered(docs)
            except yaml.YAMLError:
                return None
            out.append(RenderResult(True, 0, text, "", objects, None, argv, False, self.namespace))
        return out
