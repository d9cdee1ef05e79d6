"""Run the real `helm template`, with an on-disk cache keyed by everything that can
change the output (see netpol_harness.helm.cache).

Why a probe for NOTES.txt: `helm template` drops NOTES.txt and `helm install
--dry-run` needs a reachable cluster in Helm 3.10 ("Kubernetes cluster unreachable").
Helm's engine does parse and execute NOTES.txt under `helm template` (it only throws
the text away), so the snapshot gets one extra template that includes it by its
template name and prints it as a JSON string. The probe is named to execute after
NOTES.txt (Helm runs same-depth templates in reverse lexical order), so a `fail` in
NOTES.txt reports exactly as it would without the probe. The probe document is
removed from `stdout` and `objects`.
"""
from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import json
import os
import re
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence, Union

import yaml

from .. import project
from ..loader import parse_manifests
from . import cache as store
from . import dependencies
from .binary import helm_binary, helm_identity, helm_supports_enable_dns

DEFAULT_RELEASE = "test"
DEFAULT_NAMESPACE = "default"

PROBE_NAME = "0netpol-notes-probe.yaml"
PROBE_KEY = "netpolNotesProbe"
PROBE_TEMPLATE = PROBE_KEY + ': {{ include (printf "%s/NOTES.txt" .Template.BasePath) . | toJson }}\n'
_PROBE_DOC = re.compile(
    r"^---\n# Source: [^\n]*/templates/" + re.escape(PROBE_NAME) + r"\n" + PROBE_KEY + r": ([^\n]*)\n?",
    re.M,
)

YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when present: about 3x faster
# Flags with which helm writes into the chart it renders (charts/*.tgz).
_WRITES_CHART = ("--dependency-update", "--dep-up")

# Flags that make helm talk to a cluster: the output then depends on cluster state,
# which no file hash captures.
_CLUSTER_FLAGS = ("--validate", "--dry-run=server", "--is-upgrade")

# Runs helm under something else: an argv prefix, or a callable from helm's argv to the
# argv to execute (netpol_harness.helm.resolver.Resolver is one).
Wrapper = Union[Sequence[str], Callable[[list[str]], list[str]]]


@dataclass(frozen=True)
class RenderResult:
    ok: bool
    returncode: int
    stdout: str
    stderr: str
    objects: list[dict]
    notes: str | None
    argv: tuple[str, ...] = field(default=(), compare=False)
    cached: bool = field(default=False, compare=False)
    namespace: str = field(default=DEFAULT_NAMESPACE, compare=False)  # the release namespace

    def by_kind(self, kind: str) -> list[dict]:
        return [o for o in self.objects if o.get("kind") == kind]

    def get(self, kind: str, name: str) -> dict:
        found = [o for o in self.by_kind(kind) if (o.get("metadata") or {}).get("name") == name]
        if len(found) != 1:
            names = sorted(f"{o.get('kind')}/{(o.get('metadata') or {}).get('name')}" for o in self.objects)
            raise KeyError(f"{kind}/{name}: found {len(found)} (rendered: {', '.join(names) or 'nothing'})")
        return found[0]


@dataclass
class _Call:
    """One render, resolved: what helm gets and what the cache key is made of."""

    chart: Path
    files: dict[str, bytes]
    with_notes: bool
    user_values: str | None
    file_contents: list[bytes]
    sets: list[str]
    release: str
    namespace: str
    dns_flag: bool
    extra: list[str]

    def argv(self, binary: str, chart_arg: str, values_paths: list[str]) -> list[str]:
        argv = [binary, "template", self.release, chart_arg, "--namespace", self.namespace]
        for path in values_paths:
            argv += ["-f", path]
        for item in self.sets:
            argv += ["--set", item]
        return argv + (["--enable-dns"] if self.dns_flag else []) + self.extra


def _wrapper_identity(wrapper: Wrapper | None) -> str | None:
    """A cache identity for the wrapper, or None when it has none (then: no cache)."""
    if wrapper is None:
        return ""
    if callable(wrapper):
        key = getattr(wrapper, "cache_key", None)
        return f"callable:{key}" if key else None
    return "prefix:" + json.dumps(list(wrapper))


def apply_wrapper(wrapper: Wrapper | None, argv: list[str]) -> list[str]:
    if wrapper is None:
        return argv
    if callable(wrapper):
        return list(wrapper(argv))
    return [*wrapper, *argv]


