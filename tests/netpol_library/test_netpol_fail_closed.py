"""Fail closed: for random policies written in the library's vocabulary, the rendered
NetworkPolicy allows a connection exactly when the vocabulary says it should, and in
particular never more.

The oracle is a small reference interpretation of the vocabulary written here from the
table in charts/netpol/README.md (not from the templates). It is compared with the
harness evaluator judging the *rendered* policy, over a fixed set of probe endpoints
and ports:

    namespace  labels    pods (labels; ip; container port "http")
    team       team=a    web (app=web) .10, db (app=db) .11, cache (app=cache, tier=back) .12   http=8080/TCP
    other      team=b    db (app=db) 10.244.1.11, cache (app=cache, tier=back) 10.244.1.12      http=8081/TCP
    third      -         db (app=db) 10.244.2.11                                                 http=8081/TCP
    outside              192.0.2.5, 192.0.2.130, 198.51.100.7, 203.0.113.9, 2001:db8::5, 2001:db8:1::9

The release namespace is `team`. Generated peers: pods, namespaces, pods+namespaces,
cidr (+except), cidrs, anyIPv4, component, hostNetwork cidrs; ports: numbers, numeric
strings, the name "http", ranges, protocols (TCP default, UDP, SCTP, lowercase).

Under the cilium and openshift switches the same policies (on cilium also hosts known by
name, which resolve to 203.0.113.9, with the DNS rule Cilium needs) are judged by the
matching profile, which reads peers on the host network and ipBlocks its own way: there a
rendered policy may allow less than the vocabulary says, never more.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any, Mapping

from hypothesis import HealthCheck, given, settings, strategies as st

from netpol_harness.manifests import empty_peer_rules
from netpol_harness.net import Cluster, ContainerPort
from netpol_harness.assertions.network import NetworkAssertions, build_network
from netpol_harness.assertions.render import render_valid
from netpol_harness.project import root as repo_root

CHART = repo_root() / "tests" / "data" / "charts" / "netpol-probe"
RELEASE = "fc"
NS = "team"
NAME_LABEL = "kubernetes.io/metadata.name"

# --------------------------------------------------------------------------- the probe world


@dataclass(frozen=True)
class ProbePod:
    namespace: str
    name: str
    labels: Mapping[str, str]
    ip: str
    ports: tuple[ContainerPort, ...] = field(default=())

    @property
    def id(self) -> str:
        return f"{self.namespace}/{self.name}"


NAMESPACE_LABELS: dict[str, dict[str, str]] = {NS: {"team": "a"}, "other": {"team": "b"}, "third": {}}
_TEAM_HTTP = (ContainerPort("http", 8080, "TCP"),)
_OTHER_HTTP = (ContainerPort("http", 8081, "TCP"),)
PODS = (
    ProbePod(NS, "web", {"app": "web"}, "10.244.0.10", _TEAM_HTTP),
    ProbePod(NS, "db", {"app": "db"}, "10.244.0.11", _TEAM_HTTP),
    ProbePod(NS, "cache", {"app": "cache", "tier": "back"}, "10.244.0.12", _TEAM_HTTP),
    ProbePod("other", "db", {"app": "db"}, "10.244.1.11", _OTHER_HTTP),
    ProbePod("other", "cache", {"app": "cache", "tier": "back"}, "10.244.1.12", _OTHER_HTTP),
    ProbePod("third", "db", {"app": "db"}, "10.244.2.11", _OTHER_HTTP),
)
EXTERNALS = ("192.0.2.5", "192.0.2.130", "198.51.100.7", "203.0.113.9", "2001:db8::5", "2001:db8:1::9")
PROBE_PORTS = (
    (53, "UDP"), (53, "TCP"), (80, "TCP"), (443, "TCP"), (8080, "TCP"), (8081, "TCP"),
    (8085, "TCP"), (8090, "TCP"), (8091, "TCP"), (9000, "SCTP"), (9000, "TCP"),
)
COMPONENTS = {
    "db": {"matchLabels": {"app": "db"}},
    "back": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["back"]}]},
}
Endpoint = ProbePod | str  # a pod, or an outside address
NAMED_HOST, NAMED_HOST_ADDRESS = "probe.example.com", "203.0.113.9"  # a host known by name (cilium switch)
CILIUM_API = "cilium.io/v2/CiliumNetworkPolicy"


def populate(cluster: Cluster) -> None:
    for ns, labels in NAMESPACE_LABELS.items():
        cluster.add_namespace(ns, labels)
    for pod in PODS:
        cluster.add_pod(pod.namespace, pod.name, pod.labels, ips=[pod.ip], ports=pod.ports)
    for ip in EXTERNALS:
        cluster.add_external(ip)


def endpoint_id(e: Endpoint) -> str:
    return e.id if isinstance(e, ProbePod) else f"ip:{e}"


def endpoint_ip(e: Endpoint) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(e.ip if isinstance(e, ProbePod) else e)


# --------------------------------------------------------------------------- the reference
# What the README's vocabulary means, in plain Python. Kubernetes' own semantics fill in
# what the README leaves to them: an ipBlock matches any address in its cidr and in no
# except (pod addresses included), a rule without ports means every port, a named port
# means the destination pod's container port of that name and protocol.


def ref_selector(selector: Any, labels: Mapping[str, str]) -> bool:
    if selector == "*":
        return True
    structured = any(k in selector for k in ("matchLabels", "matchExpressions", "names"))
    if not structured:
        return all(labels.get(k) == str(v) for k, v in selector.items())
    if not all(labels.get(k) == str(v) for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    exprs = list(selector.get("matchExpressions") or [])
    if "names" in selector:
        exprs.append({"key": NAME_LABEL, "operator": "In", "values": selector["names"]})
    for e in exprs:
        present = e["key"] in labels
        op = e["operator"]
        if op == "In" and not (present and labels[e["key"]] in e["values"]):
            return False
        if op == "NotIn" and present and labels[e["key"]] in e["values"]:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True


def ref_in_cidr(e: Endpoint, cidr: str, excepts: list[str] = ()) -> bool:
    ip = endpoint_ip(e)
    net = ipaddress.ip_network(cidr if "/" in cidr else f"{cidr}/{32 if ':' not in cidr else 128}")
    if ip.version != net.version or ip not in net:
        return False
    return not any(ip in ipaddress.ip_network(x) for x in excepts)


def ref_peer(peer: Mapping[str, Any], e: Endpoint) -> bool:
    if "pods" in peer or "namespaces" in peer:
        if not isinstance(e, ProbePod):
            return False
        if "namespaces" in peer:
            ns_labels = {**NAMESPACE_LABELS[e.namespace], NAME_LABEL: e.namespace}
            if not ref_selector(peer["namespaces"], ns_labels):
                return False
        elif e.namespace != NS:
            return False  # pods alone: the policy's own namespace
        return "pods" not in peer or ref_selector(peer["pods"], e.labels)
    if "cidr" in peer:
        return ref_in_cidr(e, peer["cidr"], peer.get("except") or [])
    if "cidrs" in peer:
        return any(ref_in_cidr(e, c) for c in peer["cidrs"])
    if "anyIPv4" in peer:
        return endpoint_ip(e).version == 4
    if "hostNetwork" in peer:
        return any(ref_in_cidr(e, c) for c in peer["hostNetwork"]["cidrs"])
    if "component" in peer:
        return isinstance(e, ProbePod) and e.namespace == NS and ref_selector(COMPONENTS[peer["component"]], e.labels)
    if "hosts" in peer:
        return not isinstance(e, ProbePod) and e == NAMED_HOST_ADDRESS  # the one address the name has
    if "dns" in peer:
        return False  # the cluster's DNS pods, which the probe world has none of
    raise AssertionError(f"the reference does not know peer {peer!r}")


def ref_port(entry: Any, port: int, protocol: str, dst: Endpoint) -> bool:
    if not isinstance(entry, Mapping):
        entry = {"port": entry}
    if str(entry.get("protocol") or "TCP").upper() != protocol:
        return False
    value = entry["port"]
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int):
        return value <= port <= int(entry.get("endPort", value))
    # A name means the destination pod's container port of that name.
    return isinstance(dst, ProbePod) and any(
        cp.name == value and cp.port == port and cp.protocol == protocol for cp in dst.ports
    )


def ref_rule(rule: Mapping[str, Any], peer_key: str, other: Endpoint, port: int, protocol: str, dst: Endpoint) -> bool:
    ports = rule.get("ports") or []
    if ports and not any(ref_port(p, port, protocol, dst) for p in ports):
        return False
    return bool(rule.get("allowAll")) or any(ref_peer(p, other) for p in rule[peer_key])


def ref_governs(policy: Mapping[str, Any], e: Endpoint) -> bool:
    return isinstance(e, ProbePod) and e.namespace == NS and ref_selector(policy["podSelector"], e.labels)


def ref_allows(policy: Mapping[str, Any], src: Endpoint, dst: Endpoint, port: int, protocol: str) -> bool:
    """Whether the vocabulary policy lets src reach dst (src != dst, one of them a pod)."""
    if policy.get("egress") is not None and ref_governs(policy, src):
        if not any(ref_rule(r, "to", dst, port, protocol, dst) for r in policy["egress"]):
            return False
    if policy.get("ingress") is not None and ref_governs(policy, dst):
        if not any(ref_rule(r, "from", src, port, protocol, dst) for r in policy["ingress"]):
            return False
    return True


# --------------------------------------------------------------------------- comparison


def connections() -> list[tuple[Endpoint, Endpoint]]:
    ends: list[Endpoint] = [*PODS, *EXTERNALS]
    return [
        (s, d)
        for s in ends
        for d in ends
        if s != d and (isinstance(s, ProbePod) or isinstance(d, ProbePod))
    ]


CONNECTIONS = connections()


def disagreements(policy: Mapping[str, Any], net: NetworkAssertions, limit: int = 5) -> list[str]:
    """Connections where the rendered policy and the vocabulary disagree, wider first."""
    wider, narrower = [], []
    for src, dst in CONNECTIONS:
        for port, protocol in PROBE_PORTS:
            want = ref_allows(policy, src, dst, port, protocol)
            verdict = net.verdict(endpoint_id(src), endpoint_id(dst), port, protocol)
            if verdict.allowed != want:
                line = (
                    f"{'WIDER' if verdict.allowed else 'NARROWER'} than the vocabulary: "
                    f"{endpoint_id(src)} -> {endpoint_id(dst)} {port}/{protocol}\n{verdict.explain()}"
                )
                (wider if verdict.allowed else narrower).append(line)
    return (wider + narrower)[:limit]


def disagreements_under(policy: Mapping[str, Any], dataplane: str, limit: int = 5) -> list[str]:
    """The connections where the policy rendered with the `dataplane` switch, judged by
    that dataplane's profile, allows more than the vocabulary says."""
    result = render_valid(CHART, values={"policies": [{**policy, "dataplane": dataplane}], "components": COMPONENTS},
                          release=RELEASE, namespace=NS, extra_args=["--api-versions", CILIUM_API])
    net = build_network(result.objects, default_namespace=NS, setup=populate, dataplane=dataplane,
                        resolve={NAMED_HOST: [NAMED_HOST_ADDRESS]})
    return [d for d in disagreements(policy, net, limit=10_000) if d.startswith("WIDER")][:limit]


