"""What the Kubernetes API server checks on a NetworkPolicy that JSON schemas do not.

Follows Kubernetes' networking validation (ValidateNetworkPolicy and the apimachinery
helpers it calls: object name, label selectors, ports, peers, ipBlock, policyTypes).
Two deliberate differences, both stricter, both marked "harness:" in the message:
- CIDRs are checked as with the StrictIPCIDRValidation feature gate (no leading
  zeros, no bits beyond the prefix, no IPv4-mapped IPv6). Without the gate the API
  server accepts `10.0.0.1/8` and silently widens it to `10.0.0.0/8`, only warning;
  a chart that renders that is a bug we want to see.
- a policyType listed twice is reported (the server accepts it; it is a template slip).
Messages start with the field path, like the server's: `spec.egress[0].to[1].ipBlock.cidr: ...`.
"""
from __future__ import annotations

import ipaddress
import re
from typing import Any

from ..net.policy import PEER_KEYS, POLICY_TYPES, PROTOCOLS
from ..net.selector import OPERATORS, LabelSelector

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
IANA_SVC_NAME = re.compile(r"^[-a-z0-9]+$")


# --- the apimachinery helpers -------------------------------------------------------


def list_items(value: Any, path: str, what: str) -> tuple[list, list[str]]:
    """(the items, []) of a list, or of None (absent); ([], [why]) for anything else: a
    string where a list belongs is one mistake, not one per character."""
    if value is None:
        return [], []
    if isinstance(value, list):
        return value, []
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    return [], [f"{path}: Invalid value: {shown}: must be a list of {what}, not {type(value).__name__}"]