def _split_notes(stdout: str) -> tuple[str, str | None]:
    match = _PROBE_DOC.search(stdout)
    if not match:
        return stdout, None
    notes = json.loads(match.group(1))
    return stdout[: match.start()] + stdout[match.end():], notes


def _result_from(record: dict, argv: tuple[str, ...], cached: bool, namespace: str) -> RenderResult:
    stdout, notes, stderr = record["stdout"], record["notes"], record["stderr"]
    objects: list[dict] = []
    ok = record["returncode"] == 0
    if ok and record.get("objects") is not None:
        objects = record["objects"]  # parsed when stored: a cache hit skips YAML
    elif ok:
        try:
            objects = parse_manifests(stdout)
        except yaml.YAMLError as err:
            ok = False
            stderr += f"\nharness: helm printed YAML that does not parse: {err}"
    return RenderResult(ok, record["returncode"], stdout, stderr, objects, notes, argv, cached, namespace)


def _prepare(chart, values, values_files, set_values, release, namespace, enable_dns, extra_args, binary, notes,
             files: Mapping[str, bytes] | None = None) -> _Call:
    chart_path = Path(chart)
    if files is None:
        files = store.chart_files(chart_path) if chart_path.is_dir() else {}
    with_notes = notes and "templates/NOTES.txt" in files and "--output-dir" not in extra_args
    extra = list(extra_args)
    if with_notes and any(a in ("-s", "--show-only") or a.startswith("--show-only=") for a in extra):
        extra += ["--show-only", f"templates/{PROBE_NAME}"]
    return _Call(
        chart=chart_path,
        files=files,
        with_notes=with_notes,
        user_values=yaml.dump(dict(values), Dumper=YAML_DUMPER, sort_keys=False) if values else None,
        file_contents=[Path(f).read_bytes() for f in values_files],
        sets=list(set_values),
        release=release,
        namespace=namespace,
        dns_flag=enable_dns and helm_supports_enable_dns(binary),
        extra=extra,
    )


def _cache_key(call: _Call, binary: str, enable_dns: bool, env, wrapper, use_cache: bool) -> str | None:
    """The cache key, or None when this render must not be cached."""
    wrapper_id = _wrapper_identity(wrapper)
    cacheable = (
        use_cache
        and project.cache_enabled()
        and call.chart.is_dir()
        and wrapper_id is not None
        and not (enable_dns and wrapper is None)  # live DNS answers change
        and not any(a.split("=")[0] in _CLUSTER_FLAGS or a.startswith("--dry-run=server") for a in call.extra)
        and not (env and "KUBECONFIG" in env)
    )
    if not cacheable:
        return None
    parts = {
        "helm": helm_identity(binary),
        "values": call.user_values,
        "values_files": [hashlib.sha256(c).hexdigest() for c in call.file_contents],
        "set": call.sets,
        "release": call.release,
        "namespace": call.namespace,
        "enable_dns": call.dns_flag,
        "extra": call.extra,
        "env": sorted((env or {}).items()),
        "wrapper": wrapper_id,
        "notes_probe": PROBE_TEMPLATE if call.with_notes else None,
    }
    return store.digest(parts, call.files)


_SNAPSHOTS = store.Snapshots()


def _chart_arg(call: _Call) -> str:
    """The chart helm renders: a snapshot of exactly the hashed files (and the NOTES probe)."""
    if not call.files:
        return str(call.chart)
    files = {**call.files, f"templates/{PROBE_NAME}": PROBE_TEMPLATE.encode()} if call.with_notes else call.files
    private = any(a.split("=")[0] in _WRITES_CHART for a in call.extra)  # helm will write into it
    return str(_SNAPSHOTS.path(files, call.chart.resolve().name, private))


def _execute(argv: list[str], env: Mapping[str, str], timeout: float) -> dict:
    """helm's answer as a record; a kill, a timeout or a start that failed is said in
    stderr, and such a record is never cached (cache.cacheable)."""
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, env=dict(env), timeout=timeout)
    except subprocess.TimeoutExpired:  # subprocess.run killed it
        return {"returncode": -signal.SIGKILL, "stdout": "",
                "stderr": f"harness: helm did not finish within {timeout:g}s and was killed\n"}
    except OSError as err:
        return {"returncode": 127, "stdout": "", "stderr": f"harness: could not run {argv[0]}: {err.strerror or err}\n",
                "harness_error": True}
    stderr = proc.stderr
    if proc.returncode < 0:
        try:
            name = signal.Signals(-proc.returncode).name
        except ValueError:
            name = str(-proc.returncode)
        stderr += ("\n" if stderr and not stderr.endswith("\n") else "") + f"harness: helm was ended by signal {name}\n"
    return {"returncode": proc.returncode, "stdout": proc.stdout, "stderr": stderr}


