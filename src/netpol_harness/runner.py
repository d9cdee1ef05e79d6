"""The matrix runner: many value cases of one chart, each rendered and checked, on every
core, with the failures grouped by cause and the smallest failing values shown.

    result = run_matrix(chart, pairwise_cases(FACTORS) + random_cases(FACTORS, 500, seed=1),
                        checks=("render", "values", "kubernetes", "apirules", my_check))
    assert result.ok, result.summary()

Cases render in batches in one helm process (`helm.batch`, the objects each case gives
alone) or with Helm 4's engine in-process (`engine="sdk"`). `api_versions=` (a cases file's
`apiVersions`, `netpol matrix --api-versions`) go to every render as helm --api-versions;
Helm 4's engine (helm-python-sdk) takes none, so with them "sdk" falls back to "cli". A check is a name from CHECKS
or a function `check(case, result) -> messages` (a string, a list of strings, or False
for a failure; None, True or [] for a pass); with several workers it must be importable
(a module-level function), since it runs in worker processes.

`case_timeout=` (`netpol matrix --case-timeout`): the seconds a helm process may take,
alone or for a batch (engine "cli"); a batch that runs out renders its cases one by one,
and a case that runs out alone fails the `render` check with its values; the others go on.

`extra_objects=` are the objects the cluster has beside each render (its admin policies,
namespaces, other releases' policies; `netpol matrix --with FILE`): the `expect` check
judges every case with them (the lints and schema checks look at the render alone).
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import os
import sys
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence, Union

from .check import api_server_errors
from .check.kubernetes import kubernetes_engine, validate_kubernetes
from .check.lints import apply_waivers, failing, lint, load_waivers
from .check.values import validate_values
from . import interrupts, project
from .progress import Progress
from .cases import Case
from .outcomes import Failure, MatrixResult, Outcome
from .helm.batch import DEFAULT_CASE_TIMEOUT, BatchRenderer, batch_size_for
from .helm.sdk import engine_for
from .helm.template import DEFAULT_NAMESPACE, DEFAULT_RELEASE, RenderResult
from .net.dataplanes import dataplane


# --------------------------------------------------------------------------- checks

Check = Union[str, Callable[[Case, RenderResult], Any]]


@dataclass
class _Context:
    chart: Path
    release: str
    namespace: str
    extra_objects: tuple[dict, ...] = ()  # beside every render, wherever a check judges flows
    dataplanes: tuple[str, ...] = ()  # the profiles the flows are judged under (`netpol matrix --dataplane`)
    # validate_kubernetes's engine, chosen once per chunk: looking for kubeconform on PATH
    # costs as much as checking a small render's objects.
    kubernetes_engine: str | None = None


def _values(ctx: _Context, case: Case, result: RenderResult) -> list[str]:
    return validate_values(ctx.chart, case.values)


def _kubernetes(ctx: _Context, case: Case, result: RenderResult) -> list[str]:
    return validate_kubernetes(result.objects, engine=ctx.kubernetes_engine)


def _apirules(ctx: _Context, case: Case, result: RenderResult) -> list[str]:
    return api_server_errors(result.objects)


def _lints(ctx: _Context, case: Case, result: RenderResult) -> list[str]:
    # A case read from a values file is that file's render: its waivers (`values:`) apply.
    files = [case.origin] if case.origin and Path(case.origin).is_file() else []
    findings = apply_waivers(lint(result.objects, namespace=ctx.namespace, extra_objects=list(ctx.extra_objects),
                                  dataplanes=ctx.dataplanes), load_waivers(ctx.chart), files, ctx.chart)
    return [str(f) for f in failing(findings)]


def _expect(ctx: _Context, case: Case, result: RenderResult) -> list[str]:
    """The chart's netpol-expect.yaml cases whose values this case contains, judged on it."""
    from . import expect

    path = ctx.chart / expect.FILE_NAME
    if not path.is_file():
        return []
    messages = []
    for exp in expect.load(ctx.chart, path):
        if exp.namespace != ctx.namespace or exp.release != ctx.release or not _contains(case.values, exp.values):
            continue
        for o in expect.judge_case(result.objects, exp, ctx.extra_objects, [dataplane(d) for d in ctx.dataplanes]):
            if not o.ok:
                messages.append(f"{exp.name}: {o.expectation}: {o.message.splitlines()[0] if o.message else 'does not hold'}")
    return messages


def _contains(values: Any, wanted: Any) -> bool:
    if isinstance(wanted, Mapping):
        return isinstance(values, Mapping) and all(k in values and _contains(values[k], v) for k, v in wanted.items())
    return values == wanted


CHECKS: dict[str, Callable[[_Context, Case, RenderResult], list[str]]] = {
    "values": _values, "kubernetes": _kubernetes, "apirules": _apirules, "lints": _lints, "expect": _expect,
}
DEFAULT_CHECKS = ("render", "values", "kubernetes", "apirules")


def _messages(answer: Any) -> list[str]:
    if answer is None or answer is True:
        return []
    if answer is False:
        return ["returned False"]
    if isinstance(answer, str):
        return [answer] if answer else []
    return [str(m) for m in answer]


