"""Our evaluator and np-guard's network-config-analyzer (NCA) agree on random clusters.

Hypothesis draws a few namespaces and pods (labels, named container ports) and random
NetworkPolicies (pod/namespace selectors with matchLabels and matchExpressions, AND-ed
and OR-ed peers, ipBlocks with except, numeric/named ports, endPort ranges, TCP/UDP/SCTP)
and compares every pod-to-pod and pod-to-address verdict on a few port/protocol probes.

NCA's known deviations (see netpol_harness/net/nca.py) are kept out by construction, not by
filtering afterwards, so every generated example is compared:
  * policyTypes, when written, is in an order NCA accepts; when left out, `egress: []`
    does not appear;
  * `ingress`/`egress` keys appear only when their type is listed;
  * our evaluator runs with ipblock_matches_pods=False, because NCA's pods have no IPs;
  * Exists/DoesNotExist never appear in a podSelector that sits next to a namespaceSelector;
  * named ports are unique per pod and live in `containers`.
The tests at the bottom pin those deviations, so the exclusions stay justified.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netpol_harness.net import nca
from netpol_harness.net import Evaluator
from netpol_harness.net import Cluster

pytestmark = pytest.mark.skipif(nca.unavailable_reason() is not None, reason=nca.unavailable_reason() or "")

NAMESPACES = ("ns-a", "ns-b", "ns-c")
POD_KEYS = ("app", "tier")
POD_VALUES = ("web", "db")
NS_KEYS = ("team", "env")
NS_VALUES = ("red", "blue")
PORT_NAMES = ("http", "dns", "metrics")
PORT_NUMBERS = (53, 80, 8080, 9090)
PROTOCOLS = ("TCP", "UDP", "SCTP")
CIDRS = {
    "0.0.0.0/0": ("10.0.0.0/8", "1.1.1.0/24"),
    "10.244.0.0/16": ("10.244.0.0/30",),  # the synthetic pod network: NCA never matches it to pods
    "1.1.1.0/24": ("1.1.1.1/32",),
    "10.0.0.0/8": ("10.1.0.0/16",),
    "::/0": ("2001:db8::/32",),
    "2001:db8::/32": ("2001:db8::1/128",),
}
EXTERNALS = ("1.1.1.1", "1.1.1.7", "10.1.2.3", "10.9.9.9", "8.8.8.8", "2001:db8::1", "2001:db8::2", "2600::1")
# 85 and 8085 lie only inside endPort ranges; the rest are the ports pods and rules use.
PROBES = ((80, "TCP"), (53, "UDP"), (53, "TCP"), (8080, "TCP"), (9090, "SCTP"), (85, "TCP"), (8085, "TCP"), (9090, "UDP"))


# --------------------------------------------------------------------------- strategies


def labels(keys: tuple[str, ...], values: tuple[str, ...]) -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(st.sampled_from(keys), st.sampled_from(values), max_size=len(keys))


def requirement(keys: tuple[str, ...], values: tuple[str, ...], *, key_ops: bool) -> st.SearchStrategy[dict[str, Any]]:
    with_values = st.builds(
        lambda k, op, vs: {"key": k, "operator": op, "values": sorted(vs)},
        st.sampled_from(keys),
        st.sampled_from(("In", "NotIn")),
        st.sets(st.sampled_from(values), min_size=1, max_size=2),
    )
    if not key_ops:
        return with_values
    without = st.builds(lambda k, op: {"key": k, "operator": op}, st.sampled_from(keys), st.sampled_from(("Exists", "DoesNotExist")))
    return st.one_of(with_values, without)


def selector(keys: tuple[str, ...], values: tuple[str, ...], *, key_ops: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    def build(match_labels: dict[str, str], exprs: list[dict[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if match_labels:
            out["matchLabels"] = match_labels
        if exprs:
            out["matchExpressions"] = exprs
        return out  # {} is the empty selector: everything

    return st.builds(
        build,
        st.dictionaries(st.sampled_from(keys), st.sampled_from(values), max_size=1),
        st.lists(requirement(keys, values, key_ops=key_ops), max_size=1),
    )


# Strategies built once: a strategy made inside a draw is built and validated again for
# every example, which cost as much as NCA's analysis. They draw the same examples.
POD_LABELS = labels(POD_KEYS, POD_VALUES)
NS_LABELS = labels(NS_KEYS, NS_VALUES)
POD_SELECTOR = selector(POD_KEYS, POD_VALUES)
# NCA deviation 5: no Exists/DoesNotExist in a podSelector next to a namespaceSelector.
POD_SELECTOR_BESIDE_NAMESPACES = selector(POD_KEYS, POD_VALUES, key_ops=False)
NS_SELECTOR = st.one_of(
    selector(NS_KEYS, NS_VALUES),
    # Selecting namespaces by name is what charts do most.
    st.builds(lambda n: {"matchLabels": {"kubernetes.io/metadata.name": n}}, st.sampled_from(NAMESPACES)),
)


@st.composite
def ip_block(draw: st.DrawFn) -> dict[str, Any]:
    cidr = draw(st.sampled_from(sorted(CIDRS)))
    excepts = draw(st.lists(st.sampled_from(CIDRS[cidr]), max_size=2, unique=True))
    return {"cidr": cidr, **({"except": excepts} if excepts else {})}


IP_BLOCK = ip_block()


@st.composite
def peer(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(("pod", "ns", "both", "ipBlock")))
    if kind == "pod":
        return {"podSelector": draw(POD_SELECTOR)}
    if kind == "ns":
        return {"namespaceSelector": draw(NS_SELECTOR)}
    if kind == "both":
        return {"namespaceSelector": draw(NS_SELECTOR), "podSelector": draw(POD_SELECTOR_BESIDE_NAMESPACES)}
    return {"ipBlock": draw(IP_BLOCK)}


@st.composite
def policy_port(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {}
    protocol = draw(st.sampled_from((None, *PROTOCOLS)))  # None: the TCP default
    if protocol:
        out["protocol"] = protocol
    kind = draw(st.sampled_from(("number", "name", "range", "none")))
    if kind == "number":
        out["port"] = draw(st.sampled_from(PORT_NUMBERS))
    elif kind == "name":
        out["port"] = draw(st.sampled_from(PORT_NAMES))
    elif kind == "range":
        low = draw(st.sampled_from(PORT_NUMBERS))
        out["port"] = low
        out["endPort"] = low + draw(st.sampled_from((0, 10, 1010)))
    return out


PEERS = st.lists(peer(), min_size=1, max_size=2)
PORTS = st.lists(policy_port(), min_size=1, max_size=2)


@st.composite
def rule(draw: st.DrawFn, peer_key: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    # Mostly real peers: a rule without them allows everyone, which hides the selectors.
    peers = draw(st.sampled_from(("absent", "empty", "some", "some", "some", "some", "some", "some")))
    if peers == "empty":
        out[peer_key] = []
    elif peers == "some":
        out[peer_key] = draw(PEERS)
    if draw(st.booleans()):
        out["ports"] = draw(PORTS)
    return out


RULE_LISTS = {peer_key: st.lists(rule(peer_key), min_size=1, max_size=2) for peer_key in ("from", "to")}


@st.composite
def rules(draw: st.DrawFn, peer_key: str) -> list[dict[str, Any]] | None:
    kind = draw(st.sampled_from(("absent", "empty", "some", "some", "some")))
    if kind == "absent":
        return None
    if kind == "empty":
        return []
    return draw(RULE_LISTS[peer_key])


RULES = {peer_key: rules(peer_key) for peer_key in ("from", "to")}


@st.composite
def network_policy(draw: st.DrawFn, name: str, namespaces: list[str]) -> dict[str, Any]:
    # NCA deviation 1: only these orders. None: policyTypes left out, for the API server's
    # defaulting (Ingress always, Egress when egress rules exist).
    types = draw(st.sampled_from((["Ingress"], ["Egress"], ["Ingress", "Egress"], None)))
    spec: dict[str, Any] = {"podSelector": draw(POD_SELECTOR)}
    if types is not None:
        spec["policyTypes"] = types
    for policy_type, key, peer_key in (("Ingress", "ingress", "from"), ("Egress", "egress", "to")):
        if types is not None and policy_type not in types:
            continue  # NCA deviation 4: no rules for an unlisted type
        value = draw(RULES[peer_key])
        if types is None and key == "egress" and value == []:
            continue  # NCA deviation 2: `egress: []` without policyTypes
        if value is not None:
            spec[key] = value
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": draw(st.sampled_from(namespaces))},
        "spec": spec,
    }


@st.composite
def container_ports(draw: st.DrawFn) -> list[dict[str, Any]]:
    names = draw(st.lists(st.sampled_from(PORT_NAMES), max_size=2, unique=True))
    ports = [
        {"name": n, "containerPort": draw(st.sampled_from(PORT_NUMBERS)), "protocol": draw(st.sampled_from(PROTOCOLS))}
        for n in names
    ]
    if draw(st.booleans()):
        ports.append({"containerPort": draw(st.sampled_from(PORT_NUMBERS))})  # unnamed, TCP by default
    return ports


CONTAINER_PORTS = container_ports()


@st.composite
def clusters(draw: st.DrawFn) -> list[dict[str, Any]]:
    namespaces = draw(st.lists(st.sampled_from(NAMESPACES), min_size=2, max_size=3, unique=True))
    docs: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": draw(NS_LABELS)}}
        for n in namespaces
    ]
    for i in range(draw(st.integers(2, 7))):
        docs.append({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": f"pod-{i}", "namespace": draw(st.sampled_from(namespaces)), "labels": draw(POD_LABELS)},
            "spec": {"containers": [{"name": "main", "image": "registry.invalid/app", "ports": draw(CONTAINER_PORTS)}]},
        })
    for i in range(draw(st.integers(1, 4))):
        docs.append(draw(network_policy(f"policy-{i}", namespaces)))
    return docs


# --------------------------------------------------------------------------- comparison


def disagreements(docs: list[dict[str, Any]]) -> str | None:
    """None when both agree on every probe, else a report of the cluster and the differing verdicts."""
    cluster = Cluster.from_manifests(docs)
    for ip in EXTERNALS:
        cluster.add_external(ip)
    ours = Evaluator(cluster, ipblock_matches_pods=False)
    theirs = nca.analyze(docs, PROBES, externals=EXTERNALS)
    lines: list[str] = []
    for result in theirs:
        mine = ours.matrix(result.port, result.protocol)
        assert mine.keys() == result.pairs.keys(), "both sides must judge the same pairs"
        for pair in sorted(mine):
            if mine[pair] != result.pairs[pair]:
                verdict = ours.check(pair[0], pair[1], result.port, result.protocol)
                lines.append(f"{pair[0]} -> {pair[1]} {result.port}/{result.protocol}: ours={mine[pair]} nca={result.pairs[pair]}")
                lines.extend("    " + line for line in verdict.explain().splitlines())
    if not lines:
        return None
    return "evaluator and NCA disagree on:\n" + "\n".join(lines) + "\n\ncluster:\n" + yaml.safe_dump_all(docs, sort_keys=False)


@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(clusters())
def test_evaluator_agrees_with_nca_on_random_clusters(docs: list[dict[str, Any]]) -> None:
    report = disagreements(docs)
    assert report is None, report


def test_evaluator_agrees_with_nca_on_the_hand_written_reach_manifests() -> None:
    # Deployments and a StatefulSet among them: NCA gets them as one pod each, like our model.
    data = Path(__file__).parents[1] / "data" / "reach"
    docs = [d for name in ("shop.yaml", "cluster.yaml") for d in yaml.safe_load_all((data / name).read_text()) if d]
    for d in docs:
        if d["kind"] != "Namespace":
            d.setdefault("metadata", {}).setdefault("namespace", "tools")  # as reach's --namespace
    assert any(d["kind"] == "Deployment" for d in docs)
    report = disagreements(docs)
    assert report is None, report


def test_the_comparison_reports_a_disagreement_with_the_cluster_and_both_verdicts() -> None:
    # A cluster where NCA deviates (egress: [] without policyTypes) shows the comparison can fail.
    docs = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns-a"}},
        _pod("a", "ns-a", {"app": "web"}),
        _pod("b", "ns-a", {"app": "db"}),
        _policy("ns-a", {"podSelector": {"matchLabels": {"app": "web"}}, "egress": []}),
    ]
    report = disagreements(docs)
    assert report is not None
    assert "ns-a/a -> ns-a/b 80/TCP: ours=True nca=False" in report
    assert "kind: NetworkPolicy" in report and "egress: []" in report


# --------------------------------------------------------------------------- NCA's deviations, pinned


def _pod(name: str, namespace: str, labels: dict[str, str], ports: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"containers": [{"name": "main", "image": "registry.invalid/app", "ports": ports or []}]},
    }


def _policy(namespace: str, spec: dict[str, Any], name: str = "p") -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": name, "namespace": namespace}, "spec": spec}


TWO_PODS = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns-a"}},
    _pod("web", "ns-a", {"app": "web"}),
    _pod("db", "ns-a", {"app": "db"}),
]


def test_nca_rejects_policy_types_written_egress_first_which_the_api_server_accepts() -> None:
    docs = TWO_PODS + [_policy("ns-a", {"podSelector": {}, "policyTypes": ["Egress", "Ingress"]})]
    with pytest.raises(nca.NcaRejected, match="policyTypes"):
        nca.matrix(docs, 80)
    ours = Evaluator(Cluster.from_manifests(docs)).matrix(80)
    assert ours[("ns-a/web", "ns-a/db")] is False  # both directions isolated, nothing allowed


def test_nca_isolates_egress_for_an_empty_egress_list_without_policy_types() -> None:
    docs = TWO_PODS + [_policy("ns-a", {"podSelector": {"matchLabels": {"app": "web"}}, "egress": []})]
    assert nca.matrix(docs, 80)[("ns-a/web", "ns-a/db")] is False
    # The API server defaults policyTypes to [Ingress] here: web's egress stays open.
    assert Evaluator(Cluster.from_manifests(docs)).check("ns-a/web", "ns-a/db", 80).allowed


def test_nca_never_matches_an_ipblock_to_a_pod_address() -> None:
    docs = TWO_PODS + [_policy("ns-a", {
        "podSelector": {"matchLabels": {"app": "db"}},
        "policyTypes": ["Ingress"],
        "ingress": [{"from": [{"ipBlock": {"cidr": "10.244.0.0/16"}}]}],
    })]
    assert nca.matrix(docs, 80)[("ns-a/web", "ns-a/db")] is False
    cluster = Cluster.from_manifests(docs)  # synthetic pod IPs come from 10.244.0.0/16
    assert Evaluator(cluster).check("ns-a/web", "ns-a/db", 80).allowed
    assert not Evaluator(cluster, ipblock_matches_pods=False).check("ns-a/web", "ns-a/db", 80).allowed


def test_nca_rejects_ingress_rules_under_policy_types_egress_which_the_api_server_ignores() -> None:
    docs = TWO_PODS + [_policy("ns-a", {"podSelector": {}, "policyTypes": ["Egress"], "ingress": []})]
    with pytest.raises(nca.NcaRejected, match="ingress"):
        nca.matrix(docs, 80)


def test_nca_limits_exists_in_a_peer_pod_selector_to_the_policy_namespace() -> None:
    docs = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns-a"}},
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns-b"}},
        _pod("client", "ns-a", {"app": "web"}),
        _pod("server", "ns-b", {"app": "db"}),
        _policy("ns-b", {
            "podSelector": {},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"namespaceSelector": {}, "podSelector": {"matchExpressions": [{"key": "app", "operator": "Exists"}]}}]}],
        }),
    ]
    # Upstream: any pod with an `app` label in any namespace; NCA: only ns-b's.
    assert Evaluator(Cluster.from_manifests(docs)).check("ns-a/client", "ns-b/server", 80).allowed
    assert nca.matrix(docs, 80)[("ns-a/client", "ns-b/server")] is False
