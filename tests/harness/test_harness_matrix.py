"""netpol_harness.matrix: pairwise cases cover every pair of values, and the dict helpers
build chart values the way Helm merges them."""
from __future__ import annotations

import itertools

import pytest

from netpol_harness.matrix import case_ids, deep_merge, missing_pairs, pairwise, product, to_values

FIVE_FACTORS = {
    "ingress": [True, False],
    "egress": [True, False],
    "dns": ["kubernetes", "openshift", "nodelocal", "custom"],
    "apiPort": [0, 6443, [6443, 443]],
    "gatewayLabels": [{}, {"team": "a"}, {"team": "b"}],
}


def pairs_covered(factors: dict, cases: list[dict]) -> set:
    """Computed here independently of the module: (name, value-index) pairs seen."""
    seen = set()
    for case in cases:
        idx = {n: factors[n].index(case[n]) for n in factors}
        for a, b in itertools.combinations(factors, 2):
            seen.add(((a, idx[a]), (b, idx[b])))
    return seen


def test_pairwise_covers_every_pair_of_a_five_factor_example():
    cases = pairwise(FIVE_FACTORS)
    expected = {
        ((a, i), (b, j))
        for a, b in itertools.combinations(FIVE_FACTORS, 2)
        for i in range(len(FIVE_FACTORS[a]))
        for j in range(len(FIVE_FACTORS[b]))
    }
    assert pairs_covered(FIVE_FACTORS, cases) == expected
    assert missing_pairs(FIVE_FACTORS, cases) == []


def test_pairwise_is_much_smaller_than_the_product_and_near_the_lower_bound():
    cases = pairwise(FIVE_FACTORS)
    assert len(product(FIVE_FACTORS)) == 144
    # No pairwise set can be smaller than the two largest factors multiplied (4 x 3).
    assert 12 <= len(cases) <= 16


def test_pairwise_is_deterministic_and_every_case_sets_every_factor():
    first, second = pairwise(FIVE_FACTORS), pairwise(FIVE_FACTORS)
    assert first == second
    assert all(list(case) == list(FIVE_FACTORS) for case in first)


def test_pairwise_copies_values_so_cases_do_not_share_mutable_state():
    cases = pairwise(FIVE_FACTORS)
    with_list = [c for c in cases if c["apiPort"] == [6443, 443]]
    with_list[0]["apiPort"].append(1)
    assert FIVE_FACTORS["apiPort"][2] == [6443, 443]
    assert with_list[1]["apiPort"] == [6443, 443]


def test_pairwise_of_many_binary_factors_stays_small():
    factors = {f"flag{i}": [True, False] for i in range(12)}
    cases = pairwise(factors)
    assert missing_pairs(factors, cases) == []
    assert len(cases) <= 10


def test_pairwise_of_one_factor_is_each_value_once():
    assert pairwise({"dns": ["a", "b"]}) == [{"dns": "a"}, {"dns": "b"}]


def test_pairwise_refuses_a_factor_without_values():
    with pytest.raises(ValueError, match="'dns'"):
        pairwise({"dns": [], "egress": [True]})


def test_missing_pairs_names_what_a_short_matrix_leaves_out():
    factors = {"a": [1, 2], "b": ["x", "y"]}
    assert missing_pairs(factors, [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]) == [
        "a=1 with b='y'",
        "a=2 with b='x'",
    ]


def test_to_values_nests_dotted_keys():
    assert to_values(
        {"networkPolicy.egress.enabled": True, "networkPolicy.egress.k8sMasterPort": 6443, "networkPolicy.ingress.enabled": False}
    ) == {"networkPolicy": {"egress": {"enabled": True, "k8sMasterPort": 6443}, "ingress": {"enabled": False}}}


def test_to_values_keeps_escaped_dots_and_merges_mapping_values():
    assert to_values({r"labels.kubernetes\.io/name": "x", "labels": {"tier": "web"}}) == {
        "labels": {"kubernetes.io/name": "x", "tier": "web"}
    }


def test_to_values_refuses_a_key_that_is_both_leaf_and_parent():
    with pytest.raises(ValueError, match="a.b"):
        to_values({"a.b": 1, "a.b.c": 2})
    with pytest.raises(ValueError):
        to_values({"a..b": 1})


def test_deep_merge_merges_mappings_and_replaces_lists_without_mutating():
    defaults = {"egress": {"enabled": False, "ports": [53], "dns": {"preset": "kubernetes"}}, "name": "x"}
    override = {"egress": {"enabled": True, "ports": [443]}}
    merged = deep_merge(defaults, override)
    assert merged == {"egress": {"enabled": True, "ports": [443], "dns": {"preset": "kubernetes"}}, "name": "x"}
    assert defaults["egress"]["enabled"] is False and defaults["egress"]["ports"] == [53]
    merged["egress"]["dns"]["preset"] = "openshift"
    assert defaults["egress"]["dns"]["preset"] == "kubernetes"


def test_deep_merge_null_deletes_a_default_only_when_asked():
    assert deep_merge({"a": 1, "b": 2}, {"a": None}) == {"a": None, "b": 2}
    assert deep_merge({"a": 1, "b": {"c": 3}}, {"a": None, "b": {"c": None}}, drop_none=True) == {"b": {}}


def test_case_ids_are_stable_and_sortable():
    assert case_ids([{}] * 3, "pairwise") == ["pairwise-00", "pairwise-01", "pairwise-02"]
