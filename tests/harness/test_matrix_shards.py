"""Sharding over CI jobs: `netpol matrix --shard I/N --results FILE` runs a stable share of
the cases and `--merge` of every shard's file prints what one run prints and exits as it
would; `pytest --netpol-shard I/N` splits the collected items the same way."""
from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from netpol_harness.cases import Case, pairwise_cases, random_cases
from netpol_harness.cli import main
from netpol_harness.project import root as repo_root
from netpol_harness.shards import Shard, ShardError, case_identity, parse_shard, select

JES = repo_root() / "charts" / "job-executor-service"
TWOTIER = repo_root() / "tests" / "data" / "harness" / "charts" / "twotier"
pytest_plugins = ["pytester"]
# Failing cases of three causes: a port the schema refuses (70000), a CIDR the template
# refuses, and a values check's port; several cases per cause, so groups and the smallest
# failing values are compared too.
MATRIX = {
    "factors": {
        "networkPolicy.ingress.enabled": [True, False],
        "networkPolicy.egress.enabled": [True, False],
        "networkPolicy.egress.dns.preset": ["kubernetes", "openshift"],
        "networkPolicy.egress.k8sMasterPort": [6443, 70000, [6443, 443]],
        "networkPolicy.egress.k8sMasterCIDR": ["192.0.2.10/32", "10.0.0.300/32"],
    },
    "random": 8,
    "seed": 1,
}
FACTORS = {f"k{i}": list(range(i + 2)) + [[i], {"v": i}] for i in range(6)}


def many_cases() -> list[Case]:
    return pairwise_cases(FACTORS) + random_cases(FACTORS, 300, seed=5)


