"""Cilium's own policies judged as Cilium's documentation says: truth tables in
tests/data/cilium/, each case citing the sentence or example it encodes (the README
there says which version was read). Every expectation must hold, on the single verdict
and in the matrix, with the notes it names.

Every case holds under the `cilium` dataplane profile; a case that needs an agent
setting (`config:`) under the profile with that option. The cases that need neither a
setting nor Cilium's dataplane (`dataplane: cilium`: NetworkPolicy's ipBlock,
--allow-localhost) hold under the API's reading (`kubernetes`) too."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from netpol_harness.net import Cluster, Evaluator

# libyaml reads the truth tables' large files several times faster than the pure-Python loader.
FAST = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DATA = Path(__file__).resolve().parent.parent / "data" / "cilium"
TABLES = sorted(DATA.glob("*.yaml"))


# The Helm values the cases name, as the cilium profile's options.
CONFIG_OPTIONS = {("policyCIDRMatchMode", "nodes"): "policy-cidr-match-mode=nodes", ("sctp.enabled", True): "sctp=true"}


def profile_of(case) -> str:
    options = [CONFIG_OPTIONS[item] for item in (case.get("config") or {}).items()]
    return "cilium" + (":" + ",".join(options) if options else "")


def cases():
    for path in TABLES:
        for k, case in enumerate(yaml.load(path.read_text(), Loader=FAST)["cases"]):
            profiles = [profile_of(case)]
            if not case.get("config") and not case.get("dataplane"):
                profiles.append("kubernetes")
            for profile in profiles:
                yield pytest.param(case, profile, id=f"{path.stem}[{k}]-{profile}")


def test_there_are_truth_tables_for_every_topic():
    topics = {p.stem for p in TABLES}
    assert {"endpoints", "default-deny", "entities", "cidr", "ports", "deny", "with-networkpolicy", "fqdn"} <= topics
    assert sum(len(yaml.load(p.read_text(), Loader=FAST)["cases"]) for p in TABLES) >= 40
    assert {"cilium:policy-cidr-match-mode=nodes", "cilium:sctp=true"} <= {c.values[1] for c in cases()}


@pytest.mark.parametrize("case, profile", list(cases()))
def test_each_documented_case_gets_the_documented_verdict(case, profile):
    cluster = Cluster.from_manifests(case["objects"])
    for ip in case.get("externals") or ():
        cluster.add_external(ip)
    for name, addresses in (case.get("resolve") or {}).items():
        cluster.add_resolved(name, addresses)
    evaluator = Evaluator(cluster, dataplane=profile)
    wrong = []
    for want in case["expect"]:
        verdict = evaluator.check(want["from"], want["to"], want["port"], want["protocol"])
        if ("allowed" if verdict.allowed else "denied") != want["verdict"]:
            wrong.append(f"{want}: {verdict.explain()}")
        if want.get("note") and not any(want["note"] in c for c in verdict.caveats):
            wrong.append(f"{want}: no note {want['note']!r} in {verdict.caveats}")
        if not (want["from"].startswith("ip:") and want["to"].startswith("ip:")):
            matrix = evaluator.matrix(want["port"], want["protocol"], [want["from"], want["to"]])
            assert matrix[(want["from"], want["to"])] == verdict.allowed, f"matrix and check disagree on {want}"
    assert wrong == [], f"{case['name']} ({case['cite']}, {profile}):\n" + "\n\n".join(wrong)
