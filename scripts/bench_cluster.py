#!/usr/bin/env python3
"""The harness at cluster scale (issue 26, item 7), and the helpers `scripts/bench.py` shares.

    scripts/bench_cluster.py [--runs 3] [--quick] [--baseline-rev REV|none] [--only NAME]

A seeded cluster the size of a large production one (netpol_harness.synthetic.scale_cluster:
100,000 pods in ReplicaSets of 1-50 over 3,000 namespaces, 40,000 NetworkPolicies, 10% with
ipBlocks) and one of 10,000 / 4,000 of the same shape. Every measurement runs in a fresh
subprocess, so its memory is its own, and the figures are medians of --runs, each printed with
its target and with the baseline measured in this run, interleaved (A B A B) so shared load
hits both alike:
  reachability  the full pod-to-pod matrix for 8080/TCP from manifests (model, compile,
                matrix); memory is ru_maxrss after the run minus ru_maxrss once the manifests
                are built (imports and the manifests themselves left out);
  read          a cluster dump as kubectl writes it (`kind: List`, items with status,
                managedFields, uid ...; YAML and `-o json`) read from the file into the model;
  chart         a chart rendered into one of the dump's namespaces, with the dump's model already
                built: the chart's objects added, the evaluator compiled, and its pods' rows (whom
                they reach) and columns (who reaches them); the helm render is printed beside it;
  query         point queries at 10,000 pods, each call timed alone (perf_counter_ns): median
                and p99 of a verdict and of its explanation, the 3,000 pairs as first asked
                (a port's class rows are built on its 33rd question) and asked again.
The baseline is the code the issue's figures were measured on (--baseline-rev, exported from git
into out/bench/, run with the same manifests); where it takes minutes (reading 100,000 pods) it
runs on a smaller input, and the table says so. --quick leaves out the 100,000-pod runs.
Writes out/bench/cluster.json. Benchmarks are not tests: nothing fails on a duration.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
VENV_PY = ROOT / ".venv" / "bin" / "python"
if VENV_PY.exists() and Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
    os.execv(str(VENV_PY), [str(VENV_PY), __file__, *sys.argv[1:]])

from netpol_harness.net.query import CHECKS_BEFORE_ROWS  # noqa: E402 - from the project's own virtualenv

OUT = ROOT / "out" / "bench"
SRC = ROOT / "src"
# The code issue 26's figures were measured on (48 s / 6.3 GB at 100,000 pods, 21 µs a query).
BASELINE_REV = "92cc0923e151c5522730861cae69f1c994f0f6e2"
BIG = (100_000, 40_000, 3_000)
SMALL = (10_000, 4_000, 300)
SEED = 11


# --------------------------------------------------------------------------- shared helpers


@dataclass
class Figure:
    section: str
    what: str
    runs: list[float]
    unit: str = "s"
    target: float | None = None       # met when the median is below it
    baseline: list[float] | None = None
    baseline_name: str = ""
    bound: str = ""                    # what bounds a missed target, one line
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def ratio(self) -> float | None:
        return self.median / statistics.median(self.baseline) if self.baseline else None

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.median < self.target


FIGURES: list[Figure] = []
FAILED: list[str] = []


def shown(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1000:8.1f} ms" if value < 10 else f"{value:8.2f} s "
    return f"{value:8.1f} {unit}"


def stage_bound(results: list[dict[str, Any]]) -> str:
    """What bounds a time: its largest measured stage (medians over the runs), with the others."""
    names = list(results[0]["stages"])
    medians = {n: statistics.median(r["stages"][n] for r in results) for n in names}
    top = max(medians, key=medians.get)
    rest = ", ".join(f"{n} {shown(t, 's').strip()}" for n, t in medians.items() if n != top)
    return f"{top}, {shown(medians[top], 's').strip()} of it ({rest})"


def report(fig: Figure) -> Figure:
    """Print one line (median, target, ratio to its baseline) and keep it for the JSON."""
    FIGURES.append(fig)
    target = "" if fig.target is None else f"target < {shown(fig.target, fig.unit).strip()}: " + \
        ("met" if fig.met else "MISSED")
    ratio = f"{fig.ratio:7.2f}x {fig.baseline_name}" if fig.ratio is not None else ""
    print(f"{fig.section:12} {fig.what:64} {shown(fig.median, fig.unit):12} {ratio:30} {target}", flush=True)
    if fig.met is False and fig.bound:
        print(f"{'':12}   bounded by: {fig.bound}", flush=True)
    return fig


def interleaved(runs: int, fns: dict[str, Callable[[], Any]]) -> dict[str, list[Any]]:
    """Each function `runs` times, in turn (A B A B ...), so load on a shared machine hits all alike."""
    out: dict[str, list[Any]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            out[name].append(fn())
    return out


def timed(fn: Callable[[], Any]) -> Callable[[], float]:
    def run() -> float:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    return run


def in_subprocess(code: str, src: Path = SRC, timeout: float = 1800) -> dict[str, Any]:
    """Run `code` in a fresh interpreter with `src` first on the path; its last stdout line is JSON.
    The input limit is raised to 4 GiB: a 100,000-pod dump is far over the default 64 MiB, and a
    user reading one raises it the same way (NETPOL_MAX_INPUT_BYTES)."""
    env = {**os.environ, "PYTHONPATH": str(src), "PYTHONHASHSEED": "0", "NETPOL_MAX_INPUT_BYTES": str(4 << 30)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=timeout)
    if out.returncode:
        raise RuntimeError(f"measurement failed ({out.returncode}): {out.stderr.strip()[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def baseline_src(rev: str | None) -> Path | None:
    """The package as it was at `rev`, exported (once) under out/bench/; None when not asked or not in git."""
    if not rev or rev == "none":
        return None
    target = OUT / f"baseline-{rev[:12]}"
    if not (target / "src" / "netpol_harness").is_dir():
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src"], capture_output=True)
        if archive.returncode:
            print(f"baseline {rev[:12]}: not in this clone; baselines left out", flush=True)
            return None
        with tempfile.TemporaryFile() as tmp:
            tmp.write(archive.stdout)
            tmp.seek(0)
            with tarfile.open(fileobj=tmp) as tar:
                tar.extractall(target, filter="data")
    return target / "src"


def write_json(name: str, meta: dict[str, Any]) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    figures = [{**asdict(f), "median": f.median, "ratio": f.ratio, "met": f.met} for f in FIGURES]
    path.write_text(json.dumps({**meta, "figures": figures, "failed": FAILED}, indent=2) + "\n")
    print(f"written: {path.relative_to(ROOT)}", flush=True)
    return path


def load_note() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"


# --------------------------------------------------------------------------- measurements (subprocesses)

# Every measurement builds its input with the current synthetic module, loaded by path, so the
# baseline revision (which has no scale_cluster) judges the very same manifests.
_PRELUDE = f"""
import gc, importlib.util, json, resource, sys, time
def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
_spec = importlib.util.spec_from_file_location("scale_synthetic", {str(SRC / 'netpol_harness' / 'synthetic.py')!r})
synthetic = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(synthetic)
"""

_REACH = _PRELUDE + """
from netpol_harness.net import Cluster, Evaluator
imported = rss_mb()
docs = synthetic.scale_cluster({pods}, {policies}, {namespaces}, {seed})
built = rss_mb()
marks = [time.perf_counter()]
cluster = Cluster.from_manifests(docs)
marks.append(time.perf_counter())
ev = Evaluator(cluster)
marks.append(time.perf_counter())
allowed = ev.matrix(*synthetic.PROBE).count_allowed()
marks.append(time.perf_counter())
stages = dict(zip(("the model from manifests", "compiling the policies", "the matrix"),
                  (b - a for a, b in zip(marks, marks[1:]))))
