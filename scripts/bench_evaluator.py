#!/usr/bin/env python3
"""Benchmark the evaluator against np-guard's network-config-analyzer (NCA).

    scripts/bench_evaluator.py [--runs 5] [--seed 7] [--queries 10000] [--nca-budget 120] [--nca-scales 10,5]

A synthetic, seeded cluster (default: 1,000 pods in 50 namespaces, 400 NetworkPolicies)
is built as plain manifests, so both tools read exactly the same input. Measured, each
several times (medians printed):
  (a) our full pod-to-pod matrix for one port/protocol, from manifests to the verdict dict
      (model + compile + matrix), and the matrix alone on a compiled evaluator;
  (b) point queries on random pairs, in microseconds each: `Evaluator.allowed()` (the verdict
      without its explanation) where the evaluator has it, else `Evaluator.check()`;
  (c) NCA on the same input, manifests to the verdict dict, when a run is estimated to
      fit --nca-budget seconds. NCA's time grows steeply with the input (about the 3rd to
      4th power of its size here), so both tools are always also measured on inputs scaled
      down by --nca-scales, the ratio is reported there, and the table says when NCA was
      not run on the full input and what its estimated time would have been.
The NCA/ours ratio always compares runs made in this same process, one after the other.
"""
from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
VENV_PY = ROOT / ".venv" / "bin" / "python"
if VENV_PY.exists() and Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
    os.execv(str(VENV_PY), [str(VENV_PY), __file__, *sys.argv[1:]])

from netpol_harness.net import Cluster, Evaluator, nca  # noqa: E402
from netpol_harness.synthetic import PORT_NUMBERS, PROBE, synthetic_cluster  # noqa: E402

# --------------------------------------------------------------------------- measuring


@dataclass
class Timing:
    label: str
    runs: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)


