#!/usr/bin/env python3
"""Where the harness stands on speed, measured in one invocation (`make bench`).

    scripts/bench.py [--runs 3] [--cases 2000] [--render-cases 20] [--quick] [--skip-nca] [--with-50k]
                     [--only render|matrix|evaluator|cluster]

Every figure is the median of --runs runs and is printed with its ratio to the baseline
measured in the same run, runs interleaved (A B A B) where two are compared (the machine may
be shared; ratios survive that, absolute times do not); figures with a target say whether they
meet it, and what bounds them when they do not:
  render     bare `helm template` per case (the baseline) against the harness render, cold
             (no cache) and warm, and a batch of cases in one helm process; per Helm version;
  matrix     the job-executor-service matrix (pairwise over its factors, then seeded random
             fills) rendered and checked (values, Kubernetes schemas, API-server rules, 11
             verdicts) with `run_matrix` on two workers, through the CLI engine and through Helm 4's
             engine, each against its floors (target: within 1.15x): bare `helm template` on the
             same cases two at a time, and the engine's rendering alone; the cases' generation;
             a warm cache;
  evaluator  the full pod-to-pod matrix from manifests at 1,000 and 10,000 pods (and 50,000 with
             --with-50k) in a fresh process each, with its memory above the imports, against
             building the dict of pairs the evaluator used to return, and network-config-analyzer;
  cluster    scripts/bench_cluster.py: 100,000 pods / 40,000 policies (full matrix, a kubectl
             dump read into the model, a chart's rows inside it) and point queries at 10,000,
             against the code issue 26 measured (--quick, or NETPOL_BENCH_QUICK=1, leaves out
             the 100,000-pod runs).
Prints a table and writes it as JSON to out/bench/bench.json.
Benchmarks are not tests: nothing here fails on a duration.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
VENV_PY = ROOT / ".venv" / "bin" / "python"
if VENV_PY.exists() and Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
    os.execv(str(VENV_PY), [str(VENV_PY), __file__, *sys.argv[1:]])

import yaml  # noqa: E402

from netpol_harness.helm.batch import BatchRenderer  # noqa: E402
from netpol_harness.helm.binary import helm_binary  # noqa: E402
from netpol_harness.helm.template import render  # noqa: E402
from netpol_harness.net import Cluster, Evaluator  # noqa: E402
from netpol_harness.net.cluster import add_kube_dns  # noqa: E402
from netpol_harness.cases import load_spec, pairwise_cases, random_cases  # noqa: E402
from netpol_harness.runner import run_matrix  # noqa: E402
from netpol_harness.synthetic import PROBE, synthetic_cluster  # noqa: E402

import bench_cluster  # noqa: E402
from bench_cluster import Figure, interleaved, load_note, report, timed, write_json  # noqa: E402

# The job-executor-service matrix, as the chart's cases file gives it to the suite.
CHART = ROOT / "charts" / "job-executor-service"
SPEC = load_spec(CHART / "netpol-matrix.yaml")
# The portable policies only: the dataplane switch is the suite's factor (its cilium cases need
# --api-versions, which Helm 4's engine cannot take), and leaving it out keeps figures comparable.
FACTORS = {path: values for path, values in SPEC.factors.items() if path != "networkPolicy.dataplane"}

HELMS = ("3.10", "3.19", "4.3")
CHECKS = ("render", "values", "kubernetes", "apirules")


def median_of(runs: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def row(section: str, what: str, seconds: float, per: str, baseline: float | None, base_name: str) -> None:
    """A figure measured as one median (the render and evaluator sections), into the shared table."""
    report(Figure(section, what + (f" ({per})" if per else ""), [seconds],
                  baseline=[baseline] if baseline else None, baseline_name=base_name))


def matrix_cases(count: int):
    cases = pairwise_cases(FACTORS, base=SPEC.base)
    return cases + random_cases(FACTORS, count - len(cases), seed=1, base=SPEC.base)


def eleven_verdicts(case, result) -> list[str]:
    """The verdicts a chart test asks of each case: DNS both ways, the API server, the
    outside world, and who may reach the service; a check that always passes but does the work."""
    cluster = Cluster.from_manifests(result.objects)
    add_kube_dns(cluster)
    for ip in ("1.1.1.1", "192.0.2.10", "203.0.113.5"):
        cluster.add_external(ip)
    cluster.add_pod("default", "client", {"app": "client"})
    ev = Evaluator(cluster)
    pod = next((p.id for p in ev.pods if p.workload.startswith("Deployment/")), None)
    if pod is None:
        return ["no Deployment pod"]
    asks = [(pod, "kube-system/kube-dns", 53, "UDP"), (pod, "kube-system/kube-dns", 53, "TCP"), (pod, "ip:1.1.1.1", 443, "TCP"),
            (pod, "ip:192.0.2.10", 6443, "TCP"), (pod, "ip:192.0.2.10", 443, "TCP"), (pod, "ip:203.0.113.5", 443, "TCP"),
            (pod, "default/client", 80, "TCP"), ("default/client", pod, 8080, "TCP"), ("ip:1.1.1.1", pod, 8080, "TCP"),
            ("kube-system/kube-dns", pod, 8080, "TCP"), (pod, "ip:1.1.1.1", 80, "TCP")]
    for src, dst, port, proto in asks:
        ev.check(src, dst, port, proto)
    return []


# --------------------------------------------------------------------------- render


def bench_render(args: argparse.Namespace) -> None:
    cases = [c.values for c in matrix_cases(len(pairwise_cases(FACTORS)))][: args.render_cases]
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for k, values in enumerate(cases):
            path = Path(tmp) / f"v{k}.yaml"
            path.write_text(yaml.safe_dump(values))
            files.append(path)
        for version in HELMS:
            binary = helm_binary(version)
            n = len(cases)

            def bare() -> None:
                for path in files:
                    subprocess.run([binary, "template", "test", str(CHART), "-f", str(path)], capture_output=True, check=True)

            def cold() -> None:
                for values in cases:
                    render(CHART, values=values, helm=version, cache=False)

            os.environ["NETPOL_CACHE_DIR"] = str(Path(tmp) / f"cache-{version}")
            for values in cases:
                render(CHART, values=values, helm=version)

            def warm() -> None:
                for values in cases:
                    render(CHART, values=values, helm=version)

            renderer = BatchRenderer(CHART, helm=version, size=n)

            def batched() -> None:
                os.environ["NETPOL_NO_CACHE"] = "1"  # every case through helm, none from the cache
                try:
                    renderer.render(cases)
                finally:
                    del os.environ["NETPOL_NO_CACHE"]

            batched()  # writes the umbrella chart once
            t_bare, _ = median_of(args.runs, bare)
            row("render", f"helm {version}: bare `helm template` per case", t_bare / n, "/case", None, "")
            for label, fn in (("harness render, cold (no cache)", cold), ("harness render, warm (cache)", warm),
                              (f"batch of {n} in one helm process", batched)):
                t, _ = median_of(args.runs, fn)
                row("render", f"helm {version}: {label}", t / n, "/case", t_bare / n, "bare")


# --------------------------------------------------------------------------- matrix


def bench_matrix(args: argparse.Namespace) -> None:
    generation = [timed(lambda: matrix_cases(args.cases))() for _ in range(args.runs)]
    cases = matrix_cases(args.cases)
    report(Figure("matrix", f"case generation: {len(cases)} cases (pairwise, then seeded random)", generation))
    checks = (*CHECKS, eleven_verdicts)
    results: dict[str, Any] = {}
    os.environ["NETPOL_NO_CACHE"] = "1"
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for k, case in enumerate(cases):
            files.append(Path(tmp) / f"case-{k:04d}.yaml")
            files[-1].write_text(yaml.safe_dump(case.values))
        binary = helm_binary(None)  # the helm run_matrix takes when given none
        times = interleaved(args.runs, {
            "cli": timed(lambda: results.__setitem__("cli", run_matrix(CHART, cases, checks))),
            "cli floor": timed(lambda: run_matrix(CHART, cases, ("render",))),
            "bare": timed(lambda: _bare_parallel(binary, files)),
            "sdk": timed(lambda: results.__setitem__("sdk", run_matrix(CHART, cases, checks, engine="sdk"))),
            "sdk floor": timed(lambda: _sdk_floor(cases)),
        })
    del os.environ["NETPOL_NO_CACHE"]
    n = len(cases)
    report(Figure("matrix", f"  floor: bare `helm template`, {n} cases two at a time", times["bare"]))
    report(Figure("matrix", "  floor: the CLI engine's batched renders alone, no checks", times["cli floor"],
                  baseline=times["bare"], baseline_name="bare"))
    report(Figure("matrix", "  floor: Helm 4's engine alone, 2 threads, no parsing", times["sdk floor"],
                  baseline=times["bare"], baseline_name="bare"))
    for engine, floor, label in (("cli", "cli floor", "CLI engine (batched)"), ("sdk", "sdk floor", "Helm 4's engine")):
        checks_only = {k: v for k, v in results[engine].stages.items() if k != "render"}
        bound = "the checks on top of the render, summed over 2 workers: " + \
            ", ".join(f"{k} {v:.1f} s" for k, v in sorted(checks_only.items(), key=lambda kv: -kv[1]))
        for base, name in ((times["bare"], "bare"), (times[floor], "engine alone")):
            fig = report(Figure("matrix", f"{n} cases checked, {label}", times[engine], baseline=base,
                                baseline_name=name, bound=bound))
            if fig.ratio is not None and fig.ratio >= 1.15:
                print(f"{'':12}   within 1.15x of {name}: MISSED; bounded by: {fig.bound}", flush=True)
            fig.extra["within_1.15x"] = fig.ratio is not None and fig.ratio < 1.15
        _stages(results[engine], 0.0)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["NETPOL_CACHE_DIR"] = tmp
        run_matrix(CHART, cases, checks)
        warm = [timed(lambda: run_matrix(CHART, cases, checks))() for _ in range(args.runs)]
        report(Figure("matrix", f"{n} cases, warm cache", warm, baseline=times["cli"], baseline_name="cli"))


def _bare_parallel(binary: str, files: list[Path]) -> None:
    """`helm template` once per values file, two processes at a time (the machine's two cores)."""
    import concurrent.futures

    def one(path: Path) -> None:
        subprocess.run([binary, "template", "test", str(CHART), "-f", str(path)], capture_output=True, check=True)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        list(pool.map(one, files))


def _stages(result, wall: float) -> None:
    parts = ", ".join(f"{k} {v:.1f} s" for k, v in result.stages.items())
    print(f"{'':9}   per stage, summed over 2 workers: {parts}; {len(result.failed)} failing", flush=True)


def _sdk_floor(cases) -> None:
    import concurrent.futures

    import helm_python

    opts = dict(name="test", namespace="default", is_install=True, is_upgrade=False)

    def half(share) -> None:  # a chart of its own per thread: renders of one loaded chart at once can fail
        with helm_python.Chart.load(CHART) as loaded:
            for case in share:
                loaded.render(dict(case.values), **opts)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        list(pool.map(half, (cases[0::2], cases[1::2])))


# --------------------------------------------------------------------------- evaluator

_EVAL = """
import json, resource, sys, time
from netpol_harness.synthetic import synthetic_admin_policies, synthetic_cluster, PROBE
from netpol_harness.net import Cluster, Evaluator
imported = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
docs = synthetic_cluster({pods}, 50, {policies}, 7) + synthetic_admin_policies({admin}, 50, 7)
start = time.perf_counter()
matrix = Evaluator(Cluster.from_manifests(docs), ipblock_matches_pods=False).matrix(*PROBE)
allowed = matrix.count_allowed()
seconds = time.perf_counter() - start
as_dict = None
if {as_dict}:
    # What the evaluator used to return: a dict of every pair, built the fastest way it knew.
    from itertools import repeat
    start = time.perf_counter()
    import numpy as np
    ids, n, pairs = matrix.pod_ids, len(matrix.pod_ids), {{}}
    classes = getattr(matrix, "class_of", None)  # rows per class of like pods: spread back to every pod
    for s, sid in enumerate(ids):
        row = matrix.rows[s] if classes is None else np.packbits(
            np.unpackbits(matrix.rows[classes[s]], bitorder="little")[classes], bitorder="little")
        line = format(int.from_bytes(row.tobytes(), "little"), f"0{{n}}b")[::-1]
        pairs.update(zip(zip(repeat(sid), ids), map("1".__eq__, line)))
        del pairs[(sid, sid)]
    as_dict = time.perf_counter() - start
rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - imported  # before a second model
took = [0.0]
if {queries}:
    # Point queries on a fresh evaluator (issue 20: under 10 µs with the admin tiers beside v1).
    import random, statistics
    ev = Evaluator(Cluster.from_manifests(docs), ipblock_matches_pods=False)
    ids = [p.id for p in ev.pods]
    rnd = random.Random(7)
    asks = [(rnd.choice(ids), rnd.choice(ids)) for _ in range(20000)]
    ev.allowed(*asks[0], *PROBE)  # caches that belong to building, not asking (as bench_cluster's clocked)
    took = []
    for src, dst in asks:
        t0 = time.perf_counter_ns()
        ev.allowed(src, dst, *PROBE)
        took.append((time.perf_counter_ns() - t0) / 1000)
    took.sort()
print(json.dumps({{"seconds": seconds, "allowed": allowed, "dict": as_dict, "rss_mb": rss_mb,
                  "query_us": [took[len(took) // 2], took[int(len(took) * 0.99)]]}}))
"""


def _evaluate(pods: int, policies: int, as_dict: bool = False, admin: int = 0) -> dict:
    queries = pods == 10_000 and not as_dict  # only there are the point queries read
    code = _EVAL.format(pods=pods, policies=policies, as_dict=as_dict, admin=admin, queries=queries)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_evaluator(args: argparse.Namespace) -> None:
    small = [_evaluate(1000, 400, as_dict=True) for _ in range(args.runs)]
    base = statistics.median(s["seconds"] + s["dict"] for s in small)
    row("evaluator", "1,000 pods / 400 policies: matrix, then a dict of pairs (as before)", base, "", None, "")
    t = statistics.median(s["seconds"] for s in small)
    row("evaluator", f"1,000 pods / 400 policies: packed rows ({max(s['rss_mb'] for s in small):.0f} MB above the imports)", t, "", base, "dict")
    sizes = [(10_000, 4_000)] + ([(50_000, 20_000)] if args.with_50k else [])
    for pods, policies in sizes:
        runs = [_evaluate(pods, policies) for _ in range(args.runs if pods <= 10_000 else 1)]
        t = statistics.median(r["seconds"] for r in runs)
        peak = max(r["rss_mb"] for r in runs)
        row("evaluator", f"{pods:,} pods / {policies:,} policies: packed rows ({peak:.0f} MB above the imports)", t, "", base, "dict@1k")
        if pods == 10_000:
            # The same cluster with 400 admin policies (Admin and Baseline tiers) beside the NetworkPolicies.
            tiers = [_evaluate(pods, policies, admin=400) for _ in range(args.runs)]
            row("evaluator", f"{pods:,} pods / {policies:,} policies + 400 admin policies "
                f"({max(r['rss_mb'] for r in tiers):.0f} MB above the imports)", statistics.median(r["seconds"] for r in tiers), "", t, "v1 only")
            for name, group in (("v1 only", runs), ("+ 400 admin policies", tiers)):
                median_us = statistics.median(r["query_us"][0] for r in group)
                p99_us = statistics.median(r["query_us"][1] for r in group)
                print(f"evaluator  point query (Evaluator.allowed), {pods:,} pods, {name}: median {median_us:.1f} µs, "
                      f"p99 {p99_us:.1f} µs (targets < 10 µs, < 100 µs)")
    if not args.skip_nca:
        _nca(args)


def _nca(args: argparse.Namespace) -> None:
    from netpol_harness.net import nca

    docs = synthetic_cluster(args.nca_pods, 20, args.nca_pods * 2 // 5, 7)
    ours, mine = median_of(args.runs, lambda: Evaluator(Cluster.from_manifests(docs), ipblock_matches_pods=False).matrix(*PROBE))
    row("evaluator", f"{args.nca_pods} pods: ours, from manifests", ours, "", None, "")
    theirs, answer = median_of(args.nca_runs, lambda: nca.matrix(docs, *PROBE))
    same = all(mine[k] == v for k, v in answer.items())
    row("evaluator", f"{args.nca_pods} pods: network-config-analyzer ({'same' if same else 'DIFFERENT'} verdicts)",
        theirs, "", ours, "ours")


def bench_cluster_scale(args: argparse.Namespace) -> None:
    bench_cluster.run_sections(args)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--render-cases", type=int, default=20)
    parser.add_argument("--nca-pods", type=int, default=250, help="a size network-config-analyzer finishes in about a minute")
    parser.add_argument("--nca-runs", type=int, default=1)
    parser.add_argument("--skip-nca", action="store_true")
    parser.add_argument("--with-50k", action="store_true", help="also the evaluator at 50,000 pods / 20,000 policies")
    parser.add_argument("--only", choices=("render", "matrix", "evaluator", "cluster"))
    bench_cluster.add_options(parser)
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; medians of {args.runs} runs; "
          f"ratios against the baseline measured in this run; {load_note()}", flush=True)
    start = time.perf_counter()
    sections = (("render", bench_render), ("matrix", bench_matrix), ("evaluator", bench_evaluator),
                ("cluster", bench_cluster_scale))
    for name, fn in sections:
        if args.only in (None, name):
            fn(args)
    write_json("bench.json", {"runs": args.runs, "quick": args.quick, "load_after": load_note(),
                              "seconds": time.perf_counter() - start})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