print(json.dumps({{"seconds": marks[-1] - marks[0], "allowed": allowed, "mb": rss_mb() - built,
                  "above_imports": rss_mb() - imported, "stages": stages}}))
"""

_READ = _PRELUDE + """
from netpol_harness.clusterfiles import read_cluster_file
from netpol_harness.net import Cluster
imported = rss_mb()
start = time.perf_counter()
objects = read_cluster_file({path!r})
parsed = time.perf_counter()
cluster = Cluster.from_manifests(objects, "default")
gc.collect()  # the model holds off the collector while it is built: its one full pass is paid here
done = time.perf_counter()
stages = {{"reading and parsing the file": parsed - start, "the model from the objects": done - parsed}}
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the forked readers of a large dump
print(json.dumps({{"seconds": done - start, "pods": len(cluster.pods), "mb": rss_mb() - imported + children,
                  "child_mb": children, "stages": stages}}))
"""

_CHART = _PRELUDE + """
from netpol_harness.helm.template import render
from netpol_harness.net import Cluster, Evaluator
docs = synthetic.scale_cluster({pods}, {policies}, {namespaces}, {seed})
start = time.perf_counter()
result = render({chart!r}, values_files=[{values!r}], namespace={namespace!r}, cache=False)
assert result.ok, result.stderr
chart = result.objects
rendered = time.perf_counter() - start
cluster = Cluster.from_manifests(docs)  # the dump, loaded before (its reading is the read figure)
gc.collect()  # and the collection its building leaves owed, which the read figure counts
marks = [time.perf_counter()]
cluster.add_objects(chart, {namespace!r})
marks.append(time.perf_counter())
ev = Evaluator(cluster)
marks.append(time.perf_counter())
mine = [p.id for p in ev.pods if p.namespace == {namespace!r} and p.workload.startswith("Deployment/test-")]
assert mine, "the chart rendered no Deployment pod"
rows = {{p: ev.reachable_from(p, *synthetic.PROBE) for p in mine}}
columns = {{p: ev.reaching(p, *synthetic.PROBE) for p in mine}}
marks.append(time.perf_counter())
stages = dict(zip(("adding the chart to the model", "compiling the policies", "the rows and columns"),
                  (b - a for a, b in zip(marks, marks[1:]))))
