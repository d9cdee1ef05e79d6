"""A chart's dependencies missing from charts/ (offline, before `helm dependency build`):
which of them the values switch off, what to do, and empty stand-ins for those only.

helm refuses to render while any dependency listed in Chart.yaml is missing from charts/,
even one the values disable ("found in Chart.yaml, but missing in charts/ directory: a,
b"). `explain` turns that line into one that names each missing dependency, says whether
the values enable it (its `condition`, else its `tags`, read as helm reads them) and what
to do: `helm dependency build CHART` online, or `stub_disabled_dependencies=True` /
`--stub-disabled-dependencies`, with which `with_stand_ins` adds an empty chart for each
*disabled* missing dependency to the snapshot helm renders (the chart on disk is never
touched, and the stand-ins are part of the render's cache key). An enabled dependency
never gets one; and should helm count a stand-in enabled after all (values this module
cannot read, such as --set-json), its one template fails the render saying so.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

MISSING = re.compile(r"^(?:Error: )?(?:[^\n]*: )?found in Chart\.yaml, but missing in charts/ directory: ([^\n]*)$", re.M)
STAND_IN_TEMPLATE = "netpol-stand-in.yaml"
_SEMVER = re.compile(r"(\d+)(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?")


@dataclass(frozen=True)
class Switch:
    """A dependency of Chart.yaml, and whether the values enable it (as helm decides)."""

    name: str
    version: str  # the version its stand-in gets: Chart.lock's, else the range's lowest
    enabled: bool
    why: str  # "condition crds.enabled is false", "tag monitoring is true", "no condition or tag turns it off"


def _yaml(data: bytes | str | None) -> Any:
    try:
        return yaml.safe_load(data) if data else None
    except yaml.YAMLError:
        return None


def dependencies_of(files: Mapping[str, bytes]) -> list[Mapping]:
    meta = _yaml(files.get("Chart.yaml"))
    deps = meta.get("dependencies") if isinstance(meta, Mapping) else None
    return [d for d in deps or () if isinstance(d, Mapping) and isinstance(d.get("name"), str)]


def dependency_files(chart: Path) -> dict[str, bytes]:
    """What this module reads of a chart on disk: Chart.yaml, the packages in charts/ (by
    name) and the Chart.yaml of each folder there (or symlink to one). OSError without
    Chart.yaml."""
    files = {"Chart.yaml": (chart / "Chart.yaml").read_bytes()}
    sub = chart / "charts"
    for entry in sorted(sub.iterdir()) if sub.is_dir() else ():
        if entry.name.endswith(".tgz"):
            files[f"charts/{entry.name}"] = b""
        elif (entry / "Chart.yaml").is_file():
            files[f"charts/{entry.name}/Chart.yaml"] = (entry / "Chart.yaml").read_bytes()
    return files


def missing_dependencies(chart: Path) -> list[Mapping]:
    """The dependencies Chart.yaml lists that charts/ lacks (what `helm dependency build` fetches)."""
    files = dependency_files(chart)
    return [d for d in dependencies_of(files) if not is_present(files, d["name"])]


def is_present(files: Mapping[str, bytes], name: str) -> bool:
    """charts/ holds a chart of that name: a directory whose Chart.yaml names it, or NAME-*.tgz."""
    for path in files:
        parts = path.split("/")
        if len(parts) == 2 and parts[0] == "charts" and parts[1].startswith(f"{name}-") and parts[1].endswith(".tgz"):
            return True
        if len(parts) == 3 and parts[0] == "charts" and parts[2] == "Chart.yaml":
            meta = _yaml(files[path])
            if isinstance(meta, Mapping) and meta.get("name") == name:
                return True
    return False


def values_of(files: Mapping[str, bytes], documents: Iterable[bytes | str | None], sets: Iterable[str]) -> dict:
    """The chart's values.yaml, then each values document, then the plain `a.b=true` --set
    entries (the rest of --set's grammar is left to helm: its stand-in template guards)."""
    merged: dict = {}
    for doc in [files.get("values.yaml"), *documents]:
        data = _yaml(doc)
        if isinstance(data, Mapping):
            merged = _merge(merged, data)
    for item in sets:
        for entry in re.split(r"(?<!\\),", item):
            key, sep, raw = entry.partition("=")
            if sep and re.fullmatch(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*", key):
                value: Any = {"true": True, "false": False}.get(raw, raw)
                for part in reversed(key.split(".")):
                    value = {part: value}
                merged = _merge(merged, value)
    return merged


def _merge(base: Mapping, over: Mapping) -> dict:
    out = dict(base)
    for key, value in over.items():
        both = isinstance(out.get(key), Mapping) and isinstance(value, Mapping)
        out[key] = _merge(out[key], value) if both else value
    return out


def _path_value(values: Mapping, path: str) -> Any:
    node: Any = values
    for part in path.strip().split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def switch_of(dep: Mapping, values: Mapping, locked: Mapping[str, str]) -> Switch:
    """helm's rule: the first condition path that holds a bool decides; else a tag that is
    true enables and tags that are all false disable; else it is enabled."""
    name = dep["name"]
    version = locked.get(name) or _lowest(str(dep.get("version") or ""))
    for path in str(dep.get("condition") or "").split(","):
        value = _path_value(values, path) if path.strip() else None
        if isinstance(value, bool):
            return Switch(name, version, value, f"condition {path.strip()} is {str(value).lower()}")
    tags = values.get("tags") if isinstance(values.get("tags"), Mapping) else {}
    said = {t: tags[t] for t in dep.get("tags") or () if isinstance(tags.get(t), bool)}
    if said and not any(said.values()):
        return Switch(name, version, False, "tag " + ", ".join(said) + " false")
    if any(said.values()):
        return Switch(name, version, True, "tag " + ", ".join(t for t, v in said.items() if v) + " true")
    return Switch(name, version, True, "no condition or tag turns it off")


def _lowest(constraint: str) -> str:
    """A version inside the range in the simple cases (1.2.3, ~1.2.0, ^1.2, >=1.0.0, 1.2.x)."""
    match = _SEMVER.search(constraint)
    if match is None:
        return "0.0.0"
    return ".".join(p if p and p.isdigit() else "0" for p in match.groups())


def _locked(files: Mapping[str, bytes]) -> dict[str, str]:
    lock = _yaml(files.get("Chart.lock"))
    deps = lock.get("dependencies") if isinstance(lock, Mapping) else None
    return {str(d["name"]): str(d["version"]) for d in deps or () if isinstance(d, Mapping) and d.get("name") and d.get("version")}


def missing_switches(files: Mapping[str, bytes], documents: Iterable[bytes | str | None], sets: Iterable[str],
                     names: Iterable[str] | None = None) -> list[Switch]:
    """The dependencies missing from charts/ (or those of `names`, as helm listed them), each with its switch."""
    values, locked = values_of(files, documents, sets), _locked(files)
    wanted = set(names) if names is not None else None
    return [switch_of(d, values, locked) for d in dependencies_of(files)
            if (d["name"] in wanted if wanted is not None else not is_present(files, d["name"]))]


def stand_in(switch: Switch) -> dict[str, bytes]:
    """An empty chart named like the dependency, whose one template fails if it renders."""
    chart = {"apiVersion": "v2", "name": switch.name, "version": switch.version,
             "description": "an empty stand-in the netpol harness made for a disabled dependency"}
    message = (f"netpol harness: the empty stand-in for dependency {switch.name} was rendered, so helm counts it "
               f"enabled: run helm dependency build")
    return {f"charts/{switch.name}/Chart.yaml": yaml.safe_dump(chart).encode(),
            f"charts/{switch.name}/templates/{STAND_IN_TEMPLATE}": ("{{ fail %s }}\n" % _go_string(message)).encode()}


def _go_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def with_stand_ins(files: Mapping[str, bytes], documents: Iterable[bytes | str | None], sets: Iterable[str]) -> dict[str, bytes]:
    """`files` plus an empty stand-in chart for every missing dependency the values disable."""
    out = dict(files)
    for switch in missing_switches(files, documents, sets):
        if not switch.enabled:
            out.update(stand_in(switch))
    return out


def explain(stderr: str, chart: str, files: Mapping[str, bytes], documents: Iterable[bytes | str | None],
            sets: Iterable[str], stubbed: bool = False) -> str:
    """helm's stderr with its missing-dependency line replaced by one that says which are
    disabled, which enabled, and what to do; any other stderr as it was."""
    match = MISSING.search(stderr)
    if match is None:
        return stderr
    names = [n.strip() for n in match.group(1).split(",") if n.strip()]
    switches = missing_switches(files, list(documents), list(sets), names)
    said = ", ".join(f"{s.name} ({'enabled' if s.enabled else 'disabled'}: {s.why})" for s in switches)
    line = f"Error: {chart}: dependencies missing from charts/: {said or ', '.join(names)}; {_advice(chart, switches, stubbed)}"
    return stderr[:match.start()] + line + stderr[match.end():]


def _advice(chart: str, switches: list[Switch], stubbed: bool) -> str:
    build = f"run `helm dependency build {chart}` (online) to fetch them"
    disabled = [s.name for s in switches if not s.enabled]
    enabled = [s.name for s in switches if s.enabled]
    if stubbed or not disabled:
        return (f"{build}: the values enable {', '.join(enabled)}, and an enabled dependency gets no empty stand-in"
                if enabled else build)
    offline = (f"or, offline, stand in empty charts for the disabled {', '.join(disabled)} with "
               "--stub-disabled-dependencies (stub_disabled_dependencies=True)")
    return f"{build}, {offline}" + (f"; {', '.join(enabled)} would still be missing" if enabled else "")
