"""Witness endpoints: pods and addresses made from the policies themselves, so that every
rule is shown both working (a peer it admits) and holding (an outsider that differs from
that peer in one label or in its namespace).

* For each policy whose podSelector selects no pod of the manifests, a stand-in pod it
  selects (a chart of policies for workloads that already run has no pods of its own).
* For each peer of a rule (podSelector, namespaceSelector, matchExpressions included):
  a pod the peer admits, unless one is already there, and outsiders: the admitted pod
  with one pod label changed, and the same pod in a namespace the peer does not admit.
* For each ipBlock: an address inside it, and one inside its first `except`.
* The same for the peers of admin policies and of Cilium's policies, read as NetworkPolicy
  peers (`ciliumwitness`), their outsiders judged against the whole rule as Cilium reads it.

Every witness says why it was added (`Witness.why`), and the report prints it.
"""
from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping

from ..net.adminpolicy import AdminPolicy, AdminRule
from ..net import NAME_LABEL, Cluster, ContainerPort, LabelSelector, NetworkPolicy, Peer, Pod, Rule
from .ciliumwitness import CiliumJudge, cilium_judges
from .selectorlabels import name_for, outsider, satisfying, slug

OUTSIDE_NAMESPACE = "elsewhere"
# Witness pods live here: far from the addresses the cluster gives pods in order.
WITNESS_RANGE = ipaddress.ip_network("10.244.192.0/18")
WELL_KNOWN_PORTS = {"http": 8080, "https": 8443, "http-metrics": 9090, "metrics": 9090, "grpc": 9000, "dns": 53,
                    "dns-tcp": 53, "web": 8080, "api": 8080}


@dataclass(frozen=True)
class Witness:
    id: str  # "ns/pod" or "ip:203.0.113.7"
    why: str
    stand_in: bool = False  # a pod standing in for the workloads a policy selects
    labels: Mapping[str, str] = field(default_factory=dict, hash=False)
    ports: tuple[ContainerPort, ...] = ()
    namespace_labels: Mapping[str, str] = field(default_factory=dict, hash=False)  # of a namespace it made

    @property
    def is_pod(self) -> bool:
        return not self.id.startswith("ip:")


class _Builder:
    """Adds witnesses to a cluster, never twice the same (namespace, labels)."""

    def __init__(self, cluster: Cluster, reserved: Iterable[str] = ()) -> None:
        self.cluster = cluster
        self.reserved = set(reserved)  # pod ids a witness must not take (another render's pods)
        self.added: list[Witness] = []
        self.made_namespaces: dict[str, dict[str, str]] = {}
        self._named_ports = self._port_names()

    def _port_names(self) -> dict[tuple[str, str], ContainerPort]:
        found: dict[tuple[str, str], ContainerPort] = {}
        for pod in self.cluster.pods:
            for cp in pod.ports:
                if cp.name:
                    found.setdefault((cp.name, cp.protocol), cp)
        return found

    def unique_pod_name(self, namespace: str, name: str) -> str:
        candidate, k = name, 2
        while self.cluster.pod(f"{namespace}/{candidate}") is not None or f"{namespace}/{candidate}" in self.reserved:
            candidate, k = f"{name}-{k}", k + 1
        return candidate

    def namespace_for(self, selector: LabelSelector | None, default: str) -> str | None:
        """A namespace the selector admits: an existing one, else a new one with its labels."""
        if selector is None:
            return default
        for ns in self.cluster.namespaces:
            if selector.matches(ns.labels):
                return ns.name
        labels = satisfying(selector)
        if labels is None:
            return None
        return self.new_namespace(labels, selector)

    def new_namespace(self, labels: dict[str, str], selector: LabelSelector, hint: str | None = None) -> str | None:
        """A namespace made with `labels` that `selector` matches, or None. Existing
        namespaces are never relabelled: pods placed there were judged by their labels."""
        pinned = labels.get(NAME_LABEL)
        base = pinned or hint or slug("ns-" + name_for({k: v for k, v in labels.items() if k != NAME_LABEL}))
        name, k = base, 2
        while self.cluster.namespace(name) is not None:
            if pinned:
                return None
            name, k = f"{base}-{k}", k + 1
        # The API server sets the name label to the name, whatever was asked.
        labels = {**labels, NAME_LABEL: name}
        if not selector.matches(labels):
            return None
        self.cluster.add_namespace(name, labels)
        self.made_namespaces[name] = labels
        return name

    def add_pod(self, namespace: str, labels: Mapping[str, str], why: str, *, name: str | None = None,
                ports: Iterable[ContainerPort] = (), stand_in: bool = False) -> Pod | None:
        same = next((p for p in self.cluster.pods if p.namespace == namespace and dict(p.labels) == dict(labels)), None)
        if same is not None:
            # One pod serves both purposes: say so where the report lists it.
            for k, w in enumerate(self.added):
                if w.id == same.id and why not in w.why:
                    self.added[k] = replace(w, why=f"{w.why}; also {why}")
            return None
        pod_name = self.unique_pod_name(namespace, name or name_for(labels))
        pod = self.cluster.add_pod(namespace, pod_name, labels, ips=[witness_ip(self.cluster, f"{namespace}/{pod_name}")],
                                   ports=tuple(ports))
        self.added.append(Witness(pod.id, why, stand_in, dict(labels), pod.ports, self.made_namespaces.get(namespace, {})))
        return pod

    def ports_for(self, rules: Iterable[Rule]) -> list[ContainerPort]:
        """Container ports for a pod the rules' ports land on: the numbers they name, and
        each named port with the number the manifests' pods give it (else one made up)."""
        ports: list[ContainerPort] = []
        for rule in rules:
            for p in rule.ports:
                if isinstance(p.port, int):
                    cp = ContainerPort(None, p.port, p.protocol)
                elif isinstance(p.port, str):
                    cp = self._named_ports.get((p.port, p.protocol)) or ContainerPort(p.port, named_port_number(p.port), p.protocol)
                else:
                    continue
                if cp not in ports:
                    ports.append(cp)
        return ports


