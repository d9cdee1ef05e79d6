"""Render charts with Helm 4's engine, in-process, through the `helm-python-sdk` wheel.

Why: the Helm 4 CLI renders one chart per process; the wheel embeds Helm's Go SDK
(4.2.x) as a C library, so a chart is loaded once and renders in-process, and the
engine's own behaviour (`getHostByName` answers "" unless asked to resolve, `lookup`
answers empty maps without a cluster) is compared with each CLI's.

`render()` gives the same RenderResult as `netpol_harness.helm.template.render` (objects, ok,
stderr with the error text, notes), so tests can run one body on both engines.
With a kubeconfig it renders cluster-aware: `lookup` then reads that API server
(the in-memory one of netpol_harness.kubeapi in tests), as `helm install` would.

Differences from the Helm 3.10 CLI that are Helm-version behaviour, not chart
behaviour (test_helm4 checks that the value matrix shows no others):
  - getHostByName returns "" for every name (Helm >= 3.11.1 without
    --enable-dns; the SDK's render has no such switch). The chart then fails
    with its own message naming --enable-dns; Helm 3.10 resolves instead.
  - Error texts: the CLI prefixes "Error: " and a template path trace; the SDK
    raises an exception whose text ends with the same `fail` message. Compare
    the chart's message (`chart_message()`), not the whole text.
  - .Capabilities.KubeVersion defaults to the Kubernetes version the SDK was
    built against (1.33+), the CLI's to its own (1.25 for Helm 3.10).
  - Manifest order: `helm template` sorts by install order (kind); the SDK
    returns templates by path. Compare objects as sets (`canonical()`).
  - The SDK's cluster-aware render (kubeconfig given) does not run discovery:
    .Capabilities.APIVersions are the SDK's defaults, which lack
    discovery.k8s.io/v1, while `helm install` reports what the server serves.
  - Templates that render to nothing are omitted by the CLI and returned empty
    by the SDK; both drop them from `objects`.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import os
import queue
import re
import threading
import warnings
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from ..loader import parse_manifests
from .parsed import parse_rendered
from .template import DEFAULT_RELEASE, RenderResult

NOTES_SUFFIX = "/templates/NOTES.txt"


@functools.lru_cache(maxsize=1)
def unavailable_reason() -> str | None:
    """Why Helm 4's engine cannot be used here, or None when it can."""
    try:
        import helm_python
    except ImportError as err:
        return f"the helm-python-sdk wheel is not installed (pip install helm-python-sdk==0.2.2): {err}"
    except OSError as err:  # the embedded library does not load on this platform
        return f"the helm-python-sdk native library does not load here: {err}"
    try:
        helm_python.helm_sdk_version()
    except Exception as err:  # noqa: BLE001 - any failure means: not usable
        return f"the helm-python-sdk native library does not work here: {err}"
    return None


def render(chart: str | os.PathLike, *, values: Mapping[str, Any] | None = None, release: str = DEFAULT_RELEASE,
           namespace: str = "default", kubeconfig: str | os.PathLike | None = None,
           is_upgrade: bool = False) -> RenderResult:
    """Render `chart` with Helm 4's engine, like `helm template` (or, with a
    kubeconfig, like the render step of `helm install` / `helm upgrade`)."""
    import helm_python

    argv = ("helm4-sdk", "render", release, str(chart), "--namespace", namespace,
            *(("--kubeconfig", str(kubeconfig)) if kubeconfig else ()))
    opts = dict(name=release, namespace=namespace, is_install=not is_upgrade, is_upgrade=is_upgrade)
    try:
        with helm_python.Chart.load(Path(chart)) as loaded:
            if kubeconfig is None:
                rendered = loaded.render(dict(values or {}), **opts)
            else:
                with helm_python.Config(kubeconfig_path=kubeconfig, namespace=namespace) as config:
                    rendered = config.render(loaded, dict(values or {}), **opts)
    except helm_python.HelmError as err:
        return RenderResult(False, 1, "", f"Error: {err}", [], None, argv, namespace=namespace)
    return _result(rendered, argv, namespace)


def _result(rendered: Mapping[str, str], argv: tuple[str, ...], namespace: str) -> RenderResult:
    notes = next((text for path, text in rendered.items() if path.endswith(NOTES_SUFFIX)), None)
    docs = [f"---\n# Source: {path}\n{text.strip()}\n" for path, text in sorted(rendered.items())
            if not path.endswith(NOTES_SUFFIX) and text.strip()]
    return RenderResult(True, 0, "".join(docs), "", parse_rendered(docs), notes, argv, namespace=namespace)


def engine_for(engine: str, api_versions: Iterable[str] = ()) -> str:
    """The matrix engine ("cli" or "sdk") that can render with these inputs; ValueError for
    another name. helm-python-sdk's Chart.render takes values, name, namespace, revision,
    is_install and is_upgrade, no API versions: its .Capabilities.APIVersions are the SDK's
    defaults. So "sdk" with `api_versions` falls back, with a warning, to "cli" (the helm
    CLI in batches, `helm template --api-versions`), which renders what they ask."""
    if engine not in ("cli", "sdk"):
        raise ValueError(f"engine must be 'cli' or 'sdk', not {engine!r}")
    if engine == "sdk" and tuple(api_versions):
        warnings.warn("Helm 4's engine in-process takes no --api-versions: rendering with the helm CLI (engine 'cli')",
                      RuntimeWarning, stacklevel=3)
        return "cli"
    return engine


