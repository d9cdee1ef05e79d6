"""The default dataplane renders what the charts rendered before the dataplane switch.

tests/data/golden/ holds each chart's renders (its defaults and every values example) as
scripts/golden_renders.py froze them before the switch was added (refrozen once since, for
job-executor-service's Deployment annotations that waive Checkov's checks: nothing else
changed); these tests render the
current charts the same way (the script's own render_case: netpol_harness.environments'
run_example, the same release, namespace and helm) and compare: the objects always, and
for `helm template` renders the manifest text helm printed, byte for byte.
"""
from __future__ import annotations

import difflib
import functools
import importlib.util
import sys
from pathlib import Path

import pytest
import yaml

from netpol_harness.project import root as repo_root
from netpol_harness.environments import needs_of

ROOT = repo_root()
GOLDEN = ROOT / "tests" / "data" / "golden"

pytestmark = pytest.mark.helm


def _load_script():
    spec = importlib.util.spec_from_file_location("golden_renders", ROOT / "scripts" / "golden_renders.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


SCRIPT = _load_script()
INDEX = SCRIPT.read_index(GOLDEN)
CASES = [SCRIPT.case_of(entry) for entry in INDEX["renders"]]
WITH_MANIFEST = [SCRIPT.case_of(entry) for entry in INDEX["renders"] if entry["manifest"]]


@functools.cache
def rendered(case):
    """The current chart's render of `case`, with the helm the goldens were rendered with."""
    done = SCRIPT.render_case(case, ROOT, helm=INDEX["helm"])
    if done.skipped:
        pytest.skip(f"{case.id}: {done.how}: {done.skipped}")
    assert done.error is None, f"{case.id} no longer renders ({done.how}):\n{done.error}"
    return done


def diff(golden: str, now: str, name: str) -> str:
    lines = difflib.unified_diff(golden.splitlines(keepends=True), now.splitlines(keepends=True),
                                 f"golden/{name}", "rendered now")
    return "".join(lines)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_default_dataplane_renders_what_was_rendered_before_the_switch(case):
    golden = (GOLDEN / case.chart / f"{case.name}.yaml").read_text()
    now = SCRIPT.canonical(rendered(case).objects)
    assert yaml.safe_load(now) == yaml.safe_load(golden), \
        f"{case.id} renders other objects than before the switch:\n" + diff(golden, now, f"{case.id}.yaml")


@pytest.mark.parametrize("case", WITH_MANIFEST, ids=lambda c: c.id)
def test_default_dataplane_prints_byte_for_byte_the_manifest_helm_printed_before_the_switch(case):
    path = GOLDEN / case.chart / f"{case.name}.manifest.yaml"
    now = rendered(case).manifest
    assert now is not None, f"{case.id}: no manifest text from `helm template`"
    assert now.encode("utf-8") == path.read_bytes(), \
        f"{case.id} prints another manifest than before the switch:\n" + diff(
            path.read_bytes().decode("utf-8", "replace"), now, f"{case.id}.manifest.yaml")


def needs_cilium(path: Path) -> bool:
    """Examples for the cilium dataplane came with it: they have no render from before."""
    return "cilium" in needs_of(path)


def test_every_values_example_and_each_charts_defaults_have_a_golden_render():
    expected = {f"{chart}/{SCRIPT.DEFAULTS}" for chart in SCRIPT.CHARTS}
    for chart in SCRIPT.CHARTS:
        expected |= {f"{chart}/{path.stem}" for path in (ROOT / "values-examples" / chart).glob("*.yaml")
                     if not needs_cilium(path)}
    have = {case.id for case in CASES if (GOLDEN / case.chart / f"{case.name}.yaml").is_file()}
    skipped = {f"{e['chart']}/{e['name']}": e["reason"] for e in INDEX["skipped"]}
    missing = sorted(expected - have - set(skipped))
    assert not missing, (f"no golden render for {', '.join(missing)}: a new values example needs one "
                         "(see tests/data/golden/README.md)")
    unrendered = sorted(expected & set(skipped))
    if unrendered:
        pytest.skip("; ".join(f"{name} was not rendered when the goldens were made: {skipped[name]}"
                              for name in unrendered))


def test_every_golden_file_belongs_to_a_render_the_index_lists():
    listed = {Path(case.chart) / f"{case.name}.yaml" for case in CASES}
    listed |= {Path(case.chart) / f"{case.name}.manifest.yaml" for case in WITH_MANIFEST}
    on_disk = {path.relative_to(GOLDEN) for path in GOLDEN.glob("*/*.yaml")}
    assert on_disk == listed, f"stray: {sorted(map(str, on_disk - listed))}, missing: {sorted(map(str, listed - on_disk))}"
