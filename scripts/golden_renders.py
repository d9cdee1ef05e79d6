#!/usr/bin/env python3
"""Regenerate tests/data/golden/: what the charts render for their defaults and for each
values example, as `netpol check` renders them (netpol_harness.environments.run_example).

CHART_ROOT is a directory with charts/<chart>/ (a clean `git worktree add` of the commit
to freeze, say); the values examples and the helm come from this project. Per render it
writes <chart>/<stem>.yaml (the objects, canonical YAML) and, for `helm template`
renders, <chart>/<stem>.manifest.yaml (the bytes helm printed); index.yaml lists how
each was rendered. tests/test_default_renders_unchanged.py renders the same way.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml

from netpol_harness import environments, project
from netpol_harness.environments import Example, needs_of, run_example
from netpol_harness.helm.binary import HelmNotFound, helm_binary, helm_version
from netpol_harness.helm.template import RenderResult
from netpol_harness.loader import load_yaml_file

PROJECT = Path(__file__).resolve().parent.parent
CHARTS = ("job-executor-service", "network-policies")
# Release and namespace when the chart's netpol-expect.yaml names none for a values file.
RELEASES = {"job-executor-service": ("jes", "keptn"), "network-policies": ("np", "apps")}
DEFAULTS = "defaults"  # the golden of the chart's own values.yaml
INDEX = "index.yaml"


@dataclass(frozen=True)
class Case:
    """One render: a chart with its defaults (values None) or a values example."""
    chart: str
    name: str
    values: str | None  # a values file, relative to the project root
    needs: tuple[str, ...]
    release: str
    namespace: str

    @property
    def id(self) -> str:
        return f"{self.chart}/{self.name}"


@dataclass
class Rendered:
    case: Case
    how: str
    objects: list[dict[str, Any]]
    manifest: str | None  # what `helm template` printed; None for `helm install`
    skipped: str | None = None
    error: str | None = None


def canonical(objects: list[dict[str, Any]]) -> str:
    """The objects as canonical YAML: sorted by (kind, namespace, name), keys sorted."""
    def key(obj: dict[str, Any]) -> tuple[str, str, str, str]:
        meta = obj.get("metadata") or {}
        return (str(obj.get("kind") or ""), str(meta.get("namespace") or ""), str(meta.get("name") or ""),
                json.dumps(obj, sort_keys=True, default=str))
    return yaml.safe_dump(sorted(objects, key=key), sort_keys=True, default_flow_style=False)


def expect_releases(chart_dir: Path) -> dict[str, tuple[str, str]]:
    """Values file name -> (release, namespace) as the chart's netpol-expect.yaml first gives them."""
    path = chart_dir / "netpol-expect.yaml"
    cases = (load_yaml_file(path) or {}).get("cases") or [] if path.is_file() else []
    found: dict[str, tuple[str, str]] = {}
    for case in cases:
        if isinstance(case, dict) and case.get("values") and case.get("release") and case.get("namespace"):
            found.setdefault(Path(str(case["values"])).name, (str(case["release"]), str(case["namespace"])))
    return found


def cases_for(chart: str, chart_root: Path) -> list[Case]:
    """The chart's defaults, then each values example under <project>/values-examples/<chart>/."""
    release, namespace = RELEASES[chart]
    cases = [Case(chart, DEFAULTS, None, (), release, namespace)]
    known = expect_releases(chart_root / "charts" / chart)
    for path in sorted((project.root() / "values-examples" / chart).glob("*.yaml")):
        rel, ns = known.get(path.name, (release, namespace))
        cases.append(Case(chart, path.stem, str(path.relative_to(project.root())), tuple(sorted(needs_of(path))),
                          rel, ns))
    return cases


@contextlib.contextmanager
def _printed(into: list[RenderResult]) -> Iterator[None]:
    """Keep each RenderResult run_example's `helm template` gives it (its objects are all
    an Outcome keeps), so the manifest text is that very render's, not a second one's."""
    original = environments.render

    def keeping(*args: Any, **kwargs: Any) -> RenderResult:
        result = original(*args, **kwargs)
        into.append(result)
        return result

    environments.render = keeping
    try:
        yield
    finally:
        environments.render = original


