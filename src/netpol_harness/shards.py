"""Shards: one matrix (or one pytest run) split over N CI jobs, and the jobs' results merged
back into the summary and exit status of one run.

    netpol matrix CHART --cases FILE --shard 2/3 --results shard-2.json
    netpol matrix --merge shard-1.json shard-2.json shard-3.json

A case (or a pytest item) belongs to shard `bucket(identity, N) + 1`, where the identity is
the case's name and values (the item's node id) and the bucket a SHA-256 of it modulo N:
the same split on every machine, whatever the order of the files, PYTHONHASHSEED or the
number of workers. Each case's shard depends on that case alone, so adding a case moves no
other case; shards are balanced as a hash spreads them (within a few percent from a few
hundred cases), not to the case.

A shard's results file is JSON (`results_document`): the shard, the matrix it is a share of
(its number of cases and a fingerprint of every case and setting), each outcome with the
case's index in the whole matrix, the failures grouped by cause, and the counts. `merge`
refuses shards of different matrices, a shard missing or given twice, and outcomes that do
not cover the matrix exactly once.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from .cases import Case
from .outcomes import Failure, MatrixResult, Outcome

KIND = "netpol-matrix-results"
FORMAT = 1  # bump when a results file's meaning changes


class ShardError(ValueError):
    """A shard that cannot be, or results files that cannot be merged; one line."""


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    total: int

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"

    def holds(self, identity: str) -> bool:
        return bucket(identity, self.total) == self.index - 1


def parse_shard(text: str, option: str = "--shard") -> Shard:
    """`I/N` with 1 <= I <= N; ShardError otherwise."""
    found = re.fullmatch(r"\s*([0-9]+)\s*/\s*([0-9]+)\s*", str(text))
    index, total = (int(found.group(1)), int(found.group(2))) if found else (0, 0)
    if not 1 <= index <= total:
        raise ShardError(f"{option} takes I/N, the shard I of N with 1 <= I <= N (such as 2/3), not {text!r}")
    return Shard(index, total)


def bucket(identity: str, total: int) -> int:
    """0 .. total-1 from a SHA-256 of `identity`: Python's hash() changes with PYTHONHASHSEED."""
    return int.from_bytes(hashlib.sha256(identity.encode()).digest()[:8], "big") % total


def case_identity(case: Case) -> str:
    """A case's name and values as canonical JSON (not its origin: a path differs between machines)."""
    try:
        return json.dumps([case.name, case.values], sort_keys=True, default=repr, separators=(",", ":"))
    except TypeError:  # keys of mixed types cannot be sorted: their order is the file's
        return json.dumps([case.name, case.values], default=repr, separators=(",", ":"))


def select(cases: Sequence[Case], shard: Shard) -> list[tuple[int, Case]]:
    """The cases of `shard`, each with its index in `cases`."""
    return [(k, case) for k, case in enumerate(cases) if shard.holds(case_identity(case))]


def fingerprint(cases: Iterable[Case], settings: Mapping[str, Any]) -> str:
    """What makes two runs the same matrix: every case in order and the settings that change verdicts."""
    h = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode())
    for case in cases:
        h.update(case_identity(case).encode() + b"\0")
    return h.hexdigest()


def results_document(result: MatrixResult, shard: Shard, indices: Sequence[int], total: int, matrix: str) -> dict:
    """A shard's results as JSON: `indices` are its cases' places in the whole matrix of
    `total` cases, `matrix` the matrix's fingerprint."""
    return {
        "kind": KIND, "format": FORMAT,
        "shard": {"index": shard.index, "of": shard.total},
        "matrix": {"cases": total, "fingerprint": matrix},
        "counts": {"cases": len(result.outcomes), "failing": len(result.failed),
                   "passing": len(result.outcomes) - len(result.failed)},
        "seconds": result.seconds, "engine": result.engine, "stages": result.stages,
        "render_stats": result.render_stats,
        "groups": [{"cause": cause, "failures": len(hits), "cases": list(dict.fromkeys(o.case.name for o, _ in hits))}
                   for cause, hits in result.groups().items()],
        "outcomes": [_outcome_json(k, o) for k, o in zip(indices, result.outcomes)],
    }


