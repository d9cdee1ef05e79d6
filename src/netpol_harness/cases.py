"""Value cases for the matrix runner: pairwise and seeded random combinations of factors,
values files, and the cases file that names them (`netpol matrix --cases FILE`):

    base: {networkPolicy.egress.enabled: true}        # dotted keys every case has
    factors:                                           # combined pairwise
      networkPolicy.egress.dns.preset: [kubernetes, openshift]
      networkPolicy.egress.k8sMasterPort: [6443, [6443, 443]]
    exclude: [{networkPolicy.egress.dns.preset: openshift, networkPolicy.egress.k8sMasterPort: 443}]
    require: []                                        # combinations some case must hold
    random: 500                                        # then this many seeded random combinations
    seed: 1
    apiVersions: [cilium.io/v2/CiliumNetworkPolicy]    # helm --api-versions for every render

`apiVersions` are what offline `helm template` cannot know: the API groups (and kinds)
the cluster serves beyond Kubernetes' own, which charts test with
`.Capabilities.APIVersions.Has` (CRDs such as Cilium's). Every case of the run, values
files (`-f`) included, renders with them; they are part of the render cache key.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from .loader import load_yaml_file
from .matrix import pairwise, to_values

SPEC_KEYS = ("base", "factors", "exclude", "require", "random", "seed", "apiVersions")
# What helm's --api-versions takes: GROUP/VERSION or GROUP/VERSION/KIND (`v1`, `v1/Pod`
# for the core group); helm compares them as strings (chartutil.VersionSet.Has).
_API_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]*(/[A-Za-z0-9][A-Za-z0-9.-]*){0,2}")


@dataclass(frozen=True)
class Case:
    name: str
    values: dict
    origin: str = ""  # pairwise, random, or the values file


def pairwise_cases(factors: Mapping[str, list], *, base: Mapping[str, Any] | None = None, exclude=(), require=(),
                   prefix: str = "pairwise") -> list[Case]:
    """Every pair of factor values at least once (`matrix.pairwise`); `base`: dotted keys every case has."""
    flat = pairwise(factors, exclude=exclude, require=require)
    return [Case(f"{prefix}-{i:04d}", to_values({**(base or {}), **f}), "pairwise") for i, f in enumerate(flat)]


def random_cases(factors: Mapping[str, list], count: int, *, seed: int, base: Mapping[str, Any] | None = None,
                 exclude: Iterable[Mapping[str, object]] = (), prefix: str = "random") -> list[Case]:
    """`count` distinct random combinations of the factors (fewer if the space is smaller), seeded."""
    rnd = random.Random(seed)
    names = list(factors)
    # Draw indices, not values: choice(range(n)) takes the same random numbers as choice(values),
    # so a seed gives the cases it always gave, and a case is told from its duplicates by a tuple.
    ranges = [range(len(factors[n])) for n in names]
    same_as = [_first_equal(factors[n]) for n in names]
    banned = [b for b in (_banned_indices(factors, names, combo) for combo in exclude) if b is not None]
    seen: set[tuple[int, ...]] = set()
    out: list[Case] = []
    for _ in range(count * 20):
        if len(out) == count:
            break
        picks = [rnd.choice(r) for r in ranges]
        if any(all(picks[f] in allowed for f, allowed in combo) for combo in banned):
            continue
        key = tuple(same[p] for same, p in zip(same_as, picks))
        if key not in seen:
            seen.add(key)
            flat = {n: factors[n][p] for n, p in zip(names, picks)}
            out.append(Case(f"{prefix}-{len(out):04d}", to_values({**(base or {}), **flat}), f"random (seed {seed})"))
    return out


def _first_equal(values: list) -> list[int]:
    """For each value, the index of the first value that dumps to the same YAML: values that
    read alike are one value, as they were when each case was dumped to find duplicates."""
    first: dict[str, int] = {}
    return [first.setdefault(yaml.safe_dump(v, sort_keys=True), i) for i, v in enumerate(values)]


def _banned_indices(factors: Mapping[str, list], names: list[str],
                    combo: Mapping[str, object]) -> list[tuple[int, frozenset[int]]] | None:
    """An `exclude` combination as (factor position, indices of the values equal to it), or None
    when no case can hold it (it names a factor that is not there with a value other than None)."""
    out = []
    for key, wanted in combo.items():
        if key not in factors:
            if not None == wanted:  # noqa: E711 - a missing factor reads as None, as flat.get() gave it
                return None
            continue
        out.append((names.index(key), frozenset(i for i, v in enumerate(factors[key]) if v == wanted)))
    return out


def file_cases(paths: Iterable[str | Path]) -> list[Case]:
    return [Case(Path(p).stem, load_yaml_file(p) or {}, str(p)) for p in paths]


@dataclass(frozen=True)
class MatrixSpec:
    """A cases file: factors combined pairwise (then `random` seeded fills) over `base`."""
    factors: dict[str, list] = field(default_factory=dict)
    base: dict[str, Any] = field(default_factory=dict)
    exclude: list[dict[str, Any]] = field(default_factory=list)
    require: list[dict[str, Any]] = field(default_factory=list)
    random: int = 0
    seed: int = 0
    api_versions: tuple[str, ...] = ()  # helm --api-versions, for every render of the run

    def cases(self) -> list[Case]:
        if not self.factors:
            return []
        cases = pairwise_cases(self.factors, base=self.base, exclude=self.exclude, require=self.require)
        if self.random:
            cases += random_cases(self.factors, self.random, seed=self.seed, base=self.base, exclude=self.exclude)
        return cases


def load_spec(path: str | Path) -> MatrixSpec:
    """The cases file at `path`; ValueError naming the file and the key that is wrong."""
    spec = load_yaml_file(path) or {}
    if not isinstance(spec, dict):
        raise ValueError(f"{path}: a cases file is a mapping with the keys {', '.join(SPEC_KEYS)}")
    unknown = set(spec) - set(SPEC_KEYS)
    if unknown:
        raise ValueError(f"{path}: unknown keys {sorted(unknown)} (known: {', '.join(SPEC_KEYS)})")
    factors = spec.get("factors") or {}
    if not isinstance(factors, dict) or not all(isinstance(v, list) and v for v in factors.values()):
        raise ValueError(f"{path}: factors must map each dotted value path to a non-empty list of values")
    return MatrixSpec(factors=factors, base=spec.get("base") or {}, exclude=spec.get("exclude") or [],
                      require=spec.get("require") or [], random=int(spec.get("random") or 0),
                      seed=int(spec.get("seed", 0)), api_versions=api_versions_of(path, spec.get("apiVersions")))


def api_versions_of(path: str | Path, given: Any) -> tuple[str, ...]:
    """A cases file's `apiVersions`: a list of GROUP/VERSION[/KIND] strings; ValueError otherwise."""
    if given is None:
        return ()
    if not isinstance(given, list) or not all(isinstance(v, str) and _API_VERSION.fullmatch(v) for v in given):
        raise ValueError(f"{path}: apiVersions must be a list of GROUP/VERSION or GROUP/VERSION/KIND strings "
                         f"(as helm --api-versions takes them, e.g. cilium.io/v2/CiliumNetworkPolicy), not {given!r}")
    return tuple(given)
