"""A cluster built from manifests: namespaces, nodes, pods (as their controllers make them),
Services, outside addresses, the API server's addresses, NetworkPolicies, the cluster-wide
admin policies (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy),
Cilium's policies, and the policies of other kinds that a cluster would enforce but this
model does not (Calico's, Antrea's ...)."""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping  # not typing's: its isinstance is slow, and runs per object
from typing import Any

from .adminpolicy import AdminPolicy, is_admin_policy
from .apiserver import endpoint_addresses, endpoint_port, is_apiserver_endpoints
from .ciliumpolicy import CiliumPolicy, is_cilium_policy
from .dataplanes import KUBERNETES, Dataplane
from .objects import (ContainerPort, External, Namespace, Node, Pod, Service,  # noqa: F401 (re-exported)
                      ServicePort, UnmodelledPolicy)
from ..gcpause import collector_held
from .parse_pods import (address as _address, flat, metadata as _fast_metadata, read_running_pod,
                         stamp_external, stamp_pod)
from .policy import NetworkPolicy
from .reading import (CLUSTER_WIDE_POLICY_KINDS, MODEL_KINDS, REFUSED_KEY, RefusedObject, manifest_label,
                      object_name as _name)
from .selector import LabelSelector, PolicyError, label_map, label_value
# pod_template is re-exported.
from .workloads import (container_port, controller_pods, hook_of, pod_template,  # noqa: F401
                        spec_ports, stood_in)

# Synthetic pod addresses come from the ranges kind and flannel use by default, so tests
# that reason about "the pod network" read naturally.
POD_CIDR_V4 = ipaddress.ip_network("10.244.0.0/16")
POD_CIDR_V6 = ipaddress.ip_network("fd00:10:244::/64")

NAME_LABEL = "kubernetes.io/metadata.name"


# kube-dns as kubeadm and kind deploy it: kube-system, k8s-app=kube-dns, named 53 ports.
# Tests and reports add it as the standard DNS peer.
KUBE_DNS = Pod(
    "kube-system",
    "kube-dns",
    {"k8s-app": "kube-dns"},
    (),
    (ContainerPort("dns", 53, "UDP"), ContainerPort("dns-tcp", 53, "TCP"), ContainerPort("metrics", 9153, "TCP")),
)