def _run_helm(call: _Call, binary: str, env, wrapper, timeout: float) -> dict:
    """Run helm on a snapshot of the chart and copies of the values; the record to cache."""
    chart_arg = _chart_arg(call)
    tmp = _SNAPSHOTS.root
    # Copies of the values, so the cached result matches the bytes that were hashed.
    contents = ([call.user_values.encode()] if call.user_values is not None else []) + call.file_contents
    values_paths = []
    try:
        for content in contents:
            fd, path = tempfile.mkstemp(dir=tmp, prefix="values-", suffix=".yaml")
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
            values_paths.append(path)
        argv = call.argv(binary, chart_arg, values_paths)
        record = _execute(apply_wrapper(wrapper, argv), {**os.environ, **(env or {})}, timeout)
    finally:
        for path in values_paths:
            os.unlink(path)
    # Temp paths would make identical renders differ; show them as the user's names.
    shown = {chart_arg: "<tmp>/" + call.chart.resolve().name, **{p: f"<tmp>/values-{k}.yaml" for k, p in enumerate(values_paths)}}
    stderr = record["stderr"].replace(chart_arg, str(call.chart))
    for path in values_paths:
        stderr = stderr.replace(path, shown[path])
    stdout, notes = record["stdout"], None
    if call.with_notes and record["returncode"] >= 0:  # a killed helm's output may end mid-line
        stdout, notes = _split_notes(stdout)
    return {**record, "stdout": stdout, "stderr": stderr.replace(str(tmp), "<tmp>"),
            "notes": notes if record["returncode"] == 0 else None, "argv": [shown.get(a, a) for a in argv]}


def render(
    chart: str | os.PathLike,
    *,
    values: Mapping | None = None,
    values_files: Iterable[str | os.PathLike] = (),
    set_values: Iterable[str] = (),
    release: str = DEFAULT_RELEASE,
    namespace: str = DEFAULT_NAMESPACE,
    enable_dns: bool = False,
    extra_args: Sequence[str] = (),
    helm: str | None = None,
    env: Mapping[str, str] | None = None,
    wrapper: Wrapper | None = None,
    cache: bool = True,
    timeout: float = 180,
    notes: bool = False,
    stub_disabled_dependencies: bool = False,
) -> RenderResult:
    """`helm template RELEASE CHART --namespace NS -f <values> -f FILES --set ...`.

    `notes=True` also renders NOTES.txt into `result.notes` (it costs a second pass over
    NOTES; a `fail` in NOTES.txt stops the render either way, as it does `helm install`).

    `helm` is a path or a pinned version ("3.19"); None uses the configured helm.
    `wrapper` runs helm under something else (a mount namespace with a controlled
    hosts file, say): an argv prefix, or a callable from helm's argv to the argv to
    execute. A callable's output is cached only if it has a `cache_key` attribute that
    names what it changes (e.g. a hash of the hosts file).

    Not cached: with `--netpol-no-cache`/`NETPOL_NO_CACHE=1`, `cache=False`, a wrapper
    without identity, live DNS (`enable_dns` without a wrapper), a chart that is not a
    local directory, flags or a KUBECONFIG that make helm read a cluster, and a render
    helm did not finish (killed by a signal or by `timeout`, or not started). Helm <
    3.11.1 resolves names even without `enable_dns`: such renders are cached, so tests
    on that Helm give hosts as IP literals, names that never resolve (`.invalid`), or a
    wrapper.

    A dependency missing from charts/ is said with which the values disable, and what to do;
    `stub_disabled_dependencies=True` stands in empty charts for those (`helm.dependencies`).
    """
    binary = helm_binary(helm)
    call = _prepare(chart, values, values_files, set_values, release, namespace, enable_dns, extra_args, binary, notes)
    if stub_disabled_dependencies and call.files:  # in the snapshot, so in the cache key
        call.files = dependencies.with_stand_ins(call.files, [call.user_values, *call.file_contents], call.sets)
    result = _render_call(call, binary, _cache_key(call, binary, enable_dns, env, wrapper, cache), env, wrapper, timeout)
    if result.ok or not call.files:
        return result
    return dataclasses.replace(result, stderr=dependencies.explain(
        result.stderr, str(call.chart), call.files, [call.user_values, *call.file_contents], call.sets,
        stub_disabled_dependencies))


