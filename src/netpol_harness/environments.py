"""Render a values file the way its environment would.

A values file's `# needs:` header says what its environment must supply: `nothing`
renders offline with `helm template`; `lookup` installs with the real `helm install`
into the in-memory Kubernetes API server (seeded with one API server endpoint,
10.0.0.10:6443); `dns` renders under a controlled resolver that knows the example host
names (root only; otherwise the example is skipped with the reason); `cilium` says the
cluster runs Cilium, whose CRDs serve `cilium.io/v2`: `helm template` gets
`--api-versions cilium.io/v2/CiliumNetworkPolicy` (offline helm knows only the
built-in API versions, and charts with `dataplane: cilium` stop the render unless
`.Capabilities.APIVersions.Has "cilium.io/v2/CiliumNetworkPolicy"`), and with
`lookup` the in-memory API server's discovery lists cilium.io/v2 itself. Needs
combine: `# needs: lookup, cilium`, `# needs: dns, cilium`.

Where values files are found for a chart: `<root>/values-examples/<chart name>/`, then
the chart's `ci/` folder (the chart-testing convention). The project's folder comes first
because it can hold what `ci/` cannot: examples that need `lookup`, DNS or a CNI's APIs,
which `ct lint` would render offline and fail; a chart's `ci/` then holds the offline
ones for chart-testing.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import project
from .helm.template import render
from .loader import load_yaml_file

# Addresses the controlled resolver gives the examples' host names (documentation ranges).
EXAMPLE_HOSTS = {
    "keptn.example.com": "203.0.113.20",
    "sso.example.com": "203.0.113.30",
}
EXAMPLE_STATE = "single-master"
# What offline `helm template` is told a Cilium cluster serves (need `cilium`).
CILIUM_API_VERSIONS = ("cilium.io/v2/CiliumNetworkPolicy",)


def template_args(needs: set[str]) -> list[str]:
    """The `helm template` flags that stand in for what the environment's API server would list."""
    return [arg for v in CILIUM_API_VERSIONS for arg in ("--api-versions", v)] if "cilium" in needs else []


@dataclass
class Example:
    chart: Path
    path: Path
    needs: set[str]

    @property
    def title(self) -> str:
        return f"{self.chart.name} / {self.path.name}"


@dataclass
class Outcome:
    example: Example
    how: str
    objects: list[dict[str, Any]] = field(default_factory=list)
    notes: str | None = None
    error: str | None = None
    skipped: str | None = None


def needs_of(path: Path) -> set[str]:
    """What a values file's `# needs: lookup, dns` header asks of its environment."""
    for line in path.read_text().splitlines():
        if line.startswith("# needs:"):
            return {n.strip() for n in line.split(":", 1)[1].split(",") if n.strip() not in ("", "nothing")}
    return set()


def values_dir_for(chart: Path) -> Path | None:
    """<root>/values-examples/<chart>/ when it has values files, else the chart's ci/ folder."""
    for candidate in (project.root() / "values-examples" / chart.name, chart / "ci"):
        if candidate.is_dir() and any(candidate.glob("*.yaml")):
            return candidate
    return None


def examples_for(chart: Path, values_dir: Path | None = None) -> list[Example]:
    folder = values_dir or values_dir_for(chart)
    if folder is None:
        return []
    paths = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    return [Example(chart, path, needs_of(path)) for path in paths]


def project_charts() -> list[Path]:
    """The charts of the project at the root that have values examples."""
    root = project.root()
    folder = root / "values-examples"
    if not folder.is_dir():
        return []
    return [root / "charts" / d.name for d in sorted(folder.iterdir())
            if d.is_dir() and (root / "charts" / d.name / "Chart.yaml").is_file()]


def install_in_memory(chart: Path, values: dict, *, release: str, namespace: str,
                      state: str = EXAMPLE_STATE, helm: str | None = None) -> tuple[list[dict], str | None]:
    """`helm install` into a fresh in-memory API server seeded with `state`, so `lookup`
    finds what a cluster would show; the installed objects and NOTES."""
    from .helm.install import Helm
    from .kubeapi import KubeApiServer, load_state  # starts a server: only when needed

    with tempfile.TemporaryDirectory(prefix="netpol-install-") as tmp, KubeApiServer() as server:
        for obj in load_state(state):
            server.cluster.put(obj)
        kubeconfig = server.write_kubeconfig(Path(tmp) / "kubeconfig")
        cli = Helm(kubeconfig, namespace=namespace, workdir=Path(tmp) / "home", helm=helm or "")
        run = cli.install(release, chart, values=values, extra=["--create-namespace"])
    if not run.ok:
        raise RuntimeError(f"helm install {release} failed: {run.error}")
    notes = run.stdout.split("NOTES:", 1)[1] if "NOTES:" in run.stdout else None
    return run.objects, notes


def run_example(example: Example, *, release: str, namespace: str, helm: str | None = None,
                values: dict | None = None, stub_disabled_dependencies: bool = False) -> Outcome:
    """Render one values file as its environment would (`values`: instead of the file's);
    `stub_disabled_dependencies`: as `render` takes it, offline renders only (`helm install`
    of a `lookup` example needs the dependencies built)."""
    if values is None:
        values = load_yaml_file(example.path) or {}
    if "lookup" in example.needs:
        how = f"helm install into the in-memory API server (state: {EXAMPLE_STATE})"
        try:
            objects, notes = install_in_memory(example.chart, values, release=release, namespace=namespace, helm=helm)
        except RuntimeError as err:
            return Outcome(example, how, error=str(err))
        return Outcome(example, how, objects=objects, notes=notes)
    wrapper = None
    extra_args = template_args(example.needs)
    flags = "".join(f" {a}" for a in extra_args)
    how = f"helm template{flags} (offline)"
    if "dns" in example.needs:
        from .helm.resolver import make_resolver, unavailable_reason

        reason = unavailable_reason()
        if reason:
            return Outcome(example, "controlled resolver", skipped=reason)
        wrapper = make_resolver(EXAMPLE_HOSTS)
        how = f"helm template{flags} under a controlled resolver (" + ", ".join(f"{n}={a}" for n, a in EXAMPLE_HOSTS.items()) + ")"
    result = render(example.chart, values=values, release=release, namespace=namespace,
                    enable_dns=wrapper is not None, wrapper=wrapper, helm=helm, notes=True, extra_args=extra_args,
                    stub_disabled_dependencies=stub_disabled_dependencies)
    if not result.ok:
        return Outcome(example, how, error=result.stderr.strip())
    return Outcome(example, how, objects=result.objects, notes=result.notes)