# --------------------------------------------------------------------------- running


@dataclass
class _Job:
    chart: Path
    checks: tuple[Check, ...]
    engine: str
    helm: str | None
    release: str
    namespace: str
    batch: int | None
    keep_objects: bool
    extra_objects: tuple[dict, ...] = ()
    dataplanes: tuple[str, ...] = ()
    case_timeout: float | None = None
    api_versions: tuple[str, ...] = ()  # helm --api-versions, for every render
    settings: tuple[tuple[str, Any], ...] = ()  # project's (root, helm, cache): a forkserver's workers lack them


def _render_chunk(job: _Job, cases: Sequence[Case]) -> tuple[Iterable[RenderResult], dict[str, int]]:
    if job.engine == "sdk":
        from .helm import sdk

        # One case at a time, rendered ahead on a thread while this one checks the last.
        return sdk.render_stream(job.chart, [c.values for c in cases], release=job.release,
                                 namespace=job.namespace), {}
    renderer = _renderer(job)
    renderer.verify_on([c.values for c in cases])
    before = dict(renderer.stats)
    results = renderer.render([c.values for c in cases])
    return results, {k: v - before.get(k, 0) for k, v in renderer.stats.items()}


def _waited(results: Iterable[RenderResult], stages: dict[str, float]) -> Iterator[RenderResult]:
    """The results, the time spent waiting for each added to the `render` stage."""
    it = iter(results)
    while True:
        began = time.perf_counter()
        result = next(it, None)
        stages["render"] = stages.get("render", 0.0) + time.perf_counter() - began
        if result is None:
            return
        yield result


_RENDERERS: dict[tuple, Any] = {}


def _renderer(job: _Job):
    """One BatchRenderer per worker and chart: its umbrella charts are reused across chunks."""
    key = (os.getpid(), str(job.chart), job.helm, job.release, job.namespace, job.batch,  # a forked worker builds its own
           job.case_timeout, job.api_versions)
    renderer = _RENDERERS.get(key)
    if renderer is None:
        renderer = BatchRenderer(job.chart, helm=job.helm, release=job.release, namespace=job.namespace, size=job.batch,
                                 timeout=job.case_timeout or DEFAULT_CASE_TIMEOUT, api_versions=job.api_versions)
        _RENDERERS[key] = renderer
    return renderer


def _run_chunk(job: _Job, cases: Sequence[Case]) -> tuple[list[Outcome], dict[str, float], dict[str, int]]:
    project.configure(**dict(job.settings))
    stages: dict[str, float] = {}
    start = time.perf_counter()
    results, stats = _render_chunk(job, cases)
    stages["render"] = time.perf_counter() - start
    ctx = _Context(job.chart, job.release, job.namespace, job.extra_objects, job.dataplanes,
                   kubernetes_engine() if "kubernetes" in job.checks else None)
    outcomes = []
    for case, result in zip(cases, _waited(results, stages)):
        outcome = Outcome(case, result.ok, objects=result.objects if job.keep_objects else None, stderr=result.stderr)
        if not result.ok:
            if "render" in job.checks:
                outcome.failures.append(Failure("render", _last_error(result.stderr)))
            outcomes.append(outcome)
            continue
        for check in job.checks:
            if check == "render":
                continue
            began = time.perf_counter()
            name = check if isinstance(check, str) else getattr(check, "__name__", "check")
            try:
                found = CHECKS[check](ctx, case, result) if isinstance(check, str) else _messages(check(case, result))
            except Exception as err:  # noqa: BLE001 - a check that breaks is a failure of that check, with why
                found = [f"the check raised {type(err).__name__}: {err}"]
            outcome.failures += [Failure(name, m) for m in found]
            stages[name] = stages.get(name, 0.0) + time.perf_counter() - began
        outcomes.append(outcome)
    return outcomes, stages, stats


def _last_error(stderr: str) -> str:
    """Helm's error in one line: every line of it, without the notes around it."""
    noise = ("found symbolic link", "Use --debug flag")
    lines = [l.strip() for l in stderr.strip().splitlines() if l.strip() and not any(n in l for n in noise)]
    return "; ".join(lines).removeprefix("Error: ") if lines else "helm failed without a message"


