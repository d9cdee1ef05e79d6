"""What a report says about one pair: a verdict per probe (`Row`), the probes that share a
verdict and its reason (`Part`), and everything about the pair (`Cell`), computed by
`Checker`. A cell whose verdict depends on which CNI enforces the policies also carries
each compared profile's verdicts (`ProfileVerdict`, see `profiles`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from ..net import Evaluator
from .probe import Probe
from .reasons import caveat_text, closest_miss, reason_of
from .words import ports_in_order

DEPENDENT = "dataplane-dependent"


@dataclass(frozen=True)
class Row:
    """One verdict: `src` -> `dst` on a probe, and why."""

    src: str
    dst: str
    probe: Probe
    allowed: bool
    by: str  # the rules that allowed it, or which side denied it
    detail: str = ""  # for a denial: the closest miss (on the first probe denied for this reason)
    caveat: str = ""  # what the model cannot vouch for (policies of other kinds, host network)


@dataclass(frozen=True)
class Part:
    """The probes of one pair that share a verdict and its reason."""

    probes: tuple[Probe, ...]
    allowed: bool
    by: str
    detail: str = ""  # the closest miss of the first denied probe: one line for all of them
    caveat: str = ""


def part_sentences(parts: Iterable[Part], universe: Sequence[Probe]) -> list[str]:
    """One sentence per part, in the text report's order (`words.ports_in_order`): the ports
    named first, the rest last: "allowed on 8080/TCP: ...", "denied on every other probed port: ..."."""
    parts = list(parts)
    out = []
    for k, ports in ports_in_order([p.probes for p in parts], universe):
        part = parts[k]
        word = "allowed" if part.allowed else "denied"
        text = f"{word} on {ports}: {part.by}"
        if part.detail:
            text += f" ({part.detail})"
        if part.caveat:
            text += f" [* {part.caveat}]"
        out.append(text)
    return out


@dataclass(frozen=True)
class ProfileVerdict:
    """One dataplane profile's verdicts on a pair, on the probes where the compared profiles disagree."""

    dataplane: str  # the profile's name, with its options
    parts: tuple[Part, ...]

    def sentences(self, universe: Sequence[Probe]) -> list[str]:
        return [f"{self.dataplane}: {s}" for s in part_sentences(self.parts, universe)]


@dataclass(frozen=True)
class Cell:
    """Everything the report says about `src` -> `dst`: its parts, allowed ones first."""

    src: str
    dst: str
    parts: tuple[Part, ...]
    # Set only where the compared profiles disagree: each profile's verdicts, the drawn one first.
    dataplanes: tuple[ProfileVerdict, ...] = ()

    @property
    def allowed_probes(self) -> tuple[Probe, ...]:
        return tuple(sorted(p for part in self.parts if part.allowed for p in part.probes))

    @property
    def state(self) -> str:
        """"allowed" on every probe, "denied" on every probe, "partial", or "dataplane-dependent"
        when the compared profiles disagree on some probe (the parts are then the drawn profile's)."""
        if self.dataplanes:
            return DEPENDENT
        allowed = [part.allowed for part in self.parts]
        return "allowed" if all(allowed) else "denied" if not any(allowed) else "partial"

    def sentences(self, universe: Sequence[Probe]) -> list[str]:
        """One sentence per part of the drawn profile, as `part_sentences` says them."""
        return part_sentences(self.parts, universe)

    def dataplane_sentences(self, universe: Sequence[Probe]) -> list[str]:
        """Each compared profile's verdicts where they disagree: "cilium: denied on 80/TCP: ..."; none when they agree."""
        return [s for verdict in self.dataplanes for s in verdict.sentences(universe)]


def cell_of(src: str, dst: str, rows: Iterable[Row]) -> Cell:
    keys: list[tuple[bool, str, str]] = []
    probes: dict[tuple[bool, str, str], list[Probe]] = {}
    details: dict[tuple[bool, str, str], str] = {}
    for r in rows:
        key = (r.allowed, r.by, r.caveat)
        if key not in probes:
            keys.append(key)
            probes[key] = []
        probes[key].append(r.probe)
        details.setdefault(key, r.detail)
    keys.sort(key=lambda k: not k[0])  # allowed first: that is what people look for
    return Cell(src, dst, tuple(Part(tuple(probes[k]), k[0], k[1], details[k], k[2]) for k in keys))


class Checker:
    """Rows for (src, dst) on every probe, each pair computed once.

    The closest miss is worked out once per pair and reason, on the first probe denied
    for that reason: it is the slow part, and the report says it once for all of them.
    """

    def __init__(self, ev: Evaluator, probes: Sequence[Probe]) -> None:
        self.ev, self.probes = ev, probes
        self.rows: dict[tuple[str, str], list[Row]] = {}

    def __call__(self, src: str, dst: str) -> list[Row]:
        rows = self.rows.get((src, dst))
        if rows is None:
            rows = []
            explained: set[tuple[str, str]] = set()
            for probe in self.probes:
                verdict = self.ev.check(src, dst, probe.port, probe.protocol)
                by, caveat = reason_of(verdict), caveat_text(verdict)
                detail = ""
                if not verdict.allowed and (by, caveat) not in explained:
                    explained.add((by, caveat))
                    detail = closest_miss(verdict)
                rows.append(Row(src, dst, probe, verdict.allowed, by, detail, caveat))
            self.rows[(src, dst)] = rows
        return rows