class Cluster:
    """Namespaces, pods, external addresses and policies; `version` changes on every edit."""

    def __init__(self, *, dual_stack: bool = False) -> None:
        self.dual_stack = dual_stack
        self._namespaces: dict[str, Namespace] = {}
        self._pods: dict[str, Pod] = {}
        self._externals: dict[str, External] = {}
        self._policies: dict[str, NetworkPolicy] = {}
        self._admin_policies: dict[tuple[str, str], AdminPolicy] = {}
        self._nodes: dict[str, Node] = {}
        self._cilium: dict[tuple[str, str | None, str], list[CiliumPolicy]] = {}
        self.apiserver_ips: tuple[str, ...] = ()  # the kubernetes Service's endpoint addresses
        self.resolve: dict[str, tuple[str, ...]] = {}  # host name -> addresses, for toFQDNs peers
        self._services: dict[str, Service] = {}
        self._unmodelled: list[UnmodelledPolicy] = []
        self._next_ip = 1
        self._used_ips: set[str] = set()
        self.version = 0

    # public views -------------------------------------------------------------
    @property
    def namespaces(self) -> list[Namespace]:
        return list(self._namespaces.values())

    @property
    def pods(self) -> list[Pod]:
        return list(self._pods.values())

    @property
    def externals(self) -> list[External]:
        return list(self._externals.values())

    @property
    def policies(self) -> list[NetworkPolicy]:
        return list(self._policies.values())

    @property
    def admin_policies(self) -> list[AdminPolicy]:
        return list(self._admin_policies.values())

    @property
    def cilium_policies(self) -> list[CiliumPolicy]:
        # Asked of every end of every verdict; most clusters have none.
        return [p for rules in self._cilium.values() for p in rules] if self._cilium else []

    @property
    def nodes(self) -> list[Node]:
        return list(self._nodes.values())

    @property
    def services(self) -> list[Service]:
        return list(self._services.values())

    @property
    def unmodelled(self) -> list[UnmodelledPolicy]:
        return list(self._unmodelled)

    def unmodelled_for(self, pod: "Pod") -> list[UnmodelledPolicy]:
        return [u for u in self._unmodelled if u.could_select(pod)] if self._unmodelled else []

    def service(self, service_id: str) -> Service | None:
        return self._services.get(service_id if service_id.startswith("svc:") else f"svc:{service_id}")

    def service_pods(self, service: Service) -> list["Pod"]:
        """The pods a Service sends to: its selector, in its namespace."""
        if not service.selector:
            return []
        selector = LabelSelector.parse({"matchLabels": service.selector})
        return [p for p in self._pods.values() if p.namespace == service.namespace and selector.matches(p.labels)]

    def namespace(self, name: str) -> Namespace | None:
        return self._namespaces.get(name)

    def pod(self, pod_id: str) -> Pod | None:
        return self._pods.get(pod_id)

    def external(self, ip: str) -> External | None:
        """The outside address `ip` ("ip:..." or the bare address), if the cluster has it."""
        address = ip[3:] if ip.startswith("ip:") else ip
        return self._externals.get(External(address).id)

    # construction -----------------------------------------------------------
    def add_namespace(self, name: str, labels: Mapping[str, Any] | None = None) -> Namespace:
        merged = {str(k): label_value(v) for k, v in (labels or {}).items()}
        # The API server always sets this label to the namespace's name, whatever was written.
        merged[NAME_LABEL] = name
        ns = Namespace(name, merged)
        self._namespaces[name] = ns
        self.version += 1
        return ns

    def ensure_namespace(self, name: str) -> Namespace:
        return self._namespaces.get(name) or self.add_namespace(name)

    def add_pod(
        self,
        namespace: str,
        name: str,
        labels: Mapping[str, Any] | None = None,
        ips: Iterable[str] | None = None,
        ports: Iterable[ContainerPort | Mapping[str, Any] | tuple] | None = None,
        *,
        workload: str = "",
        host_network: bool = False,
        node: str = "",
        hook: str = "",
        replace: bool = False,
    ) -> Pod:
        """Add a pod; ValueError when its id is taken, unless `replace` (then it stands in
        for the pod that had the id, which a controller may have made)."""
        existing = self._pods.get(f"{namespace}/{name}")
        if existing is not None and not replace:
            made_by = f"made by {existing.workload}" if existing.workload else "declared on its own"
            raise ValueError(f"pod {existing.id} is already in the cluster ({made_by}); "
                             "give another name, or replace=True to replace it")
        self.ensure_namespace(namespace)
        addresses = tuple(_address(ip) for ip in ips) if ips else self._synthetic_ips()
        return self._put_pod(namespace, name, label_map(labels), addresses, tuple(container_port(p) for p in ports or ()),
                             workload, host_network, node, hook)

    def _put_pod(self, namespace: str, name: str, labels: dict[str, str], addresses: tuple[str, ...],
                 ports: tuple[ContainerPort, ...], workload: str, host_network: bool, node: str, hook: str) -> Pod:
        """A pod of fields in their final form, in a namespace the cluster has; replaces any of its id."""
        self._used_ips.update(addresses)
        pod = stamp_pod(namespace, name, labels, addresses, ports, workload, host_network, node, hook)
        self._pods[f"{namespace}/{name}"] = pod
        self.version += 1
        return pod

    def add_external(self, ip: str) -> External:
        ext = stamp_external(_address(ip))
        self._externals[ext.id] = ext
        self.version += 1
        return ext

    def add_policy(self, policy: NetworkPolicy | Mapping[str, Any], default_namespace: str = "default") -> NetworkPolicy:
        if not isinstance(policy, NetworkPolicy):
            policy = NetworkPolicy.from_manifest(policy, default_namespace)
        self.ensure_namespace(policy.namespace)
        self._policies[policy.id] = policy  # same name in the same namespace: last one wins, like apply
        self.version += 1
        return policy

    def add_admin_policy(self, policy: AdminPolicy | Mapping[str, Any]) -> AdminPolicy:
        """An AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy (cluster-wide)."""
        if not isinstance(policy, AdminPolicy):
            policy = AdminPolicy.from_manifest(policy)
        self._admin_policies[(policy.kind, policy.name)] = policy  # same kind and name: last one wins
        self.version += 1
        return policy

    def add_cilium_policy(self, obj: Mapping[str, Any], default_namespace: str = "default") -> list[CiliumPolicy]:
        """A CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy: one CiliumPolicy per rule."""
        policies = CiliumPolicy.from_manifests(obj, default_namespace)
        meta = obj.get("metadata") or {}
        namespace = str(meta.get("namespace") or default_namespace) if obj.get("kind") == "CiliumNetworkPolicy" else None
        key = (str(obj.get("kind")), namespace, str(meta.get("name")))
        self._cilium[key] = policies  # same kind, namespace and name: last one wins
        self.version += 1
        return policies

    def add_resolved(self, name: str, addresses: Iterable[str]) -> None:
        """What `name` resolves to, for toFQDNs and domainNames peers (an implementation
        learns it from the DNS answers it sees); the addresses become outside addresses too."""
        ips = tuple(str(ipaddress.ip_address(a)) for a in addresses)
        self.resolve[name.rstrip(".").lower()] = ips
        for ip in ips:
            self.add_external(ip)
        self.version += 1

    def add_apiserver(self, addresses: Iterable[str], port: int = 6443) -> None:
        """The API server: its addresses (the kubernetes Service's endpoints, outside
        addresses to the pod network) and the Service `default/kubernetes` 443 -> `port`.
        Reach it as "apiserver"; on a control-plane node, give the node too (`add_node`)."""
        ips = tuple(str(ipaddress.ip_address(a)) for a in addresses)
        self.apiserver_ips = tuple(dict.fromkeys(self.apiserver_ips + ips))
        for ip in ips:
            self.add_external(ip)
        self.ensure_namespace("default")
        self._services["svc:default/kubernetes"] = Service("default", "kubernetes", None,
                                                           (ServicePort(443, port, "TCP", "https"),), self.apiserver_ips)
        self.version += 1

    def add_node(self, name: str, labels: Mapping[str, Any] | None = None, ips: Iterable[str] = ()) -> Node:
        node = Node(name, {str(k): label_value(v) for k, v in (labels or {}).items()},
                    tuple(_address(ip) for ip in ips))
        self._nodes[name] = node
        for ip in node.ips:  # a node is an endpoint outside the pod network (host traffic)
            self.add_external(ip)
        self.version += 1
        return node

    def add_policies(self, objects: Iterable[NetworkPolicy | Mapping[str, Any]], default_namespace: str = "default") -> list[NetworkPolicy]:
        return [self.add_policy(o, default_namespace) for o in objects]

    def add_objects(self, objects: Iterable[Mapping[str, Any] | None], default_namespace: str = "default") -> None:
        """Take what matters from rendered manifests; other kinds are ignored. Objects
        without a namespace live in `default_namespace` (the release namespace). A running
        pod (a cluster's dump) of a workload given as a template is left to the workload's
        pods (`workloads.stood_in`), and a running workload to its running pods.

        An object the model cannot read (a string where a map belongs, a pod without a
        name) raises PolicyError naming it, in one line. One that carries REFUSED_KEY (the
        API server's reasons to refuse it: `check.admission` judging it anyway) is read as
        written, and every verdict says so."""
        objects = flat(objects)
        left_out = stood_in(objects, default_namespace)
        # Namespaces first so their labels are in place before anything lands in them.
        with collector_held():
            for obj in [o for o in objects if o.get("kind") == "Namespace"] + [
                    o for o in objects if o.get("kind") != "Namespace" and id(o) not in left_out]:
                self._add_one(obj, default_namespace)

    def _add_one(self, obj: Mapping[str, Any], default_namespace: str) -> None:
        try:
            self._add_object(obj, default_namespace)
        except PolicyError:
            raise
        except (AttributeError, TypeError, KeyError, ValueError) as exc:
            raise PolicyError(f"{manifest_label(obj, default_namespace)}: cannot be read "
                              f"({type(exc).__name__}: {exc})") from None
        if obj.get(REFUSED_KEY):
            self._unmodelled.append(RefusedObject(str(obj.get("kind")), str(obj.get("apiVersion")),
                                                  manifest_label(obj, default_namespace).partition(" ")[2], None,
                                                  tuple(obj[REFUSED_KEY])))
            self.version += 1

    def _add_object(self, obj: Mapping[str, Any], default_namespace: str) -> None:
        kind = obj.get("kind")
        kind = kind if type(kind) is str else str(kind)
        meta = _fast_metadata(obj, default_namespace)
        ns = meta.get("namespace") or default_namespace
        ns = ns if type(ns) is str else str(ns)
        if kind not in MODEL_KINDS and not kind.endswith("NetworkPolicy"):
            return  # RBAC, ConfigMaps, ServiceAccounts ...: no branch below reads them, one lookup each
        if kind == "Namespace":
            self.add_namespace(_name(obj, default_namespace), meta.get("labels"))
        elif kind == "Pod":
            self._add_running_pod(obj, meta, ns, default_namespace)
        elif kind == "NetworkPolicy" and str(obj.get("apiVersion", "networking.k8s.io/v1")).startswith("networking.k8s.io/"):
            self.add_policy(obj, default_namespace)
        elif is_admin_policy(obj):
            self.add_admin_policy(obj)
        elif is_cilium_policy(obj):
            self.add_cilium_policy(obj, default_namespace)
        elif is_apiserver_endpoints(obj):
            self.add_apiserver(endpoint_addresses(obj), endpoint_port(obj))
        elif kind == "Node" and str(obj.get("apiVersion")) == "v1":
            addresses = (obj.get("status") or {}).get("addresses") or ()
            self.add_node(_name(obj, default_namespace), meta.get("labels"),
                          [a["address"] for a in addresses if a.get("type") in ("InternalIP", "ExternalIP")])
        elif kind.endswith("NetworkPolicy") or kind in CLUSTER_WIDE_POLICY_KINDS:
            cluster_wide = kind in CLUSTER_WIDE_POLICY_KINDS
            self._unmodelled.append(UnmodelledPolicy(kind, str(obj.get("apiVersion")), str(meta.get("name")),
                                                     None if cluster_wide else ns))
            self.version += 1
        elif kind == "Service":
            self.add_service(obj, default_namespace)
        elif pod_template(obj) is not None:
            self._add_workload(obj, ns, _name(obj, default_namespace))

    def _add_running_pod(self, obj: Mapping[str, Any], meta: Mapping[str, Any], ns: str, default_namespace: str) -> None:
        # add_pod(..., replace=True), each step the cheapest way.
        name, labels, ips, ports, host_network, node, hook = read_running_pod(obj, meta, default_namespace)
        if ns not in self._namespaces:
            self.add_namespace(ns)
        addresses = tuple([_address(ip) for ip in ips]) if ips else self._synthetic_ips()
        # Manifests are applied: a later object of the same id replaces the earlier one.
        self._put_pod(ns, name, labels, addresses, ports, "", host_network, node, hook)

    def _add_workload(self, obj: Mapping[str, Any], ns: str, name: str) -> None:
        template = pod_template(obj)
        spec = template.get("spec") or {}
        pods = controller_pods(obj, template)
        # The replicas of a template share its ports, network and hook.
        ports, host_network, hook = spec_ports(spec), spec.get("hostNetwork") is True, hook_of(obj)
        for pod in pods:
            self.add_pod(ns, pod.name, pod.labels, None, ports, workload=f"{obj.get('kind')}/{name}",
                         host_network=host_network, hook=hook, replace=True)

    def add_service(self, obj: Mapping[str, Any], default_namespace: str = "default") -> Service:
        meta = obj.get("metadata") or {}
        spec = obj.get("spec") or {}
        ports = tuple(
            ServicePort(int(p.get("port")), p.get("targetPort", p.get("port")), str(p.get("protocol") or "TCP").upper(),
                        p.get("name"))
            for p in spec.get("ports") or () if isinstance(p, Mapping) and p.get("port") is not None
        )
        selector = spec.get("selector")
        service = Service(str(meta.get("namespace") or default_namespace), _name(obj, default_namespace),
                          {str(k): label_value(v) for k, v in selector.items()} if isinstance(selector, Mapping) else None,
                          ports)
        self._services[service.id] = service
        self.version += 1
        return service

    @classmethod
    def from_manifests(cls, objects: Iterable[Mapping[str, Any] | None], default_namespace: str = "default", *, dual_stack: bool = False) -> "Cluster":
        cluster = cls(dual_stack=dual_stack)
        cluster.add_objects(objects, default_namespace)
        return cluster

    def _synthetic_ips(self) -> tuple[str, ...]:
        # An IPv6 address only for a dual-stack cluster: writing one out costs more than
        # everything else a pod needs.
        while True:
            n = self._next_ip
            self._next_ip += 1
            ips = (_v4_text(n), str(POD_CIDR_V6[n])) if self.dual_stack else (_v4_text(n),)
            if not any(ip in self._used_ips for ip in ips):
                return ips