print(json.dumps({{"seconds": marks[-1] - marks[0], "render": rendered, "pods": mine, "stages": stages,
                  "reach": sum(map(len, rows.values())), "reached_by": sum(map(len, columns.values()))}}))
"""

_QUERY = _PRELUDE + """
import random, statistics
from netpol_harness.net import Cluster, Evaluator
docs = synthetic.scale_cluster({pods}, {policies}, {namespaces}, {seed})
ev = Evaluator(Cluster.from_manifests(docs))
rnd = random.Random({seed})
ids = [p.id for p in ev.pods]
asks = [(rnd.choice(ids), rnd.choice(ids), rnd.choice((8080, 9090, 53)), "TCP") for _ in range({queries})]
verdict = getattr(ev, "allowed", None) or (lambda *q: ev.check(*q).allowed)
def clocked(fn):
    fn(*asks[0])  # caches that belong to building, not asking
    passes = []
    for _ in range(2):  # the pairs as first asked, then asked again once every port has its class rows
        out = []
        for q in asks:
            start = time.perf_counter_ns()
            fn(*q)
            out.append(time.perf_counter_ns() - start)
        out.sort()
        passes.append([out[len(out) // 2] / 1000, out[int(len(out) * 0.99)] / 1000])
    return passes
def fields(*q):  # the explanation as data: both sides, the reason, the caveats
    checked = ev.check(*q)
    checked.reason, checked.egress, checked.ingress, checked.caveats
v = clocked(verdict)
f = clocked(fields)
e = clocked(lambda *q: ev.check(*q).explain())
print(json.dumps({{"verdict": v, "fields": f, "explanation": e,
                  "api": "allowed" if hasattr(ev, "allowed") else "check"}}))
"""


# --------------------------------------------------------------------------- dumps as kubectl writes them

_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:")
_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def _scalar(value: Any) -> str:
    # Plain where YAML reads it back as the same string (as kubectl's writer leaves it), else quoted.
    if isinstance(value, str):
        plain = (value and value[0].isalpha() and value[-1] != ":" and set(value) <= _PLAIN
                 and value.lower() not in _WORDS and ": " not in value)
        return value if plain else json.dumps(value)
    return "null" if value is None else json.dumps(value)


def _yaml_lines(value: Any, indent: str, out: list[str]) -> None:
    """Block YAML, the layout `kubectl -o yaml` writes: list items at their key's indent."""
    if isinstance(value, dict):
        for key, item in sorted(value.items()):  # kubectl writes keys sorted, as Go marshals a map
            head = f"{indent}{_scalar(key)}:"
            if isinstance(item, (dict, list)) and item:
                out.append(head)
                _yaml_lines(item, indent if isinstance(item, list) else indent + "  ", out)
            else:
                out.append(f"{head} {'{}' if item == {} else '[]' if item == [] else _scalar(item)}")
    else:
        for item in value:
            if isinstance(item, (dict, list)) and item:
                start = len(out)
                _yaml_lines(item, indent + "  ", out)
                out[start] = f"{indent}- {out[start][len(indent) + 2:]}"
            else:
                out.append(f"{indent}- {_scalar(item)}")


def write_dump(path: Path, dump: dict[str, Any], form: str) -> None:
    """The dump as `kubectl get -o yaml` or `-o json` writes it (json: 4-space indent), item by item."""
    tmp = path.with_name(path.name + ".partial")  # the YAML and JSON dumps of one size are written apart
    with tmp.open("w") as out:
        if form == "json":
            out.write('{\n    "apiVersion": "v1",\n    "items": [\n')
            for k, item in enumerate(dump["items"]):
                text = json.dumps(item, indent=4, sort_keys=True)  # kubectl's layout; items nest two levels in
                out.write(("" if k == 0 else ",\n") + "\n".join("        " + line for line in text.splitlines()))
            out.write('\n    ],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n')
        else:
            out.write("apiVersion: v1\nitems:\n")
            for item in dump["items"]:
                lines: list[str] = []
                _yaml_lines([item], "", lines)
                out.write("\n".join(lines) + "\n")
            out.write("kind: List\nmetadata:\n  resourceVersion: \"\"\n")
    tmp.rename(path)


def dump_file(size: tuple[int, int, int], form: str) -> Path:
    """The scale cluster of `size` as a kubectl dump, written once and kept under out/bench/data/."""
    from netpol_harness.synthetic import kubectl_list, scale_cluster

    pods, policies, namespaces = size
    path = OUT / "data" / f"cluster-{pods}-{policies}-{namespaces}-{SEED}-sorted.{form}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        write_dump(path, kubectl_list(scale_cluster(pods, policies, namespaces, SEED)), form)
        print(f"{'':12}   wrote {path.relative_to(ROOT)} ({path.stat().st_size / 1e6:,.0f} MB) "
              f"in {time.perf_counter() - start:.0f} s, kept for the next run", flush=True)
    return path


# --------------------------------------------------------------------------- figures


def _name(size: tuple[int, int, int]) -> str:
    return f"{size[0]:,} pods / {size[1]:,} policies"


def _measure(code: str, base: Path | None, runs: int, base_runs: int, **fields: Any) -> tuple[list, list]:
    """(ours, baseline's) results of `code`, interleaved; the baseline only its first `base_runs` turns."""
    ours: list = []
    theirs: list = []
    for turn in range(runs):
        ours.append(in_subprocess(code.format(**fields)))
        if base is not None and turn < base_runs:
            theirs.append(in_subprocess(code.format(**fields), src=base))
    return ours, theirs


def bench_reachability(args: argparse.Namespace, base: Path | None) -> None:
    for size in ([SMALL] if args.quick else [SMALL, BIG]):
        base_runs = args.runs if size == SMALL else args.baseline_runs
        ours, theirs = _measure(_REACH, base, args.runs, base_runs, pods=size[0], policies=size[1],
                                namespaces=size[2], seed=SEED)
        if theirs and {r["allowed"] for r in ours} != {r["allowed"] for r in theirs}:
            print(f"{'':12}   DIFFERENT verdicts: {ours[0]['allowed']} allowed pairs, baseline {theirs[0]['allowed']}")
        big = size == BIG
        report(Figure("reachability", f"full matrix, {_name(size)}", [r["seconds"] for r in ours],
                      target=10.0 if big else None, baseline=[r["seconds"] for r in theirs] or None,
                      baseline_name="baseline", extra={"allowed_pairs": ours[0]["allowed"],
                                                       "stages": [r["stages"] for r in ours]},
                      bound=stage_bound(ours)))
        report(Figure("reachability", f"  memory above the manifests, {_name(size)}", [r["mb"] for r in ours],
                      unit="MB", target=2048.0 if big else None, baseline=[r["mb"] for r in theirs] or None,
                      baseline_name="baseline", extra={"above_imports": [r["above_imports"] for r in ours]},
                      bound="one Python-int bitset per pod and peer, and the n x n packed rows"))


def bench_read(args: argparse.Namespace, base: Path | None) -> None:
    small = (1_000, 400, 30)
    path = dump_file(small, "yaml")
    ours, theirs = _measure(_READ, base, args.runs, args.runs, path=str(path))
    per_pod = statistics.median(r["seconds"] for r in ours) / small[0]
    report(Figure("read", f"kubectl dump (YAML, {path.stat().st_size / 1e6:.0f} MB), {_name(small)}",
                  [r["seconds"] for r in ours], baseline=[r["seconds"] for r in theirs] or None,
                  baseline_name="baseline"))
    if args.quick:
        return
    for form in ("yaml", "json"):
        path = dump_file(BIG, form)
        estimate = per_pod * BIG[0] * (1 if form == "yaml" else 2)
        if estimate > args.read_budget:
            print(f"{'':12}   {form} dump of {BIG[0]:,} pods not read: an estimated {estimate:,.0f} s a run "
                  f"(> --read-budget {args.read_budget:.0f} s), from the {small[0]:,}-pod read", flush=True)
            continue
        ours, _ = _measure(_READ, None, args.runs, 0, path=str(path))
        what = f"kubectl dump ({form.upper()}, {path.stat().st_size / 1e6:,.0f} MB), {_name(BIG)}"
        report(Figure("read", what, [r["seconds"] for r in ours], target=15.0, bound=stage_bound(ours),
                      extra={"stages": [r["stages"] for r in ours]}))
        report(Figure("read", "  memory above the imports, and the forked readers' peak",
                      [r["mb"] for r in ours], unit="MB", target=3072.0,
                      extra={"forked_mb": [r["child_mb"] for r in ours]},
                      bound="the dump's text and the objects read from it, in each process"))


def bench_chart(args: argparse.Namespace, base: Path | None) -> None:
    chart = str(ROOT / "charts" / "job-executor-service")
    values = str(ROOT / "values-examples" / "job-executor-service" / "gitops-explicit-cidrs.yaml")
    for size in ([SMALL] if args.quick else [SMALL, BIG]):
        base_runs = args.runs if size == SMALL else args.baseline_runs
        ours, theirs = _measure(_CHART, base, args.runs, base_runs, pods=size[0], policies=size[1],
                                namespaces=size[2], seed=SEED, chart=chart, values=values, namespace="ns-0042")
        report(Figure("chart", f"a chart's pods: rows and columns in {_name(size)}",
                      [r["seconds"] for r in ours], target=2.0 if size == BIG else None,
                      baseline=[r["seconds"] for r in theirs] or None, baseline_name="baseline",
                      extra={"pods": ours[0]["pods"], "render_s": statistics.median(r["render"] for r in ours),
                             "reach": ours[0]["reach"], "reached_by": ours[0]["reached_by"],
                             "stages": [r["stages"] for r in ours]},
                      bound=stage_bound(ours)))
    print(f"{'':12}   (the helm render itself, not in the figure: {FIGURES[-1].extra['render_s'] * 1000:.0f} ms)")


def bench_query(args: argparse.Namespace, base: Path | None) -> None:
    ours, theirs = _measure(_QUERY, base, args.runs, args.runs, pods=SMALL[0], policies=SMALL[1],
                            namespaces=SMALL[2], seed=SEED, queries=args.queries)
    for what, key, api, bound in QUERY_FIGURES:
        api = api or f"Evaluator.{ours[0]['api']}"
        for stat, turn, index, target, why in (("median", 0, 0, 10.0, bound),
                                                ("p99, first asks", 0, 1, 100.0, FIRST_P99),
                                                ("p99, asked again", 1, 1, 100.0, P99_BOUND)):
            report(Figure("query", f"{what} at {SMALL[0]:,} pods, {stat} ({api}, {args.queries:,} pairs)",
                          [_turn(r[key], turn)[index] for r in ours], unit="µs", target=target,
                          baseline=[_turn(r[key], turn)[index] for r in theirs] or None, baseline_name="baseline",
                          bound=bound if key == "explanation" else why))  # the text's tail is its median's cost


def _turn(result: list, turn: int) -> list[float]:
    """[median, p99] of one pass (a baseline's snippet older than the two passes timed one)."""
    return result[turn] if isinstance(result[0], list) else result


# (what, the snippet's key, the call timed (None: the verdict's), what bounds it): the explanation
# is made lazily, so its data and its text are timed apart from the verdict.
QUERY_FIGURES = (
    ("verdict", "verdict", None, "a lookup in the class tables"),
    ("explanation", "fields", "check() with reason, sides and caveats read",
     "objects built per call: check() about 4-5 µs (the verdict's lookup and the lazy verdict) and the read "
     "about 12 µs (two side objects, about 3 µs each, and the reason)"),
    ("explanation text", "explanation", "check().explain()",
     "closest misses: every rule of every isolating policy ranked (about 30%), the reasons of the three shown "
     "(about 22%) and the side lines"),
)
FIRST_P99 = (f"the first {CHECKS_BEFORE_ROWS} questions on each port take the per-pod path (CHECKS_BEFORE_ROWS) "
             "and the next builds that port's class rows once; asked again, each is a lookup")
P99_BOUND = "the scheduler on a loaded machine: the same p99 with the garbage collector off"


SECTIONS = {"reachability": bench_reachability, "read": bench_read, "chart": bench_chart, "query": bench_query}


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", default=bool(os.environ.get("NETPOL_BENCH_QUICK")),
                        help="leave out the 100,000-pod runs (also NETPOL_BENCH_QUICK=1)")
    parser.add_argument("--baseline-rev", default=BASELINE_REV, help="git revision of the baseline code, or none")
    parser.add_argument("--baseline-runs", type=int, default=1,
                        help="baseline runs at 100,000 pods, where one takes about a minute (default 1)")
    parser.add_argument("--queries", type=int, default=3000)
    parser.add_argument("--read-budget", type=float, default=300.0,
                        help="seconds one read of the 100,000-pod dump may be estimated to take before it is left out")


def run_sections(args: argparse.Namespace, only: str | None = None) -> None:
    base = baseline_src(args.baseline_rev)
    for name, fn in SECTIONS.items():
        if only in (None, name):
            try:
                fn(args, base)
            except (RuntimeError, subprocess.TimeoutExpired) as err:  # one section's failure leaves the others
                FAILED.append(f"{name}: {str(err).splitlines()[-1]}")
                print(f"{name:12} FAILED: {FAILED[-1]}", flush=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=tuple(SECTIONS))
    add_options(parser)
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}; medians of {args.runs}; {load_note()}", flush=True)
    start = time.perf_counter()
    run_sections(args, args.only)
    write_json(f"cluster{'-' + args.only if args.only else ''}.json",
               {"runs": args.runs, "load_after": load_note(), "seconds": time.perf_counter() - start})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
