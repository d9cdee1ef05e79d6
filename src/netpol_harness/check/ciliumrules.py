"""What the API server and Cilium refuse in a cilium.io/v2 CiliumNetworkPolicy or
CiliumClusterwideNetworkPolicy, layers 3 and 4 (L7 `rules`: shape only).

The API server checks these CRDs against their structural schema (one for both kinds);
then the Cilium agent sanitizes each rule on import, and a policy it refuses is stored but
never enforced (status Valid=False): those refusals are marked "(cilium: ...)". Written
from cilium/cilium main at 3ab1b9a54fa0e0e1b977025302ff9199f4af366d (2025-12-22, 1.19.0-dev,
read through the fork pippolo84/cilium): pkg/policy/api/{rule,ingress,egress,l4,entity,cidr,
fqdn,selector,service,icmp,utils,rule_validation}.go, pkg/iana/svcname.go, pkg/labels/labels.go,
pkg/defaults/defaults.go, pkg/k8s/apis/cilium.io/v2/{cnp,ccnp}_types.go and
pkg/k8s/apis/cilium.io/client/crds/v2/cilium{,clusterwide}networkpolicies.yaml (read, not
copied). Agent flags are taken at their defaults: node peers need
--enable-node-selector-labels, a port entry without `port` --enable-extended-ip-protocols
(both off). Unknown fields are errors; nulls count as absent. Stricter, marked "harness:":
a CIDR with bits beyond its prefix, an `except` wider than its `cidr`, an ICMP type above
255, a port read other than written (`010` is octal 8), endPort below port or with a named
port, `specs: []`. Messages start with the field path: `spec.egress[0].toPorts[0].ports[0].port: ...`.
"""
from __future__ import annotations

import ipaddress
import re
import unicodedata
from typing import Any, Callable

from .crdschema import Check, Node, metadata_errors, schema_array, schema_errors, schema_integer, schema_object, schema_string
from .apirules import DNS1123_SUBDOMAIN, label_value_errors, qualified_name_errors

API_VERSION = "cilium.io/v2"
CNP, CCNP = "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"
KINDS = (CNP, CCNP)
AGENT = "cilium: the agent refuses it on import; the API server accepts it"
DIRECTIONS = ("ingress", "ingressDeny", "egress", "egressDeny")
ENTITIES = ("all", "world", "cluster", "host", "init", "ingress", "unmanaged", "remote-node", "health", "none",
            "kube-apiserver")
PROTOCOLS = ("TCP", "UDP", "SCTP", "VRRP", "IGMP", "ANY")
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
INGRESS_PEERS = ("fromEndpoints", "fromCIDR", "fromCIDRSet", "fromEntities", "fromNodes", "fromGroups")
EGRESS_PEERS = ("toEndpoints", "toCIDR", "toCIDRSet", "toEntities", "toServices", "toGroups", "toNodes", "toFQDNs")
_ICMP_BOTH = ("EchoReply DestinationUnreachable EchoRequest RouterAdvertisement TimeExceeded ParameterProblem "
              "ExtendedEchoRequest ExtendedEchoReply ")
_ICMP4 = frozenset((_ICMP_BOTH + "Redirect Echo RouterSelection Timestamp TimestampReply Photuris").split())
_ICMP6 = frozenset((_ICMP_BOTH + "PacketTooBig MulticastListenerQuery MulticastListenerReport MulticastListenerDone "
                    "RouterSolicitation NeighborSolicitation NeighborAdvertisement RedirectMessage RouterRenumbering "
                    "ICMPNodeInformationQuery ICMPNodeInformationResponse InverseNeighborDiscoverySolicitation "
                    "InverseNeighborDiscoveryAdvertisement HomeAgentAddressDiscoveryRequest "
                    "HomeAgentAddressDiscoveryReply MobilePrefixSolicitation MobilePrefixAdvertisement "
                    "DuplicateAddressRequestCodeSuffix DuplicateAddressConfirmationCodeSuffix").split())