def dns1123_subdomain_errors(value: str) -> list[str]:
    errors = []
    if len(value) > 253:
        errors.append("must be no more than 253 characters")
    if not DNS1123_SUBDOMAIN.match(value):
        errors.append("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                      "and must start and end with an alphanumeric character")
    return errors


def qualified_name_errors(value: str) -> list[str]:
    """A label key: optional DNS-subdomain prefix and '/', then a name of <= 63 characters."""
    if not isinstance(value, str):
        return [f"must be a string, not {type(value).__name__}"]
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
        errors = []
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errors = ["prefix part must be non-empty"]
        else:
            errors = [f"prefix part {m}" for m in dns1123_subdomain_errors(prefix)]
    else:
        return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', with an optional DNS subdomain prefix and '/'"]
    if not name:
        errors.append("name part must be non-empty")
    elif len(name) > 63:
        errors.append("name part must be no more than 63 characters")
    elif not QUALIFIED_NAME.match(name):
        errors.append("name part must consist of alphanumeric characters, '-', '_' or '.', "
                      "and must start and end with an alphanumeric character")
    return errors


def label_value_errors(value: Any) -> list[str]:
    if not isinstance(value, str):
        return [f"must be a string, not {type(value).__name__}"]
    errors = []
    if len(value) > 63:
        errors.append("must be no more than 63 characters")
    if not LABEL_VALUE.match(value):
        errors.append("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
                      "and must start and end with an alphanumeric character")
    return errors


def port_name_errors(name: str) -> list[str]:
    """IANA_SVC_NAME (RFC 6335): what a named port may be."""
    errors = []
    if not 1 <= len(name) <= 15:
        errors.append("must be no more than 15 characters")
    if not IANA_SVC_NAME.match(name):
        errors.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if "--" in name:
        errors.append("must not contain consecutive hyphens")
    if not re.search(r"[a-z]", name):
        errors.append("must contain at least one letter (a-z)")
    if name.startswith("-") or name.endswith("-"):
        errors.append("must not begin or end with a hyphen")
    return errors


def labels_errors(labels: Any, path: str) -> list[str]:
    if labels is None:
        return []
    if not isinstance(labels, dict):
        return [f"{path}: must be a map of label keys to values"]
    errors = []
    for key, value in labels.items():
        pair = (key, value) if type(key) is str and type(value) is str else None
        if pair in _VALID_LABELS:
            continue
        found = [f"{path}: Invalid value: {key!r}: {m}" for m in qualified_name_errors(key)]
        found += [f"{path}[{key}]: Invalid value: {value!r}: {m}" for m in label_value_errors(value)]
        if pair and not found and len(_VALID_LABELS) < 100_000:  # bounded; past it, pairs are checked each time
            _VALID_LABELS.add(pair)
        errors += found
    return errors


_VALID_LABELS: set = set()  # a cluster's pods repeat a few label pairs thousands of times: each is checked once


def label_selector_errors(selector: Any, path: str) -> list[str]:
    if selector is None:
        return []
    if not isinstance(selector, dict):
        return [f"{path}: must be a label selector (a map), not {type(selector).__name__}"]
    errors = labels_errors(selector.get("matchLabels"), f"{path}.matchLabels")
    expressions, problems = list_items(selector.get("matchExpressions"), f"{path}.matchExpressions", "requirements")
    errors += problems
    for i, expr in enumerate(expressions):
        at = f"{path}.matchExpressions[{i}]"
        if not isinstance(expr, dict):
            errors.append(f"{at}: must be a map with key, operator and values")
            continue
        operator, values = expr.get("operator"), expr.get("values") or []
        if not isinstance(values, list):
            errors.append(f"{at}.values: Invalid value: {values!r}: must be a list of strings")
            values = []
        if operator in ("In", "NotIn"):
            if not values:
                errors.append(f"{at}.values: Required value: must be specified when `operator` is 'In' or 'NotIn'")
        elif operator in ("Exists", "DoesNotExist"):
            if values:
                errors.append(f"{at}.values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
        else:
            errors.append(f"{at}.operator: Invalid value: {operator!r}: not a valid selector operator ({', '.join(OPERATORS)})")
        errors += [f"{at}.key: Invalid value: {expr.get('key')!r}: {m}" for m in qualified_name_errors(expr.get("key", ""))]
        for j, value in enumerate(values):
            errors += [f"{at}.values[{j}]: Invalid value: {value!r}: {m}" for m in label_value_errors(value)]
    return errors


# --- CIDRs --------------------------------------------------------------------------

_PREFIX = re.compile(r"^(0|[1-9][0-9]*)$")


def parse_cidr(text: Any) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network | None, str | None]:
    """(network, None) for a strictly valid CIDR, else (None, why)."""
    if not isinstance(text, str) or "/" not in text:
        return None, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
    address, _, prefix = text.partition("/")
    if "%" in address:
        return None, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        # Python, like Go's net.ParseCIDR, refuses leading zeros in IPv4 octets.
        return None, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64) (harness: leading zeros are refused)"
    if not _PREFIX.match(prefix) or int(prefix) > ip.max_prefixlen:
        return None, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64) (harness: prefix length without leading zeros, within the family's bits)"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return None, "must not have an IPv4-mapped IPv6 address"
    if isinstance(ip, ipaddress.IPv6Address) and address != str(ip):
        return None, f"must be in canonical form (harness: write {ip}/{prefix})"
    network = ipaddress.ip_network(f"{ip}/{prefix}", strict=False)
    if network.network_address != ip:
        return None, f"must not have bits set beyond the prefix length (harness: the API server would widen it to {network})"
    return network, None


def ip_block_errors(block: Any, path: str) -> list[str]:
    if not isinstance(block, dict):
        return [f"{path}: must be a map with cidr and optional except"]
    cidr = block.get("cidr")
    if not cidr:
        return [f"{path}.cidr: Required value"]
    network, why = parse_cidr(cidr)
    errors = [] if why is None else [f"{path}.cidr: Invalid value: {cidr!r}: {why}"]
    excepts, problems = list_items(block.get("except"), f"{path}.except", "CIDRs")
    errors += problems
    for i, item in enumerate(excepts):
        at = f"{path}.except[{i}]"
        inner, why = parse_cidr(item)
        if why is not None:
            errors.append(f"{at}: Invalid value: {item!r}: {why}")
            continue
        if network is None:
            continue
        if inner.version != network.version:
            errors.append(f"{at}: Invalid value: {item!r}: must be a strict subset of `cidr` (IPv{inner.version} inside IPv{network.version} {cidr})")
        elif not (inner.subnet_of(network) and inner.prefixlen > network.prefixlen):
            errors.append(f"{at}: Invalid value: {item!r}: must be a strict subset of `cidr` ({cidr})")
    return errors


# --- NetworkPolicy pieces -----------------------------------------------------------


def port_errors(port: Any, path: str) -> list[str]:
    if not isinstance(port, dict):
        return [f"{path}: must be a map with port, endPort and protocol"]
    errors = []
    protocol = port.get("protocol")
    if protocol is not None and protocol not in PROTOCOLS:
        errors.append(f"{path}.protocol: Unsupported value: {protocol!r}: supported values: {', '.join(repr(p) for p in PROTOCOLS)}")
    number, end = port.get("port"), port.get("endPort")
    if number is None:
        if end is not None:
            errors.append(f"{path}.endPort: Invalid value: {end!r}: may not be specified when `port` is not specified")
    elif isinstance(number, bool):
        errors.append(f"{path}.port: Invalid value: {number!r}: must be a number or a port name")
    elif isinstance(number, int):
        if not 1 <= number <= 65535:
            errors.append(f"{path}.port: Invalid value: {number}: must be between 1 and 65535, inclusive")
        if end is not None:
            if not isinstance(end, int) or isinstance(end, bool):
                errors.append(f"{path}.endPort: Invalid value: {end!r}: must be an integer")
            else:
                if end < number:
                    errors.append(f"{path}.endPort: Invalid value: {end}: must be greater than or equal to `port`")
                if not 1 <= end <= 65535:
                    errors.append(f"{path}.endPort: Invalid value: {end}: must be between 1 and 65535, inclusive")
    elif isinstance(number, str):
        if end is not None:
            errors.append(f"{path}.endPort: Invalid value: {end!r}: may not be specified when `port` is non-numeric")
        errors += [f"{path}.port: Invalid value: {number!r}: {m}" for m in port_name_errors(number)]
    else:
        errors.append(f"{path}.port: Invalid value: {number!r}: must be a number or a port name")
    return errors


def peer_errors(peer: Any, path: str) -> list[str]:
    if not isinstance(peer, dict):
        return [f"{path}: must be a map with podSelector, namespaceSelector or ipBlock"]
    present = [k for k in ("podSelector", "namespaceSelector", "ipBlock") if peer.get(k) is not None]
    errors = []
    for key in ("podSelector", "namespaceSelector"):
        errors += label_selector_errors(peer.get(key), f"{path}.{key}")
    if peer.get("ipBlock") is not None:
        errors += ip_block_errors(peer["ipBlock"], f"{path}.ipBlock")
    if not present:
        errors.append(f"{path}: Required value: must specify a peer")
    elif len(present) > 1 and "ipBlock" in present:
        errors.append(f"{path}: Forbidden: may not specify both ipBlock and another peer")
    return errors


def rules_errors(rules: Any, path: str, peers_key: str) -> list[str]:
    """The ingress or egress rules: each a map of ports and peers, each a list."""
    rules, errors = list_items(rules, path, "rules")
    for i, rule in enumerate(rules):
        at = f"{path}[{i}]"
        if not isinstance(rule, dict):
            errors.append(f"{at}: must be a map with ports and {peers_key}")
            continue
        ports, problems = list_items(rule.get("ports"), f"{at}.ports", "ports")
        errors += problems
        for j, port in enumerate(ports):
            errors += port_errors(port, f"{at}.ports[{j}]")
        peers, problems = list_items(rule.get(peers_key), f"{at}.{peers_key}", "peers")
        errors += problems
        for j, peer in enumerate(peers):
            errors += peer_errors(peer, f"{at}.{peers_key}[{j}]")
    return errors


def networkpolicy_errors(policy: dict) -> list[str]:
    """Every reason the API server would refuse this NetworkPolicy (plus the two
    stricter harness rules described in the module docstring); [] when it is valid."""
    errors: list[str] = []
    meta = policy.get("metadata") or {}
    if not isinstance(meta, dict):
        errors.append(f"metadata: Invalid value: {meta!r}: must be a map (name, namespace, labels)")
        meta = {}
    name = meta.get("name")
    if not name:
        errors.append("metadata.name: Required value: name or generateName is required")
    elif not isinstance(name, str):
        errors.append(f"metadata.name: Invalid value: {name!r}: must be a string")
    else:
        errors += [f"metadata.name: Invalid value: {name!r}: {m}" for m in dns1123_subdomain_errors(name)]
    namespace = meta.get("namespace")
    if namespace is not None and not (isinstance(namespace, str) and len(namespace) <= 63 and DNS1123_LABEL.match(namespace)):
        errors.append(f"metadata.namespace: Invalid value: {namespace!r}: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', at most 63")
    errors += labels_errors(meta.get("labels"), "metadata.labels")

    spec = policy.get("spec")
    if not isinstance(spec, dict):
        return errors + ["spec: Required value"]
    if "podSelector" not in spec or spec["podSelector"] is None:
        # The JSON schema says this too; repeated so the rules stand alone.
        errors.append("spec.podSelector: Required value (use {} to select every pod in the namespace)")
    else:
        errors += label_selector_errors(spec["podSelector"], "spec.podSelector")

    for direction, peers_key in PEER_KEYS.items():
        errors += rules_errors(spec.get(direction), f"spec.{direction}", peers_key)
    types, problems = list_items(spec.get("policyTypes"), "spec.policyTypes", "'Ingress' and 'Egress'")
    errors += problems
    if len(types) > len(POLICY_TYPES):
        errors.append(f"spec.policyTypes: Invalid value: {types!r}: may not specify more than two policyTypes")
    else:
        for i, kind in enumerate(types):
            if kind not in POLICY_TYPES:
                errors.append(f"spec.policyTypes[{i}]: Unsupported value: {kind!r}: supported values: 'Ingress', 'Egress'")
            elif types.index(kind) != i:
                errors.append(f"spec.policyTypes[{i}]: Duplicate value: {kind!r} (harness: the API server accepts it)")
    return errors


# --- every object ---------------------------------------------------------------------

DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_PATH_SEGMENT_KINDS = ("Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding")
WORKLOAD_SELECTOR_KINDS = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet")


def object_name_errors(kind: str, name: Any) -> list[str]:
    """metadata.name as the API server checks it for this kind."""
    if not name:
        return ["metadata.name: Required value: name or generateName is required"]
    if not isinstance(name, str):
        return [f"metadata.name: Invalid value: {name!r}: must be a string"]
    if kind in _PATH_SEGMENT_KINDS:
        bad = name in (".", "..") or "/" in name or "%" in name
        return [f"metadata.name: Invalid value: {name!r}: may not be '.' or '..' or contain '/' or '%'"] if bad else []
    if kind == "Service":
        ok = len(name) <= 63 and DNS1035_LABEL.match(name)
        return [] if ok else [f"metadata.name: Invalid value: {name!r}: a DNS-1035 label must consist of lower case "
                              "alphanumeric characters or '-', start with a letter and end with an alphanumeric character"]
    if kind == "Namespace":
        ok = len(name) <= 63 and DNS1123_LABEL.match(name)
        return [] if ok else [f"metadata.name: Invalid value: {name!r}: a lowercase RFC 1123 label, at most 63 characters"]
    return [f"metadata.name: Invalid value: {name!r}: {m}" for m in dns1123_subdomain_errors(name)]


def object_errors(obj: dict) -> list[str]:
    """What the API server checks on the metadata of any object: name, namespace, labels."""
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    errors = object_name_errors(str(obj.get("kind")), meta.get("name"))
    namespace = meta.get("namespace")
    if namespace is not None and not (isinstance(namespace, str) and len(namespace) <= 63 and DNS1123_LABEL.match(namespace)):
        errors.append(f"metadata.namespace: Invalid value: {namespace!r}: a lowercase RFC 1123 label, at most 63 characters")
    return errors + labels_errors(meta.get("labels"), "metadata.labels")


def workload_errors(obj: dict) -> list[str]:
    """A workload whose selector does not select its own pod template is refused
    ("selector does not match template labels")."""
    if obj.get("kind") not in WORKLOAD_SELECTOR_KINDS:
        return []
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    selector = spec.get("selector")
    template = spec.get("template") if isinstance(spec.get("template"), dict) else {}
    labels = (template.get("metadata") if isinstance(template.get("metadata"), dict) else {}).get("labels") or {}
    if not isinstance(selector, dict) or not (selector.get("matchLabels") or selector.get("matchExpressions")):
        return ["spec.selector: Invalid value: empty selector is invalid for deployment"]
    errors = label_selector_errors(selector, "spec.selector") + labels_errors(labels, "spec.template.metadata.labels")
    if errors:
        return errors
    if not LabelSelector.parse(selector).matches({str(k): str(v) for k, v in labels.items()}):
        errors.append("spec.template.metadata.labels: Invalid value: selector does not match template labels")
    return errors


def duplicate_errors(objects: list[dict]) -> list[str]:
    """Two objects of one kind, namespace and name: the second replaces the first on install."""
    seen: set[tuple] = set()
    errors = []
    for obj in objects:
        meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        # repr: a malformed field (a list, a map) must not stop the check; other rules name it.
        key = tuple(repr(v) if not isinstance(v, (str, type(None))) else v
                    for v in (obj.get("apiVersion"), obj.get("kind"), meta.get("namespace"), meta.get("name")))
        if key in seen:
            errors.append(f"{key[1]}/{key[3]}: rendered twice (harness: the second would replace the first)")
        seen.add(key)
    return errors
