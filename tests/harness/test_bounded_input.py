"""Every file and text the harness reads as YAML goes through one loader with limits:
bytes of input, aliases once expanded, and nesting depth. Input past one is refused with
one line naming the input, the limit and how to raise it (an option before the command,
or an environment variable), before it can exhaust memory or the stack."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from netpol_harness import loader
from netpol_harness.clusterfiles import ClusterFileError, read_cluster_file
from netpol_harness.loader import InputLimitError, Limits, load_files, parse_manifests, set_limits

POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: default, labels: {app: web}}\n"
# 342 bytes, a billion "lol"s once expanded: what helm refuses as "excessive aliasing".
BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi"))
MEMORY_CEILING = 1 << 30  # address space for the whole netpol process


@pytest.fixture(autouse=True)
def no_overrides(monkeypatch):
    for name in ("NETPOL_MAX_INPUT_BYTES", "NETPOL_MAX_YAML_ALIASES", "NETPOL_MAX_YAML_DEPTH"):
        monkeypatch.delenv(name, raising=False)
    loader.reset_limits()
    yield
    loader.reset_limits()


def netpol(*args: str | Path, env: dict[str, str] | None = None, stdin: str | None = None,
           ceiling: int = MEMORY_CEILING) -> subprocess.CompletedProcess[str]:
    """`netpol ARGS` in a child whose address space is capped (RLIMIT_AS): a limit that
    does not hold shows as a MemoryError or a kill, not as a machine out of memory."""
    program = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, ({ceiling}, {ceiling}))
        from netpol_harness.cli import main
        sys.exit(main(sys.argv[1:]))
    """)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("NETPOL_MAX_")}
    return subprocess.run([sys.executable, "-c", program, *map(str, args)], capture_output=True, text=True,
                          timeout=120, env={**environment, **(env or {})}, input=stdin)


def one_line(out: subprocess.CompletedProcess[str]) -> str:
    assert out.returncode == 2, (out.returncode, out.stdout, out.stderr[-2000:])
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr, out.stderr[-2000:]
    return out.stderr.strip()


def test_the_defaults_are_64_mib_10000_aliases_and_100_levels():
    assert loader.limits() == Limits(input_bytes=64 * 2**20, yaml_aliases=10_000, yaml_depth=100)


def test_a_billion_laughs_file_is_refused_under_a_memory_ceiling_naming_the_limit_and_the_file(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BILLION_LAUGHS)
    line = one_line(netpol("reach", bomb, "--port", "80"))
    assert line.startswith(f"netpol reach: {bomb}: YAML aliases expand to more than 10000 aliases")
    assert "--max-yaml-aliases" in line and "NETPOL_MAX_YAML_ALIASES" in line


def test_nesting_past_the_depth_limit_is_refused_before_python_or_libyaml_recurses(tmp_path):
    for depth in (5_000, 100_000):  # a RecursionError, then a segfault, before the limit
        deep = tmp_path / f"deep-{depth}.yaml"
        deep.write_text("a: " + "[" * depth + "]" * depth + "\n")
        line = one_line(netpol("reach", deep, "--port", "80"))
        assert line == (f"netpol reach: {deep}: YAML nested deeper than 100 levels (line 1); "
                        "the limit is --max-yaml-depth or NETPOL_MAX_YAML_DEPTH")


