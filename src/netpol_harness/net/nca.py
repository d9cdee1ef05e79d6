"""Run np-guard's network-config-analyzer (NCA, PyPI `network-config-analyzer`) on manifests.

Used as an independent oracle: the differential test and the benchmark ask NCA and our
evaluator the same question and compare. NCA reads files, so the manifests are written
to a private temporary directory; the connectivity is then taken from NCA's own
`allowed_connections()` (the set its `--connectivity` query prints), intersected with
one port and protocol, instead of scraping its text output.

Known deviations of NCA 2.1.0 from upstream Kubernetes semantics (read from its source,
`nca/Parsers/K8sPolicyYamlParser.py`, `nca/NetworkConfig/PeerContainer.py`, and confirmed
by tests/harness/test_differential_nca.py):

1. policyTypes must be exactly [Ingress], [Egress] or [Ingress, Egress]; the API server
   also accepts [Egress, Ingress] (NCA: syntax error).
2. Without policyTypes, `egress: []` makes NCA isolate egress; the API server defaults to
   Egress only when the egress list has at least one rule.
3. Pods have no addresses in NCA, so an ipBlock never matches a pod; upstream applies
   ipBlocks to pod IPs. Compare with `Evaluator(..., ipblock_matches_pods=False)`.
4. An `ingress` key with policyTypes [Egress] (or `egress` with [Ingress]), even an empty
   list, is a syntax error in NCA; the API server accepts it and ignores the rules.
5. A podSelector's matchExpressions with Exists/DoesNotExist select pods of the policy's
   own namespace only, even inside a peer whose namespaceSelector picks other namespaces
   (`get_peers_with_key(self.namespace, ...)`); matchLabels and In/NotIn do not have this
   restriction.
6. Container ports: only `containers` are read (sidecar `initContainers` are not), and a
   port name maps to one (number, protocol) per pod (the last one wins).
7. "LiveSim": when a policy references the kube-dns labels or an ingress controller that no
   input pod carries, NCA adds simulated pods. This adapter reports only the pods and
   addresses it was given, so extra peers do not change the answer.

Workloads (Deployment, StatefulSet, ...) are handed to NCA as the Pods their controllers
would make, exactly as `netpol_harness.net.Cluster` models them (netpol_harness.net.workloads),
so both sides judge the same endpoints.

NCA keeps global singletons (its peer registry), so calls are serialised with a lock.
"""
from __future__ import annotations

import contextlib
import copy
import io
import ipaddress
import os
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import yaml

from .cluster import pod_template
from .workloads import controller_pods

_LOCK = threading.Lock()


class NcaUnavailable(ImportError):
    """network-config-analyzer is not installed (it is an optional dependency)."""


class NcaRejected(ValueError):
    """NCA refused the input (a syntax error in its parser); the message is NCA's."""


@dataclass(frozen=True)
class NcaResult:
    """NCA's verdicts for one port/protocol and the messages it printed while parsing."""

    port: int
    protocol: str
    pairs: dict[tuple[str, str], bool]
    messages: str


def unavailable_reason() -> str | None:
    """None when NCA can be imported, else why not (for pytest.skip)."""
    try:
        _imports()
    except NcaUnavailable as exc:
        return str(exc)
    return None


def version() -> str:
    from importlib.metadata import version as dist_version

    return dist_version("network-config-analyzer")


def _imports() -> dict[str, Any]:
    try:
        from nca.CoreDS.ConnectivityProperties import ConnectivityProperties
        from nca.CoreDS.Peer import BasePeerSet, IpBlock, Pod as NcaPod
        from nca.CoreDS.PortSet import PortSet
        from nca.CoreDS.ProtocolSet import ProtocolSet
        from nca.NetworkConfig.ResourcesHandler import ResourcesHandler
        from nca.Resources.PolicyResources.NetworkPolicy import PolicyConnectionsFilter
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise NcaUnavailable(f"network-config-analyzer is not importable: {exc}") from exc
    return {
        "ConnectivityProperties": ConnectivityProperties,
        "BasePeerSet": BasePeerSet,
        "IpBlock": IpBlock,
        "Pod": NcaPod,
        "PortSet": PortSet,
        "ProtocolSet": ProtocolSet,
        "ResourcesHandler": ResourcesHandler,
        "PolicyConnectionsFilter": PolicyConnectionsFilter,
    }