# The CRD's pattern lists both families' names, but spells one "ExtendedEcho Reply".
_ICMP_CRD_NAMES = (_ICMP4 | _ICMP6 | {"ExtendedEcho Reply"}) - {"ExtendedEchoReply"}
_ICMP_NUMBER = re.compile(r"[0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5]")
_BITS = re.compile(r"0|[1-9][0-9]*")
# Equivalent, backtracking-free forms of the CRD's FQDN and server-name patterns.
_FQDN_NAME = re.compile(r"[-a-zA-Z0-9_]+(\.[-a-zA-Z0-9_]+)*\.?")
_FQDN_PATTERN = re.compile(r"[-a-zA-Z0-9_*]+(\.[-a-zA-Z0-9_*]+)*\.?")
_SERVER_NAME = re.compile(r"(\*?\*\.)?[-a-zA-Z0-9_]+(\.[-a-zA-Z0-9_]+)*\.?")
# Cilium's iana.IsSvcName: a named port (matched case-insensitively).
_SVC_NAME = re.compile(r"(?=.{1,15}$)(?=.*[a-zA-Z])[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*")


def _when(test: Callable[[Any], Any], what: str, show: Callable[[Any], Any] = repr) -> Check:
    """A check that refuses a value failing `test`, saying `what` it must be."""
    def check(value: Any, path: str) -> list[str]:
        return [] if test(value) else [f"{path}: Invalid value: {show(value)}: {what}"]
    return check


def _cidr_rule(value: str, path: str) -> list[str]:
    """The CRD's `format: cidr` (an address alone is refused), then the harness's exactness."""
    address, slash, bits = value.partition("/")
    try:
        ip = ipaddress.ip_address(address) if slash and "%" not in address else None
    except ValueError:
        ip = None
    if ip is None or not _BITS.fullmatch(bits) or int(bits) > ip.max_prefixlen:
        alone = "" if slash else " (an address alone needs /32 or /128)"
        return [f"{path}: Invalid value: {value!r}: must be a CIDR such as 10.0.0.0/8 or 2001:db8::/32{alone}"]
    network = ipaddress.ip_network(f"{ip}/{bits}", strict=False)
    if network.network_address != ip:
        return [f"{path}: Invalid value: {value!r}: has bits set beyond the prefix length "
                f"(harness: it means {network}; write that)"]
    return []


def _go_port(text: str) -> int | None:
    """What Go's strconv.ParseUint(text, 0, 16) gives for a port that has no letter."""
    digits = text.replace("_", "") if re.fullmatch(r"[0-9]+(_[0-9]+)*", text) else ""
    octal = len(digits) > 1 and digits[0] == "0"
    if not digits or octal and not set(digits) <= set("01234567"):  # 08, 09: not octal
        return None
    value = int(digits, 8 if octal else 10)
    return value if value <= 65535 else None


def _cilium_key(key: str, prefix: str | None) -> str:
    """The label key as Cilium validates it (labels.GetExtendedKeyFrom): the source goes in
    front with a dot, `k8s:app` -> `k8s.app`, `$host` -> `reserved.host`, `app` -> `any.app`."""
    if prefix is not None:
        return prefix + key
    source, colon, rest = key.partition(":")
    if key.startswith("$") or not colon:
        reserved = key.startswith("$") or key.startswith("reserved.")
        source, rest = ("reserved", key[1 if key.startswith("$") else 9:]) if reserved else ("", key)
    return f"{source or 'any'}.{rest.partition('=')[0]}"


def _key_errors(key: str, prefix: str | None, path: str) -> list[str]:
    read = _cilium_key(key, prefix)
    return [f"{path}: Invalid value: {key!r}: {m} (as Cilium reads the key: {read!r}; {AGENT})"
            for m in qualified_name_errors(read)]


