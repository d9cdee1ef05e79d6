"""What a policy kind's compiler is given and what it hands back.

Given the matchers of one version of a cluster (selections, peers, ports), a compiler
reads the cluster's policies of its kind and returns a `CompiledKind`, which answers two
questions for one port and protocol:
  * `masks(direction, ...)`: per pod, the peers whose connections the kind rules on
    (`decided`) and, of those, the ones it allows (`allow`; the rest it denies). Peers it
    does not rule on are left to the next kind, and allowed when no kind rules on them.
  * `side(direction, ...)`: the same answer for one pair, as a `SideVerdict` that names
    the policies and rules that decided, for the explanation.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple, Protocol

from ..cluster import Cluster, External, Pod
from ..dataplanes import Dataplane
from ..peers import PeerMatcher
from ..ports import PortIndex
from ..selection import PodIndex
from ..verdict import SideVerdict


@dataclass(frozen=True)
class Matchers:
    """One matcher per concern, over the same version of a cluster, and the dataplane
    profile that says how the cluster's CNI reads what the API leaves open."""

    pods: PodIndex
    peers: PeerMatcher
    ports: PortIndex

    @property
    def dataplane(self) -> Dataplane:
        return self.peers.dataplane


class Masks(NamedTuple):
    """Per pod (list index = pod index), bitsets of peer pods, for one direction."""

    allow: list[int]  # within `decided`, except Cilium's allows that do not isolate (merge_masks bounds them)
    decided: list[int]


class CompiledKind(Protocol):
    def masks(self, direction: str, port: int, protocol: str) -> Masks:
        """For egress, the peers are destinations; for ingress, sources."""
        ...

    def side(self, direction: str, end: Pod, other: Pod | External, port: int, protocol: str) -> SideVerdict:
        """`end`'s side of a connection with `other`: its egress, or its ingress."""
        ...


Compiler = Callable[[Cluster, Matchers], CompiledKind]
