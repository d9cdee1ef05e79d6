"""The query layer over one compiled version of a cluster: the verdict on one connection
with the rules that decided it, whole matrices, and who reaches whom.

A connection from A to B is allowed when A's egress and B's ingress both allow it, or when
A and B are the same pod. Each side is judged by the layers of policy kinds in
`kinds.LAYERS` order; an External (an address outside the pod network) is never isolated, so only the
pod side of its connections is judged. Ports and protocols arrive checked
(`ports.protocol_name`): the evaluator in front of this layer checks them.

Matrices are worked out over classes of pods no policy tells apart (`classes`): a second
Query over one representative per class, whose rows `Reachability` reads per pod. A
question about a few endpoints compiles a Query over their classes alone; one pod's row or
column against everyone is one pass over the rules (`lines`). `check` answers allowed or
denied from the class rows once a port has been asked about often enough to pay for them,
and leaves the explanation to be made when read (`LazyVerdict`).
"""
from __future__ import annotations

from dataclasses import replace
from functools import cached_property
from typing import Any, Iterable, Sequence

import numpy as np

from .classes import ClassView, PodClasses
from .cluster import Cluster, External, Pod
from .dataplanes import KUBERNETES, Dataplane
from .endpoints import EndpointRef, resolve
from .hosts import HostRules
from .kinds import Masks, Matchers, compile_kinds, layers_of, merge_masks, merge_sides
from .peers import PeerMatcher
from .ports import PortIndex
from .reachability import Reachability, reach_rows
from .selection import PodIndex, bits
from .kinds.admintier import POD, AdminTier, admin_notes
from . import explain_sides
from .caveats import caveats
from .lines import pod_line
from .verdict import Context, SideVerdict, TierStep, Verdict, reason

DIRECTIONS = ("egress", "ingress")
# Classes are used when there are at most this share of the pods: else the pods' own tables.
CLASSES_WORTH = 0.8
# check() pays for a port's class rows after this many questions on it, and only up to this
# many classes (their rows are classes^2 bits: 20,000 is 50 MB).
CHECKS_BEFORE_ROWS = 32
MAX_CLASSES_FOR_CHECK = 20_000
APISERVER_NAMES = ("apiserver", "kube-apiserver")