def render_cases(chart: str | os.PathLike, cases: Sequence[Mapping[str, Any]], *, release: str = DEFAULT_RELEASE,
                 namespace: str = "default", threads: int = 2) -> list[RenderResult]:
    """`render` for many value cases: the chart is loaded once and rendered on `threads`
    threads (the engine lets go of the GIL while it renders). Results in case order."""
    import helm_python

    with helm_python.Chart.load(Path(chart)) as loaded:
        with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
            return list(pool.map(lambda values: _render_one(loaded, values, chart, release, namespace), cases))


def render_stream(chart: str | os.PathLike, cases: Sequence[Mapping[str, Any]], *, release: str = DEFAULT_RELEASE,
                  namespace: str = "default", ahead: int = 4) -> Iterator[RenderResult]:
    """`render_cases` on one thread that renders up to `ahead` cases ahead of the reader: the
    engine lets go of the GIL while it renders, so a caller checking case k (the matrix)
    keeps a core busy that rendering alone leaves idle. Results in case order; an error
    of the engine's comes out where render_cases would raise it."""
    import helm_python

    done: queue.Queue = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def work() -> None:
        try:
            with helm_python.Chart.load(Path(chart)) as loaded:
                for values in cases:
                    if stop.is_set():
                        return
                    done.put((True, _render_one(loaded, values, chart, release, namespace)))
        except BaseException as err:  # noqa: BLE001 - handed to the reader, raised there
            done.put((False, err))

    thread = threading.Thread(target=work, name="helm4-render", daemon=True)
    thread.start()
    try:
        for _ in cases:
            ok, item = done.get()
            if not ok:
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # a reader that stops early: let a waiting put through
            with contextlib.suppress(queue.Empty):
                done.get(timeout=0.05)
        thread.join()


def _render_one(loaded: Any, values: Mapping[str, Any] | None, chart: str | os.PathLike, release: str,
                namespace: str) -> RenderResult:
    import helm_python

    argv = ("helm4-sdk", "render", release, str(chart), "--namespace", namespace)
    opts = dict(name=release, namespace=namespace, is_install=True, is_upgrade=False)
    try:
        return _result(loaded.render(dict(values or {}), **opts), argv, namespace)
    except helm_python.HelmError as err:
        return RenderResult(False, 1, "", f"Error: {err}", [], None, argv, namespace=namespace)


def install(chart: str | os.PathLike, release: str, *, kubeconfig: str | os.PathLike,
            values: Mapping[str, Any] | None = None, namespace: str = "default",
            upgrade: bool = False, dry_run: str | None = None) -> RenderResult:
    """`helm install` (or `helm upgrade`) with Helm 4's SDK: discovery, lookup,
    server-side apply and release storage all go to the API server in
    `kubeconfig`. The result's objects are the release's manifest.
    dry_run "server" renders with lookup and stores nothing (Helm >= 3.13 has it too)."""
    import helm_python

    verb = "upgrade" if upgrade else "install"
    argv = ("helm4-sdk", verb, release, str(chart), "--namespace", namespace, "--kubeconfig", str(kubeconfig),
            *((f"--dry-run={dry_run}",) if dry_run else ()))
    try:
        with helm_python.Chart.load(Path(chart)) as loaded, \
                helm_python.Config(kubeconfig_path=kubeconfig, namespace=namespace) as config:
            action = config.upgrade if upgrade else config.install
            summary = action(loaded, release, dict(values or {}), namespace=namespace, dry_run=dry_run)
    except helm_python.HelmError as err:
        return RenderResult(False, 1, "", f"Error: {err}", [], None, argv, namespace=namespace)
    manifest = summary.get("manifest") or ""
    return RenderResult(True, 0, manifest, "", parse_manifests(manifest), summary.get("notes"), argv, namespace=namespace)


_CHART_FAIL = re.compile(r"execution error at \([^)]*\): (.*)", re.S)


_CLI_TRAILER = "Use --debug flag to render out invalid YAML"  # the helm CLI's line after an error


def chart_message(stderr: str) -> str:
    """The chart's own `fail` message out of either engine's error text."""
    match = _CHART_FAIL.search(stderr)
    message = (match.group(1) if match else stderr).strip()
    return message.removesuffix(_CLI_TRAILER).strip()


def canonical(objects: list[dict]) -> list[dict]:
    """Objects in a fixed order, so two engines' outputs compare as sets."""
    def key(o: dict) -> tuple[str, str, str]:
        meta = o.get("metadata") or {}
        return (str(o.get("kind")), str(meta.get("namespace", "")), str(meta.get("name", "")))
    return sorted(objects, key=key)
