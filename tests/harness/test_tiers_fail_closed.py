"""Fail closed across every policy kind: for generated sets of NetworkPolicies,
AdminNetworkPolicies, BaselineAdminNetworkPolicies, ClusterNetworkPolicies and
CiliumNetworkPolicies (Cilium's rules as its documentation states them, the same
facts tests/data/cilium/ cites), every
probed flow gets exactly the verdict of a slow, literal reading of the raw objects written
here from the API types (so in particular the evaluator never allows more than they do),
on single verdicts and in the matrix."""
from __future__ import annotations

import ipaddress

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netpol_harness.net import Cluster, Evaluator

V1A1, V1A2 = "policy.networking.k8s.io/v1alpha1", "policy.networking.k8s.io/v1alpha2"
NAMESPACES = {"a": {"team": "x"}, "b": {"team": "y"}, "c": {"team": "x", "env": "prod"}}
PODS = {  # id -> (labels, ip, named ports {(name, protocol): port}, host network)
    "a/web": ({"app": "web"}, "10.244.0.1", {("http", "TCP"): 8080}, False),
    "a/db": ({"app": "db"}, "10.244.0.2", {("pg", "TCP"): 5432}, False),
    "b/web": ({"app": "web"}, "10.244.0.3", {("http", "TCP"): 80}, False),
    "b/dns": ({"app": "dns"}, "10.244.0.4", {("dns", "UDP"): 53, ("dns", "TCP"): 53}, False),
    "c/job": ({"app": "job"}, "10.244.0.5", {}, False),
    "c/agent": ({"app": "agent"}, "172.18.0.2", {}, True),
}
NODES = {"n1": ({"role": "worker"}, "172.18.0.2"), "n2": ({"role": "control"}, "172.18.0.9")}
EXTERNALS = ["1.1.1.1", "172.18.0.9"]
PROBES = [(8080, "TCP"), (53, "UDP"), (5432, "TCP"), (80, "TCP")]


def manifests(policies: list[dict]) -> list[dict]:
    docs: list[dict] = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": lab}}
                        for n, lab in NAMESPACES.items()]
    docs += [{"apiVersion": "v1", "kind": "Node", "metadata": {"name": n, "labels": lab},
              "status": {"addresses": [{"type": "InternalIP", "address": ip}]}} for n, (lab, ip) in NODES.items()]
    for pid, (labels, ip, named, host) in PODS.items():
        ns, name = pid.split("/")
        ports = [{"name": n, "containerPort": p, "protocol": proto} for (n, proto), p in named.items()]
        docs.append({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns, "labels": labels},
                     "spec": {"hostNetwork": host, "containers": [{"name": "c", "ports": ports}]},
                     "status": {"podIP": ip}})
    return docs + policies


# --------------------------------------------------------------------------- the literal reading


def matches(selector: dict, labels: dict) -> bool:
    return all(labels.get(k) == v for k, v in (selector.get("matchLabels") or {}).items())


def ip_of(end: str) -> str:
    return end[3:] if end.startswith("ip:") else PODS[end][1]


def is_host(end: str) -> bool:
    return not end.startswith("ip:") and PODS[end][3]


def port_ok(entries: list[dict] | None, dst: str, port: int, proto: str, admin: bool) -> bool:
    if not entries:
        return True
    named = {} if dst.startswith("ip:") else PODS[dst][2]
    for e in entries:
        if admin and ("namedPort" in e or "destinationNamedPort" in e):
            name = e.get("namedPort", e.get("destinationNamedPort"))
            if named.get((name, proto)) == port:
                return True
            continue
        if admin and "portNumber" in e:
            e = e["portNumber"]
        elif admin:
            (key, value), = e.items()
            e = {"protocol": key.upper(), "port": value["destinationPort"]["number"]}
        if (e.get("protocol") or "TCP") != proto:
            continue
        if isinstance(e["port"], str) and named.get((e["port"], proto)) == port:
            return True
        if isinstance(e["port"], int) and e["port"] <= port <= e.get("endPort", e["port"]):
            return True
    return False