def _render_call(call: _Call, binary: str, key: str | None, env, wrapper, timeout: float) -> RenderResult:
    """The cached answer for `key`, else helm's (cached when helm gave it)."""
    if key is not None:
        record = store.load(key)
        if record is not None:
            return _result_from(record, tuple(record.get("argv", ())), True, call.namespace)
    record = _run_helm(call, binary, env, wrapper, timeout)
    result = _result_from(record, tuple(record["argv"]), False, call.namespace)
    if key is not None and store.cacheable(record):  # only answers helm gave
        store.store(key, {**record, "objects": result.objects if result.ok else None})
    return result


def _key_for(chart: str | os.PathLike, values: Mapping | None, release: str, namespace: str, helm: str | None,
             files: Mapping[str, bytes] | None, batch: bool, extra_args: Sequence[str] = ()) -> str | None:
    if not project.cache_enabled():  # no key to look up or store under: skip dumping the values to find one
        return None
    binary = helm_binary(helm)
    call = _prepare(chart, values, (), (), release, namespace, False, extra_args, binary, False, files)
    key = _cache_key(call, binary, False, None, None, True)
    # Batch results live apart: `render()` only ever answers with what helm said for one render.
    return key if key is None or not batch else hashlib.sha256(f"batch:{key}".encode()).hexdigest()


def cached_render(chart: str | os.PathLike, *, values: Mapping | None = None, release: str = DEFAULT_RELEASE,
                  namespace: str = DEFAULT_NAMESPACE, helm: str | None = None,
                  files: Mapping[str, bytes] | None = None, batch: bool = False,
                  extra_args: Sequence[str] = ()) -> RenderResult | None:
    """What `render(chart, values=..., extra_args=...)` has cached (with `batch=True`: what a
    batch stored for it), without running helm; None on a miss. `files`: the chart's files,
    if already read. `extra_args` (`--api-versions ...`) are part of the key, as in `render`."""
    key = _key_for(chart, values, release, namespace, helm, files, batch, extra_args)
    record = store.load(key) if key is not None else None
    return _result_from(record, tuple(record.get("argv", ())), True, namespace) if record is not None else None


def store_render(result: RenderResult, chart: str | os.PathLike, *, values: Mapping | None = None,
                 release: str = DEFAULT_RELEASE, namespace: str = DEFAULT_NAMESPACE, helm: str | None = None,
                 files: Mapping[str, bytes] | None = None, extra_args: Sequence[str] = ()) -> None:
    """Cache what a batch rendered for one case, under a key of its own (see `cached_render`);
    `files`: the chart's files the batch was rendered from; `extra_args`: the batch's flags."""
    key = _key_for(chart, values, release, namespace, helm, files, True, extra_args)
    if key is not None:
        store.store(key, {"returncode": result.returncode, "stdout": result.stdout, "stderr": result.stderr,
                          "notes": result.notes, "argv": list(result.argv), "objects": result.objects if result.ok else None})


def render_notes(chart: str | os.PathLike, **kwargs: Any) -> str | None:
    """NOTES.txt as `helm install` would print it (before trimming), rendered offline."""
    result = render(chart, **{**kwargs, "notes": True})
    if not result.ok:
        raise RuntimeError(f"render of {chart} failed:\n{result.stderr}")
    return result.notes


RenderJob = Union[Mapping[str, Any], tuple]


def render_many(jobs: Iterable[RenderJob], max_workers: int = 2) -> list[RenderResult]:
    """Render several jobs in parallel; results in job order.

    A job is a mapping of `render` keyword arguments including `chart`, or a
    `(chart, kwargs)` tuple. Threads suffice: the work happens in helm processes."""
    calls: list[tuple[Any, dict]] = []
    for job in jobs:
        if isinstance(job, tuple):
            chart, kwargs = job
            calls.append((chart, dict(kwargs)))
        else:
            kwargs = dict(job)
            calls.append((kwargs.pop("chart"), kwargs))
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max_workers)
    futures = [pool.submit(render, chart, **kwargs) for chart, kwargs in calls]
    try:
        return [f.result() for f in futures]
    finally:
        # On an interrupt, renders not yet started never start (a `with` block would wait for them all).
        pool.shutdown(wait=False, cancel_futures=True)