_V4_BASE = int(POD_CIDR_V4.network_address)


def _v4_text(n: int) -> str:
    """The n-th address of the IPv4 pod range, written the way ipaddress writes it."""
    a = _V4_BASE + n
    return f"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}"


def add_kube_dns(cluster: Cluster) -> Pod:
    """The standard kube-dns pod (KUBE_DNS), added unless the cluster has it already."""
    return cluster.pod(KUBE_DNS.id) or cluster.add_pod(KUBE_DNS.namespace, KUBE_DNS.name, KUBE_DNS.labels,
                                                       ports=KUBE_DNS.ports)


def add_cluster_dns(cluster: Cluster, dataplane: Dataplane = KUBERNETES) -> Pod:
    """The cluster DNS as the dataplane's cluster runs it: its pod, listening on the
    profile's port (53; OpenShift's 5353), and its Service on 53 in front."""
    dns = dataplane.dns
    if (dns.namespace, dns.name) == (KUBE_DNS.namespace, KUBE_DNS.name):
        pod = cluster.pod(KUBE_DNS.id) or add_kube_dns(cluster)
    else:
        pod = cluster.pod(f"{dns.namespace}/{dns.name}") or cluster.add_pod(
            dns.namespace, dns.name, dict(dns.labels),
            ports=[ContainerPort("dns", dns.port, "UDP"), ContainerPort("dns-tcp", dns.port, "TCP")])
    if cluster.service(f"{dns.namespace}/{dns.name}") is None:
        cluster.add_service({"metadata": {"namespace": dns.namespace, "name": dns.name}, "spec": {
            "selector": dict(dns.labels),
            "ports": [{"name": "dns", "port": 53, "targetPort": "dns", "protocol": "UDP"},
                      {"name": "dns-tcp", "port": 53, "targetPort": "dns-tcp", "protocol": "TCP"}]}})
    return pod
