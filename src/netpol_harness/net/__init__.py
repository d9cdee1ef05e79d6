"""What network policies mean: a cluster built from manifests, and who may reach whom.

  selector     -- label selectors (matchLabels, matchExpressions)
  policy       -- the one reader of a NetworkPolicy, with the API server's defaulting
  adminpolicy  -- the one reader of AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy
  ciliumpolicy -- the one reader of CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy (layers 3, 4)
  objects      -- namespaces, nodes, pods, outside addresses, Services: the model's values
  cluster      -- those and the policies, from manifests
  workloads    -- pods as their controllers make them (names, controller labels, replicas)
  evaluate     -- `Evaluator`, the front of the evaluator: verdicts on single flows and whole matrices
  query        -- the query layer: check, matrix, reaching, reachable_from, over one compiled cluster
  endpoints    -- endpoints as callers name them ("ns/pod", "ip:ADDR", a workload ...)
  selection    -- pods and namespaces as bitsets, label selectors over them
  peers        -- pod and namespace peers, ipBlocks
  ports        -- port numbers, ranges, named ports, protocols
  dataplanes   -- dataplane profiles: where each CNI departs from, or fills in, the API, with sources
  hosts        -- host traffic as a profile judges it: host-network pods, the local node
  kinds        -- one module per policy kind (admintier, networkpolicy, cilium), registered in one
                  place with the layers they are judged in
  reachability -- a whole matrix as packed bit rows
  verdict      -- a verdict and its explanation (which policy, which rule, what it lacked)
  services     -- a Service as a destination: its port mapped to each selected pod's port
  nca          -- np-guard's network-config-analyzer as an independent oracle
"""
from __future__ import annotations

from .cluster import (KUBE_DNS, NAME_LABEL, Cluster, ContainerPort, External, Namespace, Pod, Service, ServicePort,
                      UnmodelledPolicy, add_cluster_dns, pod_template)
from .dataplanes import PROFILES, Dataplane, Departure, UnknownDataplane, dataplane, dataplanes
from .evaluate import EndpointRef, Evaluator
from .policy import PROTOCOLS, IPBlock, NetworkPolicy, Peer, PolicyPort, Rule, default_policy_types, ports_match
from .selector import LabelSelector, PolicyError, Requirement
from .services import ServiceVerdict
from .verdict import Miss, RuleRef, SideVerdict, Verdict

__all__ = [
    "KUBE_DNS", "NAME_LABEL", "PROFILES", "PROTOCOLS", "Cluster", "ContainerPort", "Dataplane", "Departure",
    "EndpointRef", "Evaluator", "External", "IPBlock", "LabelSelector", "Miss", "Namespace", "NetworkPolicy", "Peer",
    "Pod", "PolicyError", "PolicyPort", "Requirement", "Rule", "RuleRef", "Service", "ServicePort", "ServiceVerdict",
    "SideVerdict", "UnknownDataplane", "UnmodelledPolicy", "Verdict", "add_cluster_dns", "dataplane", "dataplanes",
    "default_policy_types", "pod_template", "ports_match",
]