def _selector_rule(prefix: str | None):
    """EndpointSelector.Sanitize: Kubernetes' selector rules on the keys as Cilium reads them."""
    def check(selector: dict, path: str) -> list[str]:
        errors = []
        for key, value in (selector.get("matchLabels") or {}).items():
            errors += _key_errors(key, prefix, f"{path}.matchLabels")
            errors += [f"{path}.matchLabels.{key}: Invalid value: {value!r}: {m}" for m in label_value_errors(value)]
        for i, expr in enumerate(selector.get("matchExpressions") or []):
            at, values = f"{path}.matchExpressions[{i}]", expr.get("values") or []
            errors += _key_errors(expr["key"], prefix, f"{at}.key")
            if (expr["operator"] in ("In", "NotIn")) != bool(values):
                how = "Required value: must be specified" if values == [] else "Forbidden: may not be specified"
                errors.append(f"{at}.values: {how} when `operator` is {expr['operator']!r} ({AGENT})")
            errors += [f"{at}.values[{j}]: Invalid value: {v!r}: {m} ({AGENT})"
                       for j, v in enumerate(values) for m in label_value_errors(v)]
        return errors
    return check


def _one_of(keys: tuple[str, ...], path: str, value: dict) -> list[str]:
    """A CRD `oneOf` of `required` branches: exactly one of keys is present."""
    found = [k for k in keys if value.get(k) is not None]
    return [] if len(found) == 1 else [f"{path}: Invalid value: exactly one of {', '.join(keys)} must be set "
                                       f"(found: {', '.join(found) or 'none'})"]


def _network(text: Any):
    """The network of a CIDR this module accepts exactly, else None."""
    return ipaddress.ip_network(text) if isinstance(text, str) and not _cidr_rule(text, "") else None


def _cidr_set_rule(rule: dict, path: str) -> list[str]:
    """One of cidr, cidrGroupRef, cidrGroupSelector; each except inside cidr (CIDRRule.sanitize)."""
    errors = _one_of(("cidr", "cidrGroupRef", "cidrGroupSelector"), path, rule)
    outer = _network(rule.get("cidr"))
    for i, text in enumerate((rule.get("except") or []) if outer else []):
        inner = _network(text)
        if inner is not None and inner.network_address not in outer:
            errors.append(f"{path}.except[{i}]: Invalid value: {text!r}: must lie inside cidr {rule['cidr']} ({AGENT})")
        elif inner is not None and inner.prefixlen < outer.prefixlen:
            errors.append(f"{path}.except[{i}]: Invalid value: {text!r}: is wider than cidr {rule['cidr']} "
                          "(harness: Cilium checks only the except's first address)")
    return errors


def _icmp_field_rule(icmp: dict, path: str) -> list[str]:
    """The CRD's int-or-string type (its pattern covers strings only), then the agent's name lookup."""
    family, value = icmp.get("family") or "IPv4", icmp.get("type")
    if isinstance(value, int) and not isinstance(value, bool):
        return [] if 0 <= value <= 255 else [f"{path}.type: Invalid value: {value}: must be between 0 and 255 "
                                             "(harness: the CRD sets no bound; an ICMP type is one byte)"]
    if not (isinstance(value, str) and (_ICMP_NUMBER.fullmatch(value) or value in _ICMP_CRD_NAMES)):
        return [] if value is None else [f"{path}.type: Invalid value: {value!r}: must be an ICMP type: 0-255 or a "
                                         "name such as EchoRequest"]
    if not value.isdigit() and value not in (_ICMP6 if family == "IPv6" else _ICMP4):
        return [f"{path}.type: Invalid value: {value!r}: not an {family} ICMP type name ({AGENT})"]
    return []


