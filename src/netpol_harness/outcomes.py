"""What a matrix run found: each case's outcome, its failures grouped by cause, and the
summary `netpol matrix` prints (`runner.run_matrix` makes a MatrixResult; `shards.merge`
makes one from the results files of shards)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from .cases import Case


@dataclass
class Failure:
    check: str
    message: str

    @property
    def cause(self) -> str:
        """The message without what differs from case to case: double-quoted text (values)
        and numbers; value paths stay, so one mistake is one group."""
        text = re.sub(r'"[^"]*"', "…", self.message)
        text = re.sub(r"'(?!/)[^']*'", "…", text)  # values in single quotes; '/a/b' paths stay
        return f"{self.check}: " + re.sub(r"\b[0-9]+\b", "N", text)


@dataclass
class Outcome:
    case: Case
    rendered: bool
    failures: list[Failure] = field(default_factory=list)
    objects: list[dict] | None = None  # with keep_objects=True
    stderr: str = ""


@dataclass
class MatrixResult:
    outcomes: list[Outcome]
    seconds: float
    stages: dict[str, float]  # seconds spent per stage, summed over the workers
    engine: str
    render_stats: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(o.failures for o in self.outcomes)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.failures]

    def groups(self) -> dict[str, list[tuple[Outcome, Failure]]]:
        """Failures by cause, the largest group first."""
        out: dict[str, list[tuple[Outcome, Failure]]] = {}
        for o in self.outcomes:
            for f in o.failures:
                out.setdefault(f.cause, []).append((o, f))
        return dict(sorted(out.items(), key=lambda kv: -len(kv[1])))

    def summary(self, limit: int = 10) -> str:
        lines = [f"{len(self.outcomes)} cases, {len(self.failed)} failing, {self.seconds:.1f} s ({self.engine}); "
                 + ", ".join(f"{k} {v:.1f} s" for k, v in self.stages.items())]
        for cause, hits in list(self.groups().items())[:limit]:
            smallest, failure = min(hits, key=lambda h: len(yaml.safe_dump(h[0].case.values)))
            lines += [f"\n{len(hits)} x {cause}", f"  e.g. {smallest.case.name}: {failure.message}",
                      "  smallest failing values:"]
            lines += ["    " + line for line in yaml.safe_dump(smallest.case.values, sort_keys=False).splitlines()]
        return "\n".join(lines)