def np_peer_ok(peer: dict, policy_ns: str, other: str) -> bool:
    if "ipBlock" in peer:
        return ipaddress.ip_address(ip_of(other)) in ipaddress.ip_network(peer["ipBlock"]["cidr"])
    if other.startswith("ip:"):
        return False
    ns, _ = other.split("/")
    in_ns = matches(peer["namespaceSelector"], NAMESPACES[ns]) if "namespaceSelector" in peer else ns == policy_ns
    return in_ns and ("podSelector" not in peer or matches(peer["podSelector"], PODS[other][0]))


def admin_peer_ok(peer: dict, other: str) -> bool:
    if "networks" in peer:
        return any(ipaddress.ip_address(ip_of(other)) in ipaddress.ip_network(c) for c in peer["networks"])
    if "nodes" in peer:
        return any(matches(peer["nodes"], lab) and ip == ip_of(other) for lab, ip in NODES.values())
    if other.startswith("ip:") or is_host(other):
        return False
    ns, _ = other.split("/")
    if "namespaces" in peer:
        return matches(peer["namespaces"], NAMESPACES[ns])
    return matches(peer["pods"]["namespaceSelector"], NAMESPACES[ns]) and matches(peer["pods"]["podSelector"], PODS[other][0])


def subject_ok(policy: dict, end: str) -> bool:
    subject = policy["spec"]["subject"]
    ns, _ = end.split("/")
    if is_host(end):
        return False
    if "namespaces" in subject:
        return matches(subject["namespaces"], NAMESPACES[ns])
    return matches(subject["pods"]["namespaceSelector"], NAMESPACES[ns]) and matches(subject["pods"]["podSelector"], PODS[end][0])


def tier(policies: list[dict], name: str) -> list[dict]:
    def tier_of(p):
        return p["spec"]["tier"] if p["kind"] == "ClusterNetworkPolicy" else (
            "Baseline" if p["kind"] == "BaselineAdminNetworkPolicy" else "Admin")
    chosen = [p for p in policies if p["kind"] not in ("NetworkPolicy", "CiliumNetworkPolicy") and tier_of(p) == name]
    return sorted(chosen, key=lambda p: p["spec"].get("priority", 0))


def tier_says(policies: list[dict], direction: str, end: str, other: str, dst: str, port: int, proto: str) -> str | None:
    for policy in policies:
        if not subject_ok(policy, end):
            continue
        for rule in policy["spec"].get(direction) or ():
            peers = rule["from" if direction == "ingress" else "to"]
            ports = rule.get("ports") or rule.get("protocols")
            if any(admin_peer_ok(p, other) for p in peers) and port_ok(ports, dst, port, proto, admin=True):
                if rule["action"] == "Pass":
                    return None
                return "allow" if rule["action"] in ("Allow", "Accept") else "deny"
    return None


def cnp_selects(policy: dict, end: str) -> bool:
    ns = end.split("/")[0]
    return not is_host(end) and ns == policy["metadata"]["namespace"] and matches(policy["spec"]["endpointSelector"], PODS[end][0])


def cnp_peer_ok(rule: dict, direction: str, policy_ns: str, other: str) -> bool:
    side = "from" if direction == "ingress" else "to"
    node = other.startswith("ip:") and any(ip == ip_of(other) for _, ip in NODES.values())
    for selector in rule.get(f"{side}Endpoints") or ():
        labels = {k.removeprefix("k8s:"): v for k, v in (selector.get("matchLabels") or {}).items()}
        ns = labels.pop("io.kubernetes.pod.namespace", policy_ns)
        if not other.startswith("ip:") and not is_host(other) and other.split("/")[0] == ns \
                and all(PODS[other][0].get(k) == v for k, v in labels.items()):
            return True
    for entity in rule.get(f"{side}Entities") or ():
        if entity == "all" or (entity == "cluster" and (not other.startswith("ip:") or node)) \
                or (entity == "world" and other.startswith("ip:") and not node):
            return True
    return other.startswith("ip:") and not node and any(
        ipaddress.ip_address(ip_of(other)) in ipaddress.ip_network(c) for c in rule.get(f"{side}CIDR") or ())


def cnp_rule_ok(rule: dict, direction: str, policy_ns: str, other: str, port: int, proto: str) -> bool:
    l3 = any(k.endswith(("Endpoints", "Entities", "CIDR")) for k in rule)
    ports = [p for entry in rule.get("toPorts") or () for p in entry["ports"]]
    port_ok_ = not ports or any(p["protocol"] == proto and int(p["port"]) == port for p in ports)
    return (not l3 or cnp_peer_ok(rule, direction, policy_ns, other)) and port_ok_


