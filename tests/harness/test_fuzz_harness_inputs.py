"""The harness's own inputs, fuzzed: manifests of every kind the harness reads, mutated
(wrong types, missing fields, nesting, odd unicode, control characters), fed to `reach`,
`report` and the API-server rules `validate` runs. Every run ends with a result or with
error lines, never a traceback, within a time bound; counts are printed for the note
(`pytest -s`)."""
from __future__ import annotations

import contextlib
import io
import time
from collections import Counter

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netpol_harness.check import validate_all
from netpol_harness.cli import main

BASE = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "labels": {"team": "x"}}},
    {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"},
     "status": {"addresses": [{"type": "InternalIP", "address": "172.18.0.3"}]}},
    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
     "spec": {"nodeName": "n1", "containers": [{"name": "c", "ports": [{"name": "http", "containerPort": 80}]}]}},
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api", "namespace": "shop"},
     "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "api"}},
              "template": {"metadata": {"labels": {"app": "api"}}, "spec": {"containers": [{"name": "c"}]}}}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
     "spec": {"selector": {"app": "web"}, "ports": [{"port": 443, "targetPort": "http"}]}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "web", "namespace": "shop"},
     "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress", "Egress"],
              "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "api"}}}], "ports": [{"port": "http"}]}],
              "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}],
                          "ports": [{"protocol": "TCP", "port": 443, "endPort": 445}]}]}},
    {"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "AdminNetworkPolicy", "metadata": {"name": "a"},
     "spec": {"priority": 5, "subject": {"namespaces": {}},
              "egress": [{"name": "dns", "action": "Pass", "to": [{"namespaces": {}}],
                          "ports": [{"portNumber": {"protocol": "UDP", "port": 53}}]}]}},
    {"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy", "metadata": {"name": "b"},
     "spec": {"tier": "Baseline", "priority": 1, "subject": {"namespaces": {}},
              "ingress": [{"action": "Deny", "from": [{"namespaces": {}}]}]}},
    {"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy", "metadata": {"name": "c", "namespace": "shop"},
     "spec": {"endpointSelector": {"matchLabels": {"app": "api"}},
              "egress": [{"toFQDNs": [{"matchName": "example.com"}], "toPorts": [{"ports": [{"port": "443"}]}]}]}},
    {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
     "metadata": {"name": "kubernetes", "namespace": "default", "labels": {"kubernetes.io/service-name": "kubernetes"}},
     "endpoints": [{"addresses": ["172.18.0.3"]}], "ports": [{"port": 6443}]},
]

ODD = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 70000), st.just([]), st.just({}), st.just("everyone"),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
    st.sampled_from(["\x1b[31mred\x1b[0m", "a\nb", "\u202eevil", "0.0.0.0/00", "::/0", "٣.٣.٣.٣", "x" * 300]),
    st.recursive(st.just({}), lambda inner: st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2),
                 max_leaves=20),
)


def paths(node, prefix=()):
    """Every path to a value inside a manifest."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from paths(v, prefix + (i,))


def copied(node, memo: dict[int, object]):
    """What a YAML round trip (safe_dump, safe_load) of these documents gives, without its
    cost per example: keys sorted, an object met twice (an anchor) one copy."""
    if not isinstance(node, (dict, list)):
        return node
    if id(node) not in memo:
        if isinstance(node, dict):
            memo[id(node)] = out = {}
            out.update((k, copied(v, memo)) for k, v in sorted(node.items()))
        else:
            memo[id(node)] = out = []
            out.extend(copied(v, memo) for v in node)
    return memo[id(node)]


def mutate(doc, path, value, delete: bool):
    if not path:
        return value
    copy = copied(doc, {})
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    if delete and isinstance(parent, dict):
        parent.pop(path[-1], None)
    else:
        parent[path[-1]] = value
    return copy


@st.composite
def mutated_manifests(draw):
    docs = [d for d in BASE if draw(st.booleans())] or [BASE[5]]
    for _ in range(draw(st.integers(1, 3))):
        k = draw(st.integers(0, len(docs) - 1))
        path = draw(st.sampled_from(list(paths(docs[k]))[1:]))
        docs[k] = mutate(docs[k], path, draw(ODD), draw(st.booleans()))
    return docs


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


COUNTS: Counter[str] = Counter()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(docs=mutated_manifests())
def test_any_mutated_manifests_end_in_a_result_or_error_lines_never_a_traceback(tmp_path, docs):
    path = tmp_path / "manifests.yaml"
    try:
        path.write_text(yaml.safe_dump_all(docs, allow_unicode=True))
    except yaml.YAMLError:
        return  # not YAML at all: nothing the harness reads
    validate_all([d for d in docs if isinstance(d, dict)])  # the API-server rules `validate` runs: no exception
    for argv in (["reach", str(path), "--port", "80"], ["reach", str(path), "--port", "443", "--dataplane", "all"],
                 ["report", str(path), "--port", "80/TCP"]):
        started = time.monotonic()
        code, out, err = run(argv)
        assert time.monotonic() - started < 20, argv
        assert code in (0, 1, 2), (argv, code, err)
        assert "Traceback" not in err and "Traceback" not in out
        COUNTS[f"{argv[0]} exit {code}"] += 1


def test_zz_fuzz_counts_for_the_note():
    print("fuzzed harness inputs:", dict(sorted(COUNTS.items())))
