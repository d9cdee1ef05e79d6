"""What the API server checks on the cluster-wide admin policies: AdminNetworkPolicy and
BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1) and ClusterNetworkPolicy
(policy.networking.k8s.io/v1alpha2).

They are CRDs, so no built-in schema knows them: the API server checks a custom resource
only against its CRD's structural OpenAPI schema and CEL (x-kubernetes-validations)
rules. `admin_policy_errors` is that check, written from the upstream definitions (read,
not copied) in kubernetes-sigs/network-policy-api:
- v1alpha1, commit e80807c44a006b28d901ae25b6561ece8a57e6d0 (branch release-0.1 head;
  its apis/v1alpha1 is identical at main 0eec1b0): apis/v1alpha1/adminnetworkpolicy_types.go,
  baselineadminnetworkpolicy_types.go, shared_types.go and the generated
  config/crd/experimental/policy.networking.k8s.io_{adminnetworkpolicies,baselineadminnetworkpolicies}.yaml
- v1alpha2, commit 0eec1b0e5fa92715b4c0f4c48d3c8d2913ed2159 (main head):
  apis/v1alpha2/clusternetworkpolicy_types.go and
  config/crd/experimental/policy.networking.k8s.io_clusternetworkpolicies.yaml
The experimental channel's CRDs are the superset (nodes and domainNames peers, named
ports); a cluster with the standard channel would also drop those fields.

Unknown fields are errors: the server prunes them (or refuses them under strict field
validation), so a chart that writes one has a bug. Nulls count as absent, as pruning
drops them. Stricter than the server, and marked "harness:" in the message:
- label selectors are checked as for a NetworkPolicy (the CRD checks only their shape;
  an implementation cannot parse a bad key, operator or value);
- CIDRs are checked with apirules.parse_cidr (the CRD's isCIDR accepts bits beyond the
  prefix, IPv4-mapped and non-canonical IPv6);
- a v1alpha1 protocol other than TCP, UDP or SCTP (the CRD has no enum for it);
- a v1alpha1 portRange with start > end (no rule in the CRD; it matches no port);
- a named port that is not an IANA service name (no container port can have it).
Not refused, as they are prose in the API only: domainNames in a rule whose action is
not Allow/Accept, and a v1alpha1 portRange with start == end.
Messages start with the field path: `spec.egress[0].to[1].networks[0]: ...`.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from ..net.adminpolicy import GROUP
from ..net.policy import PROTOCOLS
from .apirules import label_selector_errors, parse_cidr, port_name_errors
from .crdschema import (Check, Node, metadata_errors, schema_array, schema_errors, schema_integer, schema_object,
                        schema_string)

_BITS = re.compile(r"^(0|[1-9][0-9]*)$")
# The CRDs' DomainName pattern. Its first-character class is written A-z upstream, a range
# that also holds [ \ ] ^ _ and `; this one matches exactly what the server's matches.
_LABEL = r"[A-Za-z0-9\[\\\]^_`](?:[-A-Za-z0-9_]*[A-Za-z0-9])?"
DOMAIN_NAME = re.compile(rf"(?:\*\.)?(?:{_LABEL}\.)+{_LABEL}\.?")


def _is_cidr(text: str) -> bool:
    """What the CRDs' `isCIDR(self)` accepts (Go's netip.ParsePrefix, without a zone)."""
    address, slash, bits = text.partition("/")
    if not slash or "%" in address or not _BITS.match(bits):
        return False
    try:
        return int(bits) <= ipaddress.ip_address(address).max_prefixlen
    except ValueError:
        return False


def _cidr_rule(value: str, path: str) -> list[str]:
    _, why = parse_cidr(value)
    if why is None:
        return []
    if _is_cidr(value):
        reason, _, detail = why.partition(" (harness: ")
        detail = detail.rstrip(")").replace("the API server would widen it to", "implementations read it as")
        why = f"{reason} (harness: the CRD's isCIDR accepts it{'; ' + detail if detail else ''})"
    return [f"{path}: Invalid value: {value!r}: {why}"]


def _domain_rule(value: str, path: str) -> list[str]:
    if DOMAIN_NAME.fullmatch(value):
        return []
    return [f"{path}: Invalid value: {value!r}: must be a domain name such as example.com or *.example.com "
            "(labels of letters, digits, '-' and '_'; '*.' only as a prefix; an optional final '.')"]


def _protocol_rule(value: str, path: str) -> list[str]:
    if value in PROTOCOLS:
        return []
    supported = ", ".join(repr(p) for p in PROTOCOLS)
    return [f"{path}: Unsupported value: {value!r}: supported values: {supported} "
            "(harness: the v1alpha1 CRD has no enum for it)"]


def _port_name_rule(value: str, path: str) -> list[str]:
    return [f"{path}: Invalid value: {value!r}: {m} (harness: no container port can have this name)"
            for m in port_name_errors(value)]


def _range_v1alpha1(value: dict, path: str) -> list[str]:
    start, end = value.get("start"), value.get("end")
    if isinstance(start, int) and isinstance(end, int) and start > end:
        return [f"{path}: Invalid value: start {start} is greater than end {end} "
                "(harness: the v1alpha1 CRD has no rule for it; the range matches no port)"]
    return []


def _range_v1alpha2(value: dict, path: str) -> list[str]:
    start, end = value.get("start"), value.get("end")
    if isinstance(start, int) and isinstance(end, int) and not start < end:
        return [f"{path}: Invalid value: start {start} must be less than end {end}"]
    return []


def _selector_rule(value: dict, path: str) -> list[str]:
    return [f"{m} (harness: the CRD checks only the selector's shape)" for m in label_selector_errors(value, path)]


def _named_port_rule(ports_key: str, named_key: str, peer_keys: tuple[str, ...]) -> Check:
    """The egress rules' CEL rule: a named port cannot go with a peer that has no pods."""
    def check(rule: dict, path: str) -> list[str]:
        peers, ports = rule.get("to"), rule.get(ports_key)
        if not isinstance(peers, list) or not isinstance(ports, list):
            return []
        bad_peer = next((f"to[{i}].{k}" for i, p in enumerate(peers) if isinstance(p, dict)
                         for k in peer_keys if p.get(k) is not None), None)
        named = next((f"{ports_key}[{j}].{named_key}" for j, p in enumerate(ports)
                      if isinstance(p, dict) and p.get(named_key) is not None), None)
        if bad_peer is None or named is None:
            return []
        return [f"{path}: Invalid value: {named} cannot be used with the {bad_peer} peer "
                f"({', '.join(peer_keys)} peers have no named ports)"]
    return check


