"""Run the real `helm install / upgrade / uninstall / get manifest` against a kubeconfig.

`lookup` only reads the cluster on a real install or upgrade (Helm >= 3.13 also on
--dry-run=server), so this is how the charts' API-server autodetection is tested:
the helm binary talks to the in-memory API server of `netpol_harness.kubeapi` (or to a
real cluster), and what it installed is read back with `helm get manifest`.

Every call runs with its own HOME and Helm directories, so the client's
discovery cache and repository settings never leak between tests or from the
user's machine.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import yaml

from ..loader import parse_manifests
from .binary import helm_binary
from .template import Wrapper, apply_wrapper

Obj = dict[str, Any]


@dataclass
class HelmRun:
    """One helm invocation: what it printed and, after success, what is installed."""
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    objects: list[Obj] = field(default_factory=list)
    namespace: str = "default"  # the release namespace: where objects without one live

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def error(self) -> str:
        """helm's error text, without the client's kubeconfig-permission warnings."""
        return "\n".join(l for l in self.stderr.splitlines() if not l.startswith("WARNING: "))

    def kind(self, kind: str) -> list[Obj]:
        return [o for o in self.objects if o.get("kind") == kind]

    def named(self, kind: str, name: str) -> Obj:
        found = [o for o in self.kind(kind) if o["metadata"]["name"] == name]
        if len(found) != 1:
            names = [o["metadata"]["name"] for o in self.kind(kind)]
            raise KeyError(f"{kind} {name!r} not among the installed {kind}s {names}")
        return found[0]


@dataclass
class Helm:
    """A helm CLI bound to one kubeconfig and namespace."""
    kubeconfig: Path
    namespace: str = "default"
    workdir: Path | None = None
    wrapper: Wrapper | None = None
    helm: str = ""
    timeout: float = 120.0

    def __post_init__(self) -> None:
        self.helm = helm_binary(self.helm or None)
        if self.workdir is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="helm-home-"))
        self.workdir.mkdir(parents=True, exist_ok=True)

    def env(self) -> dict[str, str]:
        home = self.workdir
        assert home is not None
        env = {k: v for k, v in os.environ.items() if not k.startswith("HELM_")}
        env.update(HOME=str(home), KUBECONFIG=str(self.kubeconfig),
                   HELM_CACHE_HOME=str(home / "cache"), HELM_CONFIG_HOME=str(home / "config"),
                   HELM_DATA_HOME=str(home / "data"), HELM_NAMESPACE=self.namespace)
        return env

    def run(self, args: Sequence[str]) -> HelmRun:
        argv = [self.helm, *args, "--namespace", self.namespace]
        full = apply_wrapper(self.wrapper, argv)
        proc = subprocess.run(full, capture_output=True, text=True, env=self.env(), timeout=self.timeout)
        return HelmRun(argv, proc.returncode, proc.stdout, proc.stderr, namespace=self.namespace)

    def _values_args(self, values: Obj | None, set_values: Iterable[str]) -> list[str]:
        args: list[str] = []
        if values:
            assert self.workdir is not None
            fd, path = tempfile.mkstemp(prefix="values-", suffix=".yaml", dir=self.workdir)
            with os.fdopen(fd, "w") as f:
                yaml.safe_dump(values, f, sort_keys=False)
            args += ["--values", path]
        for s in set_values:
            args += ["--set", s]
        return args

    def install(self, release: str, chart: Path | str, values: Obj | None = None,
                set_values: Iterable[str] = (), extra: Sequence[str] = ()) -> HelmRun:
        run = self.run(["install", release, str(chart), *self._values_args(values, set_values), *extra])
        return self._with_manifest(run, release)

    def upgrade(self, release: str, chart: Path | str, values: Obj | None = None,
                set_values: Iterable[str] = (), extra: Sequence[str] = ()) -> HelmRun:
        run = self.run(["upgrade", release, str(chart), *self._values_args(values, set_values), *extra])
        return self._with_manifest(run, release)

    def uninstall(self, release: str) -> HelmRun:
        return self.run(["uninstall", release])

    def get_manifest(self, release: str) -> list[Obj]:
        run = self.run(["get", "manifest", release])
        if not run.ok:
            raise RuntimeError(f"helm get manifest {release} failed: {run.error}")
        return parse_manifests(run.stdout)

    def _with_manifest(self, run: HelmRun, release: str) -> HelmRun:
        if run.ok and "--dry-run" not in " ".join(run.argv):
            run.objects = self.get_manifest(release)
        elif run.ok:
            # A dry run prints the manifest after a MANIFEST: header and stores nothing.
            run.objects = parse_manifests(run.stdout.split("MANIFEST:", 1)[-1].split("\nNOTES:", 1)[0])
        return run