def timed(label: str, runs: int, fn: Callable[[], Any]) -> tuple[Timing, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return Timing(label, times), result


def ours_matrix(docs: list[dict[str, Any]]) -> dict[tuple[str, str], bool]:
    return Evaluator(Cluster.from_manifests(docs), ipblock_matches_pods=False).matrix(*PROBE)


def nca_matrix(docs: list[dict[str, Any]]) -> dict[tuple[str, str], bool]:
    return nca.matrix(docs, *PROBE)


def point_queries(docs: list[dict[str, Any]], count: int, runs: int, seed: int) -> Timing:
    ev = Evaluator(Cluster.from_manifests(docs))
    rnd = random.Random(seed)
    ids = [p.id for p in ev.pods]
    protocols = ("TCP", "TCP", "UDP")
    queries = [(rnd.choice(ids), rnd.choice(ids), rnd.choice(PORT_NUMBERS), rnd.choice(protocols)) for _ in range(count)]
    ev.check(*queries[0])  # warm the caches that belong to building, not querying

    # The verdict alone where the evaluator answers it without an explanation (Evaluator.allowed).
    ask = getattr(ev, "allowed", None) or ev.check

    def run() -> None:
        for q in queries:
            ask(*q)

    timing, _ = timed(f"{count} point queries", runs, run)
    return timing


def _extrapolate(measured: list[tuple[int, float]], pods: int) -> float:
    """NCA seconds for `pods`, from a power law through the two largest measured sizes."""
    if len(measured) == 1:
        n, t = measured[0]
        return t * (pods / n) ** 3  # cautious: NCA grows faster than quadratically
    (n1, t1), (n2, t2) = measured[-2], measured[-1]
    exponent = math.log(t2 / t1) / math.log(n2 / n1) if t1 > 0 and n2 != n1 else 3.0
    return t2 * (pods / n2) ** max(exponent, 1.0)


def fmt_seconds(t: float) -> str:
    return f"{t * 1000:9.1f} ms" if t < 10 else f"{t:9.2f} s "


def describe(docs: list[dict[str, Any]]) -> str:
    kinds = [d["kind"] for d in docs]
    return f"{kinds.count('Pod')} pods, {kinds.count('Namespace')} namespaces, {kinds.count('NetworkPolicy')} policies"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pods", type=int, default=1000)
    parser.add_argument("--namespaces", type=int, default=50)
    parser.add_argument("--policies", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=5, help="repetitions of each measurement (median reported)")
    parser.add_argument("--nca-runs", type=int, default=3, help="repetitions of each NCA measurement")
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--nca-budget", type=float, default=120.0,
                        help="seconds one NCA run on the full input may take; beyond it, compare on a smaller input")
    parser.add_argument("--nca-scales", type=lambda v: [float(x) for x in v.split(",")], default=[10.0, 5.0],
                        help="also compare on the full input divided by these (comma-separated, default 10,5)")
    args = parser.parse_args(argv)

    full = synthetic_cluster(args.pods, args.namespaces, args.policies, args.seed)
    print(f"input: {describe(full)} (seed {args.seed}); probe {PROBE[0]}/{PROBE[1]}; "
          f"{args.runs} runs each ({args.nca_runs} for NCA), medians; python {sys.version.split()[0]}, {os.cpu_count()} CPUs")

    rows: list[tuple[str, str, str]] = []
    t_ours, ours_full = timed("ours: matrix from manifests", args.runs, lambda: ours_matrix(full))
    rows.append(("ours: full matrix, manifests -> verdicts", describe(full), fmt_seconds(t_ours.median)))
    # The matrix alone: compile outside the clock (the evaluator caches each probe's matrix).
    only_runs = []
    for _ in range(args.runs):
        compiled = Evaluator(Cluster.from_manifests(full), ipblock_matches_pods=False)
        start = time.perf_counter()
        compiled.matrix(*PROBE)
        only_runs.append(time.perf_counter() - start)
    rows.append(("ours: matrix only (compiled evaluator)", describe(full), fmt_seconds(statistics.median(only_runs))))
    t_points = point_queries(full, args.queries, args.runs, args.seed)
    per_query_us = t_points.median / args.queries * 1e6
    rows.append((f"ours: {args.queries} point queries", describe(full), f"{per_query_us:9.1f} µs each"))

    nca_reason = nca.unavailable_reason()
    ratios: list[str] = []
    if nca_reason:
        rows.append(("NCA", "-", f"not measured: {nca_reason}"))
    else:
        measured: list[tuple[int, float]] = []  # (pods, NCA median seconds)
        for divisor in sorted(args.nca_scales, reverse=True):  # smallest input first
            pods = int(args.pods / divisor)
            docs = synthetic_cluster(pods, max(1, int(args.namespaces / divisor)), int(args.policies / divisor), args.seed)
            if measured and _extrapolate(measured, pods) > args.nca_budget:
                ratios.append(f"NCA not run on {describe(docs)}: estimated {_extrapolate(measured, pods):.0f} s per run "
                              f"(> --nca-budget {args.nca_budget:.0f} s)")
                continue
            t_nca, nca_m = timed("nca", args.nca_runs, lambda: nca_matrix(docs))
            t_ours_s, ours_m = timed("ours", args.runs, lambda: ours_matrix(docs))
            measured.append((pods, t_nca.median))
            rows.append(("ours: full matrix, manifests -> verdicts", describe(docs), fmt_seconds(t_ours_s.median)))
            rows.append(("NCA: full matrix, manifests -> verdicts", describe(docs), fmt_seconds(t_nca.median)))
            ratios.append(f"NCA/ours on {describe(docs)}: {t_nca.median / t_ours_s.median:,.0f}x, measured in this run"
                          f" (verdicts {'identical' if nca_m == ours_m else 'DIFFER'})")
        estimate = _extrapolate(measured, args.pods) if measured else float("inf")
        if estimate <= args.nca_budget:
            t_nca, nca_full = timed("nca full", args.nca_runs, lambda: nca_matrix(full))
            rows.append(("NCA: full matrix, manifests -> verdicts", describe(full), fmt_seconds(t_nca.median)))
            ratios.insert(0, f"NCA/ours on {describe(full)}: {t_nca.median / t_ours.median:,.0f}x, measured in this run"
                             f" (verdicts {'identical' if nca_full == ours_full else 'DIFFER'})")
        else:
            ratios.insert(0, f"NCA was NOT run on the full input ({describe(full)}): its time grows steeply with size, "
                             f"estimated {estimate:,.0f} s per run from the smaller inputs (> --nca-budget "
                             f"{args.nca_budget:.0f} s). The ratios below are measured on smaller inputs; "
                             f"estimated full-size ratio ~{estimate / t_ours.median:,.0f}x.")

    width = max(len(r[0]) for r in rows)
    width2 = max(len(r[1]) for r in rows)
    print(f"\n{'measurement':<{width}}  {'input':<{width2}}  median")
    print("-" * (width + width2 + 16))
    for label, where, value in rows:
        print(f"{label:<{width}}  {where:<{width2}}  {value}")
    print()
    for line in ratios:
        print(line)
    print(f"targets: full matrix < 2 s: {'met' if t_ours.median < 2 else 'MISSED'}; "
          f"point query < 100 µs: {'met' if per_query_us < 100 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