def render_case(case: Case, chart_root: Path, helm: str | None = None) -> Rendered:
    """Render `case` from chart_root/charts/<chart> with run_example, and for a `helm
    template` render also the manifest text helm printed (RenderResult.stdout)."""
    chart = chart_root / "charts" / case.chart
    values_path = project.root() / case.values if case.values else chart / "values.yaml"
    values = load_yaml_file(values_path) or {} if case.values else {}
    example = Example(chart, values_path, set(case.needs))
    printed: list[RenderResult] = []
    with _printed(printed):
        outcome = run_example(example, release=case.release, namespace=case.namespace, helm=helm, values=values)
    manifest = printed[-1].stdout if printed and not (outcome.skipped or outcome.error) else None
    return Rendered(case, outcome.how, outcome.objects, manifest, outcome.skipped, outcome.error)


def read_index(golden: Path) -> dict[str, Any]:
    return yaml.safe_load((golden / INDEX).read_text())


def case_of(entry: dict[str, Any]) -> Case:
    return Case(entry["chart"], entry["name"], entry["values"], tuple(entry["needs"]), entry["release"],
                entry["namespace"])


def write(golden: Path, results: list[Rendered], helm: str) -> None:
    """The golden files of the renders, index.yaml, and no stale file of an earlier run."""
    written: set[Path] = set()
    entries, skipped = [], []
    for done in results:
        if done.skipped:
            skipped.append({**asdict(done.case), "needs": list(done.case.needs), "reason": done.skipped})
            continue
        folder = golden / done.case.chart
        folder.mkdir(parents=True, exist_ok=True)
        files = {folder / f"{done.case.name}.yaml": canonical(done.objects)}
        if done.manifest is not None:
            files[folder / f"{done.case.name}.manifest.yaml"] = done.manifest
        for path, text in files.items():
            path.write_bytes(text.encode("utf-8"))
            written.add(path)
        entries.append({**asdict(done.case), "needs": list(done.case.needs), "how": done.how,
                        "manifest": done.manifest is not None})
    for chart in {done.case.chart for done in results}:
        for stale in (golden / chart).glob("*.yaml"):
            if stale not in written:
                stale.unlink()
    index = {"helm": helm, "renders": entries, "skipped": skipped}
    (golden / INDEX).write_text(yaml.safe_dump(index, sort_keys=False, default_flow_style=False))


class Refused(Exception):
    """A one-line reason the script stops."""


def run(chart_root: Path, golden: Path, helm: str | None) -> list[Rendered]:
    for chart in CHARTS:
        if not (chart_root / "charts" / chart / "Chart.yaml").is_file():
            raise Refused(f"{chart_root} has no charts/{chart}/Chart.yaml")
    results = []
    for chart in CHARTS:
        for case in cases_for(chart, chart_root):
            done = render_case(case, chart_root, helm)
            if done.error:
                first = done.error.strip().splitlines()[0] if done.error.strip() else "no message"
                raise Refused(f"{case.id} did not render ({done.how}): {first}")
            results.append(done)
    write(golden, results, ".".join(map(str, helm_version(helm_binary(helm)))))
    return results


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="golden_renders.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chart_root", nargs="?", type=Path, default=PROJECT,
                        help="a directory with charts/<chart>/ (default: this project)")
    parser.add_argument("--out", type=Path, default=PROJECT / "tests" / "data" / "golden",
                        help="where the golden files go (default: tests/data/golden)")
    parser.add_argument("--helm", help="a helm path or pinned version (default: the project's default helm)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    project.configure(root=PROJECT, helm=None)
    try:
        if not args.chart_root.is_dir():
            raise Refused(f"{args.chart_root} is not a directory")
        results = run(args.chart_root.resolve(), args.out, args.helm)
    except (Refused, HelmNotFound, OSError, RuntimeError, yaml.YAMLError) as err:
        message = " ".join(str(err).split()) or type(err).__name__
        print(f"golden_renders.py: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("golden_renders.py: interrupted", file=sys.stderr)
        return 130
    for done in results:
        print(f"{done.case.id}: {'skipped: ' + done.skipped if done.skipped else done.how}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
