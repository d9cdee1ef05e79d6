"""`scripts/netpol reach` on hand-written manifests (tests/data/reach), run as a user would.

shop.yaml: namespace shop denies ingress by default; frontend takes anyone on its named
port http (8080) and may only send to backend on "api" (8080) and to kube-dns on 53;
backend takes frontend on "api"; db takes backend on 5432.
cluster.yaml: kube-system/kube-dns, and a namespace-less `debug` pod whose egress is denied.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NETPOL = ROOT / "scripts" / "netpol"
DATA = ROOT / "tests" / "data" / "reach"
FILES = [str(DATA / "shop.yaml"), str(DATA / "cluster.yaml")]
PODS = ["kube-system/kube-dns", "shop/backend", "shop/db-0", "shop/frontend", "tools/debug"]


def reach(*args: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(NETPOL), "reach", *args], capture_output=True, text=True, timeout=60, input=stdin)
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def lines_8080() -> list[dict]:
    out = reach(*FILES, "--namespace", "tools", "--port", "8080", "--external", "1.1.1.1", "--format", "jsonl").stdout
    return [json.loads(line) for line in out.splitlines()]


def allowed_pairs(lines: list[dict]) -> set[tuple[str, str]]:
    return {(d["from"], d["to"]) for d in lines if d["allowed"]}


def test_jsonl_has_one_line_per_ordered_pair_with_exactly_the_contract_fields(lines_8080):
    endpoints = PODS + ["ip:1.1.1.1"]
    expected_pairs = {(a, b) for a in endpoints for b in endpoints if a != b and not (a.startswith("ip:") and b.startswith("ip:"))}
    assert [(d["from"], d["to"]) for d in lines_8080] == sorted(expected_pairs, key=lambda p: (endpoints.index(p[0]), endpoints.index(p[1])))
    for d in lines_8080:
        assert list(d) == ["from", "to", "port", "protocol", "allowed"]
        assert d["port"] == 8080 and d["protocol"] == "TCP" and isinstance(d["allowed"], bool)


def test_jsonl_verdicts_on_8080_follow_the_shop_policies(lines_8080):
    assert allowed_pairs(lines_8080) == {
        # frontend's named port http is open to everyone whose egress is open
        ("kube-system/kube-dns", "shop/frontend"), ("shop/backend", "shop/frontend"), ("shop/db-0", "shop/frontend"),
        ("ip:1.1.1.1", "shop/frontend"),
        # backend takes only frontend on "api"; frontend may send only there
        ("shop/frontend", "shop/backend"),
        # kube-dns and debug are not ingress-isolated
        ("shop/backend", "kube-system/kube-dns"), ("shop/db-0", "kube-system/kube-dns"), ("ip:1.1.1.1", "kube-system/kube-dns"),
        ("kube-system/kube-dns", "tools/debug"), ("shop/backend", "tools/debug"), ("shop/db-0", "tools/debug"), ("ip:1.1.1.1", "tools/debug"),
        # egress to the outside is open except for frontend and debug
        ("kube-system/kube-dns", "ip:1.1.1.1"), ("shop/backend", "ip:1.1.1.1"), ("shop/db-0", "ip:1.1.1.1"),
    }


def test_protocol_and_port_change_the_answer():
    dns = [json.loads(x) for x in reach(*FILES, "--port", "53", "--protocol", "udp").stdout.splitlines()]
    assert all(d["protocol"] == "UDP" for d in dns)
    assert ("shop/frontend", "kube-system/kube-dns") in allowed_pairs(dns)
    pg = [json.loads(x) for x in reach(*FILES, "--port", "5432").stdout.splitlines()]
    assert {p for p in allowed_pairs(pg) if p[1] == "shop/db-0"} == {("shop/backend", "shop/db-0")}


def test_objects_without_namespace_land_in_the_default_namespace():
    out = reach(*FILES, "--port", "80").stdout
    assert '"from": "default/debug"' in out and "tools/debug" not in out


def test_table_shows_a_matrix_that_agrees_with_jsonl(lines_8080):
    out = reach(*FILES, "--namespace", "tools", "--port", "8080", "--external", "1.1.1.1", "--format", "table").stdout
    rows = [line for line in out.splitlines()[2:] if "ordered pairs allowed" not in line]
    endpoints = PODS + ["ip:1.1.1.1"]
    assert len(rows) == len(endpoints)
    for row, src in zip(rows, endpoints):
        name, marks = row.split()[1], row.split()[2:]
        assert name == src and len(marks) == len(endpoints)
        for dst, mark in zip(endpoints, marks):
            want = "-" if (src, dst) not in {(d["from"], d["to"]) for d in lines_8080} else ("Y" if (src, dst) in allowed_pairs(lines_8080) else ".")
            assert mark == want, (src, dst)
    assert f"{len(allowed_pairs(lines_8080))} of {len(lines_8080)} ordered pairs allowed" in out


def test_explain_names_the_policies_and_the_closest_miss():
    out = reach(*FILES, "--port", "9000", "--explain", "shop/frontend", "shop/backend").stdout
    assert out.startswith("DENIED: shop/frontend -> shop/backend on 9000/TCP")
    assert "isolated by: shop/frontend" in out and "isolated by: shop/default-deny-ingress, shop/backend" in out
    assert "named port 'api' is 8080/TCP on shop/backend, not 9000" in out
    ok = reach(*FILES, "--port", "8080", "--explain", "shop/frontend", "shop/backend").stdout
    assert ok.startswith("ALLOWED") and "allowed by shop/backend ingress[0]" in ok and "allowed by shop/frontend egress[0]" in ok


def test_explain_accepts_outside_addresses():
    out = reach(*FILES, "--port", "443", "--explain", "shop/frontend", "ip:1.1.1.1").stdout
    assert out.startswith("DENIED") and "ip:1.1.1.1 is outside the pod network" in out


def test_bad_input_exits_2_with_a_message():
    missing = reach(str(DATA / "nope.yaml"), "--port", "80", check=False)
    assert missing.returncode == 2 and "nope.yaml" in missing.stderr
    unknown = reach(*FILES, "--port", "80", "--explain", "shop/nobody", "shop/db", check=False)
    assert unknown.returncode == 2 and "unknown endpoint 'shop/nobody'" in unknown.stderr
    port = reach(*FILES, "--port", "70000", check=False)
    assert port.returncode == 2 and "--port" in port.stderr


def test_manifests_can_come_from_stdin():
    manifests = """