def run_matrix(chart: str | Path, cases: Sequence[Case | Mapping[str, Any]], checks: Sequence[Check] = DEFAULT_CHECKS,
               *, engine: str = "cli", helm: str | None = None, release: str = DEFAULT_RELEASE,
               namespace: str = DEFAULT_NAMESPACE, workers: int = 2, batch: int | None = None,
               progress: bool = False, keep_objects: bool = False, extra_objects: Iterable[dict] = (),
               dataplanes: Iterable[str] = (), case_timeout: float | None = None,
               api_versions: Iterable[str] = ()) -> MatrixResult:
    """Render and check every case (a Case, or a dict of values); see the module docstring.
    `dataplanes`: the profiles (names) the `lints` and `expect` checks judge under
    (netpol_harness.net.dataplanes). `case_timeout`: seconds per helm process (default
    `helm.batch.DEFAULT_CASE_TIMEOUT`). `api_versions`: helm --api-versions for every render."""
    engine, api_versions = engine_for(engine, api_versions), tuple(api_versions)
    unknown = [c for c in checks if isinstance(c, str) and c != "render" and c not in CHECKS]
    if unknown:
        raise ValueError(f"unknown checks {unknown}; known: render, {', '.join(CHECKS)}")
    if case_timeout is not None and not case_timeout > 0:
        raise ValueError(f"case_timeout must be a number of seconds above 0, not {case_timeout!r}")
    cases = _as_cases(cases)
    job = _Job(Path(chart).resolve(), tuple(checks), engine, helm, release, namespace, batch, keep_objects,
               tuple(extra_objects), tuple(dataplane(d).name for d in dataplanes),  # a wrong name stops here
               case_timeout, api_versions, tuple(asdict(project.configure()).items()))
    size = batch or (50 if engine == "sdk" else None)
    if size is None:
        size = batch_for_workers(len(cases), batch_size_for(helm), workers)
    chunks = [list(cases[i:i + size]) for i in range(0, len(cases), size)]
    meter = Progress(len(cases), progress)
    start = time.perf_counter()
    done: dict[int, list[Outcome]] = {}
    stages: dict[str, float] = {}
    stats: dict[str, int] = {}

    def collect(k: int, answer: tuple[list[Outcome], dict[str, float], dict[str, int]]) -> None:
        outcomes, chunk_stages, chunk_stats = answer
        done[k] = outcomes
        for name, seconds in chunk_stages.items():
            stages[name] = stages.get(name, 0.0) + seconds
        for name, count in chunk_stats.items():
            stats[name] = stats.get(name, 0) + count
        meter.update(outcomes)

    try:
        _run_chunks(job, chunks, workers, collect)
    except BaseException:
        meter.abandon()
        raise
    outcomes = [o for k in sorted(done) for o in done[k]]
    return MatrixResult(outcomes, time.perf_counter() - start, stages, engine, stats)


def _as_cases(cases: Iterable[Case | Mapping[str, Any]]) -> list[Case]:
    """Cases as run_matrix takes them: Case objects, or dicts of values (named case-0000 ..)."""
    out = []
    for k, case in enumerate(cases):
        if isinstance(case, Case):
            out.append(case)
        elif isinstance(case, Mapping):
            out.append(Case(f"case-{k:04d}", dict(case), "values"))
        else:
            raise TypeError(f"run_matrix takes cases as Case objects (netpol_harness.cases: pairwise_cases, random_cases, "
                            f"file_cases) or a dict of values each; case {k} is a {type(case).__name__}: {case!r}")
    return out


def _run_chunks(job: _Job, chunks: list[list[Case]], workers: int, collect: Callable[[int, Any], None]) -> None:
    """Each chunk run and its answer collected: here, or on `workers` worker processes."""
    if workers > 1 and len(chunks) > 1 and not _can_fork() and not _picklable(job):
        warnings.warn("checks that are not module-level functions cannot reach the workers of a process that loaded "
                      "Helm 4's engine (its Go runtime does not survive a fork): running them in this process",
                      RuntimeWarning, stacklevel=3)
        workers = 1
    if workers <= 1 or len(chunks) <= 1:
        for k, chunk in enumerate(chunks):
            collect(k, _run_chunk(job, chunk))
        return
    with _pool(job, workers) as (pool, task, ref):
        with interrupts.held():
            futures = {pool.submit(task, ref, chunk): k for k, chunk in enumerate(chunks)}
        for future in concurrent.futures.as_completed(futures):
            collect(futures[future], future.result())


def batch_for_workers(cases: int, size: int, workers: int) -> int:
    """The batch size, smaller when there are too few cases to keep every worker busy."""
    return max(1, min(size, -(-cases // max(1, workers * 2))))


# Jobs the forked workers find by number: checks may then be lambdas and closures.
_JOBS: dict[int, _Job] = {}


def _run_job_chunk(ref: int, cases: Sequence[Case]):
    return _run_chunk(_JOBS[ref], cases)


def _can_fork() -> bool:
    """Whether worker processes may be forked from this one: not once Helm 4's engine (Go)
    is loaded here."""
    return "helm_python" not in sys.modules


@contextlib.contextmanager
def _pool(job: _Job, workers: int):
    """(pool, task, what to pass the task): forked workers when this process can fork
    (checks may then be closures), else a fork server (checks travel pickled). Workers
    that stop early are killed with the helm they run (`interrupts.process_pool`)."""
    if _can_fork():
        ref = id(job)
        _JOBS[ref] = job
        try:
            with interrupts.process_pool(workers, "fork") as pool:
                yield pool, _run_job_chunk, ref
        finally:
            _JOBS.pop(ref, None)
        return
    with interrupts.process_pool(workers, "forkserver") as pool:
        yield pool, _run_chunk, job


def _picklable(job: _Job) -> bool:
    import pickle

    try:
        pickle.dumps([c for c in job.checks if not isinstance(c, str)])
    except Exception:  # noqa: BLE001 - whatever pickle refuses
        return False
    return True
