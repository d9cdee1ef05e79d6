"""Container ports as the API server checks them (Kubernetes' validateContainerPorts): a pod
or a workload template with a port the server would refuse is refused before judging, one
line naming the field, since the model would otherwise read a named port that cannot exist."""
from __future__ import annotations

import contextlib
import io

import pytest
import yaml

from netpol_harness.check import RefusedObjects
from netpol_harness.check.podports import container_port_errors
from netpol_harness.assertions.network import build_network
from netpol_harness.cli import main


def pod(*ports: dict, more: tuple[dict, ...] = ()) -> dict:
    containers = [{"name": "app", "ports": list(ports)}, *({"name": f"c{k}", "ports": [p]} for k, p in enumerate(more))]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"containers": containers}}


REFUSED = {
    "a name with a capital": ({"name": "Http", "containerPort": 80},
                           "spec.containers[0].ports[0].name: Invalid value: 'Http': must contain only alpha-numeric "
                           "characters (a-z, 0-9), and hyphens (-)"),
    "a name of 16 characters": ({"name": "abcdefghijklmnop", "containerPort": 80},
                                "spec.containers[0].ports[0].name: Invalid value: 'abcdefghijklmnop': "
                                "must be no more than 15 characters"),
    "a name that is a map": ({"name": {"a": {}}, "containerPort": 80},
                             "spec.containers[0].ports[0].name: Invalid value: {'a': {}}: must be a string"),
    "port 70000": ({"containerPort": 70000},
                   "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"),
    "port 0, the API's unset": ({"containerPort": 0}, "spec.containers[0].ports[0].containerPort: Required value"),
    "a host port past 65535": ({"containerPort": 80, "hostPort": 99999},
                               "spec.containers[0].ports[0].hostPort: Invalid value: 99999: "
                               "must be between 1 and 65535, inclusive"),
    "a port number as a string": ({"containerPort": "80"},
                                  "spec.containers[0].ports[0].containerPort: Invalid value: '80': "
                                  "must be between 1 and 65535, inclusive"),
    "no port number": ({"name": "http"}, "spec.containers[0].ports[0].containerPort: Required value"),
    "protocol in lower case": ({"containerPort": 80, "protocol": "tcp"},
                               "spec.containers[0].ports[0].protocol: Unsupported value: 'tcp': "
                               "supported values: 'TCP', 'UDP', 'SCTP'"),
}


@pytest.mark.parametrize("port, line", REFUSED.values(), ids=REFUSED.keys())
def test_a_container_port_the_api_server_refuses_is_one_line_naming_its_field(port, line):
    assert container_port_errors(pod(port)) == [line]


def test_a_name_given_twice_in_one_container_is_a_duplicate_but_in_two_containers_it_is_not():
    http, again = {"name": "http", "containerPort": 80}, {"name": "http", "containerPort": 8080}
    assert container_port_errors(pod(http, again)) == ["spec.containers[0].ports[1].name: Duplicate value: 'http'"]
    assert container_port_errors(pod(http, more=(again,))) == []


def test_valid_ports_of_every_protocol_and_none_given_pass():
    ports = [{"name": "http", "containerPort": 80}, {"name": "dns", "containerPort": 53, "protocol": "UDP"},
             {"containerPort": 9000, "protocol": "SCTP"}, {"name": "h2c-9", "containerPort": 65535, "protocol": "TCP"}]
    assert container_port_errors(pod(*ports)) == []


WRONG_TYPES = {
    "containers a map": ({"containers": {"app": {}}}, "spec.containers: Invalid value: must be a list, not dict"),
    "a container a string": ({"containers": ["app"]}, "spec.containers[0]: Invalid value: must be a map, not str"),
    "ports a map": ({"containers": [{"name": "app", "ports": {"http": 80}}]},
                    "spec.containers[0].ports: Invalid value: must be a list, not dict"),
}


@pytest.mark.parametrize("spec, line", WRONG_TYPES.values(), ids=WRONG_TYPES.keys())
def test_containers_or_ports_of_the_wrong_type_are_one_line_not_a_late_failure(spec, line):
    assert container_port_errors({"kind": "Pod", "metadata": {"name": "web"}, "spec": spec}) == [line]


def test_workload_templates_are_checked_at_their_own_paths():
    bad = [{"name": "app", "ports": [{"containerPort": 70000}]}]
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"},
                  "spec": {"template": {"spec": {"initContainers": bad}}}}
    cronjob = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly"},
               "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": bad}}}}}}
    assert [e.split(":")[0] for e in container_port_errors(deployment) + container_port_errors(cronjob)] == [
        "spec.template.spec.initContainers[0].ports[0].containerPort",
        "spec.jobTemplate.spec.template.spec.containers[0].ports[0].containerPort"]


def test_build_network_refuses_the_pod_before_any_verdict_reads_its_named_port():
    with pytest.raises(RefusedObjects) as refused:
        build_network([pod({"name": "HTTP", "containerPort": 80})])
    assert refused.value.lines[0].startswith("Pod default/web: spec.containers[0].ports[0].name: Invalid value: 'HTTP'")


def test_reach_on_a_pod_whose_port_name_is_a_map_exits_2_with_one_line_and_no_traceback(tmp_path):
    # Found by sweeping single wrong-typed values through `reach`: this one crashed in the port index.
    path = tmp_path / "pod.yaml"
    path.write_text(yaml.safe_dump(pod({"name": {"a": {}}, "containerPort": 80})))
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        assert main(["reach", str(path), "--port", "80"]) == 2
    assert "spec.containers[0].ports[0].name: Invalid value: {'a': {}}: must be a string" in err.getvalue()
    assert "Traceback" not in err.getvalue()


def test_a_port_name_that_is_a_map_is_refused_even_when_asked_to_judge_invalid_objects():
    with pytest.raises(RefusedObjects) as refused:
        build_network([pod({"name": {"a": {}}, "containerPort": 80})], judge_invalid=True)
    assert "the model cannot read" in str(refused.value)
