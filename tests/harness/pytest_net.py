"""pytest face of the evaluator: `net.allows(src, dst, port, protocol)` / `net.denies(...)`.

Both return True so they read well bare or under `assert`, and fail with the evaluator's
explanation, so a red test says which policy, which rule and what it lacked.

    def test_jes_resolves_names(net_from, rendered):
        net = net_from(rendered, setup=add_kube_dns)
        net.allows("jes", "kube-system/kube-dns", 53, "UDP")
        net.denies("jes", "ip:1.1.1.1", 443)
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

import pytest

from .evaluate import EndpointRef, Evaluator, Verdict
from .model import KUBE_DNS, Cluster, External, Pod

__all__ = ["NetworkAssertions", "net_from", "add_kube_dns", "build_network"]


class NetworkAssertions:
    def __init__(self, evaluator: Evaluator) -> None:
        self.evaluator = evaluator

    @property
    def cluster(self) -> Cluster:
        return self.evaluator.cluster

    def verdict(self, src: EndpointRef, dst: EndpointRef, port: int, protocol: str = "TCP") -> Verdict:
        return self.evaluator.check(src, dst, port, protocol)

    def allows(self, src: EndpointRef, dst: EndpointRef, port: int, protocol: str = "TCP") -> bool:
        v = self.verdict(src, dst, port, protocol)
        if not v.allowed:
            pytest.fail(f"expected the connection to be allowed, but:\n{v.explain()}", pytrace=False)
        return True

    def denies(self, src: EndpointRef, dst: EndpointRef, port: int, protocol: str = "TCP") -> bool:
        v = self.verdict(src, dst, port, protocol)
        if v.allowed:
            pytest.fail(f"expected the connection to be denied, but:\n{v.explain()}", pytrace=False)
        return True

    def reachable_from(self, src: EndpointRef, port: int, protocol: str = "TCP") -> set[str]:
        return self.evaluator.reachable_from(src, port, protocol)

    def reaching(self, dst: EndpointRef, port: int, protocol: str = "TCP") -> set[str]:
        return self.evaluator.reaching(dst, port, protocol)

    def only_reaches(self, src: EndpointRef, expected: Iterable[EndpointRef], port: int, protocol: str = "TCP") -> bool:
        """`src` reaches exactly `expected` (pods and declared externals) on port/protocol."""
        want = {self.evaluator.resolve(e).id for e in expected}
        got = self.reachable_from(src, port, protocol)
        if got != want:
            src_id = self.evaluator.resolve(src).id
            lines = [f"{src_id} on {port}/{protocol}: reaches {sorted(got)}, expected {sorted(want)}"]
            for extra in sorted(got - want)[:3]:
                lines.append(self.verdict(src_id, extra, port, protocol).explain())
            for missing in sorted(want - got)[:3]:
                lines.append(self.verdict(src_id, missing, port, protocol).explain())
            pytest.fail("\n\n".join(lines), pytrace=False)
        return True

    # Conveniences for the endpoints tests declare next to rendered manifests.
    def add_pod(self, namespace: str, name: str, labels: Mapping[str, Any] | None = None, ips=None, ports=None) -> Pod:
        return self.cluster.add_pod(namespace, name, labels, ips, ports)

    def add_namespace(self, name: str, labels: Mapping[str, Any] | None = None):
        return self.cluster.add_namespace(name, labels)

    def add_external(self, ip: str) -> External:
        return self.cluster.add_external(ip)


def add_kube_dns(cluster: Cluster) -> Pod:
    """Add the standard kube-dns pod (model.KUBE_DNS) to the cluster."""
    return cluster.add_pod(KUBE_DNS.namespace, KUBE_DNS.name, KUBE_DNS.labels, ports=KUBE_DNS.ports)


def build_network(
    objects: Iterable[Mapping[str, Any] | None] | Any,
    *extra: Iterable[Mapping[str, Any] | None] | Any,
    default_namespace: str = "default",
    externals: Iterable[str] = (),
    namespaces: Mapping[str, Mapping[str, Any]] | None = None,
    setup: Callable[[Cluster], Any] | None = None,
    ipblock_matches_pods: bool = True,
    dual_stack: bool = False,
    family: int | None = None,
) -> NetworkAssertions:
    """Manifests or render results (+ extra ones, namespaces with labels, external IPs) -> assertions.

    `setup(cluster)` runs last, for endpoints that need code (see `add_kube_dns`).
    """
    cluster = Cluster(dual_stack=dual_stack)
    for name, labels in (namespaces or {}).items():
        cluster.add_namespace(name, labels)
    cluster.add_objects([o for group in (objects, *extra) for o in _objects_of(group)], default_namespace)
    for ip in externals:
        cluster.add_external(ip)
    if setup is not None:
        setup(cluster)
    return NetworkAssertions(Evaluator(cluster, ipblock_matches_pods=ipblock_matches_pods, family=family))


def _objects_of(group: Any) -> Iterable[Mapping[str, Any] | None]:
    # A render result (anything with `.objects`) is as good as the list it carries.
    return getattr(group, "objects", group)


@pytest.fixture
def net_from() -> Callable[..., NetworkAssertions]:
    """Factory fixture: `net = net_from(objects, extra_objects, externals=["1.1.1.1"], setup=add_kube_dns)`."""
    return build_network