def named_port_number(name: str) -> int:
    """A number for a named port no pod of the manifests declares: the usual one for
    well-known names, else a stable one in 20000-29999."""
    return WELL_KNOWN_PORTS.get(name) or 20000 + int(hashlib.sha256(name.encode()).hexdigest(), 16) % 10000


def witness_ip(cluster: Cluster, pod_id: str) -> str:
    """A stable address for a witness pod, the same in every cluster it is added to (a
    diff compares two), from a range no synthetic pod address reaches."""
    used = {ip for pod in cluster.pods for ip in pod.ips} | {e.ip for e in cluster.externals}
    k = int(hashlib.sha256(pod_id.encode()).hexdigest(), 16) % WITNESS_RANGE.num_addresses
    while str(WITNESS_RANGE[k]) in used:
        k = (k + 1) % WITNESS_RANGE.num_addresses
    return str(WITNESS_RANGE[k])


# --------------------------------------------------------------------------- witnesses


def add_stand_ins(builder: _Builder, policies: Iterable[NetworkPolicy]) -> None:
    for policy in policies:
        ns = builder.cluster.namespace(policy.namespace)
        if any(p.namespace == policy.namespace and policy.pod_selector.matches(p.labels) for p in builder.cluster.pods):
            continue
        labels = satisfying(policy.pod_selector)
        if labels is None or ns is None:
            continue
        builder.add_pod(policy.namespace, labels, f"stand-in for the pods {policy.id} selects ({policy.pod_selector})",
                        name=slug(policy.name), ports=builder.ports_for(policy.ingress), stand_in=True)


def admits(peer: Peer, policy: NetworkPolicy, namespace: str, labels: Mapping[str, str], cluster: Cluster) -> bool:
    """Whether a pod with `labels` in `namespace` is one that `peer` (of `policy`) means."""
    ns = cluster.namespace(namespace)
    return (ns is not None and peer.admits_namespace(namespace, ns.labels, policy.namespace)
            and peer.admits_labels(labels))


class _Rule:
    """One rule of one policy, for the witnesses of its peers. A Cilium rule, read as a
    NetworkPolicy rule, brings its `judge`: Cilium says which pods its selectors admit."""

    def __init__(self, builder: _Builder, policy: NetworkPolicy, rule: Rule, judge: CiliumJudge | None = None) -> None:
        self.builder, self.policy, self.rule, self.judge = builder, policy, rule, judge
        self.verb = judge.verb if judge is not None else "admitted by"

    def admits_pod(self, peer: Peer, pod: Pod) -> bool:
        if self.judge is not None:
            return self.judge.admits_pod(peer, pod, self.builder.cluster)
        return admits(peer, self.policy, pod.namespace, pod.labels, self.builder.cluster)

    def refuses(self, namespace: str, labels: Mapping[str, str]) -> bool:
        """No peer of the rule admits such a pod: it is an outsider of the whole rule."""
        if self.judge is not None:
            return self.judge.refuses(namespace, labels, self.builder.cluster)
        return not any(admits(p, self.policy, namespace, labels, self.builder.cluster) for p in self.rule.peers)


