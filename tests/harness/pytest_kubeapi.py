"""pytest fixtures for tests that talk to a Kubernetes API.

`kubeapi`  a fresh in-memory API server (harness.kubeapi) on a free loopback
           port, with a kubeconfig in tmp_path. Tests seed it, inject faults,
           run the real helm against it (`kubeapi.helm`) and read the stored
           objects back.

Real cluster: with KUBECONFIG pointing at a cluster and NETPOL_REAL_CLUSTER=1,
`kubeapi` hands out that cluster instead. Seeding and fault injection cannot
happen there, so the tests that depend on them skip with a reason; releases
the tests install are uninstalled at teardown either way.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any, Iterable, Iterator

import pytest

from harness.install import Helm
from harness.kubeapi import Cluster, Fault, KubeApiServer, Obj, Request, load_state

REAL_CLUSTER_SWITCH = "NETPOL_REAL_CLUSTER"


class KubeApi:
    """The face tests see, the same for the in-memory server and a real cluster."""

    def __init__(self, kubeconfig: Path, workdir: Path, server: KubeApiServer | None) -> None:
        self.kubeconfig = kubeconfig
        self.server = server
        self._workdir = workdir
        self._releases: list[tuple[str, str]] = []

    @property
    def real(self) -> bool:
        return self.server is None

    @property
    def cluster(self) -> Cluster:
        if self.server is None:
            pytest.skip("the test seeds, breaks or reads the in-memory API server's state; "
                        f"running against the real cluster in KUBECONFIG ({REAL_CLUSTER_SWITCH}=1)")
        return self.server.cluster

    def seed(self, state: str | Iterable[Obj]) -> None:
        """Add objects: a state name from tests/data/kubeapi, or the objects themselves."""
        cluster = self.cluster  # skips first on a real cluster, even for an empty state
        objects = load_state(state) if isinstance(state, str) else list(state)
        for obj in objects:
            cluster.put(obj)

    def objects(self, kind: str, namespace: str | None = None) -> list[Obj]:
        return self.cluster.objects(kind, namespace)

    def fail(self, resource: str, code: int | None, *, delay: float = 0.0,
             verbs: Iterable[str] | None = None, user: str | None = None) -> None:
        """Answer requests for `resource` (plural, e.g. "endpointslices") with `code`.

        code None with a delay only slows the answers down.
        """
        fault = Fault(resource, code, delay, frozenset(verbs) if verbs else None)
        if user:
            fault.user = user
        self.cluster.faults.append(fault)

    def slow(self, resource: str, seconds: float) -> None:
        self.fail(resource, None, delay=seconds)

    @property
    def requests(self) -> list[Request]:
        return list(self.cluster.requests)

    def helm(self, namespace: str = "default", wrapper: Any = None) -> Helm:
        """A helm CLI bound to this API; installs through it are cleaned up."""
        return _TrackingHelm(self.kubeconfig, namespace=namespace, workdir=self._workdir / "helm-home",
                             wrapper=wrapper, owner=self)

    def release_name(self, prefix: str = "jes") -> str:
        # Unique per test so a real cluster shared by runs never sees a clash.
        return f"{prefix}-{uuid.uuid4().hex[:6]}"


class _TrackingHelm(Helm):
    def __init__(self, *args: Any, owner: KubeApi, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._owner = owner

    def install(self, release: str, *args: Any, **kwargs: Any):  # type: ignore[override]
        run = super().install(release, *args, **kwargs)
        if not any(a.startswith("--dry-run") for a in run.argv):
            self._owner._releases.append((release, self.namespace))
        return run


@pytest.fixture
def kubeapi(tmp_path: Path) -> Iterator[KubeApi]:
    kubeconfig_env = os.environ.get("KUBECONFIG", "")
    if os.environ.get(REAL_CLUSTER_SWITCH) == "1":
        if not kubeconfig_env:
            pytest.skip(f"{REAL_CLUSTER_SWITCH}=1 needs KUBECONFIG pointing at the cluster")
        api = KubeApi(Path(kubeconfig_env), tmp_path, None)
        yield api
        _cleanup(api)
        return
    with KubeApiServer() as server:
        kubeconfig = tmp_path / "kubeconfig"
        kubeconfig.write_text(server.kubeconfig_text())
        kubeconfig.chmod(0o600)  # client-go warns about group/world-readable kubeconfigs
        # No clean-up here: the whole cluster goes away with the server.
        yield KubeApi(kubeconfig, tmp_path, server)


def _cleanup(api: KubeApi) -> None:
    for release, namespace in api._releases:
        # A test may have uninstalled it already; the answer does not matter here.
        Helm(api.kubeconfig, namespace=namespace, workdir=api._workdir / "helm-home").uninstall(release)
