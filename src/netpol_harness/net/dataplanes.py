"""Dataplane profiles: the points where a CNI departs from, or fills in, what the
NetworkPolicy API says, each with its source.

The API leaves some flows to the implementation: traffic of host-network pods, of the
nodes and of the API server; whether ipBlocks apply to pod addresses; whether a policy
sees a Service's port or its endpoints' port. A profile states how one dataplane answers,
as data the evaluator's matchers read (`peers`, `kinds`, `query`); a point a profile does
not state stays a "not modelled" note on the verdicts it touches.

`kubernetes` is the API's own reading and changes nothing the evaluator did before
profiles existed. A profile that depends on a cluster option takes it as a parameter:
`cilium:policy-cidr-match-mode=nodes`, `cilium:allow-localhost=policy`, `cilium:sctp=true`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable

K8S_NP = "https://kubernetes.io/docs/concepts/services-networking/network-policies/"
CILIUM_L3 = "https://docs.cilium.io/en/stable/security/policy/language/"
CILIUM_K8S = "https://docs.cilium.io/en/stable/network/kubernetes/policy/"
CILIUM_L4 = "https://docs.cilium.io/en/stable/security/policy/language/#layer-4-examples"
OPENSHIFT_NP = ("https://docs.openshift.com/container-platform/4.17/networking/network_security/network_policy/"
                "about-network-policy.html")
KUBE_ROUTER_NPC = "https://github.com/cloudnativelabs/kube-router/blob/master/docs/design/npc-design.md"

# The labels OpenShift (and OVN-Kubernetes) give the namespace host-network traffic is
# said to come from.
HOST_NETWORK_LABEL = "policy-group.network.openshift.io/host-network"


@dataclass(frozen=True)
class Departure:
    """One point where a dataplane departs from, or fills in, the API: what it does and where that is written."""

    key: str  # what it is about: "ipblock-pods", "host-network-pods" ...
    says: str  # one sentence, in the dataplane's terms
    source: str  # the documentation page or issue

    def cite(self, profile: str) -> str:
        return f"[{profile}] {self.says} ({self.source})"


@dataclass(frozen=True)
class ClusterDNS:
    """Where cluster DNS answers: the Service pods use, and the port its pods listen on."""

    namespace: str
    name: str
    labels: tuple[tuple[str, str], ...]
    port: int  # the pods' port behind the Service's 53


@dataclass(frozen=True)
class Dataplane:
    name: str  # with its parameters: "cilium:policy-cidr-match-mode=nodes"
    cni: str  # "kubernetes", "cilium", "calico", "ovn-kubernetes", "openshift", "kube-router"
    departures: tuple[Departure, ...]
    # Policy kinds it enforces (kinds.COMPILERS keys); admin policies by kind and API version.
    kinds: frozenset[str]
    admin_kinds: frozenset[str] = frozenset()  # AdminNetworkPolicy (v1alpha1), ClusterNetworkPolicy (v1alpha2) ...
    ipblock_pods: bool = True  # ipBlocks (and CIDR rules) select pod addresses
    # The directions in which ipBlocks select nodes, host-network pods and the API server.
    ipblock_hosts: frozenset[str] = frozenset({"ingress", "egress"})
    host_pods_outside: bool = False  # host-network pods: no policy isolates them, no selector selects them
    host_network_namespace: str | None = None  # host traffic comes from this namespace (OVN-Kubernetes)
    local_host_allowed: bool = False  # a node always reaches its own pods (Cilium's allow-localhost)
    apiserver_entity: bool = False  # the API server is host traffic wherever it runs (Cilium's entity)
    sctp: bool = True  # SCTP rules are enforced
    after_dnat: bool = False  # judged on the Service's endpoints (address and port); False: the API does not say
    dns: ClusterDNS = ClusterDNS("kube-system", "kube-dns", (("k8s-app", "kube-dns"),), 53)
    options: tuple[tuple[str, str], ...] = field(default=())

    def has(self, key: str) -> bool:
        return any(d.key == key for d in self.departures)

    def departure(self, key: str) -> Departure:
        return next(d for d in self.departures if d.key == key)

    def note(self, key: str) -> str:
        """The departure as a verdict names it: `[cilium] what it does (source)`."""
        return self.departure(key).cite(self.name)

    @property
    def is_api(self) -> bool:
        return self.cni == "kubernetes"


ALL_ADMIN_KINDS = frozenset({"AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"})


def _d(key: str, says: str, source: str) -> Departure:
    return Departure(key, says, source)


KUBERNETES = Dataplane(
    "kubernetes", "kubernetes",
    (
        _d("host-network-pods", "NetworkPolicy behaviour for hostNetwork pods is undefined: selectors may or may not "
           "select them, and their traffic may be treated as the node's", K8S_NP + "#networkpolicy-and-hostnetwork-pods"),
        _d("local-host", "pods cannot block access from their resident node (the API lists it among what policies "
           "cannot do; this profile judges it by the policies)",
           K8S_NP + "#what-you-can-t-do-with-network-policies-at-least-not-yet"),
        _d("service-translation", "it is not defined whether address rewriting (a Service's translation to its "
           "endpoints) happens before or after NetworkPolicy processing", K8S_NP + "#behavior-of-to-and-from-selectors"),
    ),
    frozenset({"CiliumDeny", "Admin", "NetworkPolicy", "Cilium", "Baseline"}),
    ALL_ADMIN_KINDS,
)

_HOST_PODS = ("hostNetwork pods are ignored by podSelector and namespaceSelector, no policy isolates them, and their "
              "traffic is the node's")
_AFTER_DNAT = "policies see traffic after a Service's translation: the endpoint's address and port, not the Service's"

CILIUM = Dataplane(
    "cilium", "cilium",
    (
        _d("ipblock-pods", "CIDR rules and NetworkPolicy ipBlocks do not select pods, even by a pod's address",
           CILIUM_K8S + "#known-missing-features-for-kubernetes-network-policy"),
        _d("ipblock-hosts", "CIDR rules and ipBlocks do not select nodes, host-network pods or the API server (the "
           "entities host, remote-node, kube-apiserver) unless policy-cidr-match-mode is nodes",
           CILIUM_L3 + "#selecting-nodes-with-cidr-ipblock"),
        _d("host-network-pods", "host-network pods are the host and remote-node entities: no pod selector selects them "
           "and no endpoint policy isolates them", CILIUM_L3 + "#entities-based"),
        _d("local-host", "the local host (the node and its host-network pods) always reaches the node's own pods "
           "(allow-localhost: always, the default on Kubernetes; allow-localhost=policy judges it by the policies)",
           CILIUM_L3 + "#access-to-from-local-host"),
        _d("sctp", "SCTP is enforced only with sctp.enabled=true", "https://docs.cilium.io/en/stable/configuration/sctp/"),
        _d("endport", "NetworkPolicy endPort is listed among the Kubernetes NetworkPolicy features Cilium lacks: a "
           "port range may be enforced as its first port only", CILIUM_K8S + "#known-missing-features-for-kubernetes-network-policy"),
        _d("service-translation", _AFTER_DNAT, CILIUM_L4),
        _d("policy-kinds", "Cilium does not implement AdminNetworkPolicy, BaselineAdminNetworkPolicy or "
           "ClusterNetworkPolicy: they are not enforced", CILIUM_K8S),
    ),
    frozenset({"CiliumDeny", "NetworkPolicy", "Cilium"}),
    ipblock_pods=False, ipblock_hosts=frozenset(), host_pods_outside=True, local_host_allowed=True, sctp=False,
    after_dnat=True, apiserver_entity=True,
)

CALICO = Dataplane(
    "calico", "calico",
    (
        _d("ipblock-pods", "ipBlocks select every address in them, pods' included",
           "https://github.com/projectcalico/calico/issues/6634"),
        _d("host-network-pods", _HOST_PODS + "; the API server's calls come from its nodes' addresses, which CIDR rules "
           "select", "https://github.com/projectcalico/calico/issues/2971"),
        _d("local-host", "traffic from the host a pod lives on is always allowed",
           "https://github.com/projectcalico/calico/issues/1683"),
        _d("service-translation", _AFTER_DNAT, "https://github.com/projectcalico/calico/pull/1999"),
        _d("policy-kinds", "AdminNetworkPolicy and BaselineAdminNetworkPolicy are enforced, and ClusterNetworkPolicy "
           "from Calico 3.32; Cilium's policies are not", "https://docs.tigera.io/calico/latest/network-policy/"),
    ),
    frozenset({"Admin", "NetworkPolicy", "Baseline"}),
    ALL_ADMIN_KINDS,
    host_pods_outside=True, local_host_allowed=True, after_dnat=True,
)

_OVN_DEPARTURES = (
    _d("host-network-pods", "network policy does not apply to the host network namespace: pods with host networking "
       "are unaffected by its rules, and selectors do not select them", OPENSHIFT_NP),
    _d("host-network-namespace", "traffic from the host network (nodes, host-network pods, an API server on a node) "
       "comes from the namespace labelled policy-group.network.openshift.io/host-network: a namespaceSelector without "
       "podSelector for it admits that traffic, and an ipBlock of a node's address does not (it arrives from the "
       "node's management port address)", "https://github.com/ovn-kubernetes/ovn-kubernetes/pull/2093"),
    _d("local-host", "network policies cannot block traffic from localhost or from their resident nodes", OPENSHIFT_NP),
    _d("service-translation", _AFTER_DNAT, "https://github.com/ovn-kubernetes/ovn-kubernetes/pull/2881"),
    _d("policy-kinds", "AdminNetworkPolicy and BaselineAdminNetworkPolicy are enforced, ClusterNetworkPolicy and "
       "Cilium's policies are not",
       "https://docs.redhat.com/en/documentation/openshift_container_platform/4.17/html/network_security/admin-network-policy"),
)

OVN_KUBERNETES = Dataplane(
    "ovn-kubernetes", "ovn-kubernetes", _OVN_DEPARTURES,
    frozenset({"Admin", "NetworkPolicy", "Baseline"}),
    frozenset({"AdminNetworkPolicy", "BaselineAdminNetworkPolicy"}),
    ipblock_hosts=frozenset({"egress"}), host_pods_outside=True, host_network_namespace="ovn-host-network",
    local_host_allowed=True, after_dnat=True,
)

OPENSHIFT = replace(
    OVN_KUBERNETES, name="openshift", cni="openshift", host_network_namespace="openshift-host-network",
    departures=_OVN_DEPARTURES + (
        _d("dns", "cluster DNS is the dns-default Service in openshift-dns, whose pods listen on 5353 behind its port 53",
           "https://github.com/openshift/cluster-dns-operator/blob/master/assets/dns/daemonset.yaml"),),
    dns=ClusterDNS("openshift-dns", "dns-default", (("dns.operator.openshift.io/daemonset-dns", "default"),), 5353),
)

KUBE_ROUTER = Dataplane(
    "kube-router", "kube-router",
    (
        _d("host-network-pods", "pods on the host network get no policy chain of their own: no policy isolates them",
           KUBE_ROUTER_NPC),
        _d("local-host", "traffic from the local node to its pods is always accepted, whatever the policies",
           KUBE_ROUTER_NPC),
        _d("policy-kinds", "only NetworkPolicy is enforced: admin policies and Cilium's are not", KUBE_ROUTER_NPC),
        _d("service-translation", _AFTER_DNAT + " (the API server's 6443 behind the kubernetes Service's 443): its "
           "rules sit in the filter table, after kube-proxy's translation", KUBE_ROUTER_NPC),
    ),
    frozenset({"NetworkPolicy"}),
    host_pods_outside=True, local_host_allowed=True, after_dnat=True,
)

PROFILES: dict[str, Dataplane] = {p.name: p for p in (KUBERNETES, CILIUM, CALICO, OVN_KUBERNETES, OPENSHIFT, KUBE_ROUTER)}

# Options a profile takes, as Cilium's agent names them: option -> {value: changes}.
OPTIONS: dict[str, dict[str, dict[str, dict[str, object]]]] = {
    "cilium": {
        "policy-cidr-match-mode": {"nodes": {"ipblock_hosts": frozenset({"ingress", "egress"})}},
        "allow-localhost": {"policy": {"local_host_allowed": False}, "always": {}},
        "sctp": {"true": {"sctp": True}, "false": {}},
    },
}


class UnknownDataplane(ValueError):
    pass


def dataplane(spec: "str | Dataplane") -> Dataplane:
    """A profile by name, with options: `cilium`, `cilium:policy-cidr-match-mode=nodes,sctp=true`."""
    if isinstance(spec, Dataplane):
        return spec
    name, _, raw = str(spec).strip().partition(":")
    base = PROFILES.get(name)
    if base is None:
        raise UnknownDataplane(f"unknown dataplane {spec!r}: use one of {', '.join(PROFILES)} (or all)")
    if not raw:
        return base
    known = OPTIONS.get(name, {})
    changes: dict[str, object] = {}
    options = []
    for item in raw.split(","):
        key, _, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if key not in known or value not in known[key]:
            offered = "; ".join(f"{k}={'|'.join(v for v in vals if v)}" for k, vals in known.items()) or "none"
            raise UnknownDataplane(f"dataplane {spec!r}: unknown option {item.strip()!r} (options of {name}: {offered})")
        changes.update(known[key][value])
        options.append((key, value))
    return replace(base, name=f"{name}:{','.join(f'{k}={v}' for k, v in options)}", options=tuple(options),
                   **changes)  # type: ignore[arg-type]


def dataplanes(specs: Iterable[str] | str | None) -> list[Dataplane]:
    """Profiles from command-line words: names, options, or `all` (every profile at its defaults)."""
    if specs is None:
        return [KUBERNETES]
    words = [specs] if isinstance(specs, str) else list(specs)
    out: list[Dataplane] = []
    for word in words:
        for part in (w for w in str(word).split() if w):
            for p in (PROFILES.values() if part == "all" else [dataplane(part)]):
                if p not in out:
                    out.append(p)
    return out or [KUBERNETES]