def add_peer_witnesses(builder: _Builder, rule: _Rule, where: str, peer: Peer, ports: Iterable[ContainerPort] = ()) -> None:
    cluster, policy = builder.cluster, rule.policy
    admitted = next((p for p in cluster.pods if rule.admits_pod(peer, p)), None)
    if admitted is None:
        labels = satisfying(peer.pod_selector)
        namespace = builder.namespace_for(peer.namespace_selector, policy.namespace)
        if labels is None or namespace is None:
            return
        admitted = builder.add_pod(namespace, labels, f"{rule.verb} {where} ({peer.describe(policy.namespace)})",
                                   ports=ports)
        if admitted is None:
            return
    pod_outsider = outsider(peer.pod_selector, admitted.labels)
    if pod_outsider is not None and rule.refuses(admitted.namespace, pod_outsider[0]):
        labels, how = pod_outsider
        builder.add_pod(admitted.namespace, labels, f"outsider of {where}: like {admitted.id} but {how}",
                        name="not-" + admitted.name, ports=admitted.ports)
    _add_namespace_outsider(builder, rule, where, peer, admitted)


def _namespace_candidates(builder: _Builder, policy: NetworkPolicy, selector: LabelSelector | None,
                          admitted: Pod) -> Iterable[tuple[str | None, str, dict[str, str]]]:
    """Namespaces the peer does not admit, best first, as (existing name or None, how it
    differs, labels for a new one): the other namespace, every existing one, then a new
    namespace with the selector's labels flipped."""
    if selector is None:
        name = OUTSIDE_NAMESPACE if policy.namespace != OUTSIDE_NAMESPACE else OUTSIDE_NAMESPACE + "-2"
        yield name, f"in namespace {name}: a peer without namespaceSelector admits only namespace {policy.namespace}", {}
        return
    for ns in sorted(builder.cluster.namespaces, key=lambda ns: ns.name != OUTSIDE_NAMESPACE):
        if ns.name != admitted.namespace and not selector.matches(ns.labels):
            yield ns.name, f"in namespace {ns.name}, which namespaceSelector {selector} does not match", {}
    home = builder.cluster.namespace(admitted.namespace)
    flipped = outsider(selector, home.labels if home is not None else None)
    if flipped is not None:
        labels, change = flipped
        labels.pop(NAME_LABEL, None)  # a new namespace has its own name
        yield None, f"namespace {change}", labels


def _add_namespace_outsider(builder: _Builder, rule: _Rule, where: str, peer: Peer, admitted: Pod) -> None:
    for namespace, how, labels in _namespace_candidates(builder, rule.policy, peer.namespace_selector, admitted):
        if namespace is None:
            namespace = builder.new_namespace(labels, LabelSelector(), hint=slug("not-" + admitted.namespace))
            if namespace is None:
                return
            how = f"in namespace {namespace} ({how})"
        builder.cluster.ensure_namespace(namespace)
        if rule.refuses(namespace, admitted.labels):
            builder.add_pod(namespace, dict(admitted.labels), f"outsider of {where}: like {admitted.id} but {how}",
                            name=admitted.name, ports=admitted.ports)
            return


def _inside(network: ipaddress.IPv4Network | ipaddress.IPv6Network, excepts: Iterable, taken: set[str]) -> str | None:
    """An address of `network` outside `excepts` and not `taken`, from its first and last few."""
    count = network.num_addresses
    offsets = sorted({k for k in (0, 1, 2, count - 2, count - 1) if 0 <= k < count}, key=lambda k: (k == 0, k))
    for k in offsets:
        address = network[k]
        if str(address) not in taken and not any(address.version == e.version and address in e for e in excepts):
            return str(address)
    return None


def add_block_witnesses(builder: _Builder, rule: Rule, where: str, peer: Peer,
                        judge: CiliumJudge | None = None) -> None:
    """With a Cilium `judge`: CIDR rules never select pods, so only outside addresses show them."""
    block = peer.ip_block
    assert block is not None
    cluster = builder.cluster
    taken = {ip for pod in cluster.pods for ip in pod.ips}
    shown = {e.ip for e in cluster.externals} | (taken if judge is None else set())
    # A block that holds a pod's address is shown by that pod; an outside address there would be no outsider.
    if not any(block.contains(ip) for ip in shown):
        address = _inside(block.network, block.except_networks, taken)
        if address is not None:
            ext = cluster.add_external(address)
            builder.added.append(Witness(ext.id, f"inside {block} of {where}"))
    others = [p.ip_block for p in rule.peers if p.ip_block is not None and p is not peer]
    for excluded in block.except_networks[:1]:
        if any(ipaddress.ip_address(ip) in excluded for ip in shown
               if ipaddress.ip_address(ip).version == excluded.version):
            continue  # the pods in the carved-out range show it
        address = _inside(excluded, (), taken)
        if address is None or cluster.external(address) is not None or any(b.contains(address) for b in others) or (
                judge is not None and not judge.refuses_address(address, cluster)):
            continue  # another peer of the rule admits it: no outsider of the rule
        ext = cluster.add_external(address)
        builder.added.append(Witness(ext.id, f"outsider of {where}: inside {block.cidr} but carved out by except {excluded}"))


