"""Reachability snapshots: per values file of a chart, the flows its render allows, kept
by the chart as `CHART/netpol-snapshots/<values file stem>.yaml` so that a template
change that opens or closes a flow shows up in review as a line of a diff.

Each values file (`environments.examples_for`) renders as its `# needs:` header says
(`environments.run_example`: a `lookup` example installs into the in-memory API server),
as release `test` in namespace `default`. The connectivity report (`report.connectivity_report`,
its default probes, the kubernetes profile) judges every workload against every endpoint;
the snapshot keeps, per workload, the peers it may be reached from (ingress) and may
reach (egress) with the ports, one line each, sorted:

    probes:
    - 53/TCP
    - 8080/TCP
    workloads:
      default/web:
        controller: Deployment/web
        ingress:
          default/client: 8080/TCP
        egress:
          kube-system/kube-dns: any       # any: on every probed port

Comparing reads both sides as facts, one per line of the file ("default/web ingress from
default/client: 8080/TCP", "probe 8080/TCP"): what the render has and the snapshot lacks
is opened (+), the reverse closed (-).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import jsonschema
import yaml

from . import project
from .environments import Example, examples_for, run_example
from .helm.template import DEFAULT_NAMESPACE, DEFAULT_RELEASE
from .loader import load_yaml_file
from .report import connectivity_report

FOLDER = "netpol-snapshots"
DATAPLANE = "kubernetes"
ANY = "any"  # allowed on every probed port

_FLOWS = {"type": "object", "additionalProperties": {"type": "string"}}
SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["workloads"],
    "properties": {
        "probes": {"type": "array", "items": {"type": "string"}},
        "not judged": {"type": "array", "items": {"type": "string"}},
        "workloads": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": False, "required": ["ingress", "egress"],
            "properties": {"controller": {"type": "string"}, "ingress": _FLOWS, "egress": _FLOWS}}},
    },
}


class SnapshotError(ValueError):
    """A snapshot cannot be made or read; the message is one line naming the file or argument."""


@dataclass
class Entry:
    """One snapshot file of a chart and the values file it is made from (None: stale)."""

    chart: Path
    path: Path
    example: Example | None


@dataclass
class Result:
    entry: Entry
    status: str  # same | changed | missing | stale | skipped | format (same flows, other text)
    text: str = ""  # the snapshot as the render makes it now
    opened: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    skipped: str = ""

    @property
    def failed(self) -> bool:
        return self.status in ("changed", "missing", "stale")


def snapshot_path(chart: Path, values_file: Path) -> Path:
    return chart / FOLDER / f"{values_file.stem}.yaml"


def entries(chart: Path, chosen: list[Path] | None = None) -> list[Entry]:
    """The chart's snapshots: one per values example (those in `chosen` when given) and,
    without `chosen`, a stale entry for each snapshot file no values example makes."""
    examples = examples_for(chart)
    if chosen:
        wanted = {p.resolve() for p in chosen}
        examples = [e for e in examples if e.path.resolve() in wanted]
    found = [Entry(chart, snapshot_path(chart, e.path), e) for e in examples]
    if not chosen:
        made = {entry.path for entry in found}
        found += [Entry(chart, p, None) for p in sorted((chart / FOLDER).glob("*.yaml")) if p not in made]
    return sorted(found, key=lambda e: e.path.name)


def unknown_values(charts: list[Path], chosen: list[Path]) -> list[Path]:
    """The `chosen` values files that are no values example of any of the charts."""
    known = {e.path.resolve() for chart in charts for e in examples_for(chart)}
    return [p for p in chosen if p.resolve() not in known]


def flows_of(objects: list[dict], namespace: str = DEFAULT_NAMESPACE) -> dict[str, Any]:
    """The snapshot's data: the report's probes, what it could not judge, and per workload
    the peers allowed in and out with their ports."""
    report = connectivity_report(objects, namespace=namespace, dataplane=DATAPLANE)
    every = tuple(report.probes)
    workloads: dict[str, Any] = {}
    for wl in sorted(report.workloads, key=lambda w: w.workload):
        outgoing, incoming = report.cells_of(wl.workload)
        entry: dict[str, Any] = {}
        what = wl.controller or ("stand-in" if wl.kind == "stand-in" else "")
        if what or wl.hook:
            entry["controller"] = what + (f" [hook: {wl.hook}]" if wl.hook else "")
        entry["ingress"] = _peers({c.src: c.allowed_probes for c in incoming}, every)
        entry["egress"] = _peers({c.dst: c.allowed_probes for c in outgoing}, every)
        workloads[wl.workload] = entry
    data: dict[str, Any] = {"probes": [str(p) for p in every]}
    if report.not_modelled:
        data["not judged"] = sorted(report.not_modelled)
    data["workloads"] = workloads
    return data


def _peers(allowed: Mapping[str, tuple], every: tuple) -> dict[str, str]:
    return {peer: ANY if tuple(probes) == every else ", ".join(str(p) for p in probes)
            for peer, probes in sorted(allowed.items()) if probes}


def facts(data: Mapping[str, Any]) -> set[str]:
    """One line per thing the snapshot says, each readable on its own."""
    out = {f"probe {p}" for p in data.get("probes") or ()}
    out |= {f"not judged: {n}" for n in data.get("not judged") or ()}
    for name, wl in (data.get("workloads") or {}).items():
        out.add(f"workload {name}" + (f" ({wl['controller']})" if wl.get("controller") else ""))
        out |= {f"{name} ingress from {peer}: {ports}" for peer, ports in (wl.get("ingress") or {}).items()}
        out |= {f"{name} egress to {peer}: {ports}" for peer, ports in (wl.get("egress") or {}).items()}
    return out


def _label(path: Path, outside: Callable[[Path], str] = lambda p: p.name) -> str:
    """A path as the project names it: relative to its root, else `outside(path)` (by
    default its name alone: no machine path in a file the chart keeps)."""
    try:
        return path.resolve().relative_to(project.root().resolve()).as_posix()
    except ValueError:
        return outside(path)


def to_text(chart: Path, values_file: Path, data: Mapping[str, Any]) -> str:
    chart_label, values_label = _label(chart), _label(values_file)
    header = [
        f"Reachability snapshot: the flows {chart_label} allows with",
        f"  {values_label} (release {DEFAULT_RELEASE}, namespace {DEFAULT_NAMESPACE}),",
        "judged as Kubernetes reads NetworkPolicies, on the ports `netpol report` probes.",
        "Per workload: ingress, who may reach it; egress, what it may reach; `any`: every probed port.",
        "Peers not in the render are the ones the report adds: kube-dns, a label-less neighbour,",
        "  elsewhere/pod, 1.1.1.1, and per policy rule a peer it admits and outsiders (`netpol report` says why).",
        "Written by `netpol snapshot`; `--check` compares it with the render. To accept a change:",
        f"  netpol snapshot {chart_label} --update --values {values_label}",
    ]
    body = yaml.safe_dump(dict(data), sort_keys=False, default_flow_style=False, width=10_000, allow_unicode=True)
    return "".join(f"# {line}\n" for line in header) + body


def read(path: Path) -> dict[str, Any]:
    """A snapshot file's data; SnapshotError naming the file when it is not one."""
    try:
        data = load_yaml_file(path)
    except (OSError, yaml.YAMLError, ValueError) as err:
        raise SnapshotError(f"{_label(path, str)}: not a snapshot: {str(err).splitlines()[0]}") from None
    problem = next(iter(jsonschema.Draft7Validator(SCHEMA).iter_errors(data)), None)
    if problem is not None:
        where = ".".join(str(p) for p in problem.absolute_path) or "(top)"
        raise SnapshotError(f"{_label(path, str)}: not a snapshot: {where}: {problem.message}")
    return data


