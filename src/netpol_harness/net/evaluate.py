"""Who may reach whom, on which port and protocol: the evaluator, in front of the pieces
that do the work.

A connection from A to B on port/protocol is allowed when A's egress and B's ingress both
allow it, or when A and B are the same pod (a pod always reaches itself). Each side is
judged by layers, the first that rules deciding (`kinds.LAYERS`): Cilium's denies, the
Admin tier, NetworkPolicy with Cilium's allows beside it (a side no policy there isolates
is open, else a rule must allow it), the Baseline tier, then allow. An External (an
address outside the pod network) is never isolated: only the pod side is judged.

Speed comes from compiling once: every selector and peer becomes an int bitset over pod
indices (bit i = the i-th pod; `selection`, `peers`, `ports`), each policy kind is compiled
by its own module (`kinds`), and the query layer (`query`) caches the per-(port, protocol)
tables of the full matrix, worked out over classes of pods no policy tells apart (`classes`).
`Evaluator` checks its arguments, compiles again when the cluster has changed since, and
hands each question to the query layer.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from .cluster import Cluster, External, Pod
from .dataplanes import KUBERNETES, Dataplane, dataplane as profile
from .endpoints import EndpointRef, replicas_named
from .kinds.networkpolicy import CompiledPolicy, NetworkPolicies
from .peers import family_ips
from .policy import PROTOCOLS
from .ports import protocol_name
from .query import Query
from .reachability import Reachability
from .services import check_service
from .verdict import SideVerdict, Verdict

__all__ = ["CompiledPolicy", "EndpointRef", "Evaluator"]


class Evaluator:
    def __init__(self, cluster: Cluster, *, ipblock_matches_pods: bool = True, family: int | None = None,
                 dataplane: "Dataplane | str" = KUBERNETES, classes: bool = True) -> None:
        """`dataplane`: the profile (`dataplanes`) of the CNI to judge as, by name or value:
        "kubernetes" (the API's own reading, the default), "cilium", "calico", "ovn-kubernetes",
        "openshift", "kube-router", with options ("cilium:policy-cidr-match-mode=nodes").
        `ipblock_matches_pods=False`: ipBlocks do not apply to pod addresses (as on Cilium).
        `family` 4 or 6: judge pod-to-pod traffic over that IP family only, so ipBlocks see only
        that family's pod addresses; None (default) lets an ipBlock match any of a pod's addresses.
        `classes=False`: work matrices out pod by pod, not over classes of pods no policy tells
        apart (the same verdicts, slower: the reference the class tables are tested against).
        """
        if family not in (None, 4, 6):
            raise ValueError("family must be 4, 6 or None")
        self.cluster = cluster
        chosen = profile(dataplane)
        if not ipblock_matches_pods and chosen.ipblock_pods:
            chosen = replace(chosen, name=f"{chosen.name} (ipBlocks do not select pods)", ipblock_pods=False)
        self.dataplane = chosen
        self.ipblock_matches_pods = chosen.ipblock_pods
        self.family = family
        self.classes = classes
        self._compiled_version = -1
        self._compile()

    def _compile(self) -> None:
        self._compiled_version = self.cluster.version
        self._query = Query(self.cluster, dataplane=self.dataplane, family=self.family, classes=self.classes)
        # What callers read off the evaluator (the report, the lints): the pods as compiled.
        pods = self._query.pods
        self.pods: list[Pod] = pods.pods
        self.pod_index: dict[str, int] = pods.index
        self.all_pods = pods.all_pods
        self.namespaces = pods.namespaces

    # The compiled NetworkPolicies, with the pods each selects and isolates, for the report and
    # the lints: compiled over every pod when first read, which a matrix or a row does not need.
    @property
    def _networkpolicies(self) -> NetworkPolicies:
        nps = self._fresh().kinds["NetworkPolicy"]
        assert isinstance(nps, NetworkPolicies)
        return nps

    @property
    def policies(self) -> list[CompiledPolicy]:
        return self._networkpolicies.policies

    @property
    def selecting(self) -> list[list[CompiledPolicy]]:
        return self._networkpolicies.selecting

    @property
    def ingress_of(self) -> list[list[CompiledPolicy]]:
        return self._networkpolicies.ingress_of

    @property
    def egress_of(self) -> list[list[CompiledPolicy]]:
        return self._networkpolicies.egress_of

    @property
    def ingress_isolated(self) -> int:
        return self._networkpolicies.ingress_isolated

    @property
    def egress_isolated(self) -> int:
        return self._networkpolicies.egress_isolated

    def _fresh(self) -> Query:
        # Tests add pods after building the evaluator; recompile rather than answer stale.
        if self._compiled_version != self.cluster.version:
            self._compile()
        return self._query

    def pod_ips(self, pod: Pod) -> tuple[str, ...]:
        """The addresses ipBlocks may see for `pod` under the chosen family."""
        return family_ips(pod, self.family)

    def resolve(self, ref: EndpointRef) -> Pod | External:
        """A Pod, an External, "ns/pod", "ip:ADDR", a bare address, or a pod name unique in the cluster."""
        return self._fresh().resolve(ref)

    def denoted(self, ref: EndpointRef) -> list[Pod | External]:
        """Every endpoint `ref` stands for: a workload's name, all its pods; else what `resolve` gives."""
        query = self._fresh()
        return list(replicas_named(query.pods, ref)) or [query.resolve(ref)]

    def check(self, src: EndpointRef, dst: EndpointRef, port: int, protocol: str = "TCP") -> Verdict:
        # The names already right and the model current, asked without a call each: most questions.
        if type(protocol) is not str or protocol not in PROTOCOLS:
            protocol = protocol_name(protocol)
        query = self._query if self._compiled_version == self.cluster.version else self._fresh()
        return query.check(src, dst, port, protocol)

    def allowed(self, src: EndpointRef, dst: EndpointRef, port: int, protocol: str = "TCP") -> bool:
        """Whether `check` would allow the connection, without building its explanation."""
        protocol = protocol_name(protocol)
        return self._fresh().allowed(src, dst, port, protocol)

    def sides_by_kind(self, src: EndpointRef, dst: EndpointRef, port: int, protocol: str = "TCP") -> dict[str, dict[str, SideVerdict]]:
        """{"egress": {kind: side}, "ingress": {kind: side}}: what each kind of `kinds.COMPILERS`
        says on its own about a connection between two pods, before precedence."""
        protocol = protocol_name(protocol)
        query = self._fresh()
        s, d = query.resolve(src), query.resolve(dst)
        if not isinstance(s, Pod) or not isinstance(d, Pod):
            raise ValueError("sides_by_kind judges a connection between two pods")
        return {"egress": query.sides_by_kind("egress", s, d, port, protocol),
                "ingress": query.sides_by_kind("ingress", d, s, port, protocol)}

    def caveats(self, *ends: Pod | External) -> tuple[str, ...]:
        """What could change a verdict on these ends that the model does not read."""
        return self._fresh().caveats(*ends)

    def isolating(self, pod: EndpointRef, direction: str) -> tuple[str, ...]:
        """The policies that isolate `pod` in `direction` (NetworkPolicies, then Cilium's), by id."""
        query = self._fresh()
        end = query.resolve(pod)
        if not isinstance(end, Pod):
            return ()
        i = query.pods.index[end.id]
        nps = self.ingress_of[i] if direction == "ingress" else self.egress_of[i]
        cilium = query.kinds.get("Cilium")
        return tuple(cp.policy.id for cp in nps) + (cilium.isolating(i, direction) if cilium is not None else ())

    def verdict_for(self, src: EndpointRef, dst: EndpointRef, port: int | None, protocol: str = "TCP"):
        """`check`, or for a `svc:ns/name[:port]` destination `check_service`."""
        if isinstance(dst, str) and dst.startswith("svc:"):
            return self.check_service(src, dst, port, protocol)
        return self.check(src, dst, port, protocol)

    def check_service(self, src: EndpointRef, service: str, port: int | None = None, protocol: str = "TCP"):
        """`src` to a Service port (`svc:ns/name:443`): the verdict on each pod it selects."""
        protocol = protocol_name(protocol)
        return check_service(self._fresh(), src, service, port, protocol)

    def matrix(self, port: int, protocol: str = "TCP", endpoints: Iterable[EndpointRef] | None = None) -> Reachability:
        """Verdicts for ordered pairs of distinct endpoints (pods and the cluster's externals),
        as a read-only mapping over packed bit rows (see `Reachability`).

        Pairs of two Externals are left out: no NetworkPolicy can say anything about them.
        """
        protocol = protocol_name(protocol)
        return self._fresh().matrix(port, protocol, endpoints)

    def reachable_from(self, src: EndpointRef, port: int, protocol: str = "TCP") -> set[str]:
        """Ids of the pods and cluster externals that `src` may connect to (itself excluded)."""
        protocol = protocol_name(protocol)
        return self._fresh().reachable_from(src, port, protocol)

    def reaching(self, dst: EndpointRef, port: int, protocol: str = "TCP") -> set[str]:
        """Ids of the pods and cluster externals that may connect to `dst` (itself excluded)."""
        protocol = protocol_name(protocol)
        return self._fresh().reaching(dst, port, protocol)