@pytest.mark.parametrize("text", ["0/3", "4/3", "3", "x/3", "1/0", "-1/2", "1/2/3", ""])
def test_a_shard_that_cannot_be_is_a_one_line_error_with_exit_2(text, capsys):
    with pytest.raises(ShardError, match="takes I/N"):
        parse_shard(text)
    assert main(["matrix", str(JES), "--cases", "nowhere.yaml", f"--shard={text}"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--shard takes I/N" in err, err


def test_the_shards_cover_every_case_once_whatever_the_order_of_the_cases():
    cases = many_cases()
    shards = [{case_identity(c) for _, c in select(cases, Shard(i, 3))} for i in (1, 2, 3)]
    assert sum(len(s) for s in shards) == len(cases) and set().union(*shards) == {case_identity(c) for c in cases}
    assert all(len(s) > len(cases) / 3 * 0.8 for s in shards)  # a hash spreads them
    shuffled = random.Random(1).sample(cases, len(cases))
    assert [{case_identity(c) for _, c in select(shuffled, Shard(i, 3))} for i in (1, 2, 3)] == shards
    # A case added moves no other case.
    grown = [*cases, Case("one-more", {"k0": 99})]
    assert [{case_identity(c) for _, c in select(grown, Shard(i, 3))} - {case_identity(grown[-1])}
            for i in (1, 2, 3)] == shards


def test_the_split_is_the_same_under_any_hash_seed():
    script = ("from netpol_harness.shards import bucket; "
              "print([bucket(f'case-{i}', 3) for i in range(40)])")
    seen = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("0", "1", "12345")}
    assert len(seen) == 1


def first_line_without_times(summary: str) -> list[str]:
    lines = summary.splitlines()
    return [re.sub(r"[0-9.]+ s \(", "T s (", lines[0].split(";")[0]), *lines[1:]]


@pytest.fixture(scope="module")
def runs(tmp_path_factory, default_helm):
    """The matrix run once, then as 3 shards with their results files: (one run's stdout, the files)."""
    folder = tmp_path_factory.mktemp("shards")
    (folder / "matrix.yaml").write_text(yaml.safe_dump(MATRIX))
    common = ["matrix", str(JES), "--cases", str(folder / "matrix.yaml"), "--helm", default_helm, "--no-progress",
              "--check", "render,values,kubernetes", "--no-cache"]
    single = subprocess.run([sys.executable, "-m", "netpol_harness.cli", *common, "--workers", "2"],
                            capture_output=True, text=True, timeout=600)
    assert single.returncode == 1, single.stdout + single.stderr
    paths = []
    for i in (1, 2, 3):
        paths.append(folder / f"shard-{i}.json")
        shard = subprocess.run([sys.executable, "-m", "netpol_harness.cli", *common, "--workers", "1",
                                "--shard", f"{i}/3", "--results", str(paths[-1])],
                               capture_output=True, text=True, timeout=600)
        assert shard.returncode in (0, 1) and f"shard {i}/3:" in shard.stderr, shard.stdout + shard.stderr
    return single.stdout, paths


@pytest.mark.helm
def test_the_merged_shards_print_what_one_run_prints_and_exit_as_it_does(runs, capsys):
    single, paths = runs
    assert main(["matrix", "--merge", *map(str, reversed(paths))]) == 1
    merged = capsys.readouterr().out
    assert first_line_without_times(merged) == first_line_without_times(single)
    assert "smallest failing values:" in merged and merged.count(" x render:") >= 2


@pytest.mark.helm
def test_a_results_file_holds_the_shard_its_matrix_and_each_outcome(runs):
    _, paths = runs
    docs = [json.loads(p.read_text()) for p in paths]
    total = docs[0]["matrix"]["cases"]
    assert [d["shard"] for d in docs] == [{"index": i, "of": 3} for i in (1, 2, 3)]
    assert len({d["matrix"]["fingerprint"] for d in docs}) == 1
    indices = sorted(o["index"] for d in docs for o in d["outcomes"])
    assert indices == list(range(total))
    for doc in docs:
        assert doc["counts"]["cases"] == len(doc["outcomes"])
        assert doc["counts"]["failing"] == sum(1 for o in doc["outcomes"] if o["failures"])
        for group in doc["groups"]:
            assert set(group["cases"]) <= {o["name"] for o in doc["outcomes"] if o["failures"]}
    outcome = docs[0]["outcomes"][0]
    assert set(outcome) >= {"index", "name", "values", "rendered", "failures"}


@pytest.mark.helm
def test_merge_refuses_another_matrix_a_missing_shard_or_a_shard_twice(runs, tmp_path, capsys):
    _, (one, two, three) = runs
    other = tmp_path / "other.json"
    doc = json.loads(three.read_text())
    doc["matrix"]["fingerprint"] = "0" * 64
    other.write_text(json.dumps(doc))
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    for files, says in [
        ([one, two, other], f"{other} is a shard of another matrix than {one}"),
        ([one, three], "missing shard 2/3"),
        ([one, two, two, three], f"shard 2/3 is given twice: {two} and {two}"),
        ([one, two, broken], f"{broken}: not JSON"),
        ([one, two, tmp_path / "none.json"], "none.json: No such file"),
    ]:
        assert main(["matrix", "--merge", *map(str, files)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and says in err, err
    assert main(["matrix", str(JES), "--merge", str(one)]) == 2
    assert "--merge takes the shards' results files alone" in capsys.readouterr().err


EXPECT = {"cases": [
    {"set": {"webPort": port}, "expect": [
        {"from": "client", "to": "web", "port": port, "allowed": True},
        {"from": "not-client", "to": "web", "port": port, "allowed": False},
        {"from": "web", "to": "client", "port": 80, "allowed": False},
    ]} for port in (8080, 8081, 8082, 8083, 9090, 9091)
]}


# --assert=plain: a collection runs no assert, and rewriting the modules of the pytest11
# plugins (this one, hypothesis) is most of each run's start-up when bytecode is not cached.
def collected(pytester: pytest.Pytester, *options: str) -> list[str]:
    result = pytester.runpytest_subprocess("--collect-only", "-q", "-p", "no:cacheprovider", "--assert=plain", *options)
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    return [line for line in result.stdout.lines if "::" in line]


def test_pytest_shards_select_disjoint_items_whose_union_is_every_item(pytester: pytest.Pytester, monkeypatch):
    chart = pytester.path / "charts" / "twotier"
    shutil.copytree(TWOTIER, chart, symlinks=False)
    (chart / "netpol-expect.yaml").write_text(yaml.safe_dump(EXPECT))
    (chart / "netpol-snapshots").mkdir()
    for name in ("a", "b", "c", "d"):
        (chart / "netpol-snapshots" / f"{name}.yaml").write_text("workloads: {}\n")
    pytester.makeini("[pytest]\nnetpol_chart_paths = charts\n")
    pytester.makepyfile(test_many="import pytest\n\n@pytest.mark.parametrize('n', range(30))\n"
                                  "def test_n(n):\n    pass\n")
    every = collected(pytester)
    assert len(every) == 30 + 4 + 6 * 3
    shards = []
    for i, seed in ((1, "1"), (2, "2"), (3, "3")):
        monkeypatch.setenv("PYTHONHASHSEED", seed)
        shards.append(collected(pytester, f"--netpol-shard={i}/3"))
    assert sorted(sum(shards, [])) == sorted(every)
    assert all(shard for shard in shards)
    # Every expectation of a case is in the shard of its case: it renders once.
    for shard in shards:
        cases = {re.sub(r"\[[0-9]+\] .*", "", item) for item in shard if "netpol-expect.yaml" in item}
        assert all(sum(1 for item in shard if item.startswith(case + "[")) == 3 for case in cases)
    result = pytester.runpytest_subprocess("--collect-only", "-q", "--assert=plain", "--netpol-shard=3/2")
    assert result.ret == 4 and "--netpol-shard takes I/N" in result.stderr.str()