def cilium_says(policies: list[dict], direction: str, end: str, other: str, port: int, proto: str, effect: str) -> bool:
    section = direction if effect == "allow" else direction + "Deny"
    return any(cnp_rule_ok(rule, direction, p["metadata"]["namespace"], other, port, proto)
               for p in policies if p["kind"] == "CiliumNetworkPolicy" and cnp_selects(p, end)
               for rule in p["spec"].get(section) or ())


def cilium_isolates(policies: list[dict], direction: str, end: str) -> bool:
    return any(cnp_selects(p, end) and (p["spec"].get(direction) or p["spec"].get(direction + "Deny"))
               and (p["spec"].get("enableDefaultDeny") or {}).get(direction, True)
               for p in policies if p["kind"] == "CiliumNetworkPolicy")


def side_allows(policies: list[dict], direction: str, end: str, other: str, port: int, proto: str) -> bool:
    if end.startswith("ip:"):
        return True
    dst = end if direction == "ingress" else other
    if cilium_says(policies, direction, end, other, port, proto, "deny"):
        return False  # a Cilium deny wins over every allow
    said = tier_says(tier(policies, "Admin"), direction, end, other, dst, port, proto)
    if said is not None:
        return said == "allow"
    ns = end.split("/")[0]
    nps = [p for p in policies if p["kind"] == "NetworkPolicy" and p["metadata"]["namespace"] == ns
           and direction.capitalize() in p["spec"]["policyTypes"] and matches(p["spec"]["podSelector"], PODS[end][0])]
    if nps or cilium_isolates(policies, direction, end):  # Cilium's allows add to NetworkPolicy's
        key = "from" if direction == "ingress" else "to"
        return any((not rule.get(key) or any(np_peer_ok(pe, ns, other) for pe in rule[key]))
                   and port_ok(rule.get("ports"), dst, port, proto, admin=False)
                   for p in nps for rule in p["spec"].get(direction) or ()) \
            or cilium_says(policies, direction, end, other, port, proto, "allow")
    said = tier_says(tier(policies, "Baseline"), direction, end, other, dst, port, proto)
    return said != "deny"


def literal(policies: list[dict], src: str, dst: str, port: int, proto: str) -> bool:
    if src == dst:
        return True
    return side_allows(policies, "egress", src, dst, port, proto) and side_allows(policies, "ingress", dst, src, port, proto)


# --------------------------------------------------------------------------- generated policies

labels_of = st.sampled_from([{}, {"app": "web"}, {"app": "db"}, {"app": "dns"}, {"app": "agent"}])
ns_labels = st.sampled_from([{}, {"team": "x"}, {"team": "y"}, {"env": "prod"}])
selector = labels_of.map(lambda lab: {"matchLabels": lab})
ns_selector = ns_labels.map(lambda lab: {"matchLabels": lab})
protocol = st.sampled_from(["TCP", "UDP"])
number = st.sampled_from([53, 80, 5432, 8080])
np_port = st.one_of(
    st.builds(lambda proto, port: {"protocol": proto, "port": port}, protocol, number),
    st.builds(lambda port: {"protocol": "TCP", "port": port, "endPort": port + 100}, number),
    st.builds(lambda proto, name: {"protocol": proto, "port": name}, protocol, st.sampled_from(["http", "dns", "pg"])))
np_peer = st.one_of(
    st.builds(lambda p: {"podSelector": p}, selector),
    st.builds(lambda n: {"namespaceSelector": n}, ns_selector),
    st.builds(lambda n, p: {"namespaceSelector": n, "podSelector": p}, ns_selector, selector),
    st.sampled_from([{"ipBlock": {"cidr": c}} for c in ("10.244.0.0/30", "0.0.0.0/0", "172.18.0.0/24")]))
np_rule = st.fixed_dictionaries({}, optional={"peers": st.lists(np_peer, min_size=1, max_size=2),
                                              "ports": st.lists(np_port, min_size=1, max_size=2)})


