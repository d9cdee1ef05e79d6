"""Case generation costs nothing extra: duplicates are found by a tuple of value indices
(not by dumping every case to YAML), the cases and their order for a seed are the ones the
YAML-keyed generation gave, and with the render cache off the runner hashes no cache keys."""
from __future__ import annotations

import dataclasses
import hashlib
import json

import pytest
import yaml

from netpol_harness import project
from netpol_harness.cases import load_spec, pairwise_cases, random_cases
from netpol_harness.matrix import to_values
from netpol_harness.project import root as repo_root

JES = repo_root() / "charts" / "job-executor-service"
SPEC = load_spec(JES / "netpol-matrix.yaml")
# Equal-looking values (1 twice, [1] twice) are one value; 1 and True are two, as YAML writes them.
SMALL = {"a": [1, 1, True, 2], "b": [[1], [1], {"x": 1}], "c": ["x", None]}


def digest(cases) -> str:
    return hashlib.sha256(json.dumps([[c.name, c.values, c.origin] for c in cases]).encode()).hexdigest()


def bench_cases(count: int):
    """The 2,000 cases `make bench` runs: pairwise without the dataplane switch, then seed 1."""
    factors = {path: values for path, values in SPEC.factors.items() if path != "networkPolicy.dataplane"}
    cases = pairwise_cases(factors, base=SPEC.base)
    return cases + random_cases(factors, count - len(cases), seed=1, base=SPEC.base)


# Digests of [name, values, origin] of every case, taken from the generation that dumped each
# case to YAML to find duplicates, before it changed.
@pytest.mark.parametrize("make, expected", [
    (lambda: SPEC.cases(), "c5e66432e9c37a550e5afed72ff64b8d1d7b53c88ed2e5c8cf572649ac23e0aa"),
    (lambda: dataclasses.replace(SPEC, random=2000, seed=7).cases(),
     "dfe105cba5fa3d993c876d334e6057020bdccd6531e38d6adad8ff74e6902e36"),
    (lambda: bench_cases(2000), "8174685b30c44a600d3a3539028e53dbdd9817e9298a72062e8a4b9a833d8f07"),
    (lambda: random_cases(SMALL, 50, seed=3, exclude=[{"c": None, "a": 2}], base={"z": 1}),
     "45904406047b623d7eca0660c50ebf111475575db869767c9161366ebeef8565"),
], ids=["jes-matrix", "jes-random-2000-seed-7", "bench-2000", "duplicates-and-exclusions"])
def test_the_cases_and_their_order_for_a_seed_are_unchanged(make, expected):
    assert digest(make()) == expected


def test_duplicates_are_values_that_read_alike_and_exclusions_hold():
    cases = random_cases(SMALL, 50, seed=3, exclude=[{"c": None, "a": 2}])
    keys = [yaml.safe_dump(c.values, sort_keys=True) for c in cases]
    assert len(keys) == len(set(keys)) == 3 * 2 * 2 - 2  # every distinct combination but the two excluded
    assert not any(c.values["c"] is None and c.values["a"] == 2 for c in cases)
    # An exclusion naming no factor holds only for None, as a missing factor reads.
    assert random_cases(SMALL, 50, seed=3, exclude=[{"nope": None}]) == []
    assert len(random_cases(SMALL, 50, seed=3, exclude=[{"nope": 1}])) == 12


def test_generation_dumps_each_factor_value_once_not_each_case(monkeypatch):
    dumps = []
    real = yaml.safe_dump
    monkeypatch.setattr(yaml, "safe_dump", lambda *a, **k: dumps.append(1) or real(*a, **k))
    factors = {path: values for path, values in SPEC.factors.items() if path != "networkPolicy.dataplane"}
    cases = random_cases(factors, 500, seed=1, base=SPEC.base)
    assert len(cases) == 500
    assert len(dumps) == sum(len(v) for v in factors.values())


def test_dotted_keys_with_escaped_dots_still_split_as_before():
    assert to_values({r"labels.kubernetes\.io/name": "x", "a.b": 1}) == {"labels": {"kubernetes.io/name": "x"},
                                                                          "a": {"b": 1}}
    for bad in ("a..b", "", ".a", r"a\..", "a."):
        with pytest.raises(ValueError, match="empty path segment"):
            to_values({bad: 1})


@pytest.fixture
def no_cache():
    before = dataclasses.replace(project._settings)
    project.configure(no_cache=True)
    yield
    project.configure(**dataclasses.asdict(before))


@pytest.mark.helm
def test_with_the_cache_off_the_runner_computes_no_cache_key(no_cache, default_helm, monkeypatch):
    from netpol_harness.helm import template
    from netpol_harness.helm.batch import BatchRenderer

    def no_key(*args, **kwargs):
        raise AssertionError("a cache key was computed with the cache off")

    monkeypatch.setattr(template, "_prepare", no_key)  # the values dumped to YAML, the key's first step
    renderer = BatchRenderer(JES, helm=default_helm)
    values = {"networkPolicy": {"egress": {"enabled": True}}}
    assert renderer._cached(values) is None
    template.store_render(template.RenderResult(True, 0, "", "", [], None), JES, values=values, helm=default_helm)
    project.configure(no_cache=False)
    with pytest.raises(AssertionError, match="a cache key was computed"):
        renderer._cached(values)