def _port_rule(port: dict, path: str) -> list[str]:
    """PortProtocol.sanitize, plus the harness's reading of what Cilium makes of the port."""
    text, protocol, end = port.get("port"), port.get("protocol"), port.get("endPort") or 0
    if text is None:
        return [f"{path}.port: Required value: Cilium needs a port, '0' for every port (cilium: the agent refuses "
                "it on import unless it runs with --enable-extended-ip-protocols; the API server accepts it)"]
    if _SVC_NAME.fullmatch(text):
        return [f"{path}.endPort: Invalid value: {end}: a named port takes no range "
                "(harness: Cilium reads only the name)"] if end else []
    if protocol in ("VRRP", "IGMP") and text != "0":
        return [f"{path}.port: Invalid value: {text!r}: must be '0' for {protocol} ({AGENT})"]
    number = _go_port(text)
    if number is None:
        return [f"{path}.port: Invalid value: {text!r}: must be a port number 0-65535 or a port name (at most 15 "
                f"letters, digits and single inner '-', with a letter) ({AGENT})"]
    errors = [] if text == str(number) else [f"{path}.port: Invalid value: {text!r}: Cilium reads it as port "
                                             f"{number} (harness: write '{number}')"]
    if 0 < end < number:
        errors.append(f"{path}.endPort: Invalid value: {end}: must not be below port {number} "
                      f"(harness: Cilium reads it as the single port {number})")
    return errors


def _l7_rules_rule(rules: dict, path: str) -> list[str]:
    lone_l7 = rules.get("l7") is not None and not rules.get("l7proto")
    one_kind = _one_of(("http", "kafka", "dns", "l7proto"), path, rules)
    return one_kind or lone_l7 * [f"{path}.l7: Forbidden: needs l7proto ({AGENT})"]


def _l7_kinds(port_rule: Any) -> set[str]:
    """The L7 rule kinds with rules (an empty list is no rule, as for Cilium)."""
    rules = port_rule.get("rules") if isinstance(port_rule, dict) else None
    return {k for k in ("http", "kafka", "dns", "l7") if isinstance(rules, dict) and rules.get(k)}


def _l7_port_errors(ports: list, dns: bool, path: str) -> list[str]:
    errors = [f"{path}.ports: Required value: DNS rules need their port, 53 ({AGENT})"] if dns and not ports else []
    for i, port in enumerate(ports):
        at, text = f"{path}.ports[{i}]", port.get("port") or ""
        number = 0 if _SVC_NAME.fullmatch(text) else _go_port(text)
        if number == 0 and not _SVC_NAME.fullmatch(text):
            errors.append(f"{at}.port: Invalid value: {text!r}: L7 rules need a port other than 0 ({AGENT})")
        if dns and number and (port.get("endPort") or 0) > number:
            errors.append(f"{at}.endPort: Invalid value: {port['endPort']}: DNS rules take no port range ({AGENT})")
        if not dns and port.get("protocol") != "TCP":
            errors.append(f"{at}.protocol: Invalid value: {port.get('protocol') or 'ANY'!r}: L7 rules other than DNS "
                          f"need protocol TCP ({AGENT})")
    return errors


def _port_rule_rule(ingress: bool):
    """PortRule.sanitize for an allow rule's toPorts entry."""
    def check(rule: dict, path: str) -> list[str]:
        kinds, errors = _l7_kinds(rule), []
        if ingress and "dns" in kinds:
            errors.append(f"{path}.rules.dns: Forbidden: DNS rules are for egress only ({AGENT})")
        if kinds and rule.get("serverNames") and rule.get("terminatingTLS") is None:
            errors.append(f"{path}.serverNames: Forbidden: with L7 rules, serverNames need terminatingTLS ({AGENT})")
        if rule.get("listener") is not None and (ingress or kinds):
            why = "a listener is for egress only" if ingress else "a listener cannot go with L7 rules"
            errors.append(f"{path}.listener: Forbidden: {why} ({AGENT})")
        if kinds:
            errors += _l7_port_errors(rule.get("ports") or [], "dns" in kinds, path)
        return errors
    return check


