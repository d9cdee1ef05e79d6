"""Validate before judging: `build_network`, `netpol reach`, `netpol report` and `netpol
check` refuse an object the API server would refuse (one line each: object, field, reason),
a malformed object is one line and never a traceback, and `judge_invalid` judges anyway,
every verdict saying so."""
from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
import yaml

from netpol_harness.assertions.network import build_network, judging_invalid
from netpol_harness.check import RefusedObjects
from netpol_harness.check.apirules import networkpolicy_errors
from netpol_harness.cli import reach as reach_cli
from netpol_harness.cli import report as report_cli

WEB = {"kind": "Pod", "metadata": {"name": "web", "labels": {"app": "web"}}}
CLIENT = {"kind": "Pod", "metadata": {"name": "client", "labels": {"app": "client"}}}


def policy(spec: dict, name: str = "np") -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": name}, "spec": spec}


PORT_70000 = policy({"podSelector": {"matchLabels": {"app": "web"}}, "ingress": [{"ports": [{"port": 70000}]}]})
EXCEPT_OUTSIDE = policy({"podSelector": {"matchLabels": {"app": "web"}},
                         "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["192.168.0.0/16"]}}]}]})
MALFORMED = {
    "podSelector a string": (policy({"podSelector": "x"}), "NetworkPolicy default/np: spec.podSelector: must be a label selector"),
    "ports a map": (policy({"podSelector": {}, "ingress": [{"ports": {}}]}), "NetworkPolicy default/np: spec.ingress[0].ports: "),
    "a port a string": (policy({"podSelector": {}, "ingress": [{"ports": ["80"]}]}), "NetworkPolicy default/np: spec.ingress[0].ports[0]: must be a map"),
    "pod without metadata": ({"kind": "Pod", "spec": {}}, "Pod default/<unnamed>: metadata.name: Required value"),
    "metadata a string": ({"kind": "Pod", "metadata": "web"}, "Pod default/<unnamed>: metadata.name: Required value"),
}


@pytest.mark.parametrize("obj, line", MALFORMED.values(), ids=MALFORMED.keys())
def test_build_network_refuses_a_malformed_object_in_one_line_naming_object_and_field(obj, line):
    for judge_invalid in (False, True):  # a malformed object cannot be judged even when asked to
        with pytest.raises(RefusedObjects) as refused:
            build_network([WEB, obj], judge_invalid=judge_invalid)
        assert any(x.startswith(line) for x in refused.value.lines), refused.value.lines


def test_build_network_refuses_a_policy_the_api_server_would_refuse_and_says_how_to_judge_it_anyway():
    with pytest.raises(RefusedObjects) as refused:
        build_network([WEB, CLIENT, PORT_70000])
    assert refused.value.lines == ["NetworkPolicy default/np: spec.ingress[0].ports[0].port: Invalid value: 70000: "
                                   "must be between 1 and 65535, inclusive"]
    assert "--judge-invalid" in str(refused.value) and "judge_invalid=True" in str(refused.value)


def test_judge_invalid_judges_as_written_and_every_verdict_says_the_api_server_would_refuse_it():
    net = build_network([WEB, CLIENT, PORT_70000], judge_invalid=True)
    for src, dst in (("client", "web"), ("web", "client"), ("web", "ip:1.1.1.1")):
        verdict = net.judged(src, dst, 80)
        assert any("judged although the API server would refuse it" in c and "70000" in c for c in verdict.caveats)
    assert net.judged("client", "web", 80).denied


def test_judging_invalid_sets_the_default_for_a_block_as_netpol_check_does():
    with judging_invalid():
        net = build_network([WEB, EXCEPT_OUTSIDE])
    assert any("strict subset" in str(u) for u in net.cluster.unmodelled)
    with pytest.raises(RefusedObjects):
        build_network([WEB, EXCEPT_OUTSIDE])


def test_valid_manifests_pass_unchanged_and_carry_no_refusal():
    net = build_network([WEB, CLIENT, policy({"podSelector": {"matchLabels": {"app": "web"}},
                                                 "ingress": [{"ports": [{"port": 80}]}]})])
    assert net.cluster.unmodelled == [] and net.judged("client", "web", 80).caveats == ()


def test_a_string_where_a_list_of_peers_belongs_is_one_message():
    errors = networkpolicy_errors(policy({"podSelector": {}, "ingress": [{"from": "everyone"}]}))
    assert errors == ["spec.ingress[0].from: Invalid value: 'everyone': must be a list of peers, not str"]


def test_a_string_where_a_list_of_rules_or_policy_types_belongs_is_one_message_each():
    errors = networkpolicy_errors(policy({"podSelector": {}, "egress": "all", "policyTypes": "Egress"}))
    assert [e.split(":")[0] for e in errors] == ["spec.egress", "spec.policyTypes"]


def _write(tmp_path: Path, *objects: dict) -> str:
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump_all(objects))
    return str(path)


def _run(cli, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return cli.run(parser.parse_args(list(argv)))


def test_reach_refuses_each_invalid_object_in_one_line_and_exits_2(tmp_path, capsys):
    path = _write(tmp_path, WEB, policy({"podSelector": "x"}), {"kind": "Pod", "spec": {}})
    assert _run(reach_cli, path, "--port", "80") == 2
    err = capsys.readouterr().err.splitlines()
    assert err[:2] == ["netpol reach: NetworkPolicy default/np: spec.podSelector: must be a label selector (a map), not str",
                       "netpol reach: Pod default/<unnamed>: metadata.name: Required value: name or generateName is required"]
    assert "Traceback" not in "\n".join(err) and "--judge-invalid" in err[-1]


def test_reach_judges_invalid_with_the_option_and_marks_each_line(tmp_path, capsys):
    assert _run(reach_cli, _write(tmp_path, WEB, CLIENT, PORT_70000), "--port", "80", "--judge-invalid") == 0
    lines = [yaml.safe_load(line) for line in capsys.readouterr().out.splitlines()]
    assert lines and all(any("would refuse it" in n for n in line["not_modelled"]) for line in lines)


def test_report_neither_probes_a_port_nor_invents_a_witness_for_a_refused_policy(tmp_path, capsys):
    for bad in (PORT_70000, EXCEPT_OUTSIDE):
        assert _run(report_cli, _write(tmp_path, WEB, CLIENT, bad)) == 2  # bad input
        captured = capsys.readouterr()
        assert captured.out == "" and "would refuse this policy" in captured.err


def test_report_with_judge_invalid_says_so_on_every_verdict(tmp_path, capsys):
    assert _run(report_cli, _write(tmp_path, WEB, CLIENT, PORT_70000), "--judge-invalid") == 0
    out = capsys.readouterr().out
    # Each verdict is an item of the text report, wrapped at 100 characters under its first line.
    verdicts = [" ".join(item.split()) for item in re.findall(r"^  (?:to|from) .*?(?=^  (?:to|from) |^\S|\Z)", out,
                                                              re.M | re.S)]
    assert verdicts and all("judged although the API server would refuse it" in item for item in verdicts)
