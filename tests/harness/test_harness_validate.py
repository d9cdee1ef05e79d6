"""netpol_harness.check: values against the chart's schema (after Helm-style merging),
manifests against strict Kubernetes schemas, NetworkPolicies against API rules."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest

from netpol_harness.check import merged_values, validate_all, validate_kubernetes, validate_values
from netpol_harness.check.kubernetes import UnsupportedKubernetesVersion, schema_dir

TINY = Path(__file__).parents[1] / "data" / "harness" / "charts" / "tiny"

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 8080}]}]},
        },
    },
}
POLICY = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {
        "podSelector": {"matchLabels": {"app": "web"}},
        "policyTypes": ["Ingress", "Egress"],
        "egress": [{"to": [{"ipBlock": {"cidr": "192.0.2.0/24"}}], "ports": [{"port": 443, "protocol": "TCP"}]}],
    },
}
ROLE = {
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "Role",
    "metadata": {"name": "jobs", "namespace": "shop"},
    "rules": [{"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["create", "get"]}],
}


@pytest.fixture(autouse=True)
def bundled_schemas(monkeypatch):
    """These tests pin the bundled-schema engine (its messages are asserted); the
    kubeconform adapter has its own test below."""
    monkeypatch.setenv("NETPOL_VALIDATOR", "python")


def changed(obj: dict, path: str, value) -> dict:
    """A copy of obj with the dotted path (ints index lists) set to value."""
    out = copy.deepcopy(obj)
    node = out
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value
    return out


# --- values --------------------------------------------------------------------------


def test_chart_defaults_pass_their_own_schema():
    assert validate_values(TINY, {}) == []


def test_wrong_type_in_values_is_reported_with_its_path():
    errors = validate_values(TINY, {"size": "big", "policy": {"ports": [80, "https"]}})
    assert errors == [
        "policy.ports[1]: 'https' is not of type 'integer'",
        "size: 'big' is not of type 'integer'",
    ]


def test_values_out_of_range_and_unknown_nested_key_are_reported():
    errors = validate_values(TINY, {"policy": {"ports": [70000], "enabeld": True}})
    assert any(e.startswith("policy.ports[0]:") and "65535" in e for e in errors), errors
    assert any(e.startswith("policy:") and "enabeld" in e for e in errors), errors


def test_given_values_are_merged_over_chart_defaults_like_helm():
    merged = merged_values(TINY, {"policy": {"enabled": True}, "message": None})
    # nested defaults survive, a null deletes the default
    assert merged["policy"] == {"enabled": True, "ports": []}
    assert "message" not in merged
    # so a wrong default is still caught when the user only sets a sibling
    assert validate_values(TINY, {"policy": {"enabled": "yes"}}) == ["policy.enabled: 'yes' is not of type 'boolean'"]


# --- Kubernetes schemas --------------------------------------------------------------


def test_valid_objects_pass_strict_schemas():
    assert validate_kubernetes([DEPLOYMENT, POLICY, ROLE]) == []


@pytest.mark.parametrize(
    "obj, path, value, expected",
    [
        (POLICY, "spec.bogus", True, "NetworkPolicy/web: spec: Additional properties are not allowed ('bogus' was unexpected)"),
        (POLICY, "spec.egress.0.to.0.ipBlock.cidrs", ["10.0.0.0/8"], "'cidrs' was unexpected"),
        (DEPLOYMENT, "spec.template.spec.containers.0.imagePullPolicyy", "Always", "'imagePullPolicyy' was unexpected"),
        (DEPLOYMENT, "metadata.label", {"a": "b"}, "metadata: Additional properties are not allowed ('label' was unexpected)"),
        (ROLE, "rules.0.verb", ["get"], "rules[0]: Additional properties are not allowed ('verb' was unexpected)"),
    ],
    ids=["policy spec", "ipBlock", "container", "metadata", "role rule"],
)
def test_strict_schema_rejects_an_unknown_field(obj, path, value, expected):
    errors = validate_kubernetes([changed(obj, path, value)])
    assert any(expected in e for e in errors), errors


@pytest.mark.parametrize(
    "obj, path, value, expected",
    [
        (DEPLOYMENT, "spec.replicas", "two", "Deployment/web: spec.replicas: 'two' is not of type 'integer'"),
        (POLICY, "spec.podSelector.matchLabels.app", 5, "spec.podSelector.matchLabels.app: 5 is not of type 'string'"),
        (POLICY, "spec.policyTypes", "Ingress", "spec.policyTypes: 'Ingress' is not of type 'array'"),
        (POLICY, "spec.egress.0.ports.0.port", 4.5, "spec.egress[0].ports[0].port"),
    ],
    ids=["replicas", "label value", "policyTypes", "port"],
)
def test_strict_schema_rejects_a_wrong_type(obj, path, value, expected):
    errors = validate_kubernetes([changed(obj, path, value)])
    assert any(expected in e for e in errors), errors


def test_unknown_kind_or_api_version_is_an_error_not_a_pass():
    assert validate_kubernetes([{**POLICY, "apiVersion": "networking.k8s.io/v1beta1"}]) == [
        "NetworkPolicy/web: no schema for NetworkPolicy networking.k8s.io/v1beta1 in Kubernetes 1.33"
    ]
    assert validate_kubernetes([{"metadata": {"name": "x"}}]) == ["?/x: apiVersion and kind are required"]


def test_schema_folder_is_the_strict_one_of_the_version_asked_and_one_without_schemas_is_an_error():
    assert schema_dir("1.33").name == "v1.33.0-local-strict"
    assert schema_dir("v1.28.4").name == "v1.28.0-local-strict"
    with pytest.raises(UnsupportedKubernetesVersion, match="1.99"):
        schema_dir("1.99")
    with pytest.raises(ValueError):
        schema_dir("1.10")


# --- everything together -------------------------------------------------------------


def test_validate_all_adds_api_server_rules_the_schema_cannot_see():
    bad = changed(POLICY, "spec.egress.0.to.0.ipBlock.cidr", "192.0.2.1/24")
    assert validate_kubernetes([bad]) == []  # a string is a string to the schema
    assert validate_all([bad, DEPLOYMENT]) == [
        "NetworkPolicy/web: spec.egress[0].to[0].ipBlock.cidr: Invalid value: '192.0.2.1/24': "
        "must not have bits set beyond the prefix length (harness: the API server would widen it to 192.0.2.0/24)"
    ]


def test_validate_all_passes_valid_objects():
    assert validate_all([DEPLOYMENT, POLICY, ROLE]) == []


def test_kubeconform_adapter_sends_strict_flags_and_reads_its_json_report(tmp_path, monkeypatch):
    # kubeconform is not installed here; a stand-in that records its arguments and
    # answers in kubeconform's JSON report format checks the adapter's contract.
    fake = tmp_path / "kubeconform"
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "$@" > {tmp_path}/args\n'
        f"cat > {tmp_path}/stdin\n"
        'echo \'{"resources": [{"filename": "stdin", "kind": "NetworkPolicy", "name": "web", "version": "networking.k8s.io/v1",'
        ' "status": "statusInvalid", "msg": "problem validating schema"}]}\'\n'
        "exit 1\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{__import__('os').environ['PATH']}")
    monkeypatch.delenv("NETPOL_VALIDATOR", raising=False)
    assert validate_kubernetes([POLICY]) == ["NetworkPolicy/web: problem validating schema"]
    args = (tmp_path / "args").read_text().split()
    assert "-strict" in args and args[args.index("-kubernetes-version") + 1] == "1.33.0"
    assert "name: web" in (tmp_path / "stdin").read_text()
    # and the bundled schemas can still be forced
    monkeypatch.setenv("NETPOL_VALIDATOR", "python")
    assert validate_kubernetes([POLICY]) == []


def _validate_command(argv: list[str]) -> int:
    import argparse

    from netpol_harness.cli import validate as cli_validate

    parser = argparse.ArgumentParser()
    cli_validate.add_arguments(parser)
    return cli_validate.run(parser.parse_args(argv))


def test_validate_command_passes_a_clean_chart(capsys):
    assert _validate_command([str(TINY), "--set", "policy.enabled=true"]) == 0
    assert "no errors" in capsys.readouterr().out


def test_validate_command_names_the_bad_value_and_helms_refusal(tmp_path, capsys):
    values = tmp_path / "values.yaml"
    values.write_text("policy:\n  enabled: true\n  ports: [0]\n")
    code = _validate_command([str(TINY), "-f", str(values), "--no-cache"])
    out = capsys.readouterr()
    assert code == 2  # helm itself refused (the chart schema has minimum 1)
    assert "error   values               policy.ports[0]: 0 is less than the minimum of 1" in out.err
    assert "helm: " in out.err