kind: Pod
metadata: {name: a, labels: {app: a}}
---
kind: Pod
metadata: {name: b}
---
kind: NetworkPolicy
metadata: {name: only-a}
spec:
  podSelector: {}
  ingress:
    - from: [{podSelector: {matchLabels: {app: a}}}]
"""
    lines = [json.loads(x) for x in reach("-", "--port", "80", stdin=manifests).stdout.splitlines()]
    assert lines == [
        {"from": "default/a", "to": "default/b", "port": 80, "protocol": "TCP", "allowed": True},
        {"from": "default/b", "to": "default/a", "port": 80, "protocol": "TCP", "allowed": False},
    ]


def test_a_policy_the_api_server_would_reject_is_reported_not_guessed():
    bad = "kind: NetworkPolicy\nmetadata: {name: bad}\nspec:\n  podSelector: {}\n  ingress:\n    - from: [{}]\n"
    result = reach("-", "--port", "80", stdin=bad, check=False)
    assert result.returncode == 2 and "NetworkPolicy default/bad: spec.ingress[0].from[0]: Required value: must specify a peer" in result.stderr


def test_a_whole_matrix_over_max_pairs_is_refused_with_what_to_ask_instead():
    pods = "".join(f"---\nkind: Pod\napiVersion: v1\nmetadata: {{name: p{i}}}\n" for i in range(30))
    result = reach("-", "--port", "80", "--max-pairs", "800", stdin=pods, check=False)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == ("netpol reach: 30 endpoints make 900 pairs, more than --max-pairs 800: ask about one "
                                     "pair (--explain FROM TO), or raise --max-pairs")
    one = reach("-", "--port", "80", "--max-pairs", "800", "--explain", "p1", "p2", stdin=pods)
    assert one.stdout.startswith("ALLOWED: default/p1 -> default/p2")
