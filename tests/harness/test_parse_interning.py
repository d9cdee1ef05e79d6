"""Fragments read once and shared read exactly as if each were read on its own: values of
other types never share a reading, and a fragment the API server would refuse is refused
however often a similar one was read before."""
from __future__ import annotations

import collections

import pytest

from netpol_harness.net.objects import ContainerPort, Pod
from netpol_harness.net.parse_keys import UNKEYED, interned, raw_key
from netpol_harness.net.parse_pods import stamp_pod
from netpol_harness.net.policy import NetworkPolicy, PolicyError, Rule
from netpol_harness.net.workloads import pod_spec_ports, spec_ports


def test_values_that_compare_equal_but_read_otherwise_have_no_shared_key():
    assert raw_key({"a": 1}) != raw_key({"a": "1"})
    assert raw_key({"a": 1}) != raw_key({"a": True})
    assert raw_key([0.0]) != raw_key([-0.0])
    assert raw_key(["a"]) != raw_key(("a",))
    assert raw_key({"a": "b", "c": "d"}) != raw_key({"c": "d", "a": "b"})
    assert raw_key({"a": ["b"]}) == raw_key({"a": ["b"]})


def test_objects_of_other_classes_have_no_key():
    class Text(str):
        pass

    for unkeyed in (Text("a"), {"a": Text("b")}, collections.OrderedDict(a="b"), [collections.UserDict()], object()):
        assert raw_key(unkeyed) is UNKEYED


def test_interned_reads_once_per_key_and_keeps_no_error():
    calls = []

    def read(value):
        calls.append(value)
        if value == {"bad": 1}:
            raise ValueError("bad")
        return len(value[0]) if isinstance(value, list) else len(value)

    class Text(str):
        pass

    once = interned(read)
    assert once({"a": 1}) == once({"a": 1}) == 1
    assert once([Text()]) == once([Text()]) == 0  # no key: read each time
    for _ in range(2):
        with pytest.raises(ValueError):
            once({"bad": 1})
    assert calls == [{"a": 1}, [Text()], [Text()], {"bad": 1}, {"bad": 1}]


def test_interned_forgets_all_past_its_bytes_so_large_values_do_not_pile_up():
    calls = []
    once = interned(lambda value: calls.append(value) or len(value), size=3_000)
    big = ["x" * 1_000 + str(k) for k in range(3)]
    for value in big + big[2:]:  # about 1 KB a key: the third forgets the first two, the last is kept
        once(value)
    once(big[0])  # forgotten: read again
    assert calls == [big[0], big[1], big[2], big[0]]


def _policy(name, peer):
    return {"kind": "NetworkPolicy", "metadata": {"name": name, "namespace": "ns"},
            "spec": {"podSelector": {}, "ingress": [{"from": [peer]}]}}


def test_label_values_of_other_types_read_as_their_own_strings_after_each_other():
    read = [NetworkPolicy.from_manifest(_policy(f"p{k}", {"podSelector": {"matchLabels": {"on": value}}}))
            for k, value in enumerate(("1", 1, True, "true", "1"))]
    assert [p.ingress[0].peers[0].pod_selector.match_labels for p in read] == [
        (("on", "1"),), (("on", "1"),), (("on", "true"),), (("on", "true"),), (("on", "1"),)]


def test_a_refused_peer_is_refused_after_a_similar_one_was_read():
    expressions = [{"key": "app", "operator": "In", "values": ["web"]}]
    NetworkPolicy.from_manifest(_policy("ok", {"podSelector": {"matchExpressions": expressions}}))
    with pytest.raises(PolicyError, match="podSelector.matchExpressions must be a list, not tuple"):
        NetworkPolicy.from_manifest(_policy("bad", {"podSelector": {"matchExpressions": tuple(expressions)}}))
    with pytest.raises(PolicyError, match="must be a label selector"):
        Rule.parse({"from": [{"podSelector": "app=web"}]}, "from")


def test_a_pod_stamped_from_its_fields_equals_one_made_by_its_constructor():
    fields = ("ns", "web-1", {"app": "web"}, ("10.244.0.2",), (ContainerPort("http", 80),), "ReplicaSet/web",
              False, "node-1", "")
    stamped, made = stamp_pod(*fields), Pod(*fields)
    assert stamped == made and hash(stamped) == hash(made) and repr(stamped) == repr(made)


def test_replicas_declaring_the_same_ports_share_them_as_read():
    spec = {"containers": [{"ports": [{"name": "http", "containerPort": 8080}]}],
            "initContainers": [{"ports": [{"containerPort": "53", "protocol": "udp"}]}]}
    expected = (ContainerPort("http", 8080, "TCP"), ContainerPort(None, 53, "UDP"))
    assert spec_ports(spec) == spec_ports({**spec}) == expected
    assert pod_spec_ports(spec) == list(expected)


def test_a_policy_read_from_its_manifest_equals_one_made_by_its_constructor():
    manifest = _policy("web", {"podSelector": {"matchLabels": {"app": "web"}}})
    manifest["spec"]["policyTypes"] = ["Ingress"]
    read = NetworkPolicy.from_manifest(manifest)
    made = NetworkPolicy("ns", "web", read.pod_selector, ("Ingress",), read.ingress, (), ("Ingress",))
    assert read == made and hash(read) == hash(made) and repr(read) == repr(made)


def test_a_rule_read_from_its_manifest_equals_one_made_by_its_constructor():
    read = Rule.parse({"from": [{"namespaceSelector": {}}], "ports": [{"port": 53, "protocol": "UDP"}]}, "from")
    made = Rule(read.peers, read.ports)
    assert read == made and hash(read) == hash(made) and repr(read) == repr(made)