def _outcome_json(index: int, outcome: Outcome) -> dict:
    return {"index": index, "name": outcome.case.name, "origin": outcome.case.origin,
            "values": outcome.case.values, "rendered": outcome.rendered,
            "failures": [{"check": f.check, "message": f.message} for f in outcome.failures],
            "stderr": outcome.stderr}


def write_results(path: str | Path, document: Mapping[str, Any]) -> None:
    Path(path).write_text(json.dumps(document, indent=1, default=repr) + "\n")


def _read(path: str | Path) -> dict:
    """A results file; ShardError naming it when it cannot be read or is not one."""
    try:
        doc = json.loads(Path(path).read_text())
    except OSError as err:
        raise ShardError(f"{path}: {err.strerror or err}") from None
    except ValueError as err:
        raise ShardError(f"{path}: not JSON ({err})") from None
    if not isinstance(doc, dict) or doc.get("kind") != KIND or doc.get("format") != FORMAT:
        raise ShardError(f"{path}: not a results file of this netpol matrix --results (format {FORMAT})")
    return doc


def merge(paths: Sequence[str | Path]) -> MatrixResult:
    """One MatrixResult from every shard's results file, as one run would have given it."""
    if not paths:
        raise ShardError("merge takes the results file of every shard")
    docs = [(str(p), _read(p)) for p in paths]
    try:
        return _merged(docs)
    except ShardError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise ShardError(f"a results file lacks what a shard writes ({type(err).__name__}: {err})") from None


def _merged(docs: list[tuple[str, dict]]) -> MatrixResult:
    _check_shards(docs)
    outcomes = sorted(((o["index"], _outcome(o)) for _, doc in docs for o in doc["outcomes"]), key=lambda x: x[0])
    if [k for k, _ in outcomes] != list(range(docs[0][1]["matrix"]["cases"])):
        raise ShardError("the shards' cases do not cover the matrix exactly once: were they run with other cases?")
    stages: dict[str, float] = {}
    stats: dict[str, int] = {}
    for _, doc in docs:
        for name, seconds in doc["stages"].items():
            stages[name] = stages.get(name, 0.0) + float(seconds)
        for name, count in doc["render_stats"].items():
            stats[name] = stats.get(name, 0) + int(count)
    # The shards ran side by side: the run took as long as the slowest.
    seconds = max(float(doc["seconds"]) for _, doc in docs)
    return MatrixResult([o for _, o in outcomes], seconds, stages, docs[0][1]["engine"], stats)


def _check_shards(docs: list[tuple[str, dict]]) -> None:
    """Every shard of one matrix, each once."""
    first_path, first = docs[0]
    total, matrix = first["shard"]["of"], first["matrix"]
    seen: dict[int, str] = {}
    for path, doc in docs:
        if doc["matrix"] != matrix or doc["shard"]["of"] != total:
            raise ShardError(f"{path} is a shard of another matrix than {first_path} (other cases, settings or "
                             f"number of shards)")
        index = doc["shard"]["index"]
        if index in seen:
            raise ShardError(f"shard {index}/{total} is given twice: {seen[index]} and {path}")
        seen[index] = path
    missing = [f"{k}/{total}" for k in range(1, total + 1) if k not in seen]
    if missing:
        raise ShardError(f"missing shard {', '.join(missing)}: merge takes the results file of every shard")


def _outcome(doc: Mapping[str, Any]) -> Outcome:
    case = Case(str(doc["name"]), doc["values"], str(doc["origin"]))
    failures = [Failure(str(f["check"]), str(f["message"])) for f in doc["failures"]]
    return Outcome(case, bool(doc["rendered"]), failures, stderr=str(doc.get("stderr", "")))