def test_a_file_over_the_input_limit_is_refused_before_it_is_read_whole(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text(POD * 100)
    line = one_line(netpol("--max-input-bytes", "1K", "reach", big, "--port", "80"))
    assert line == (f"netpol reach: {big}: larger than the input limit of 1024 bytes; "
                    "the limit is --max-input-bytes or NETPOL_MAX_INPUT_BYTES")
    assert "stdin: larger than" in one_line(netpol("--max-input-bytes", "100", "reach", "-", "--port", "80",
                                                   stdin=POD * 10))


def test_each_limit_is_set_by_its_environment_variable_and_the_option_wins(tmp_path):
    nested = tmp_path / "nested.yaml"
    nested.write_text(POD + "spec: {containers: [{name: c, ports: [{containerPort: 80}]}]}\n")
    assert "deeper than 3 levels" in one_line(netpol("reach", nested, "--port", "80",
                                                     env={"NETPOL_MAX_YAML_DEPTH": "3"}))
    allowed = netpol("--max-yaml-depth", "10", "reach", nested, "--port", "80", env={"NETPOL_MAX_YAML_DEPTH": "3"})
    assert allowed.returncode == 0, allowed.stderr
    aliased = tmp_path / "aliased.yaml"
    aliased.write_text("x: &x [1]\ny: [*x, *x, *x]\n")
    assert "more than 2 aliases" in one_line(netpol("reach", aliased, "--port", "80",
                                                    env={"NETPOL_MAX_YAML_ALIASES": "2"}))


@pytest.mark.parametrize("option, value", [("--max-input-bytes", "lots"), ("--max-yaml-depth", "0"),
                                           ("--max-yaml-depth", "100000"), ("--max-yaml-aliases", "-1")])
def test_a_wrong_limit_on_the_command_line_is_a_usage_error(option, value):
    out = netpol(option, value, "reach", "x.yaml", "--port", "80")
    assert out.returncode == 2 and f"argument {option}: must be" in out.stderr and "Traceback" not in out.stderr


def test_a_wrong_limit_in_the_environment_is_one_line_naming_the_variable(tmp_path):
    pods = tmp_path / "pods.yaml"
    pods.write_text(POD)
    line = one_line(netpol("reach", pods, "--port", "80", env={"NETPOL_MAX_INPUT_BYTES": "64 megs"}))
    assert line == "netpol reach: NETPOL_MAX_INPUT_BYTES must be a positive whole number, optionally with K, M or G, " \
                   "not '64 megs'"


def test_aliases_within_the_limits_are_expanded_and_merged_as_before():
    text = "base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\nl: [*b, *b]\n"
    assert parse_manifests(text) == [{"base": {"x": 1, "y": 2}, "d": {"x": 1, "y": 3},
                                      "l": [{"x": 1, "y": 2}, {"x": 1, "y": 2}]}]


def test_a_long_scalar_aliased_many_times_is_refused_by_the_byte_limit():
    set_limits(input_bytes=2**20)
    text = f"a: &a {'x' * 100_000}\nb: [{', '.join(['*a'] * 20)}]\n"
    with pytest.raises(InputLimitError, match=r"^t.yaml: YAML aliases expand to more than 1 MiB .*--max-input-bytes"):
        parse_manifests(text, "t.yaml")


def test_an_alias_inside_the_node_it_names_is_refused():
    with pytest.raises(loader.yaml.YAMLError, match="stands for a node that contains it"):
        parse_manifests("a: &a [1, *a]\n")


def test_anchors_do_not_reach_across_documents_so_each_is_counted_alone():
    set_limits(yaml_aliases=3)
    assert parse_manifests("a: &x [1]\nb: [*x, *x]\n---\nc: &x [2]\nd: [*x]\n") == [
        {"a": [1], "b": [[1], [1]]}, {"c": [2], "d": [[2]]}]


def test_deep_mappings_up_to_the_highest_depth_setting_are_built_without_recursion():
    set_limits(yaml_depth=loader.MAX_DEPTH_SETTING)
    depth = loader.MAX_DEPTH_SETTING - 1
    (doc,) = parse_manifests("a: " + "{b: " * depth + "1" + "}" * depth)
    for _ in range(depth + 1):  # the root mapping, then `depth` more
        doc = doc.get("a", doc.get("b"))
    assert doc == 1


def test_a_with_file_over_a_limit_is_a_cluster_file_error_naming_it(tmp_path):
    bomb = tmp_path / "cluster.yaml"
    bomb.write_text(BILLION_LAUGHS)
    with pytest.raises(ClusterFileError, match=f"^{bomb}: YAML aliases expand .*--max-yaml-aliases"):
        read_cluster_file(bomb)


def test_load_files_names_each_file_and_reads_what_fits(tmp_path):
    ok = tmp_path / "ok.yaml"
    ok.write_text(POD)
    assert [o["metadata"]["name"] for o in load_files([ok])] == ["web"]
    set_limits(input_bytes=len(POD) - 1)
    with pytest.raises(InputLimitError, match=f"^{ok}: larger than the input limit of {len(POD) - 1} bytes"):
        load_files([ok])


def test_a_values_file_a_cases_file_and_an_expectation_file_are_bounded_like_manifests(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BILLION_LAUGHS)
    chart = Path(__file__).resolve().parents[2] / "charts" / "job-executor-service"
    values = netpol("validate", chart, "-f", bomb)
    assert values.returncode == 2 and "YAML aliases expand to more than 10000 aliases" in values.stderr
    assert "bomb.yaml" in values.stderr and "Traceback" not in values.stderr
    cases = netpol("matrix", chart, "--cases", bomb, "--no-progress")
    assert cases.returncode == 2 and "YAML aliases expand to more than 10000 aliases" in cases.stderr
    check = netpol("check", chart, "--expectations", bomb)
    assert check.returncode == 2 and "YAML aliases expand to more than 10000 aliases" in check.stderr