def _peer_rule(peers: tuple[str, ...], nodes: str):
    """The sanitizer's limits on one ingress/egress rule: one kind of peer, icmps apart."""
    def check(rule: dict, path: str) -> list[str]:
        used, errors = [k for k in peers if rule.get(k)], []
        if len(used) > 1:
            errors.append(f"{path}: Invalid value: {used[0]} and {used[1]} cannot be combined in one rule; "
                          f"write one rule per kind of peer ({AGENT})")
        if rule.get("icmps") and rule.get("toPorts"):
            errors.append(f"{path}.icmps: Forbidden: icmps and toPorts cannot be combined in one rule ({AGENT})")
        if rule.get(nodes):
            errors.append(f"{path}.{nodes}: Forbidden: node peers need the agent's --enable-node-selector-labels "
                          "(cilium: refused on import with the default, off)")
        return errors
    return check


def _host_l7_errors(rule: dict, path: str) -> list[str]:
    """A nodeSelector rule (a host policy) takes no L7 rules but DNS ones on egress."""
    errors = []
    for direction, allowed in (("ingress", set()), ("egress", {"dns", "l7"})):
        for i, item in enumerate(rule.get(direction) or []):
            ports = item.get("toPorts") if isinstance(item, dict) else None
            for j, port_rule in enumerate(ports if isinstance(ports, list) else []):
                if _l7_kinds(port_rule) - allowed:
                    what = "HTTP or Kafka" if allowed else "L7"
                    errors.append(f"{path}.{direction}[{i}].toPorts[{j}].rules: Forbidden: a host policy "
                                  f"(nodeSelector) takes no {what} rules on {direction} ({AGENT})")
    return errors


def _spec_rule(kind: str):
    def check(rule: dict, path: str) -> list[str]:
        errors = _one_of(("endpointSelector", "nodeSelector"), path, rule)
        if not errors and kind == CNP and rule.get("nodeSelector") is not None:
            errors.append(f"{path}.nodeSelector: Forbidden: only a {CCNP} may select nodes; a {CNP} uses "
                          f"endpointSelector ({AGENT})")
        present = [d for d in DIRECTIONS if rule.get(d) is not None]
        if not present:
            errors.append(f"{path}: Required value: at least one of {', '.join(DIRECTIONS)} must be set")
        elif not any(rule.get(d) for d in present):
            errors.append(f"{path}: Required value: {', '.join(present)} must hold at least one rule ({AGENT})")
        if rule.get("nodeSelector") is not None:
            errors += _host_l7_errors(rule, path)
        return errors
    return check


def _selector(prefix: str | None = None, sanitized: bool = True) -> Node:
    expression = schema_object({"key": schema_string(), "operator": schema_string(enum=OPERATORS), "values": schema_array(schema_string())}, ("key", "operator"))
    return schema_object({"matchLabels": Node("map"), "matchExpressions": schema_array(expression)},
                check=_selector_rule(prefix) if sanitized else None, clean_only=True)


BOOL = Node("any", check=_when(lambda v: isinstance(v, bool), "must be a boolean"))
NONEMPTY = schema_string(check=_when(bool, "must not be empty"))
CIDR = schema_string(check=_cidr_rule)
SELECTOR = _selector()
_DNS_NAME = "labels of letters, digits, '-' and '_' joined by single dots, and an optional final dot"
FQDN = schema_object({"matchName": schema_string(255, check=_when(_FQDN_NAME.fullmatch, f"must be a DNS name: {_DNS_NAME}")),
             "matchPattern": schema_string(255, check=_when(_FQDN_PATTERN.fullmatch, f"must be a DNS name pattern: {_DNS_NAME}"
                                                   ", with '*' wildcards"))}, exactly_one=True)
_GROUP_REF = schema_string(253, check=_when(DNS1123_SUBDOMAIN.match, "must be a CiliumCIDRGroup name (a lowercase RFC 1123 "
                                                            "subdomain)"))