def copy_witnesses(witnesses: Iterable[Witness], cluster: Cluster) -> list[Witness]:
    """Add to `cluster` the witnesses another cluster got (a diff gives each side the
    other's), where it has no such endpoint yet; those added."""
    added = []
    for w in witnesses:
        if not w.is_pod:
            if cluster.external(w.id) is None:
                cluster.add_external(w.id[3:])
                added.append(w)
            continue
        namespace, name = w.id.split("/", 1)
        if cluster.pod(w.id) is not None or any(p.namespace == namespace and dict(p.labels) == dict(w.labels) for p in cluster.pods):
            continue
        if cluster.namespace(namespace) is None:
            cluster.add_namespace(namespace, w.namespace_labels)
        cluster.add_pod(namespace, name, w.labels, ips=[witness_ip(cluster, w.id)], ports=w.ports)
        added.append(w)
    return added


def add_witnesses(cluster: Cluster, policies: Iterable[NetworkPolicy] | None = None, reserved: Iterable[str] = ()) -> list[Witness]:
    """Add stand-ins and rule witnesses for `policies` (default: the cluster's) to `cluster`;
    what was added, in order, with why. `reserved`: pod ids no witness may take."""
    policies = list(cluster.policies if policies is None else policies)
    builder = _Builder(cluster, reserved)
    add_stand_ins(builder, policies)
    for policy in policies:
        for direction, rules in (("ingress", policy.ingress), ("egress", policy.egress)):
            for k, rule in enumerate(rules):
                _rule_witnesses(builder, policy, policy.id, direction, k, rule)
    add_admin_witnesses(builder)
    add_cilium_witnesses(builder)
    return builder.added


def _rule_witnesses(builder: _Builder, policy: NetworkPolicy, label: str, direction: str, index: int, rule: Rule) -> None:
    _peers_witnesses(builder, _Rule(builder, policy, rule), direction,
                     [(f"{label} {direction}[{index}] peer {j}", peer) for j, peer in enumerate(rule.peers)])


def _peers_witnesses(builder: _Builder, rule: _Rule, direction: str, peers: Iterable[tuple[str, Peer]]) -> None:
    for where, peer in peers:
        if peer.ip_block is not None:
            add_block_witnesses(builder, rule.rule, where, peer, rule.judge)
        else:
            # A pod an egress rule admits is a destination: give it the rule's ports.
            ports = builder.ports_for([rule.rule]) if direction == "egress" else ()
            add_peer_witnesses(builder, rule, where, peer, ports)


def add_cilium_witnesses(builder: _Builder) -> None:
    """The same for the endpoint selectors and CIDRs of Cilium's rules (`ciliumwitness`
    says which get none, and why), judged the way Cilium reads the whole rule."""
    for judge in cilium_judges(builder.cluster):
        _peers_witnesses(builder, _Rule(builder, judge.shaped, judge.v1, judge), judge.rule.direction, judge.peers)


def add_admin_witnesses(builder: _Builder) -> None:
    """The same for the admin policies' `namespaces`, `pods` and `networks` peers: read as
    NetworkPolicy peers, they get an admitted endpoint and outsiders in the same way."""
    for admin in builder.cluster.admin_policies:
        shaped = _as_networkpolicy(admin)
        for direction in ("ingress", "egress"):
            for rule, v1 in zip(admin.rules(direction), shaped.ingress if direction == "ingress" else shaped.egress):
                _rule_witnesses(builder, shaped, admin.id, direction, rule.index, v1)


def _as_networkpolicy(admin: AdminPolicy) -> NetworkPolicy:
    """An admin policy's rules as NetworkPolicy rules (its nodes and domain names have no such peer)."""
    def peers(rule: AdminRule) -> tuple[Peer, ...]:
        out = []
        for p in rule.peers:
            if p.type in ("namespaces", "pods"):
                out.append(Peer(pod_selector=p.pods, namespace_selector=p.namespaces))
            out += [Peer(ip_block=block) for block in p.networks]
        return tuple(out)
    return NetworkPolicy(OUTSIDE_NAMESPACE, admin.id, LabelSelector(), ("Ingress", "Egress"),
                         tuple(Rule(peers(r), r.ports) for r in admin.ingress),
                         tuple(Rule(peers(r), r.ports) for r in admin.egress))
