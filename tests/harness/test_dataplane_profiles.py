"""Dataplane profiles: each profile's departures from the NetworkPolicy API, shown case by
case in tests/data/dataplanes/departures.yaml (the manifests, each profile's verdict, and
the notes that cite the departure's source), and the profiles as data: named, parsed,
cited, and never changing what the API's reading (`kubernetes`) says."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from netpol_harness.net import PROFILES, Cluster, Evaluator, UnknownDataplane, add_cluster_dns, dataplane, dataplanes

DATA = Path(__file__).resolve().parent.parent / "data" / "dataplanes" / "departures.yaml"
TABLE = yaml.safe_load(DATA.read_text())


def profiles_of(case) -> list[str]:
    """Every profile at its defaults, and the ones with options the case names."""
    named = {p for want in case["expect"] for p in want["verdict"]} | set(case["departures"])
    return list(PROFILES) + sorted(named - set(PROFILES) - {"default"})


def cases():
    for k, case in enumerate(TABLE["cases"]):
        for profile in profiles_of(case):
            yield pytest.param(case, profile, id=f"{k}-{profile}")


def judge(case, profile: str, want):
    cluster = Cluster.from_manifests(TABLE["base"] + case["objects"])
    chosen = dataplane(profile)
    add_cluster_dns(cluster, chosen)
    ev = Evaluator(cluster, dataplane=chosen)
    to = f"svc:{chosen.dns.namespace}/{chosen.dns.name}:53" if want["to"] == "dns" else want["to"]
    verdict = ev.verdict_for(want["from"], to, want["port"], want.get("protocol", "TCP"))
    # The explanation carries the notes, and the dataplane's own steps (the local host's).
    return verdict, verdict.explain().splitlines()


@pytest.mark.parametrize("case, profile", list(cases()))
def test_each_profile_gives_its_documented_verdict_and_cites_the_departure(case, profile):
    chosen = dataplane(profile)
    wrong = []
    for want in case["expect"]:
        verdict, notes = judge(case, profile, want)
        expected = want["verdict"].get(profile, want["verdict"]["default"])
        if ("allowed" if verdict.allowed else "denied") != expected:
            wrong.append(f"{want}: want {expected}:\n{verdict.explain()}")
        if profile in want.get("noted", ()):
            departure = chosen.departure(case["departures"][profile])
            if not any(departure.says in n and departure.source in n for n in notes):
                wrong.append(f"{want}: no note citing {departure.key} ({departure.source}) in {notes}")
    assert wrong == [], f"{case['name']} on {profile}:\n" + "\n\n".join(wrong)


def test_every_departure_of_every_profile_has_a_case():
    shown = {(profile, key) for case in TABLE["cases"] for profile, key in case["departures"].items()}
    missing = [(p.name, d.key) for p in PROFILES.values() for d in p.departures if (p.name, d.key) not in shown]
    assert missing == []
    assert all(dataplane(profile).has(key) for profile, key in shown)


def test_every_departure_cites_a_public_source():
    for profile in PROFILES.values():
        for d in profile.departures:
            assert d.source.startswith("https://") and d.says, (profile.name, d.key)


def test_profiles_are_named_with_their_options():
    nodes = dataplane("cilium:policy-cidr-match-mode=nodes")
    assert nodes.name == "cilium:policy-cidr-match-mode=nodes" and nodes.ipblock_hosts == {"ingress", "egress"}
    assert dataplane("cilium:allow-localhost=policy").local_host_allowed is False
    assert [p.name for p in dataplanes(["all"])] == list(PROFILES)
    assert [p.name for p in dataplanes(["calico", "calico", "cilium"])] == ["calico", "cilium"]
    assert dataplanes(None) == [PROFILES["kubernetes"]]


@pytest.mark.parametrize("spec, says", [
    ("weave", "unknown dataplane 'weave': use one of kubernetes, cilium, calico"),
    ("cilium:policy-cidr-match-mode=pods", "unknown option 'policy-cidr-match-mode=pods' (options of cilium: "
                                           "policy-cidr-match-mode=nodes; allow-localhost=policy|always"),
    ("calico:sctp=true", "unknown option 'sctp=true' (options of calico: none)"),
])
def test_an_unknown_profile_or_option_is_refused_naming_what_exists(spec, says):
    with pytest.raises(UnknownDataplane, match=re.escape(says)):
        dataplane(spec)


def test_the_api_reading_is_the_default_and_no_departure_changes_it():
    cluster = Cluster.from_manifests(TABLE["base"] + TABLE["cases"][0]["objects"])
    default, explicit = Evaluator(cluster), Evaluator(cluster, dataplane="kubernetes")
    for port in (80, 443, 6443):
        assert dict(default.matrix(port).items()) == dict(explicit.matrix(port).items())


def test_a_host_network_pod_on_no_known_node_is_matched_by_no_ipblock_and_says_so():
    cluster = Cluster.from_manifests([
        {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent", "namespace": "kube-system"},
         "spec": {"template": {"metadata": {"labels": {"app": "agent"}}, "spec": {"hostNetwork": True}}}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "app", "namespace": "default", "labels": {"app": "app"}}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "from-anywhere"},
         "spec": {"podSelector": {}, "policyTypes": ["Ingress"],
                  "ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]}}])
    agent = next(p.id for p in cluster.pods if p.host_network)
    verdict = Evaluator(cluster, dataplane="calico").check(agent, "default/app", 80)
    assert verdict.denied
    assert any("on a node the model does not have" in c for c in verdict.caveats)
    assert Evaluator(cluster).check(agent, "default/app", 80).allowed  # the API's reading: a pod like any other