_PEERS = {
    "Endpoints": schema_array(SELECTOR), "Nodes": schema_array(SELECTOR), "CIDR": schema_array(CIDR), "Entities": schema_array(schema_string(enum=ENTITIES)),
    "CIDRSet": schema_array(schema_object({"cidr": CIDR, "cidrGroupRef": _GROUP_REF, "cidrGroupSelector": _selector("cidrgroup."),
                          "except": schema_array(CIDR)}, check=_cidr_set_rule)),
    "Groups": schema_array(schema_object({"aws": schema_object({"labels": Node("map"), "securityGroupsIds": schema_array(schema_string()),
                                      "securityGroupsNames": schema_array(schema_string()), "region": schema_string()})})),
    "Services": schema_array(schema_object({"k8sService": schema_object({"serviceName": schema_string(), "namespace": schema_string()}), "k8sServiceSelector": schema_object(
        {"selector": _selector(sanitized=False), "namespace": schema_string()}, ("selector",))})),
    "FQDNs": schema_array(FQDN),
}
_ICMP_FIELD = schema_object({"family": schema_string(enum=("IPv4", "IPv6")), "type": Node("any")}, ("type",), check=_icmp_field_rule)
# The CRD's port pattern accepts anything that starts with a digit or ends in a name.
_PORT_TEXT = _when(lambda v: re.match("[0-9]", v) or re.search(r"[a-zA-Z](-?[a-zA-Z0-9])*\Z", v),
                   "must be a port number or a port name such as http")
PORTS = schema_object({"port": schema_string(check=_PORT_TEXT), "endPort": schema_integer(0, 65535), "protocol": schema_string(enum=PROTOCOLS)},
             check=_port_rule, clean_only=True)
_TLS = schema_object({"secret": schema_object({"name": schema_string(), "namespace": schema_string()}, ("name",)), "trustedCA": schema_string(),
             "certificate": schema_string(), "privateKey": schema_string()}, ("secret",))
_HTTP, _KAFKA = ("path", "method", "host", "headers", "headerMatches"), ("role", "apiKey", "apiVersion", "clientID",
                                                                         "topic")
_L7_MAP = Node("map", check=_when(lambda m: "" not in m, f"a key must not be empty ({AGENT})", lambda m: "''"))
L7_RULES = schema_object({"http": schema_array(schema_object(dict.fromkeys(_HTTP, Node("any")))), "dns": schema_array(FQDN),
                 "kafka": schema_array(schema_object(dict.fromkeys(_KAFKA, Node("any")))), "l7proto": schema_string(),
                 "l7": schema_array(_L7_MAP)}, check=_l7_rules_rule)
_ENVOY_KINDS = ("CiliumEnvoyConfig", "CiliumClusterwideEnvoyConfig")
LISTENER = schema_object({"envoyConfig": schema_object({"kind": schema_string(enum=_ENVOY_KINDS), "name": NONEMPTY}, ("name",)),
                 "name": NONEMPTY, "priority": schema_integer(1, 100)}, ("envoyConfig", "name"))
_SERVER_NAMES = schema_array(schema_string(255, check=_when(_SERVER_NAME.fullmatch, "must be a DNS name, optionally after '*.' or "
                                           "'**.'")), lo=1, unique=True)
_DENY_PORT_HINT = "a deny rule's toPorts entry takes only `ports` (deny rules carry no L7 rules, TLS or listener)"


def _to_ports(ingress: bool, deny: bool) -> Node:
    if deny:
        hints = dict.fromkeys(("rules", "serverNames", "listener", "terminatingTLS", "originatingTLS"), _DENY_PORT_HINT)
        at_most = _when(lambda p: len(p) <= 40, f"must have at most 40 ports ({AGENT})", len)
        return schema_array(schema_object({"ports": Node("array", items=PORTS, check=at_most)}, hints=hints))
    return schema_array(schema_object({"ports": schema_array(PORTS, hi=40), "terminatingTLS": _TLS, "originatingTLS": _TLS,
                      "serverNames": _SERVER_NAMES, "listener": LISTENER, "rules": L7_RULES},
                     check=_port_rule_rule(ingress), clean_only=True))