class Query:
    def __init__(self, cluster: Cluster, *, dataplane: Dataplane = KUBERNETES, family: int | None = None,
                 classes: bool = True) -> None:
        self.cluster = cluster
        self.use_classes = classes
        self.dataplane = dataplane
        self.ipblock_matches_pods = dataplane.ipblock_pods
        self.family = family
        self.pods = PodIndex(cluster)
        self._tables: dict[tuple, Any] = {}
        self._notes: dict[tuple[int, ...], list[str]] = {}
        self._classes: PodClasses | None = None
        self._class_of: np.ndarray | None = None
        self._class_query: Query | None = None
        self._sub_queries: dict[tuple[int, ...], Query] = {}
        self._asked: dict[tuple[int, str], int] = {}
        self._flat: dict[tuple[int, str], tuple[bytes, int]] = {}

    # The kinds are compiled over every pod when first asked for (a verdict, an explanation, the
    # pods' own tables): a matrix over classes reads only the class query's, its own Query.
    @cached_property
    def matchers(self) -> Matchers:
        peers = PeerMatcher(self.pods, self.cluster, dataplane=self.dataplane, family=self.family)
        return Matchers(self.pods, peers, PortIndex(self.pods.pods))

    @cached_property
    def kinds(self) -> dict[str, Any]:
        return compile_kinds(self.cluster, self.matchers)

    @cached_property
    def layers(self) -> tuple[tuple[str, ...], ...]:
        return layers_of(self.kinds)

    @cached_property
    def side_layers(self) -> tuple[tuple[str, ...], ...]:
        """`layers` without the kinds that have no policies here: such a kind's side is undecided with
        no rules, steps or notes, so asking it changes no verdict (most clusters have no admin or
        Cilium policies, and a matrix asks millions of sides)."""
        def may_rule(name: str) -> bool:
            if name in ("Cilium", "CiliumDeny"):
                return bool(self.cluster.cilium_policies)
            return name == "NetworkPolicy" or bool(getattr(self.kinds[name], "policies", True))
        return tuple(kept for layer in self.layers if (kept := tuple(k for k in layer if may_rule(k))))

    @cached_property
    def hosts(self) -> HostRules:
        return HostRules(self.pods, self.matchers.peers)

    def resolve(self, ref: EndpointRef) -> Pod | External:
        if isinstance(ref, str) and ref in APISERVER_NAMES:
            if not self.cluster.apiserver_ips:
                raise KeyError(f"{ref!r}: the cluster has no API server address (give the kubernetes EndpointSlice "
                               "of namespace default, or Cluster.add_apiserver)")
            return External(self.cluster.apiserver_ips[0])
        return resolve(self.pods, ref)

    # ------------------------------------------------------------------ one connection
    def check(self, src: EndpointRef, dst: EndpointRef, port: int, protocol: str) -> Verdict:
        index = self.pods.index
        i = index.get(src) if isinstance(src, str) else None  # a pod id: the usual question, answered first
        j = index.get(dst) if isinstance(dst, str) else None
        if i is None or j is None:
            s, d = self.resolve(src), self.resolve(dst)
            if not isinstance(s, Pod) or not isinstance(d, Pod) or s.id == d.id:
                return self.verdict(s, d, port, protocol)
            i, j = index[s.id], index[d.id]
        if i != j:
            flat = self._flat.get((port, protocol))
            if flat is not None:  # `_class_allowed` once the port has its rows: most questions
                of = self._classes.of  # type: ignore[union-attr]
                cd = of[j]
                allowed = bool((flat[0][of[i] * flat[1] + (cd >> 3)] >> (cd & 7)) & 1)
            else:
                allowed = self._class_allowed(i, j, port, protocol)
            if allowed is not None:
                return explain_sides.deferred(self, allowed, i, j, port, protocol)
        return self.verdict(self.pods.pods[i], self.pods.pods[j], port, protocol)

    def allowed(self, src: EndpointRef, dst: EndpointRef, port: int, protocol: str) -> bool:
        """`check(...).allowed` without the explanation: from the class rows when there are
        some, else from the sides' answers alone."""
        index = self.pods.index
        i = index.get(src) if isinstance(src, str) else None
        j = index.get(dst) if isinstance(dst, str) else None
        if i is not None and j is not None and i != j:
            allowed = self._class_allowed(i, j, port, protocol)
            if allowed is not None:
                return allowed
        s, d = self.resolve(src), self.resolve(dst)
        if isinstance(s, Pod) and isinstance(d, Pod) and s.id == d.id:
            return True
        if isinstance(s, Pod) and isinstance(d, Pod):
            allowed = self._class_allowed(index[s.id], index[d.id], port, protocol)
            if allowed is not None:
                return allowed
        return self.side("egress", s, d, port, protocol).allowed and self.side("ingress", d, s, port, protocol).allowed

    def verdict(self, s: Pod | External, d: Pod | External, port: int, protocol: str) -> Verdict:
        """The verdict with its explanation, judged side by side on these two ends."""
        if isinstance(s, Pod) and isinstance(d, Pod) and s.id == d.id:
            egress, ingress = SideVerdict("egress", s.id, True), SideVerdict("ingress", d.id, True)
            why = "a pod always reaches itself; NetworkPolicies do not apply"
            return Verdict(True, s.id, d.id, port, protocol, egress, ingress, why, s, d, self.context(s, d))
        egress = self.side("egress", s, d, port, protocol)
        ingress = self.side("ingress", d, s, port, protocol)
        allowed = egress.allowed and ingress.allowed
        notes = self.caveats(s, d) + egress.notes + ingress.notes + tuple(self.hosts.notes(s, d, allowed))
        if protocol == "SCTP" and not self.dataplane.sctp:
            notes += (f"not modelled: {self.dataplane.note('sctp')}",)
        return Verdict(allowed, s.id, d.id, port, protocol, egress, ingress, reason(egress, ingress), s, d,
                       self.context(s, d), tuple(dict.fromkeys(notes)))

    def caveats(self, *ends: Pod | External) -> tuple[str, ...]:
        """`caveats`, with the admin policies selecting each end read off the compiled tiers."""
        return caveats(self.cluster, ends, self._admin_notes, self.dataplane)

    def _admin_notes(self, pod: Pod) -> list[str]:
        tiers = [kind for kind in self.kinds.values() if isinstance(kind, AdminTier)]
        key = tuple(t.group_of[self.pods.index[pod.id]] for t in tiers)
        notes = self._notes.get(key)
        if notes is None:
            notes = self._notes[key] = admin_notes([p for t in tiers for p in t.selecting_pod(pod)])
        return [note.replace(POD, pod.id) for note in notes]

    def side(self, direction: str, end: Pod | External, other: Pod | External, port: int, protocol: str) -> SideVerdict:
        """`end`'s egress or ingress: the first kind that rules on it decides; the admin
        rules passed over on the way, and NetworkPolicy's bystanders, stay on the verdict."""
        if isinstance(end, External):
            return SideVerdict(direction, end.id, False)
        decided = self.hosts.side(direction, end, other)
        if decided is not None:
            return decided
        steps: tuple[TierStep, ...] = ()
        bystanders: tuple = ()
        notes: tuple[str, ...] = ()  # of rules that allow without isolating (Cilium's enableDefaultDeny: false)
        for layer in self.side_layers:
            side = merge_sides([self.kinds[kind].side(direction, end, other, port, protocol) for kind in layer])
            steps += side.tier_steps
            bystanders += side.bystanders
            if side.decided:
                return replace(side, tier_steps=steps, bystanders=bystanders, notes=notes + side.notes) \
                    if steps or notes else side
            notes += side.notes
        return SideVerdict(direction, end.id, True, bystanders=bystanders, tier_steps=steps, notes=notes)

    def sides_by_kind(self, direction: str, end: Pod, other: Pod | External, port: int, protocol: str) -> dict[str, SideVerdict]:
        """What each kind says about `end`'s side on its own, before precedence picks one."""
        return {name: kind.side(direction, end, other, port, protocol) for name, kind in self.kinds.items()}

    def context(self, *ends: Pod | External) -> Context:
        labels = {}
        for end in ends:
            ns = self.cluster.namespace(end.namespace) if isinstance(end, Pod) else None
            if ns is not None:
                labels[ns.name] = ns.labels
        return Context(labels, self.ipblock_matches_pods, self.family, self.dataplane.name)

    # ------------------------------------------------------------------ the whole cluster
    def table(self, port: int, protocol: str) -> tuple[list[int], list[int]]:
        """(egress[s] = pods s may send to, ingress[d] = pods d may receive from)."""
        key = (port, protocol)
        table = self._tables.get(key)
        if table is None:
            n, every = len(self.pods.pods), self.pods.all_pods
            egress, ingress = (combine([merge_masks([self.kinds[k].masks(direction, port, protocol) for k in layer])
                                        for layer in self.layers], n, every)
                               for direction in DIRECTIONS)
            self.hosts.apply(egress, ingress)
            table = self._tables[key] = (egress, ingress)
        return table

    def rows(self, port: int, protocol: str) -> np.ndarray:
        """Packed bit rows: row s, bit d = pod s may connect to pod d (both ends agree)."""
        key = (port, protocol, "rows")
        rows = self._tables.get(key)
        if rows is None:
            egress, ingress = self.table(port, protocol)
            rows = self._tables[key] = reach_rows(egress, ingress, len(self.pods.pods))
        return rows

    def matrix(self, port: int, protocol: str, endpoints: Iterable[EndpointRef] | None = None) -> Reachability:
        if endpoints is None:
            chosen: list[Pod | External] = [*self.pods.pods, *self.cluster.externals]
        else:
            chosen = [self.resolve(e) for e in endpoints]
        pods = [e for e in chosen if isinstance(e, Pod)]
        exts = [e for e in chosen if isinstance(e, External)]
        outside: dict[tuple[str, str], bool] = {}
        for ext in exts:
            for p in pods:
                outside[(p.id, ext.id)] = self.side("egress", p, ext, port, protocol).allowed
                outside[(ext.id, p.id)] = self.side("ingress", p, ext, port, protocol).allowed
        ids = self.pods.ids
        if endpoints is None and len(ids) == len(self.pods.index):
            chosen_idx = list(range(len(ids)))  # every pod once, without reading 100,000 ids again
        else:
            chosen_idx = list(dict.fromkeys(self.pods.index[p.id] for p in pods))
        if not self.use_classes:
            return Reachability(ids, self.rows(port, protocol), chosen_idx, outside)
        rows, class_of = self._rows_over_classes(port, protocol, chosen_idx)
        return Reachability(ids, rows, chosen_idx, outside, class_of=class_of)

    # ------------------------------------------------------------------ classes
    @property
    def classes(self) -> PodClasses:
        if self._classes is None:
            classes = PodClasses(self.cluster, self.dataplane, self.family)
            if classes.count > CLASSES_WORTH * len(self.pods.pods):
                # Classes would save under a third of the bits: not worth compiling twice.
                classes = PodClasses.each_apart(self.pods.pods)
            self._classes = classes
            self._class_of = np.asarray(self._classes.of, dtype=np.int64)
        return self._classes

    def class_query(self) -> "Query":
        """The same question over one representative pod per class."""
        if self._class_query is None:
            self._class_query = self if self.classes.apart else self._over(self.classes.reps)
        return self._class_query

    def _over(self, pods: list[Pod]) -> "Query":
        view: Any = ClassView(self.cluster, pods)  # a Cluster to every reader of it
        return Query(view, dataplane=self.dataplane, family=self.family, classes=False)

    def _cached_class_rows(self, port: int, protocol: str) -> np.ndarray | None:
        query = self._class_query
        return None if query is None else query._tables.get((port, protocol, "rows"))

    def _rows_over_classes(self, port: int, protocol: str, chosen: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Rows over the classes of the chosen pods, and pod -> row: all classes' rows when
        they are at hand or most classes are asked for, else rows over those classes alone."""
        classes = self.classes
        assert self._class_of is not None
        wanted = tuple(dict.fromkeys(self._class_of[chosen].tolist())) if chosen else ()
        rows = self._cached_class_rows(port, protocol)
        if rows is not None or 4 * len(wanted) >= classes.count:
            return (rows if rows is not None else self.class_query().rows(port, protocol)), self._class_of
        sub = self._sub_queries.get(wanted)
        if sub is None:
            if len(self._sub_queries) >= 8:
                self._sub_queries.pop(next(iter(self._sub_queries)))
            sub = self._sub_queries[wanted] = self._over([classes.reps[c] for c in wanted])
        local = np.full(classes.count, -1, dtype=np.int64)
        local[list(wanted)] = np.arange(len(wanted))
        return sub.rows(port, protocol), local[self._class_of]

    def _class_allowed(self, i: int, j: int, port: int, protocol: str) -> bool | None:
        """Pod i to another pod j from the class rows; None while this port has not earned them."""
        key = (port, protocol)
        flat = self._flat.get(key)
        if flat is None:
            if not self.use_classes:
                return None
            rows = self._cached_class_rows(port, protocol)
            if rows is None:
                asked = self._asked[key] = self._asked.get(key, 0) + 1
                if asked < CHECKS_BEFORE_ROWS or self.classes.count > MAX_CLASSES_FOR_CHECK:
                    return None
                rows = self.class_query().rows(port, protocol)
            # The rows as bytes: a byte of bytes is a Python int, much faster to read than numpy's.
            flat = self._flat[key] = (rows.tobytes(), rows.shape[1])
        of = self._classes.of  # type: ignore[union-attr]
        cs, cd = of[i], of[j]
        return bool((flat[0][cs * flat[1] + (cd >> 3)] >> (cd & 7)) & 1)

    def _line(self, pod: Pod, port: int, protocol: str, outgoing: bool) -> set[str]:
        """The pods `pod` may reach (outgoing) or that may reach it, itself excluded: from the
        class rows when at hand, else one pass over the rules (`lines`)."""
        i = self.pods.index[pod.id]
        rows = self._cached_class_rows(port, protocol)
        if rows is None:
            line = pod_line(self.kinds, self.layers, self.hosts, i, outgoing, port, protocol)
            if line is not None:
                return {self.pods.pods[j].id for j in bits(line & ~(1 << i))}
            rows = self.class_query().rows(port, protocol)  # a kind that cannot give one pod's line
        classes = self.classes
        c = classes.of[i]
        if outgoing:
            ok = np.unpackbits(rows[c], count=classes.count, bitorder="little").astype(bool)
        else:
            ok = ((rows[:, c >> 3] >> (c & 7)) & 1).astype(bool)
        hit = ok[self._class_of]
        hit[i] = False
        return {self.pods.pods[j].id for j in np.flatnonzero(hit).tolist()}

    def reachable_from(self, src: EndpointRef, port: int, protocol: str) -> set[str]:
        s = self.resolve(src)
        out = {ext.id for ext in self.cluster.externals if isinstance(s, Pod) and self.check(s, ext, port, protocol).allowed}
        if isinstance(s, Pod):
            out |= self._line(s, port, protocol, True) if self.use_classes else \
                self.matrix(port, protocol, [p.id for p in self.pods.pods]).row(s.id)
        else:
            out |= {p.id for p in self.pods.pods if self.check(s, p, port, protocol).allowed}
        return out

    def reaching(self, dst: EndpointRef, port: int, protocol: str) -> set[str]:
        d = self.resolve(dst)
        out = {ext.id for ext in self.cluster.externals if isinstance(d, Pod) and self.check(ext, d, port, protocol).allowed}
        if isinstance(d, Pod) and self.use_classes:
            out |= self._line(d, port, protocol, False)
        elif isinstance(d, Pod):
            egress, ingress = self.table(port, protocol)
            j = self.pods.index[d.id]
            out |= {self.pods.pods[i].id for i in bits(ingress[j]) if i != j and (egress[i] >> j) & 1}
        else:
            out |= {p.id for p in self.pods.pods if self.check(p, d, port, protocol).allowed}
        return out


def combine(layers: Sequence[Masks], n: int, every: int) -> list[int]:
    """Per pod, the peers allowed: each layer rules on the peers no earlier layer ruled on,
    and peers that no layer rules on are allowed."""
    out = []
    for i in range(n):
        allowed, undecided = 0, every
        for layer in layers:
            decided = layer.decided[i]
            if not undecided:
                break
            if decided == undecided:
                # The layer rules on everything left (a pod NetworkPolicy isolates): no masking needed.
                allowed = layer.allow[i] if not allowed else allowed | layer.allow[i]
                undecided = 0
                break
            if decided:
                allowed |= layer.allow[i] & undecided
                undecided &= ~decided
        # Big ints: skip the OR when one side is empty (most pods), it copies the other.
        out.append(undecided if not allowed else allowed if not undecided else allowed | undecided)
    return out
