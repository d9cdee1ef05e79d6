#!/usr/bin/env python3
"""Package the library into each application chart that depends on it with `file://`.

The application charts reach charts/netpol as a `file://../netpol` dependency, packaged
by `helm dependency build` into charts/<app>/charts/netpol-<version>.tgz (not committed).
A symlink would keep one copy too, but helm warns about it and scanners such as Checkov
give up on a chart holding one.

A package is rebuilt only when it no longer holds the library's files, so an edit under
charts/netpol reaches the next `make test`, `make demo` or pytest run (tests/conftest.py
calls `ensure`). Helm rewrites Chart.yaml when it packages, so that file is compared
as YAML, every other file byte for byte.

    scripts/chart_deps.py [--check]    (--check: rebuild nothing, exit 1 naming stale packages)
"""
from __future__ import annotations

import io
import subprocess
import sys
import tarfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CHARTS = ROOT / "charts"


def local_dependencies(chart: Path) -> list[tuple[Path, str, str]]:
    """(source folder, name, version) of each `file://` dependency of the chart."""
    meta = yaml.safe_load((chart / "Chart.yaml").read_text()) or {}
    found = []
    for dep in meta.get("dependencies") or []:
        repository = str(dep.get("repository") or "")
        if repository.startswith("file://"):
            found.append(((chart / repository[len("file://"):]).resolve(), dep["name"], str(dep["version"])))
    return found


def _source_files(source: Path) -> dict[str, bytes]:
    return {str(p.relative_to(source)): p.read_bytes() for p in sorted(source.rglob("*")) if p.is_file()}


def _packaged_files(package: Path, name: str) -> dict[str, bytes] | None:
    try:
        with tarfile.open(package) as tar:
            return {m.name.removeprefix(name + "/"): tar.extractfile(m).read()  # type: ignore[union-attr]
                    for m in tar.getmembers() if m.isfile()}
    except (OSError, tarfile.TarError):
        return None


def _same(packaged: dict[str, bytes] | None, source: dict[str, bytes]) -> bool:
    if packaged is None or set(packaged) != set(source):
        return False
    meta = "Chart.yaml"
    return (all(packaged[f] == source[f] for f in source if f != meta)
            and yaml.safe_load(io.BytesIO(packaged[meta])) == yaml.safe_load(io.BytesIO(source[meta])))


def stale(chart: Path) -> list[str]:
    """The dependency packages of `chart` that are missing or differ from their source."""
    out = []
    for source, name, version in local_dependencies(chart):
        package = chart / "charts" / f"{name}-{version}.tgz"
        if not _same(_packaged_files(package, name), _source_files(source)):
            out.append(str(package.relative_to(ROOT)))
    return out


def application_charts() -> list[Path]:
    return [c for c in sorted(CHARTS.iterdir()) if (c / "Chart.yaml").is_file() and local_dependencies(c)]


def ensure(helm: str) -> list[str]:
    """Rebuild what is stale with `helm dependency build`; the packages rebuilt."""
    rebuilt = []
    for chart in application_charts():
        packages = stale(chart)
        if packages:
            subprocess.run([helm, "dependency", "build", "--skip-refresh", str(chart)], check=True,
                           capture_output=True, text=True, timeout=120)
            rebuilt += packages
    return rebuilt


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        packages = [p for chart in application_charts() for p in stale(chart)]
        for package in packages:
            print(f"chart_deps: {package} is missing or older than its source (run make setup)", file=sys.stderr)
        return 1 if packages else 0
    if argv:
        print(f"chart_deps: unknown arguments: {' '.join(argv)} (usage: chart_deps.py [--check])", file=sys.stderr)
        return 2
    try:
        rebuilt = ensure(str(ROOT / ".tools" / "bin" / "helm"))
    except subprocess.CalledProcessError as err:
        print(f"chart_deps: helm dependency build failed: {err.stderr.strip()}", file=sys.stderr)
        return 1
    for package in rebuilt:
        print(f"chart_deps: packaged {package}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