def _rule(direction: str) -> Node:
    ingress, deny = direction.startswith("ingress"), direction.endswith("Deny")
    peers = INGRESS_PEERS if ingress else EGRESS_PEERS[:-1] if deny else EGRESS_PEERS
    word = "from" if ingress else "to"
    fields = {key: _PEERS[key[len(word):]] for key in peers}
    fields.update({"toPorts": _to_ports(ingress, deny), "icmps": schema_array(schema_object({"fields": schema_array(_ICMP_FIELD, hi=40)}))})
    if not deny:
        fields["authentication"] = schema_object({"mode": schema_string(enum=("disabled", "required", "test-always-fail"))}, ("mode",))
    hints = {key: f"{direction} rules take {word}* peers; {key} is for the other direction"
             for key in (EGRESS_PEERS if ingress else INGRESS_PEERS)}
    hints.update({k: f"{k} was removed in Cilium 1.19" for k in ("fromRequires", "toRequires")},
                 ports="ports go in toPorts[].ports", **dict.fromkeys(("from", "to"), f"{direction} peers are "
                                                                      f"{', '.join(peers[:3])}, ..."))
    if deny:
        hints.update(toFQDNs="egressDeny rules cannot name DNS names", authentication="deny rules take none")
    return schema_object(fields, hints=hints, check=_peer_rule(peers, f"{word}Nodes"))


def _spec(kind: str) -> Node:
    printable = _when(lambda v: not any(unicodedata.category(c).startswith("C") for c in v), "must be printable")
    fields = {"endpointSelector": SELECTOR, "nodeSelector": SELECTOR, "description": schema_string(),
              "enableDefaultDeny": schema_object({"ingress": BOOL, "egress": BOOL}),
              "log": schema_object({"value": schema_string(32, check=printable)}),
              "labels": schema_array(schema_object({"key": schema_string(), "value": schema_string(), "source": schema_string()}, ("key",))),
              **{d: schema_array(_rule(d)) for d in DIRECTIONS}}
    hints = {"podSelector": "Cilium selects the subject with endpointSelector (podSelector is NetworkPolicy's)",
             "policyTypes": "Cilium has no policyTypes: a direction with rules is enforced (see enableDefaultDeny)"}
    return schema_object(fields, hints=hints, check=_spec_rule(kind))


SPECS = {kind: _spec(kind) for kind in KINDS}
_ROOT_FIELDS = ("apiVersion", "kind", "metadata", "spec", "specs", "status")


def is_cilium_policy(obj: Any) -> bool:
    """A cilium.io/v2 CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy."""
    return isinstance(obj, dict) and obj.get("apiVersion") == API_VERSION and isinstance(obj.get("kind"), str) \
        and obj["kind"] in KINDS


def cilium_policy_errors(obj: dict) -> list[str]:
    """Every reason the API server or the Cilium agent would refuse this policy (and the
    harness's stricter rules in the module docstring); [] when it is valid."""
    kind, api_version = obj.get("kind"), obj.get("apiVersion")
    if kind not in KINDS:
        return [f"kind: Unsupported value: {kind!r}: supported values: {', '.join(repr(k) for k in KINDS)}"]
    if api_version != API_VERSION:
        return [f"apiVersion: Invalid value: {api_version!r}: {kind} is served as {API_VERSION} only"]
    errors = [f"{key}: Unknown field: not in the {kind} schema" for key in obj if key not in _ROOT_FIELDS]
    errors += metadata_errors(kind, obj.get("metadata"))
    spec, specs = obj.get("spec"), obj.get("specs")
    if spec is None and specs is None:
        errors.append(f"spec: Required value: set spec (one rule) or specs (a list of rules) ({AGENT})")
    elif spec is None and specs == []:
        errors.append("specs: Required value: holds no rule (harness: Cilium accepts a policy with no rules)")
    return errors + schema_errors(SPECS[kind], spec, "spec") + schema_errors(schema_array(SPECS[kind]), specs, "specs")