@st.composite
def networkpolicy(draw, k: int) -> dict:
    types = draw(st.sampled_from([["Ingress"], ["Egress"], ["Ingress", "Egress"]]))
    spec: dict = {"podSelector": draw(selector), "policyTypes": types}
    for t in types:
        key = "from" if t == "Ingress" else "to"
        rules = draw(st.lists(np_rule, max_size=2))
        spec[t.lower()] = [{**({key: r["peers"]} if "peers" in r else {}), **({"ports": r["ports"]} if "ports" in r else {})}
                           for r in rules]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": f"np{k}", "namespace": draw(st.sampled_from(sorted(NAMESPACES)))}, "spec": spec}


admin_peer = st.one_of(
    st.builds(lambda n: {"namespaces": n}, ns_selector),
    st.builds(lambda n, p: {"pods": {"namespaceSelector": n, "podSelector": p}}, ns_selector, selector))
egress_only_peer = st.one_of(
    st.sampled_from([{"networks": [c]} for c in ("10.244.0.0/30", "0.0.0.0/0", "172.18.0.9/32")]),
    st.builds(lambda lab: {"nodes": {"matchLabels": lab}}, st.sampled_from([{}, {"role": "worker"}, {"role": "control"}])))
# Built once, not inside each draw: building and validating them again for every example
# was a third of the generation's time. The same strategies draw the same policies.
admin_subject = st.one_of(
    st.builds(lambda n: {"namespaces": n}, ns_selector),
    st.builds(lambda n, p: {"pods": {"namespaceSelector": n, "podSelector": p}}, ns_selector, selector))
admin_peers = {"ingress": st.lists(admin_peer, min_size=1, max_size=2),
               "egress": st.lists(admin_peer | egress_only_peer, min_size=1, max_size=2)}


@st.composite
def admin_policy(draw, k: int, kind: str, tier_name: str) -> dict:
    v2 = kind == "ClusterNetworkPolicy"
    actions = ["Allow", "Deny"] if kind == "BaselineAdminNetworkPolicy" else (
        ["Accept", "Deny", "Pass"] if v2 else ["Allow", "Deny", "Pass"])
    spec: dict = {"subject": draw(admin_subject)}
    if kind != "BaselineAdminNetworkPolicy":
        spec["priority"] = k  # distinct: equal priorities are left to the implementation
    if v2:
        spec["tier"] = tier_name
    for direction, key in (("ingress", "from"), ("egress", "to")):
        rules = []
        for _ in range(draw(st.integers(0, 3))):
            peers = draw(admin_peers[direction])
            rule = {"action": draw(st.sampled_from(actions)), key: peers}
            if draw(st.booleans()):
                proto, port = draw(protocol), draw(number)
                rule["protocols" if v2 else "ports"] = [{proto.lower(): {"destinationPort": {"number": port}}}] if v2 else [
                    {"portNumber": {"protocol": proto, "port": port}}]
            rules.append(rule)
        spec[direction] = rules
    return {"apiVersion": V1A2 if v2 else V1A1, "kind": kind,
            "metadata": {"name": "default" if kind == "BaselineAdminNetworkPolicy" else f"{kind.lower()}{k}"}, "spec": spec}


cnp_ingress_peer = st.one_of(
    st.builds(lambda lab: {"fromEndpoints": [{"matchLabels": lab}]}, labels_of),
    st.builds(lambda ns, lab: {"fromEndpoints": [{"matchLabels": {"k8s:io.kubernetes.pod.namespace": ns, **lab}}]},
              st.sampled_from(sorted(NAMESPACES)), labels_of),
    st.builds(lambda e: {"fromEntities": [e]}, st.sampled_from(["world", "cluster", "all"])))
cnp_egress_peer = st.one_of(
    st.builds(lambda lab: {"toEndpoints": [{"matchLabels": lab}]}, labels_of),
    st.builds(lambda e: {"toEntities": [e]}, st.sampled_from(["world", "cluster", "all"])),
    st.builds(lambda c: {"toCIDR": [c]}, st.sampled_from(["10.244.0.0/30", "0.0.0.0/0", "172.18.0.0/24"])))