def _as_pods(obj: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A workload's pods as its controller makes them (netpol_harness.net.workloads),
    as Pod objects; [] for kinds that run no pods."""
    template = pod_template(obj)
    if template is None:
        return []
    meta = obj.get("metadata") or {}
    pods = []
    for pod in controller_pods(obj, template):
        pod_meta = {"name": pod.name, "labels": pod.labels}
        if meta.get("namespace"):
            pod_meta["namespace"] = meta["namespace"]
        pods.append({"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta, "spec": template.get("spec") or {}})
    return pods


def _with_namespace(objects: Iterable[Mapping[str, Any] | None], default_namespace: str) -> list[dict[str, Any]]:
    """Copies of the objects NCA needs, each namespaced object with an explicit namespace.

    NCA's own default is "default"; ours may differ, so the adapter never relies on it.
    """
    out = []
    expanded: list[Mapping[str, Any]] = []
    for obj in objects:
        if obj and obj.get("kind") not in ("Namespace", "Pod", "NetworkPolicy"):
            expanded += _as_pods(obj)
        elif obj:
            expanded.append(obj)
    for obj in expanded:
        obj = copy.deepcopy(dict(obj))
        if obj["kind"] != "Namespace":
            meta = obj.setdefault("metadata", {})
            meta.setdefault("namespace", default_namespace)
            if obj["kind"] == "Pod":
                obj.setdefault("spec", {}).setdefault("containers", [])
        out.append(obj)
    return out


def connectivity(
    objects: Iterable[Mapping[str, Any] | None],
    port: int,
    protocol: str = "TCP",
    *,
    externals: Iterable[str] = (),
    default_namespace: str = "default",
) -> NcaResult:
    """NCA's verdict for every ordered pair of distinct pods, and pod <-> external address.

    `objects`: Namespace, Pod and NetworkPolicy manifests (other kinds are ignored).
    Keys are ("ns/pod", "ns/pod"), ("ns/pod", "ip:ADDR") and ("ip:ADDR", "ns/pod").
    Raises NcaRejected when NCA's parser refuses a policy.
    """
    return analyze(objects, [(port, protocol)], externals=externals, default_namespace=default_namespace)[0]


def analyze(
    objects: Iterable[Mapping[str, Any] | None],
    probes: Iterable[tuple[int, str]],
    *,
    externals: Iterable[str] = (),
    default_namespace: str = "default",
) -> list[NcaResult]:
    """Like `connectivity()` for several (port, protocol) probes, parsing the input once."""
    api = _imports()
    probes = [(int(port), str(protocol).upper()) for port, protocol in probes]
    docs = _with_namespace(objects, default_namespace)
    pod_ids = [f"{d['metadata']['namespace']}/{d['metadata']['name']}" for d in docs if d["kind"] == "Pod"]
    ext_ids = [f"ip:{ipaddress.ip_address(ip)}" for ip in externals]
    with _LOCK, tempfile.TemporaryDirectory(prefix="nca-") as tmp:
        path = str(Path(tmp) / "resources.yaml")
        # An empty document list still has to be a file: NCA falls back to a live
        # cluster (kubectl) when it is given no input at all.
        Path(path).write_text(yaml.safe_dump_all(docs, sort_keys=False) if docs else "---\n")
        out, err = io.StringIO(), io.StringIO()
        api["BasePeerSet"].reset()  # NCA's peer registry is a process-wide singleton
        results = []
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), _fd2_to(err):
                # The same file as namespace, pod and policy list: NCA picks each kind from it.
                config = api["ResourcesHandler"]().get_network_config([path], [path], [path], None)
                conns = config.allowed_connections(
                    res_conns_filter=api["PolicyConnectionsFilter"].only_all_allowed_connections()
                ).all_allowed_conns
                for port, protocol in probes:
                    ports = api["PortSet"]()
                    ports.add_port(port)
                    query = api["ConnectivityProperties"].make_conn_props_from_dict(
                        {"protocols": api["ProtocolSet"].get_protocol_set_with_single_protocol(protocol), "dst_ports": ports}
                    )
                    results.append((port, protocol, _pairs(conns & query, pod_ids, ext_ids, api)))
        except SyntaxError as exc:
            raise NcaRejected(f"NCA rejected the input: {exc.msg}") from None
        messages = out.getvalue() + err.getvalue()
    return [NcaResult(port, protocol, pairs, messages) for port, protocol, pairs in results]


@contextlib.contextmanager
def _fd2_to(sink: io.StringIO) -> Iterator[None]:
    """Capture file descriptor 2: NCA's parser prints warnings to the `stderr` object it
    imported at start-up, which contextlib.redirect_stderr cannot reach."""
    try:
        fd = sys.__stderr__.fileno() if sys.__stderr__ else 2
    except (AttributeError, OSError, ValueError):
        yield
        return
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        if sys.__stderr__:
            sys.__stderr__.flush()
        saved = os.dup(fd)
        os.dup2(tmp.fileno(), fd)
        try:
            yield
        finally:
            if sys.__stderr__:
                sys.__stderr__.flush()
            os.dup2(saved, fd)
            os.close(saved)
            tmp.seek(0)
            sink.write(tmp.read().decode(errors="replace"))


def _pairs(props: Any, pod_ids: list[str], ext_ids: list[str], api: Mapping[str, Any]) -> dict[tuple[str, str], bool]:
    index = {pid: i for i, pid in enumerate(pod_ids)}
    blocks = {
        eid: api["IpBlock"](cidr=str(ipaddress.ip_network(eid[3:])))  # one address as a /32 or /128
        for eid in ext_ids
    }
    n = len(pod_ids)
    # rows[i]: bitset of pods that pod i may reach; plus per-external flags both ways.
    rows = [0] * n
    to_ext: set[tuple[int, str]] = set()
    from_ext: set[tuple[str, int]] = set()
    for cube in props:
        cc = props.get_connectivity_cube(cube)
        src, dst = cc["src_peers"], cc["dst_peers"]
        src_pods = [index[p.full_name()] for p in src if isinstance(p, api["Pod"]) and p.full_name() in index]
        dst_pods = [index[p.full_name()] for p in dst if isinstance(p, api["Pod"]) and p.full_name() in index]
        mask = 0
        for j in dst_pods:
            mask |= 1 << j
        for i in src_pods:
            rows[i] |= mask
        for eid, block in blocks.items():
            if block in dst:
                to_ext.update((i, eid) for i in src_pods)
            if block in src:
                from_ext.update((eid, j) for j in dst_pods)
    result: dict[tuple[str, str], bool] = {}
    for i, s in enumerate(pod_ids):
        for j, d in enumerate(pod_ids):
            if i != j:
                result[(s, d)] = bool((rows[i] >> j) & 1)
        for eid in ext_ids:
            result[(s, eid)] = (i, eid) in to_ext
            result[(eid, s)] = (eid, i) in from_ext
    return result


def matrix(
    objects: Iterable[Mapping[str, Any] | None],
    port: int,
    protocol: str = "TCP",
    *,
    externals: Iterable[str] = (),
    default_namespace: str = "default",
) -> dict[tuple[str, str], bool]:
    """Just the verdicts of `connectivity()`, keyed like `Evaluator.matrix()`."""
    return connectivity(objects, port, protocol, externals=externals, default_namespace=default_namespace).pairs