# --- the three kinds ----------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    version: str
    actions: tuple[str, ...]
    max_items: int  # rules per direction, peers per rule, ports/protocols per rule
    egress_peers: tuple[str, ...]
    spec_fields: tuple[str, ...]  # besides subject, ingress and egress; all required


KINDS = {
    "AdminNetworkPolicy": Kind("v1alpha1", ("Allow", "Deny", "Pass"), 100,
                               ("namespaces", "pods", "nodes", "networks", "domainNames"), ("priority",)),
    "BaselineAdminNetworkPolicy": Kind("v1alpha1", ("Allow", "Deny"), 100,
                                       ("namespaces", "pods", "nodes", "networks"), ()),
    "ClusterNetworkPolicy": Kind("v1alpha2", ("Accept", "Deny", "Pass"), 25,
                                 ("namespaces", "pods", "nodes", "networks", "domainNames"), ("tier", "priority")),
}
_PORTS_HINT = {
    "v1alpha1": ("protocols", "v1alpha1 rules list ports in `ports` (portNumber, portRange, namedPort); "
                              "`protocols` is the v1alpha2 ClusterNetworkPolicy field"),
    "v1alpha2": ("ports", "v1alpha2 rules list ports in `protocols` (tcp/udp/sctp destinationPort, "
                          "destinationNamedPort); `ports` is the v1alpha1 field"),
}
_SPEC_HINTS = {
    "AdminNetworkPolicy": {"tier": "tier is a v1alpha2 ClusterNetworkPolicy field"},
    "BaselineAdminNetworkPolicy": {"priority": "a BaselineAdminNetworkPolicy has no priority (there is one per cluster)",
                                   "tier": "tier is a v1alpha2 ClusterNetworkPolicy field"},
    "ClusterNetworkPolicy": {},
}
_EXPRESSION = schema_object({"key": schema_string(), "operator": schema_string(), "values": schema_array(schema_string())}, ("key", "operator"))
SELECTOR = schema_object({"matchLabels": Node("map"), "matchExpressions": schema_array(_EXPRESSION)},
                check=_selector_rule, clean_only=True)
_PORT = schema_integer(1, 65535)


def _ports(version: str) -> Node:
    if version == "v1alpha1":
        protocol = schema_string(check=_protocol_rule)
        return schema_object({"portNumber": schema_object({"protocol": protocol, "port": _PORT}, ("port",)),  # protocol defaults to TCP
                     "namedPort": schema_string(check=_port_name_rule),
                     "portRange": schema_object({"protocol": protocol, "start": _PORT, "end": _PORT}, ("start", "end"),
                                       check=_range_v1alpha1)}, exactly_one=True)
    port_range = schema_object({"start": _PORT, "end": _PORT}, ("start", "end"), check=_range_v1alpha2)
    layer4 = schema_object({"destinationPort": schema_object({"number": _PORT, "range": port_range}, exactly_one=True)}, min_props=1)
    return schema_object({"tcp": layer4, "udp": layer4, "sctp": layer4, "destinationNamedPort": schema_string(check=_port_name_rule)},
                exactly_one=True)


