"""netpol_harness.check.ciliumrules: cilium.io/v2 CiliumNetworkPolicy and
CiliumClusterwideNetworkPolicy as the API server (the CRD's schema) and the Cilium agent (its
rule sanitizer) check them, layers 3 and 4. Realistic policies pass; each rule refuses an
example, named by its exact field path; agent-only refusals say "(cilium:", the harness's
stricter rules "(harness:"."""
from __future__ import annotations

import re

import pytest

from netpol_harness.check import api_server_errors, validate_all, validate_kubernetes
from netpol_harness.check import kubernetes as kubernetes_check
from netpol_harness.check.ciliumrules import cilium_policy_errors, is_cilium_policy
from test_harness_validate import changed  # the one "copy with a path set" helper of the suite

V2 = "cilium.io/v2"
WEB = {"matchLabels": {"app": "web"}}
KUBE_DNS = {"matchLabels": {"k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns"}}


def cnp(**spec) -> dict:
    return {"apiVersion": V2, "kind": "CiliumNetworkPolicy", "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"endpointSelector": WEB, **spec}}


def ccnp(**spec) -> dict:
    return {"apiVersion": V2, "kind": "CiliumClusterwideNetworkPolicy", "metadata": {"name": "nodes"},
            "spec": spec}


def ports(*entries, **extra) -> list[dict]:
    """A toPorts list with one entry: ports given as (port, protocol) pairs or dicts."""
    listed = [e if isinstance(e, dict) else {"port": e[0], "protocol": e[1]} for e in entries]
    return [{"ports": listed, **extra}]


def egress(**rule) -> list[dict]:
    return [rule]


def the_error(obj: dict) -> str:
    errors = cilium_policy_errors(obj)
    assert len(errors) == 1, errors
    return errors[0]


DNS_RULE = {"toEndpoints": [KUBE_DNS], "toPorts": ports(("53", "ANY"), rules={"dns": [{"matchPattern": "*"}]})}
VALID = {
    "allow from endpoints of a namespace": cnp(ingress=[{
        "fromEndpoints": [{"matchLabels": {"k8s:io.kubernetes.pod.namespace": "shop", "app": "front"}},
                          {"matchLabels": {"io.kubernetes.pod.namespace": "checkout"}}],
        "toPorts": ports(("8080", "TCP"))}]),
    "kube-apiserver entity on 6443": cnp(egress=egress(toEntities=["kube-apiserver"], toPorts=ports(("6443", "TCP")))),
    "FQDNs with the DNS rule to kube-dns": cnp(egress=[DNS_RULE, {
        "toFQDNs": [{"matchName": "api.example.com"}, {"matchPattern": "*.cdn.example.com"}],
        "toPorts": ports(("443", "TCP"))}]),
    "CIDR set with except": cnp(egress=egress(toCIDRSet=[{"cidr": "10.0.0.0/8", "except": ["10.96.0.0/12"]},
                                                         {"cidr": "2001:db8::/32"}],
                                              toPorts=ports(("5432", "TCP"), {"port": "8000", "endPort": 8100}))),
    "ingressDeny from the world on ssh": cnp(ingressDeny=[{"fromEntities": ["world"], "toPorts": ports(("22", "TCP"))}]),
    "enableDefaultDeny false": cnp(ingress=[{"fromEntities": ["cluster"]}], description="audit only",
                                   enableDefaultDeny={"ingress": False, "egress": False}),
    "CCNP with nodeSelector": ccnp(nodeSelector={"matchLabels": {"node-role.kubernetes.io/control-plane": ""}},
                                   ingress=[{"fromEntities": ["remote-node", "health"], "toPorts": ports(("4240", "TCP"))}]),
    "CCNP with endpointSelector and specs": dict(ccnp(), spec=None, specs=[
        {"endpointSelector": {}, "egress": [DNS_RULE]},
        {"endpointSelector": {"matchExpressions": [{"key": "k8s:app", "operator": "Exists"}]}, "ingress": [{}]}]),
    "HTTP rule on TCP with a named port": cnp(ingress=[{"fromEndpoints": [WEB], "toPorts": ports(
        ("http", "TCP"), rules={"http": [{"method": "GET", "path": "/healthz"}]})}]),
    "ICMP by number and by IPv6 name": cnp(ingress=[{"icmps": [{"fields": [
        {"type": 8}, {"family": "IPv6", "type": "EchoRequest"}]}]}]),
    "to a Kubernetes service": cnp(egress=egress(toServices=[{"k8sService": {"serviceName": "db", "namespace": "shop"}}],
                                                 toPorts=ports(("5432", "TCP")))),
    "CIDR group reference": cnp(ingress=[{"fromCIDRSet": [{"cidrGroupRef": "office-networks"}]}]),
    "every port, written 0": cnp(egressDeny=[{"toCIDR": ["192.0.2.0/24"], "toPorts": ports(("0", "ANY"))}]),
}


@pytest.mark.parametrize("obj", VALID.values(), ids=VALID.keys())
def test_valid_cilium_policies_pass(obj):
    assert cilium_policy_errors(obj) == []


def test_selector_keys_with_a_cilium_source_prefix_are_not_held_to_kubernetes_key_rules():
    # `k8s:app` is no Kubernetes label key; Cilium reads it as `k8s.app`. `-x` would start
    # with a dash, but Cilium checks it as `any.-x`.
    selector = {"matchLabels": {"k8s:app": "web", "any:tier": "db", "-x": "y", "$host": ""}}
    assert cilium_policy_errors(cnp(ingress=[{"fromEndpoints": [selector]}])) == []


AGENT = "(cilium: the agent refuses it on import; the API server accepts it)"
BAD = {
    # the root and the rule
    "neither spec nor specs": (dict(cnp(), spec=None), f"spec: Required value: set spec (one rule) or specs"),
    "empty specs": (dict(cnp(), spec=None, specs=[]), "specs: Required value: holds no rule (harness:"),
    "unknown root field": (dict(cnp(ingress=[{}]), rules=[]), "rules: Unknown field: not in the CiliumNetworkPolicy schema"),
    "no selector": (ccnp(ingress=[{}]), "spec: Invalid value: exactly one of endpointSelector, nodeSelector must be "
                                        "set (found: none)"),
    "both selectors": (ccnp(endpointSelector={}, nodeSelector={}, ingress=[{}]),
                       "spec: Invalid value: exactly one of endpointSelector, nodeSelector must be set "
                       "(found: endpointSelector, nodeSelector)"),
    "nodeSelector in a namespaced policy": (dict(cnp(ingress=[{}]), spec={"nodeSelector": {}, "ingress": [{}]}),
                                            f"spec.nodeSelector: Forbidden: only a CiliumClusterwideNetworkPolicy"),
    "no direction": (cnp(), "spec: Required value: at least one of ingress, ingressDeny, egress, egressDeny"),
    "only empty directions": (cnp(ingress=[], egress=[]), f"spec: Required value: ingress, egress must hold at least "
                                                          f"one rule {AGENT}"),
    "specs item": (dict(cnp(), spec=None, specs=[{"endpointSelector": {}}]), "specs[0]: Required value: at least one"),
    "podSelector": (cnp(podSelector={}, ingress=[{}]), "spec.podSelector: Unknown field: Cilium selects the subject "
                                                       "with endpointSelector"),
    "default deny not a boolean": (cnp(ingress=[{}], enableDefaultDeny={"ingress": "false"}),
                                   "spec.enableDefaultDeny.ingress: Invalid value: 'false': must be a boolean"),
    "description not a string": (cnp(ingress=[{}], description=7), "spec.description: Invalid value: 7: must be a string"),
    "metadata name": (changed(cnp(ingress=[{}]), "metadata.name", "Web_Policy"), "metadata.name: Invalid value: "
                                                                                "'Web_Policy'"),
    "metadata label": (changed(cnp(ingress=[{}]), "metadata.labels", {"k8s:app": "x"}), "metadata.labels: Invalid "
                                                                                       "value: 'k8s:app'"),
    # peers
    "two kinds of peer in one rule": (cnp(egress=egress(toEndpoints=[WEB], toCIDR=["10.0.0.0/8"])),
                                      f"spec.egress[0]: Invalid value: toEndpoints and toCIDR cannot be combined"),
    "FQDNs with endpoints": (cnp(egress=egress(toEndpoints=[WEB], toFQDNs=[{"matchName": "a.io"}])),
                             "spec.egress[0]: Invalid value: toEndpoints and toFQDNs cannot be combined"),
    "egress peer in an ingress rule": (cnp(ingress=[{"toEndpoints": [WEB]}]), "spec.ingress[0].toEndpoints: Unknown "
                                                                             "field: ingress rules take from* peers"),
    "fromRequires": (cnp(ingress=[{"fromEndpoints": [WEB], "fromRequires": [WEB]}]),
                     "spec.ingress[0].fromRequires: Unknown field: fromRequires was removed in Cilium 1.19"),
    "node peers": (cnp(egress=egress(toNodes=[{}])), "spec.egress[0].toNodes: Forbidden: node peers need the agent's "
                                                     "--enable-node-selector-labels"),
    "unknown entity": (cnp(egress=egress(toEntities=["kube-dns"])), "spec.egress[0].toEntities[0]: Unsupported value: "
                                                                    "'kube-dns'"),
    "entity the CRD lacks": (cnp(egress=egress(toEntities=["world-ipv4"])), "spec.egress[0].toEntities[0]: "
                                                                            "Unsupported value: 'world-ipv4'"),
    "selector key Cilium cannot read": (cnp(ingress=[{"fromEndpoints": [{"matchLabels": {"a/b/c": "x"}}]}]),
                                        "spec.ingress[0].fromEndpoints[0].matchLabels: Invalid value: 'a/b/c'"),
    "selector key too long once prefixed": (cnp(ingress=[{"fromEndpoints": [{"matchLabels": {"k" * 60: "x"}}]}]),
                                            "spec.ingress[0].fromEndpoints[0].matchLabels: Invalid value: 'kkk"),
    "selector value": (cnp(endpointSelector={"matchLabels": {"app": "a b"}}, ingress=[{}]),
                       "spec.endpointSelector.matchLabels.app: Invalid value: 'a b'"),
    "In without values": (cnp(endpointSelector={"matchExpressions": [{"key": "app", "operator": "In"}]}, ingress=[{}]),
                          f"spec.endpointSelector.matchExpressions[0].values: Required value: must be specified when "
                          f"`operator` is 'In' {AGENT}"),
    "Exists with values": (cnp(endpointSelector={"matchExpressions": [{"key": "app", "operator": "Exists",
                                                                       "values": ["a"]}]}, ingress=[{}]),
                           "spec.endpointSelector.matchExpressions[0].values: Forbidden: may not be specified"),
    "unknown operator": (cnp(endpointSelector={"matchExpressions": [{"key": "app", "operator": "in"}]}, ingress=[{}]),
                         "spec.endpointSelector.matchExpressions[0].operator: Unsupported value: 'in'"),
    # CIDRs
    "toCIDR address without prefix": (cnp(egress=egress(toCIDR=["192.0.2.10"])),
                                      "spec.egress[0].toCIDR[0]: Invalid value: '192.0.2.10': must be a CIDR such as "
                                      "10.0.0.0/8 or 2001:db8::/32 (an address alone needs /32 or /128)"),
    "fromCIDR not an address": (cnp(ingress=[{"fromCIDR": ["10.0.0.300/8"]}]),
                                "spec.ingress[0].fromCIDR[0]: Invalid value: '10.0.0.300/8': must be a CIDR"),
    "CIDR host bits": (cnp(egress=egress(toCIDR=["10.0.0.1/8"])), "spec.egress[0].toCIDR[0]: Invalid value: "
                                                                  "'10.0.0.1/8': has bits set beyond the prefix length "
                                                                  "(harness: it means 10.0.0.0/8"),
    "CIDR set without cidr": (cnp(egress=egress(toCIDRSet=[{"except": ["10.0.0.0/8"]}])),
                              "spec.egress[0].toCIDRSet[0]: Invalid value: exactly one of cidr, cidrGroupRef, "
                              "cidrGroupSelector must be set (found: none)"),
    "except outside cidr": (cnp(egress=egress(toCIDRSet=[{"cidr": "10.0.0.0/8", "except": ["192.168.0.0/16"]}])),
                            f"spec.egress[0].toCIDRSet[0].except[0]: Invalid value: '192.168.0.0/16': must lie inside "
                            f"cidr 10.0.0.0/8 {AGENT}"),
    "except of the other family": (cnp(egress=egress(toCIDRSet=[{"cidr": "10.0.0.0/8", "except": ["2001:db8::/64"]}])),
                                   "spec.egress[0].toCIDRSet[0].except[0]: Invalid value: '2001:db8::/64': must lie "
                                   "inside cidr"),
    "except wider than cidr": (cnp(egress=egress(toCIDRSet=[{"cidr": "10.0.0.0/24", "except": ["10.0.0.0/16"]}])),
                               "spec.egress[0].toCIDRSet[0].except[0]: Invalid value: '10.0.0.0/16': is wider than "
                               "cidr 10.0.0.0/24 (harness:"),
    "CIDR group name": (cnp(ingress=[{"fromCIDRSet": [{"cidrGroupRef": "Office"}]}]),
                        "spec.ingress[0].fromCIDRSet[0].cidrGroupRef: Invalid value: 'Office'"),
    # FQDNs
    "matchName and matchPattern": (cnp(egress=egress(toFQDNs=[{"matchName": "a.io", "matchPattern": "*.a.io"}])),
                                   "spec.egress[0].toFQDNs[0]: Invalid value: exactly one of matchName, matchPattern "
                                   "must be set (found: matchName, matchPattern)"),
    "wildcard in matchName": (cnp(egress=egress(toFQDNs=[{"matchName": "*.a.io"}])),
                              "spec.egress[0].toFQDNs[0].matchName: Invalid value: '*.a.io': must be a DNS name"),
    "URL as matchPattern": (cnp(egress=egress(toFQDNs=[{"matchPattern": "https://a.io"}])),
                            "spec.egress[0].toFQDNs[0].matchPattern: Invalid value: 'https://a.io'"),
    "double dot": (cnp(egress=egress(toFQDNs=[{"matchName": "a..io"}])), "spec.egress[0].toFQDNs[0].matchName: "
                                                                         "Invalid value: 'a..io'"),
    "FQDN too long": (cnp(egress=egress(toFQDNs=[{"matchName": "a" * 256}])), "spec.egress[0].toFQDNs[0].matchName: "
                                                                              "Too long: may not be more than 255"),
    "toFQDNs in egressDeny": (cnp(egressDeny=[{"toFQDNs": [{"matchName": "a.io"}]}]),
                              "spec.egressDeny[0].toFQDNs: Unknown field: egressDeny rules cannot name DNS names"),
    # services
    "service selector without selector": (cnp(egress=egress(toServices=[{"k8sServiceSelector": {"namespace": "a"}}])),
                                          "spec.egress[0].toServices[0].k8sServiceSelector.selector: Required value"),
    "service by a wrong field": (cnp(egress=egress(toServices=[{"k8sService": {"name": "db"}}])),
                                 "spec.egress[0].toServices[0].k8sService.name: Unknown field"),
    # ports
    "port as a number": (cnp(egress=egress(toPorts=ports({"port": 443}))),
                         "spec.egress[0].toPorts[0].ports[0].port: Invalid value: 443: must be a string"),
    "port out of range": (cnp(egress=egress(toPorts=ports(("65536", "TCP")))),
                          f"spec.egress[0].toPorts[0].ports[0].port: Invalid value: '65536': must be a port number "
                          f"0-65535 or a port name"),
    "port range written in port": (cnp(egress=egress(toPorts=ports(("6581-6586", "TCP")))),
                                   "spec.egress[0].toPorts[0].ports[0].port: Invalid value: '6581-6586'"),
    "port name too long": (cnp(egress=egress(toPorts=ports(("metrics-endpoint", "TCP")))),
                           "spec.egress[0].toPorts[0].ports[0].port: Invalid value: 'metrics-endpoint'"),
    "port the CRD pattern refuses": (cnp(egress=egress(toPorts=ports(("-1", "TCP")))),
                                     "spec.egress[0].toPorts[0].ports[0].port: Invalid value: '-1': must be a port "
                                     "number or a port name such as http"),
    "port written in octal": (cnp(egress=egress(toPorts=ports(("010", "TCP")))),
                              "spec.egress[0].toPorts[0].ports[0].port: Invalid value: '010': Cilium reads it as port 8 "
                              "(harness:"),
    "port missing": (cnp(egress=egress(toPorts=ports({"protocol": "UDP"}))),
                     "spec.egress[0].toPorts[0].ports[0].port: Required value: Cilium needs a port"),
    "endPort below port": (cnp(egress=egress(toPorts=ports({"port": "8080", "endPort": 80}))),
                           "spec.egress[0].toPorts[0].ports[0].endPort: Invalid value: 80: must not be below port 8080 "
                           "(harness:"),
    "endPort out of range": (cnp(egress=egress(toPorts=ports({"port": "80", "endPort": 70000}))),
                             "spec.egress[0].toPorts[0].ports[0].endPort: Invalid value: 70000: must be between 0 and "
                             "65535"),
    "endPort with a named port": (cnp(egress=egress(toPorts=ports({"port": "http", "endPort": 90}))),
                                  "spec.egress[0].toPorts[0].ports[0].endPort: Invalid value: 90: a named port takes no "
                                  "range (harness:"),
    "ICMP as a protocol": (cnp(egress=egress(toPorts=ports(("0", "ICMP")))),
                           "spec.egress[0].toPorts[0].ports[0].protocol: Unsupported value: 'ICMP'"),
    "lower-case protocol": (cnp(egress=egress(toPorts=ports(("53", "udp")))),
                            "spec.egress[0].toPorts[0].ports[0].protocol: Unsupported value: 'udp'"),
    "VRRP with a port": (cnp(egress=egress(toPorts=ports(("112", "VRRP")))),
                         "spec.egress[0].toPorts[0].ports[0].port: Invalid value: '112': must be '0' for VRRP"),
    "too many ports": (cnp(egress=egress(toPorts=ports(*[(str(p), "TCP") for p in range(1, 42)]))),
                       "spec.egress[0].toPorts[0].ports: Too many: 41: must have at most 40 items"),
    "too many deny ports": (cnp(egressDeny=egress(toPorts=ports(*[(str(p), "TCP") for p in range(1, 42)]))),
                            f"spec.egressDeny[0].toPorts[0].ports: Invalid value: 41: must have at most 40 ports "
                            f"{AGENT}"),
    "ports outside toPorts": (cnp(egress=egress(toEndpoints=[WEB], ports=[{"port": "80"}])),
                              "spec.egress[0].ports: Unknown field: ports go in toPorts[].ports"),
    # L7 rules (shape, and the sanitizer's limits)
    "L7 rules in a deny rule": (cnp(ingressDeny=[{"toPorts": ports(("80", "TCP"), rules={"http": [{}]})}]),
                                "spec.ingressDeny[0].toPorts[0].rules: Unknown field: a deny rule's toPorts entry takes "
                                "only `ports`"),
    "empty rules": (cnp(egress=egress(toPorts=ports(("80", "TCP"), rules={}))),
                    "spec.egress[0].toPorts[0].rules: Invalid value: exactly one of http, kafka, dns, l7proto must be "
                    "set (found: none)"),
    "two L7 kinds": (cnp(egress=egress(toPorts=ports(("80", "TCP"), rules={"http": [{}], "kafka": [{}]}))),
                     "spec.egress[0].toPorts[0].rules: Invalid value: exactly one of http, kafka, dns, l7proto"),
    "unknown L7 kind": (cnp(egress=egress(toPorts=ports(("80", "TCP"), rules={"http": [], "grpc": []}))),
                        "spec.egress[0].toPorts[0].rules.grpc: Unknown field"),
    "unknown HTTP field": (cnp(egress=egress(toPorts=ports(("80", "TCP"), rules={"http": [{"url": "/"}]}))),
                           "spec.egress[0].toPorts[0].rules.http[0].url: Unknown field"),
    "l7 without l7proto": (cnp(egress=egress(toPorts=ports(("80", "TCP"), rules={"http": [{}], "l7": [{"a": "b"}]}))),
                           f"spec.egress[0].toPorts[0].rules.l7: Forbidden: needs l7proto {AGENT}"),
    "HTTP rule without protocol TCP": (cnp(ingress=[{"toPorts": ports({"port": "80"}, rules={"http": [{}]})}]),
                                       f"spec.ingress[0].toPorts[0].ports[0].protocol: Invalid value: 'ANY': L7 rules "
                                       f"other than DNS need protocol TCP {AGENT}"),
    "L7 rule on port 0": (cnp(egress=egress(toPorts=ports(("0", "TCP"), rules={"http": [{}]}))),
                          "spec.egress[0].toPorts[0].ports[0].port: Invalid value: '0': L7 rules need a port other "
                          "than 0"),
    "DNS rule on ingress": (cnp(ingress=[{"toPorts": ports(("53", "UDP"), rules={"dns": [{"matchPattern": "*"}]})}]),
                            f"spec.ingress[0].toPorts[0].rules.dns: Forbidden: DNS rules are for egress only {AGENT}"),
    "DNS rule without ports": (cnp(egress=egress(toEndpoints=[KUBE_DNS], toPorts=[{"rules": {"dns": [
        {"matchPattern": "*"}]}}])), "spec.egress[0].toPorts[0].ports: Required value: DNS rules need their port, 53"),
    "DNS rule on a port range": (cnp(egress=egress(toPorts=ports({"port": "53", "endPort": 54}, rules={"dns": [
        {"matchName": "a.io"}]}))), "spec.egress[0].toPorts[0].ports[0].endPort: Invalid value: 54: DNS rules take no "
                                    "port range"),
    "DNS rule with a bad pattern": (cnp(egress=egress(toPorts=ports(("53", "ANY"), rules={"dns": [
        {"matchPattern": "a b"}]}))), "spec.egress[0].toPorts[0].rules.dns[0].matchPattern: Invalid value: 'a b'"),
    "host policy with an HTTP rule": (ccnp(nodeSelector={}, egress=egress(toPorts=ports(("80", "TCP"), rules={
        "http": [{}]}))), f"spec.egress[0].toPorts[0].rules: Forbidden: a host policy (nodeSelector) takes no HTTP or "
                          f"Kafka rules on egress {AGENT}"),
    "host policy with an ingress L7 rule": (ccnp(nodeSelector={}, ingress=[{"toPorts": ports(("80", "TCP"), rules={
        "http": [{}]})}]), "spec.ingress[0].toPorts[0].rules: Forbidden: a host policy (nodeSelector) takes no L7 rules"),
    "serverNames with L7 rules, no TLS termination": (cnp(egress=egress(toPorts=ports(
        ("443", "TCP"), serverNames=["a.io"], rules={"http": [{}]}))),
        "spec.egress[0].toPorts[0].serverNames: Forbidden: with L7 rules, serverNames need terminatingTLS"),
    "listener on ingress": (cnp(ingress=[{"toPorts": ports(("80", "TCP"), listener={
        "envoyConfig": {"name": "cec"}, "name": "l"})}]), "spec.ingress[0].toPorts[0].listener: Forbidden: a listener "
                                                          "is for egress only"),
    # ICMP
    "ICMP with toPorts": (cnp(ingress=[{"icmps": [{"fields": [{"type": 8}]}], "toPorts": ports(("80", "TCP"))}]),
                          f"spec.ingress[0].icmps: Forbidden: icmps and toPorts cannot be combined in one rule {AGENT}"),
    "ICMPv6 name in the IPv4 family": (cnp(ingress=[{"icmps": [{"fields": [{"type": "PacketTooBig"}]}]}]),
                                       "spec.ingress[0].icmps[0].fields[0].type: Invalid value: 'PacketTooBig': not an "
                                       "IPv4 ICMP type name"),
    "ICMP type name unknown": (cnp(ingress=[{"icmps": [{"fields": [{"type": "Ping"}]}]}]),
                               "spec.ingress[0].icmps[0].fields[0].type: Invalid value: 'Ping': must be an ICMP type"),
    "ICMP type over a byte": (cnp(ingress=[{"icmps": [{"fields": [{"type": 300}]}]}]),
                              "spec.ingress[0].icmps[0].fields[0].type: Invalid value: 300: must be between 0 and 255 "
                              "(harness:"),
    "ICMP family": (cnp(ingress=[{"icmps": [{"fields": [{"type": 8, "family": "ipv4"}]}]}]),
                    "spec.ingress[0].icmps[0].fields[0].family: Unsupported value: 'ipv4'"),
    "authentication mode": (cnp(ingress=[{"fromEndpoints": [WEB], "authentication": {"mode": "mtls"}}]),
                            "spec.ingress[0].authentication.mode: Unsupported value: 'mtls'"),
    # versions and kinds
    "wrong version": (dict(cnp(ingress=[{}]), apiVersion="cilium.io/v2alpha1"),
                      "apiVersion: Invalid value: 'cilium.io/v2alpha1': CiliumNetworkPolicy is served as cilium.io/v2"),
}


@pytest.mark.parametrize("obj, expected", BAD.values(), ids=BAD.keys())
def test_each_rule_refuses_its_example_naming_the_path(obj, expected):
    assert the_error(obj).startswith(expected)


def test_every_error_starts_with_a_field_path():
    bad = cnp(endpointSelector={"matchLabels": {"app": "a b"}}, description=1,
              egress=egress(toCIDR=["10.0.0.1"], toPorts=ports({"port": 80})))
    errors = cilium_policy_errors(bad)
    assert len(errors) == 4, errors
    assert all(re.match(r"^(spec|specs|metadata)[\w.\[\]]*: ", m) for m in errors), errors


def test_agent_only_and_harness_rules_say_so_and_server_rules_do_not():
    agent = the_error(cnp(egress=egress(toEndpoints=[WEB], toEntities=["world"])))
    harness = the_error(cnp(egress=egress(toCIDR=["10.0.0.1/8"])))
    server = the_error(cnp(egress=egress(toCIDR=["10.0.0.1"])))
    assert AGENT in agent and "(harness:" in harness
    assert "cilium:" not in server and "harness" not in server


def test_a_broken_rule_in_specs_is_reported_under_its_index():
    obj = dict(cnp(), spec=None, specs=[{"endpointSelector": {}, "ingress": [{}]},
                                        {"endpointSelector": {}, "egress": egress(toEntities=["internet"])}])
    assert the_error(obj).startswith("specs[1].egress[0].toEntities[0]: Unsupported value: 'internet'")


def test_spec_and_specs_may_both_be_given():
    obj = dict(cnp(ingress=[{}]), specs=[{"endpointSelector": {}, "egress": [DNS_RULE]}])
    assert cilium_policy_errors(obj) == []


def test_only_cilium_io_v2_policies_are_recognised():
    assert is_cilium_policy(cnp()) and is_cilium_policy(ccnp())
    assert not is_cilium_policy(dict(cnp(), apiVersion="cilium.io/v2alpha1"))
    assert not is_cilium_policy(dict(cnp(), kind="CiliumEnvoyConfig"))
    assert not is_cilium_policy({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy"})


# --- wiring: validate_kubernetes skips them, api_server_errors checks them ---------------------


@pytest.fixture
def bundled_schemas(monkeypatch):
    monkeypatch.setenv("NETPOL_VALIDATOR", "python")


def test_the_schema_check_does_not_say_no_schema_for_the_cilium_kinds(bundled_schemas):
    assert validate_kubernetes(list(VALID.values())) == []


def test_another_cilium_kind_still_has_no_schema(bundled_schemas):
    errors = validate_kubernetes([dict(cnp(), kind="CiliumEnvoyConfig")])
    assert errors == ["CiliumEnvoyConfig/web: no schema for CiliumEnvoyConfig cilium.io/v2 in Kubernetes 1.33"]


def test_kubeconform_is_not_sent_the_cilium_policies(monkeypatch):
    sent = []
    monkeypatch.setattr(kubernetes_check, "_kubeconform_errors", lambda binary, objects, version: sent.extend(objects) or [])
    monkeypatch.setattr(kubernetes_check.shutil, "which", lambda name: "/usr/bin/kubeconform")
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
    assert validate_kubernetes([VALID["CCNP with nodeSelector"], namespace, cnp()], engine="kubeconform") == []
    assert sent == [namespace]


def test_api_server_errors_reports_cilium_policy_rules_under_the_object(bundled_schemas):
    objects = [cnp(egress=egress(toPorts=ports({"port": 443}))), VALID["CCNP with nodeSelector"],
               dict(ccnp(ingress=[{}]), metadata={"name": "broken"})]
    errors = api_server_errors(objects)
    assert errors == [
        "CiliumNetworkPolicy/web: spec.egress[0].toPorts[0].ports[0].port: Invalid value: 443: must be a string",
        "CiliumClusterwideNetworkPolicy/broken: spec: Invalid value: exactly one of endpointSelector, nodeSelector "
        "must be set (found: none)",
    ]
    assert validate_all(objects) == errors


def test_validate_all_passes_valid_cilium_policies(bundled_schemas):
    assert validate_all([VALID["FQDNs with the DNS rule to kube-dns"], VALID["CCNP with nodeSelector"]]) == []
