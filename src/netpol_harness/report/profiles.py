"""A report under several dataplane profiles (`net.dataplanes`): it is drawn for the first,
and each pair whose verdict another profile gives differently carries every profile's
verdicts on the probes where they disagree.

The profiles' bulk matrices find the pairs they disagree on; only for those are the
reasons, the profiles' notes and the closest misses worked out, pair by pair.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from ..net import Evaluator
from ..net.dataplanes import KUBERNETES, Dataplane, dataplane as profile
from .cells import Cell, Checker, ProfileVerdict, cell_of
from .probe import Probe


def chosen_profiles(dataplane: Dataplane | str, dataplanes: Sequence[Dataplane | str] | None) -> list[Dataplane]:
    """The profiles a report judges under, the drawn one first: `dataplanes` when given, else `dataplane`.

    With both, `dataplane` must be the default or the first of `dataplanes`: the report is
    drawn for one profile, and two different answers to which would be a guess."""
    main = profile(dataplane)
    if not dataplanes:
        return [main]
    chosen = list(dict.fromkeys(profile(d) for d in dataplanes))
    if main != KUBERNETES and main != chosen[0]:
        raise ValueError(f"dataplane {main.name!r} is not the first of dataplanes ({chosen[0].name}): "
                         "the report is drawn for the first")
    return chosen


def profile_verdicts(cell: Cell, evaluators: Sequence[Evaluator], probes: Sequence[Probe]) -> tuple[ProfileVerdict, ...]:
    """Each profile's verdicts on the cell's pair, on the probes where they disagree; () when they agree.

    The cell holds the first profile's verdicts already; the others are judged pair by pair."""
    drawn = {probe: part.allowed for part in cell.parts for probe in part.probes}
    allowed = [[drawn[p] for p in probes]]
    allowed += [[ev.check(cell.src, cell.dst, p.port, p.protocol).allowed for p in probes] for ev in evaluators[1:]]
    differing = [p for k, p in enumerate(probes) if len({row[k] for row in allowed}) > 1]
    if not differing:
        return ()
    return tuple(ProfileVerdict(ev.dataplane.name, cell_of(cell.src, cell.dst, Checker(ev, differing)(cell.src, cell.dst)).parts)
                 for ev in evaluators)


def mark_dependent(cells: dict[tuple[str, str], Cell], evaluators: Sequence[Evaluator], probes: Sequence[Probe],
                   endpoints: Sequence[str]) -> None:
    """Give each cell on whose verdict the evaluators disagree (on some probe) every profile's verdicts, in place.

    The bulk matrices pick the pairs to look at (judging every pair one by one under every
    profile would cost a few seconds a profile on a chart of twenty workloads); each picked
    pair is then judged one by one, so a cell is marked only on the verdicts it shows."""
    if len(evaluators) < 2:
        return
    tables = [[ev.matrix(p.port, p.protocol, endpoints) for p in probes] for ev in evaluators]
    for pair, cell in list(cells.items()):
        if len({tuple(table.get(pair) for table in by_probe) for by_probe in tables}) > 1:
            verdicts = profile_verdicts(cell, evaluators, probes)
            if verdicts:
                cells[pair] = replace(cell, dataplanes=verdicts)