def _peer(keys: tuple[str, ...], version: str, where: str) -> Node:
    pods_required = ("namespaceSelector", "podSelector") if version == "v1alpha1" else ("podSelector",)
    every = {"namespaces": SELECTOR, "pods": schema_object({"namespaceSelector": SELECTOR, "podSelector": SELECTOR}, pods_required),
             "nodes": SELECTOR, "networks": schema_array(schema_string(43, check=_cidr_rule), 1, 25, unique=True),
             "domainNames": schema_array(schema_string(check=_domain_rule), 1, 25, unique=True)}
    hints = {k: f"{where} take only {', '.join(keys)}" for k in every if k not in keys}
    return schema_object({k: every[k] for k in keys}, exactly_one=True, hints=hints)


def _rule(kind: str, direction: str) -> Node:
    spec = KINDS[kind]
    ports_key, named_key = ("ports", "namedPort") if spec.version == "v1alpha1" else ("protocols", "destinationNamedPort")
    peers_key, other = ("from", "to") if direction == "ingress" else ("to", "from")
    keys = ("namespaces", "pods") if direction == "ingress" else spec.egress_peers
    wrong_ports, why = _PORTS_HINT[spec.version]
    fields = {"name": schema_string(100), "action": schema_string(enum=spec.actions),
              peers_key: schema_array(_peer(keys, spec.version, f"{kind} {direction} peers"), 1, spec.max_items),
              ports_key: schema_array(_ports(spec.version), 1, spec.max_items)}
    check = _named_port_rule(ports_key, named_key, keys[2:]) if direction == "egress" else None
    return schema_object(fields, ("action", peers_key), check=check,
                hints={wrong_ports: why, other: f"{direction} rules take `{peers_key}`"})


def _spec(kind: str) -> Node:
    spec = KINDS[kind]
    fields = {"tier": schema_string(enum=("Admin", "Baseline")), "priority": schema_integer(0, 1000)}
    fields = {k: fields[k] for k in spec.spec_fields}
    fields["subject"] = _peer(("namespaces", "pods"), spec.version, "subjects")
    for direction in ("ingress", "egress"):
        fields[direction] = schema_array(_rule(kind, direction), 0, spec.max_items)
    return schema_object(fields, (*spec.spec_fields, "subject"), hints=_SPEC_HINTS[kind])


SPECS = {kind: _spec(kind) for kind in KINDS}
_ROOT_FIELDS = ("apiVersion", "kind", "metadata", "spec", "status")



def in_admin_group(obj: Any) -> bool:
    """An object of one of the three kinds in the policy.networking.k8s.io group (any version)."""
    api_version = obj.get("apiVersion") if isinstance(obj, dict) else None
    return isinstance(api_version, str) and api_version.split("/")[0] == GROUP and isinstance(obj.get("kind"), str) \
        and obj["kind"] in KINDS


def _metadata_errors(kind: str, meta: Any) -> list[str]:
    errors = metadata_errors(kind, meta)
    if kind == "BaselineAdminNetworkPolicy" and isinstance(meta, dict) and isinstance(meta.get("name"), str) \
            and meta["name"] != "default":
        errors.append(f"metadata.name: Invalid value: {meta['name']!r}: a BaselineAdminNetworkPolicy must be "
                      "named 'default' (one per cluster)")
    return errors


def admin_policy_errors(obj: dict) -> list[str]:
    """Every reason the API server would refuse this AdminNetworkPolicy,
    BaselineAdminNetworkPolicy or ClusterNetworkPolicy (plus the stricter harness rules in
    the module docstring); [] when it is valid."""
    kind, api_version = obj.get("kind"), obj.get("apiVersion")
    if kind not in KINDS:
        return [f"kind: Unsupported value: {kind!r}: supported values: {', '.join(repr(k) for k in KINDS)}"]
    served = f"{GROUP}/{KINDS[kind].version}"
    if api_version != served:
        return [f"apiVersion: Invalid value: {api_version!r}: {kind} is served as {served} only"]
    errors = [f"{key}: Unknown field: not in the {kind} schema" for key in obj if key not in _ROOT_FIELDS]
    errors += _metadata_errors(kind, obj.get("metadata"))
    if obj.get("spec") is None:
        return errors + ["spec: Required value"]
    return errors + schema_errors(SPECS[kind], obj["spec"], "spec")
