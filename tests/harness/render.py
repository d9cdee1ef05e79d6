"""Run the real `helm template`, with an on-disk cache keyed by everything that
can change the output.

Why a snapshot of the chart: the cache key is a hash of the chart's files (symlinks
followed, so `charts/netpol -> ../../netpol` counts), and helm renders a private copy
written from exactly those bytes. A chart edited while a render runs can therefore
never be cached under the wrong key.

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
import hashlib
import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence, Union

import yaml

from .tools import helm_binary, helm_identity, helm_supports_enable_dns, repo_root

NO_CACHE_ENV = "NETPOL_NO_CACHE"
CACHE_DIR_ENV = "NETPOL_CACHE_DIR"
CACHE_FORMAT = 3  # bump when the cached record's meaning changes

PROBE_NAME = "0netpol-notes-probe.yaml"
PROBE_KEY = "netpolNotesProbe"
PROBE_TEMPLATE = PROBE_KEY + ': {{ include (printf "%s/NOTES.txt" .Template.BasePath) . | toJson }}\n'
_PROBE_DOC = re.compile(
    r"^---\n# Source: [^\n]*/templates/" + re.escape(PROBE_NAME) + r"\n" + PROBE_KEY + r": ([^\n]*)\n?",
    re.M,
)

# Flags that make helm talk to a cluster: the output then depends on cluster state,
# which no file hash captures.
_CLUSTER_FLAGS = ("--validate", "--dry-run=server", "--is-upgrade")

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

    def by_kind(self, kind: str) -> list[dict]:
        return [o for o in self.objects if o.get("kind") == kind]

    def get(self, kind: str, name: str) -> dict:
        found = [o for o in self.by_kind(kind) if (o.get("metadata") or {}).get("name") == name]
        if len(found) != 1:
            names = sorted(f"{o.get('kind')}/{(o.get('metadata') or {}).get('name')}" for o in self.objects)
            raise KeyError(f"{kind}/{name}: found {len(found)} (rendered: {', '.join(names) or 'nothing'})")
        return found[0]


# --- YAML as Kubernetes reads it -------------------------------------------------


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster


class _KubeLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """SafeLoader without the timestamp resolver: Kubernetes' YAML->JSON step keeps
    `2024-01-01` a string, and so must we."""


def _construct_unique_mapping(loader: _KubeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    # `helm template` and `helm install` take a key given twice silently (the last
    # wins); the API server flags it as a duplicate field (an error under kubectl's
    # strict field validation). Either way one of the two values is a lie: refuse it.
    seen: dict = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # `<<:` merges may be overridden by explicit keys; that is legal
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first at line {seen[key] + 1}); only the last would take effect",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_KubeLoader.add_constructor(
    "tag:yaml.org,2002:map",
    lambda loader, node: _construct_unique_mapping(loader, node, deep=True),
)

_KubeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


def parse_manifests(text: str) -> list[dict]:
    """All YAML documents of a stream, empty ones dropped, normalised through JSON
    (so a fresh render and a cached one give equal objects)."""
    docs = [d for d in yaml.load_all(text, Loader=_KubeLoader) if d is not None]
    return json.loads(json.dumps(docs, default=str))


# --- chart snapshot and cache key -------------------------------------------------


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


def _write_snapshot(files: Mapping[str, bytes], target: Path) -> None:
    for rel, data in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_DIR_ENV) or repo_root() / ".cache" / "render")


def _wrapper_identity(wrapper: Wrapper | None) -> str | None:
    """A cache identity for the wrapper, or None when it has none (then: no cache)."""
    if wrapper is None:
        return ""
    if callable(wrapper):
        key = getattr(wrapper, "cache_key", None)
        return f"callable:{key}" if key else None
    return "prefix:" + json.dumps(list(wrapper))


def _apply_wrapper(wrapper: Wrapper | None, argv: list[str]) -> list[str]:
    if wrapper is None:
        return argv
    if callable(wrapper):
        return list(wrapper(argv))
    return [*wrapper, *argv]


def _digest(parts: Mapping[str, Any], files: Mapping[str, bytes]) -> str:
    h = hashlib.sha256()
    h.update(json.dumps(parts, sort_keys=True, default=str).encode())
    for rel in sorted(files):
        h.update(b"\0file\0" + rel.encode() + b"\0")
        h.update(hashlib.sha256(files[rel]).digest())
    return h.hexdigest()


def _cache_load(key: str) -> dict | None:
    path = cache_dir() / key[:2] / f"{key}.json"
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return record if record.get("format") == CACHE_FORMAT else None


def _cache_store(key: str, record: dict) -> None:
    folder = cache_dir() / key[:2]
    folder.mkdir(parents=True, exist_ok=True)
    # Write aside, then rename: readers in other pytest-xdist workers see either
    # nothing or the whole record.
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(record, handle)
        os.replace(tmp, folder / f"{key}.json")
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- rendering ---------------------------------------------------------------------


def _split_notes(stdout: str) -> tuple[str, str | None]:
    match = _PROBE_DOC.search(stdout)
    if not match:
        return stdout, None
    notes = json.loads(match.group(1))
    return stdout[: match.start()] + stdout[match.end():], notes


def _result_from(record: dict, argv: tuple[str, ...], cached: bool) -> RenderResult:
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
    return RenderResult(ok, record["returncode"], stdout, stderr, objects, notes, argv, cached)


def render(
    chart: str | os.PathLike,
    *,
    values: Mapping | None = None,
    values_files: Iterable[str | os.PathLike] = (),
    set_values: Iterable[str] = (),
    release: str = "test",
    namespace: str = "default",
    enable_dns: bool = False,
    extra_args: Sequence[str] = (),
    helm: str | None = None,
    env: Mapping[str, str] | None = None,
    wrapper: Wrapper | None = None,
    cache: bool = True,
    timeout: float = 180,
) -> RenderResult:
    """`helm template RELEASE CHART --namespace NS -f <values> -f FILES --set ...`.

    `wrapper` runs helm under something else (a mount namespace with a controlled
    hosts file, say): either an argv prefix, or a callable that takes helm's argv and
    returns the argv to execute. A callable's output is cached only if it has a
    `cache_key` attribute that names what it changes (e.g. a hash of the hosts file).

    Not cached: with `NETPOL_NO_CACHE=1`, `cache=False`, a wrapper without identity,
    live DNS (`enable_dns` without a wrapper), a chart that is not a local directory,
    and flags or a KUBECONFIG that make helm read a cluster. Helm < 3.11.1 resolves
    names even without `enable_dns`: such renders are cached, so tests on that Helm
    give hosts as IP literals, names that never resolve (`.invalid`), or a wrapper.
    """
    binary = helm or helm_binary()
    chart_path = Path(chart)
    is_dir = chart_path.is_dir()
    files = chart_files(chart_path) if is_dir else {}
    with_notes = is_dir and "templates/NOTES.txt" in files and "--output-dir" not in extra_args

    dns_flag = enable_dns and helm_supports_enable_dns(binary)
    user_values = yaml.safe_dump(dict(values), sort_keys=False) if values else None
    file_contents = [Path(f).read_bytes() for f in values_files]
    sets = list(set_values)
    extra = list(extra_args)
    if with_notes and any(a in ("-s", "--show-only") or a.startswith("--show-only=") for a in extra):
        extra += ["--show-only", f"templates/{PROBE_NAME}"]

    wrapper_id = _wrapper_identity(wrapper)
    cacheable = (
        cache
        and os.environ.get(NO_CACHE_ENV, "") in ("", "0")
        and is_dir
        and wrapper_id is not None
        and not (enable_dns and wrapper is None)
        and not any(a.split("=")[0] in _CLUSTER_FLAGS or a.startswith("--dry-run=server") for a in extra)
        and not (env and "KUBECONFIG" in env)
    )
    key = None
    if cacheable:
        parts = {
            "format": CACHE_FORMAT,
            "helm": helm_identity(binary),
            "values": user_values,
            "values_files": [hashlib.sha256(c).hexdigest() for c in file_contents],
            "set": sets,
            "release": release,
            "namespace": namespace,
            "enable_dns": dns_flag,
            "extra": extra,
            "env": sorted((env or {}).items()),
            "wrapper": wrapper_id,
            "notes_probe": PROBE_TEMPLATE if with_notes else None,
        }
        key = _digest(parts, files)
        record = _cache_load(key)
        if record is not None:
            return _result_from(record, tuple(record.get("argv", ())), cached=True)

    with tempfile.TemporaryDirectory(prefix="netpol-render-") as tmp:
        tmpdir = Path(tmp)
        if is_dir:
            snapshot = tmpdir / chart_path.resolve().name
            _write_snapshot(files, snapshot)
            if with_notes:
                (snapshot / "templates" / PROBE_NAME).write_text(PROBE_TEMPLATE)
            chart_arg = str(snapshot)
        else:
            chart_arg = str(chart)
        argv = [binary, "template", release, chart_arg, "--namespace", namespace]
        if user_values is not None:
            values_path = tmpdir / "values.yaml"
            values_path.write_text(user_values)
            argv += ["-f", str(values_path)]
        for i, content in enumerate(file_contents):
            # Copies, so the cached result matches the bytes that were hashed.
            path = tmpdir / f"values-file-{i}.yaml"
            path.write_bytes(content)
            argv += ["-f", str(path)]
        for item in sets:
            argv += ["--set", item]
        if dns_flag:
            argv.append("--enable-dns")
        argv += extra
        full_env = {**os.environ, **(env or {})}
        proc = subprocess.run(
            _apply_wrapper(wrapper, argv), capture_output=True, text=True, env=full_env, timeout=timeout
        )
        # Temp paths would make identical renders differ; show them as the user's names.
        stderr = proc.stderr
        if is_dir:
            stderr = stderr.replace(str(snapshot), str(chart))
        stderr = stderr.replace(str(tmpdir), "<tmp>")

    stdout, notes = _split_notes(proc.stdout) if with_notes else (proc.stdout, None)
    shown_argv = tuple(a if not a.startswith(str(tmpdir)) else "<tmp>" + a[len(str(tmpdir)):] for a in argv)
    record = {
        "format": CACHE_FORMAT,
        "returncode": proc.returncode,
        "stdout": stdout,
        "stderr": stderr,
        "notes": notes if proc.returncode == 0 else None,
        "argv": list(shown_argv),
    }
    result = _result_from(record, shown_argv, cached=False)
    if key is not None:
        _cache_store(key, {**record, "objects": result.objects if result.ok else None})
    return result


def render_notes(chart: str | os.PathLike, **kwargs: Any) -> str | None:
    """NOTES.txt as `helm install` would print it (before trimming), rendered offline."""
    result = render(chart, **kwargs)
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
    with concurrent.futures.ThreadPoolExecutor(max_workers=max_workers) as pool:
        futures = [pool.submit(render, chart, **kwargs) for chart, kwargs in calls]
        return [f.result() for f in futures]