@st.composite
def cilium_policy(draw, k: int) -> dict:
    spec: dict = {"endpointSelector": draw(selector)}
    for section, peer in (("ingress", cnp_ingress_peer), ("egress", cnp_egress_peer),
                          ("ingressDeny", cnp_ingress_peer), ("egressDeny", cnp_egress_peer)):
        rules = []
        for _ in range(draw(st.integers(0, 2 if not section.endswith("Deny") else 1))):
            rule = dict(draw(peer))
            if draw(st.booleans()):
                rule["toPorts"] = [{"ports": [{"port": str(draw(number)), "protocol": draw(protocol)}]}]
            rules.append(rule)
        if rules:
            spec[section] = rules
    if not any(k in spec for k in ("ingress", "egress", "ingressDeny", "egressDeny")):
        spec["ingress"] = [{"fromEntities": ["cluster"]}]
    if draw(st.booleans()):
        spec["enableDefaultDeny"] = {"ingress": draw(st.booleans()), "egress": draw(st.booleans())}
    return {"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
            "metadata": {"name": f"cnp{k}", "namespace": draw(st.sampled_from(sorted(NAMESPACES)))}, "spec": spec}


@st.composite
def policy_sets(draw) -> list[dict]:
    out = [draw(networkpolicy(k)) for k in range(draw(st.integers(0, 3)))]
    out += [draw(admin_policy(10 + k, "AdminNetworkPolicy", "Admin")) for k in range(draw(st.integers(0, 2)))]
    out += [draw(admin_policy(20 + k, "ClusterNetworkPolicy", draw(st.sampled_from(["Admin", "Baseline"]))))
            for k in range(draw(st.integers(0, 2)))]
    if draw(st.booleans()):
        out.append(draw(admin_policy(0, "BaselineAdminNetworkPolicy", "Baseline")))
    out += [draw(cilium_policy(k)) for k in range(draw(st.integers(0, 2)))]
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy_sets())
def test_every_flow_gets_the_verdict_of_the_literal_reading_of_every_tier(policies):
    cluster = Cluster.from_manifests(manifests(policies))
    for ip in EXTERNALS:
        cluster.add_external(ip)
    evaluator = Evaluator(cluster)
    ends = list(PODS) + [f"ip:{ip}" for ip in EXTERNALS]
    for port, proto in PROBES:
        matrix = evaluator.matrix(port, proto)
        for src in ends:
            for dst in ends:
                if src.startswith("ip:") and dst.startswith("ip:"):
                    continue
                want = literal(policies, src, dst, port, proto)
                got = evaluator.check(src, dst, port, proto)
                assert got.allowed == want, f"{src} -> {dst} {port}/{proto}: literal {want}\n{got.explain()}"
                if src != dst:
                    assert matrix[(src, dst)] == want, f"matrix {src} -> {dst} {port}/{proto}"


# Every pod on a node (the agent on n1, whose address it shares) and the API server on n2:
# the places where the dataplane profiles depart from the API.
PLACED = {"a/web": "n1", "a/db": "n2", "b/web": "n1", "b/dns": "n2", "c/job": "n1", "c/agent": "n1"}
APISERVER = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
             "metadata": {"name": "kubernetes", "namespace": "default",
                          "labels": {"kubernetes.io/service-name": "kubernetes"}},
             "endpoints": [{"addresses": ["172.18.0.9"]}], "ports": [{"port": 6443}]}
PROFILES = ["kubernetes", "cilium", "cilium:policy-cidr-match-mode=nodes,allow-localhost=policy", "calico",
            "ovn-kubernetes", "openshift", "kube-router"]


def placed(docs: list[dict]) -> list[dict]:
    for doc in docs:
        if doc["kind"] == "Pod":
            doc["spec"]["nodeName"] = PLACED[f"{doc['metadata']['namespace']}/{doc['metadata']['name']}"]
    return docs + [APISERVER]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy_sets())
def test_under_every_dataplane_profile_the_matrix_and_the_single_verdict_agree(policies):
    cluster = Cluster.from_manifests(placed(manifests(policies)))
    cluster.add_external("1.1.1.1")
    ends = list(PODS) + [e.id for e in cluster.externals]
    for profile in PROFILES:
        evaluator = Evaluator(cluster, dataplane=profile)
        for port, proto in PROBES:
            matrix = evaluator.matrix(port, proto)
            for src in ends:
                for dst in ends:
                    if src == dst or (src.startswith("ip:") and dst.startswith("ip:")):
                        continue
                    got = evaluator.check(src, dst, port, proto)
                    assert matrix[(src, dst)] == got.allowed, f"{profile}: {src} -> {dst} {port}/{proto}\n{got.explain()}"
