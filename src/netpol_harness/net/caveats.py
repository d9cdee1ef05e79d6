"""What could change a verdict that the model does not read, or that the APIs leave to the
implementation: the caveats a verdict carries for its ends."""
from __future__ import annotations

from typing import Callable, Iterable

from .cluster import Cluster, External, Pod
from .dataplanes import KUBERNETES, Dataplane
from .kinds.admintier import admin_caveats, selects
from .kinds.cilium import cilium_caveats


def caveats(cluster: Cluster, ends: Iterable[Pod | External],
            admin_notes_of: Callable[[Pod], list[str]] | None = None,
            dataplane: Dataplane = KUBERNETES) -> tuple[str, ...]:
    """What could change a verdict on these ends that the model does not read, or that the
    APIs leave to the implementation. `admin_notes_of(pod)`: the admin policies' notes, when
    the caller has the tiers compiled (else they are worked out here)."""
    notes: list[str] = []
    for end in ends:
        if "Cilium" in dataplane.kinds:
            notes += cilium_caveats(cluster, end)
        if not isinstance(end, Pod):
            continue
        notes += [f"not modelled: {u} could select {end.id} and change this verdict"
                  for u in cluster.unmodelled_for(end)]
        if end.host_network and dataplane.is_api:
            notes.append(f"not modelled: {end.id} runs on the host network, where most CNIs apply no NetworkPolicy: "
                         f"{dataplane.note('host-network-pods')}")
        elif end.host_network and not any(node.name == end.node and node.ips for node in cluster.nodes):
            notes.append(f"not modelled: {end.id} runs on the host network on a node the model does not have "
                         "(spec.nodeName and a Node with its addresses): no ipBlock is judged to hold it")
        notes += admin_notes_of(end) if admin_notes_of else admin_caveats(cluster, end)
        notes += unenforced(cluster, end, dataplane)
    return tuple(dict.fromkeys(notes))


def unenforced(cluster: Cluster, end: Pod, dataplane: Dataplane) -> list[str]:
    """The policies that could select `end` of kinds the dataplane does not enforce: ignored, and said so."""
    out = []
    if dataplane.is_api:
        return out
    ns = cluster.namespace(end.namespace)
    labels = ns.labels if ns is not None else {}
    ignored = [p.id for p in cluster.admin_policies if p.kind not in dataplane.admin_kinds and selects(p, end, labels)]
    if "Cilium" not in dataplane.kinds:
        ignored += [p.id for p in cluster.cilium_policies if p.namespace in (None, end.namespace)]
    if ignored:
        out.append(f"{dataplane.note('policy-kinds')}: {', '.join(ignored)} not enforced here")
    return out