def compare(entry: Entry, helm: str | None = None) -> Result:
    """The entry's snapshot against what its values file renders now."""
    if entry.example is None:
        return Result(entry, "stale")
    outcome = run_example(entry.example, release=DEFAULT_RELEASE, namespace=DEFAULT_NAMESPACE, helm=helm)
    if outcome.skipped:
        return Result(entry, "skipped", skipped=outcome.skipped)
    if outcome.error:
        lines = [line.strip() for line in outcome.error.splitlines() if line.strip()]
        raise SnapshotError(f"{_label(entry.example.path, str)}: {outcome.how}: {' / '.join(lines) or 'failed'}")
    data = flows_of(outcome.objects)
    text = to_text(entry.chart, entry.example.path, data)
    now = facts(data)
    if not entry.path.is_file():
        return Result(entry, "missing", text, opened=sorted(now))
    before = facts(read(entry.path))
    result = Result(entry, "same", text, opened=sorted(now - before), closed=sorted(before - now))
    if result.opened or result.closed:
        result.status = "changed"
    elif entry.path.read_text() != text:
        result.status = "format"
    return result


def update_command(entry: Entry, shown: Callable[[Path], str]) -> str:
    values = f" --values {shown(entry.example.path)}" if entry.example else ""
    return f"netpol snapshot {shown(entry.chart)} --update{values}"


def explain(result: Result, shown: Callable[[Path], str] = str) -> str:
    """What a failed comparison says: the opened (+) and closed (-) lines and how to accept them."""
    entry = result.entry
    if result.status == "stale":
        return (f"{shown(entry.path)}: stale: no values file {entry.path.name} among the chart's values examples; "
                f"remove it, or accept with: {update_command(entry, shown)}")
    assert entry.example is not None
    if result.status == "missing":
        lines = [f"{shown(entry.example.path)}: no snapshot {shown(entry.path)} yet"]
    else:
        lines = [f"{shown(entry.example.path)}: flows differ from the snapshot {shown(entry.path)} "
                 f"({len(result.opened)} opened, {len(result.closed)} closed)"]
        lines += [f"  + {line}" for line in result.opened] + [f"  - {line}" for line in result.closed]
    lines.append(f"  accept with: {update_command(entry, shown)}")
    return "\n".join(lines)