def render_policy(policy: Mapping[str, Any]) -> dict:
    result = render_valid(CHART, values={"policies": [policy], "components": COMPONENTS}, release=RELEASE, namespace=NS)
    assert len(result.objects) == 1, f"{policy} rendered {len(result.objects)} objects"
    return result.objects[0]


# --------------------------------------------------------------------------- strategies

_V4_PREFIXES = (0, 8, 16, 23, 24, 25, 28, 31, 32)
_V6_PREFIXES = (0, 16, 32, 47, 48, 64, 127, 128)
_ANCHORS = tuple(p.ip for p in PODS) + EXTERNALS


@st.composite
def cidr_texts(draw, anchors: tuple[str, ...] = _ANCHORS) -> tuple[str, str]:
    """(text, anchor): a CIDR around one probe address, so probes fall on both sides."""
    anchor = draw(st.sampled_from(anchors))
    v6 = ":" in anchor
    prefix = draw(st.sampled_from(_V6_PREFIXES if v6 else _V4_PREFIXES))
    net = ipaddress.ip_network(f"{anchor}/{prefix}", strict=False)
    if prefix == net.max_prefixlen and draw(st.booleans()):
        return str(net.network_address), anchor  # a bare address: a host route
    return str(net), anchor


@st.composite
def cidr_peers(draw) -> dict:
    text, _ = draw(cidr_texts())
    net = ipaddress.ip_network(text if "/" in text else f"{text}/{32 if ':' not in text else 128}")
    peer: dict[str, Any] = {"cidr": text}
    inside = [a for a in _ANCHORS if ipaddress.ip_address(a).version == net.version and ipaddress.ip_address(a) in net]
    if net.prefixlen < net.max_prefixlen and draw(st.integers(0, 3)) < 3:
        excepts = []
        for a in draw(st.lists(st.sampled_from(inside), min_size=1, max_size=2, unique=True)):
            longer = draw(st.integers(net.prefixlen + 1, net.max_prefixlen))
            excepts.append(str(ipaddress.ip_network(f"{a}/{longer}", strict=False)))
        peer["except"] = excepts
    return peer


pod_selectors = st.sampled_from([
    "*",
    {"app": "db"},
    {"app": "cache", "tier": "back"},
    {"tier": "back"},
    {"app": "web"},
    {"matchExpressions": [{"key": "app", "operator": "In", "values": ["db", "web"]}]},
    {"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]},
    {"matchLabels": {"app": "db"}, "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["front"]}]},
])
namespace_selectors = st.sampled_from([
    "*",
    {"team": "a"},
    {"team": "b"},
    {"names": ["other"]},
    {"names": [NS, "third"]},
    {"matchExpressions": [{"key": "team", "operator": "Exists"}]},
    {"matchExpressions": [{"key": "team", "operator": "NotIn", "values": ["a"]}]},
])

peers = st.one_of(
    st.builds(lambda s: {"pods": s}, pod_selectors),
    st.builds(lambda s: {"namespaces": s}, namespace_selectors),
    st.builds(lambda p, n: {"pods": p, "namespaces": n}, pod_selectors, namespace_selectors),
    cidr_peers(),
    st.builds(lambda cs: {"cidrs": [c for c, _ in cs]}, st.lists(cidr_texts(), min_size=1, max_size=3)),
    st.just({"anyIPv4": True}),
    st.builds(lambda c: {"component": c}, st.sampled_from(sorted(COMPONENTS))),
    st.builds(lambda cs: {"hostNetwork": {"cidrs": [c for c, _ in cs]}}, st.lists(cidr_texts(), min_size=1, max_size=2)),
)


# Hypothesis leans towards the first option and towards False/0 ("simplest"); the
# options are ordered so that leaning produces the interesting cases (a protocol other
# than TCP, a range, an except, ports present), not the trivial ones.


@st.composite
def port_entries(draw) -> Any:
    form = draw(st.sampled_from(["map", "number", "text", "name"]))
    if form == "number":
        return draw(st.sampled_from([53, 80, 443, 8080, 8081, 9000]))
    if form == "text":
        return draw(st.sampled_from(["80", "8080", "443"]))
    if form == "name":
        return "http"
    entry: dict[str, Any] = {"port": draw(st.sampled_from([53, 8080, 9000, 80, 8081, 8085]))}
    protocol = draw(st.sampled_from(["UDP", "SCTP", "udp", None, "TCP"]))
    if protocol is not None:
        entry["protocol"] = protocol
    if not draw(st.booleans()):
        entry["endPort"] = entry["port"] + draw(st.sampled_from([10, 5, 0]))
    return entry


@st.composite
def rules(draw, peer_key: str) -> dict:
    rule: dict[str, Any] = {}
    if not draw(st.booleans()):
        rule["ports"] = draw(st.lists(port_entries(), min_size=1, max_size=3))
    if draw(st.integers(0, 9)) == 9:
        rule["allowAll"] = True  # said in so many words, now and then
    else:
        rule[peer_key] = draw(st.lists(peers, min_size=1, max_size=3))
    return rule


@st.composite
def vocabulary_policies(draw) -> dict:
    policy: dict[str, Any] = {"podSelector": draw(st.sampled_from([{"app": "web"}, "*", {"tier": "back"}]))}
    directions = draw(st.sampled_from([("ingress",), ("egress",), ("ingress", "egress")]))
    for direction in directions:
        policy[direction] = draw(st.lists(rules("from" if direction == "ingress" else "to"), max_size=3))
    return policy


@st.composite
def cilium_policies(draw) -> dict:
    """Vocabulary policies for the cilium switch: egress rules may name a host, and then the
    policy allows DNS, as a policy that enforces names on Cilium must."""
    policy = draw(vocabulary_policies())
    if draw(st.integers(0, 3)) < 3:  # mostly: hypothesis leans towards 0
        ports = draw(st.sampled_from([[443], [{"port": 8080, "endPort": 8090}], None]))
        named = {"to": [{"hosts": NAMED_HOST}, *draw(st.lists(peers, max_size=1))]}
        policy["egress"] = [*policy.get("egress", []), {**named, **({"ports": ports} if ports else {})},
                            {"to": [{"dns": "kubernetes"}]}]
    return policy


def allow_all_count(policy: Mapping[str, Any]) -> int:
    return sum(1 for d in ("ingress", "egress") for r in policy.get(d) or [] if r.get("allowAll"))


# --------------------------------------------------------------------------- the properties


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(vocabulary_policies())
def test_rendered_policy_allows_exactly_what_the_vocabulary_says(policy):
    obj = render_policy(policy)
    net = build_network([obj], default_namespace=NS, setup=populate)
    found = disagreements(policy, net)
    assert not found, f"policy {policy}:\n\n" + "\n\n".join(found)


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(vocabulary_policies())
def test_rendered_rules_have_empty_peer_lists_only_where_allow_all_was_written(policy):
    obj = render_policy(policy)
    assert len(empty_peer_rules(obj)) == allow_all_count(policy), (policy, obj["spec"])


@settings(max_examples=32, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.one_of(st.tuples(st.just("cilium"), cilium_policies()), st.tuples(st.just("openshift"), vocabulary_policies())))
def test_rendered_policies_on_the_cilium_and_openshift_switches_never_allow_more_than_the_vocabulary_there(case):
    dataplane, policy = case
    found = disagreements_under(policy, dataplane)
    assert not found, f"policy {policy} on {dataplane}:\n\n" + "\n\n".join(found)


def test_a_host_by_name_on_the_cilium_switch_is_allowed_at_its_address_and_nowhere_else():
    policy = {"podSelector": {"app": "web"},
              "egress": [{"ports": [443], "to": [{"hosts": NAMED_HOST}]}, {"to": [{"dns": "kubernetes"}]}]}
    web = PODS[0]
    assert ref_allows(policy, web, NAMED_HOST_ADDRESS, 443, "TCP")
    assert not ref_allows(policy, web, "198.51.100.7", 443, "TCP")
    assert disagreements_under(policy, "cilium") == []
    result = render_valid(CHART, values={"policies": [{**policy, "dataplane": "cilium"}]}, release=RELEASE,
                          namespace=NS, extra_args=["--api-versions", CILIUM_API])
    net = build_network(result.objects, default_namespace=NS, setup=populate, dataplane="cilium",
                        resolve={NAMED_HOST: [NAMED_HOST_ADDRESS]})
    assert net.judged(f"{NS}/web", f"ip:{NAMED_HOST_ADDRESS}", 443).allowed
    assert net.judged(f"{NS}/web", f"ip:{NAMED_HOST_ADDRESS}", 80).denied


# --------------------------------------------------------------------------- the oracle itself


def test_the_reference_reads_the_vocabulary_as_the_readme_says():
    policy = {
        "podSelector": {"app": "web"},
        "egress": [
            {"ports": [{"port": 8080, "endPort": 8090}], "to": [{"pods": {"app": "db"}}]},
            {"ports": ["http"], "to": [{"namespaces": {"team": "b"}}]},
            {"to": [{"cidr": "192.0.2.0/24", "except": ["192.0.2.128/25"]}]},
        ],
        "ingress": [{"from": [{"component": "back"}], "ports": [{"port": 53, "protocol": "udp"}]}],
    }
    web, team_db, team_cache, other_db = PODS[0], PODS[1], PODS[2], PODS[3]
    assert ref_allows(policy, web, team_db, 8085, "TCP")
    assert not ref_allows(policy, web, team_db, 8091, "TCP")
    assert not ref_allows(policy, web, other_db, 8085, "TCP")  # pods alone: own namespace
    assert ref_allows(policy, web, other_db, 8081, "TCP")  # other's "http" is 8081
    assert not ref_allows(policy, web, other_db, 8080, "TCP")
    assert ref_allows(policy, web, "192.0.2.5", 1, "SCTP")
    assert not ref_allows(policy, web, "192.0.2.130", 443, "TCP")
    assert not ref_allows(policy, web, "2001:db8::5", 443, "TCP")
    assert ref_allows(policy, team_cache, web, 53, "UDP")
    assert not ref_allows(policy, team_db, web, 53, "UDP")
    assert ref_allows(policy, team_db, team_cache, 5, "TCP")  # neither end governed


def test_the_comparison_catches_a_rendered_policy_wider_than_its_vocabulary():
    # The check must be able to fail: drop the except from a correct render and the
    # evaluator allows what the vocabulary refused.
    policy = {"podSelector": {"app": "web"}, "egress": [{"to": [{"cidr": "192.0.2.0/24", "except": ["192.0.2.128/25"]}]}]}
    obj = render_policy(policy)
    assert disagreements(policy, build_network([obj], default_namespace=NS, setup=populate)) == []
    widened = {**obj, "spec": {**obj["spec"], "egress": [{"to": [{"ipBlock": {"cidr": "192.0.2.0/24"}}]}]}}
    found = disagreements(policy, build_network([widened], default_namespace=NS, setup=populate))
    assert found
    assert found[0].startswith(f"WIDER than the vocabulary: {NS}/web -> ip:192.0.2.130")
