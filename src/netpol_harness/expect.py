"""Expectations as data: a chart keeps `netpol-expect.yaml` beside its Chart.yaml, and
lists per values file the flows that must be allowed or denied, and "only" sets
(exactly these may reach X on port P). `netpol check CHART` runs them all; the pytest
plugin collects the same file as one test item per expectation.

    with: [cluster/admin-policies.yaml]   # optional: the cluster's objects, for every case
    cases:
      - name: gitops                      # optional; default: the values file's name
        values: ci/gitops-values.yaml     # relative to the chart, else to the project root
        set: {networkPolicy: {ingress: {enabled: true}}}   # optional, merged over the file
        release: jes                      # default: test
        namespace: keptn                  # default: default
        externals: [192.0.2.10]           # outside addresses to judge
        resolve: {keptn.example.com: [203.0.113.20]}   # what names resolve to, for toFQDNs peers
        with: [cluster/keptn.yaml]        # optional: more cluster objects, for this case
        expect:
          - {from: jes-job-executor-service, to: kube-system/kube-dns, port: 53, protocol: UDP, allowed: true}
          - {from: {labels: {app: client}, namespace: "*"}, to: svc:keptn/api:443, allowed: false}
          - {to: jes-job-executor-service, port: 8080, only: []}
          - {from: jes-job-executor-service, to: apiserver, port: 6443, allowed: false, dataplanes: [cilium]}

An endpoint is "ns/pod", a pod or workload name, "ip:ADDR", "svc:NS/NAME:PORT", or
{labels: {...}, namespace: NS} for any pod with those labels there ("*": in another
namespace). kube-dns (kube-system, k8s-app: kube-dns) is always there. A values file's
`# needs:` header decides how it renders (netpol_harness.environments). The file is
checked against SCHEMA first, so a typo is an error, not a silent pass.

`with:` names YAML files, relative to the expectation file, of objects the cluster has
beside the render (its AdminNetworkPolicies and BaselineAdminNetworkPolicy, namespaces
with their labels, other releases' policies, pods, nodes; netpol_harness.clusterfiles):
the file's list applies to every case, a case's list adds to it, and every expectation of
the case is judged with them. A file that cannot be read is an ExpectationFileError.

`dataplanes:` on an expectation judges it as each named CNI enforces the policies
(netpol_harness.net.dataplanes: kubernetes, cilium, calico, ovn-kubernetes, openshift,
kube-router, with options, or all); without it, under the profiles the run names
(`netpol check --dataplane`), else the API's own reading. Each profile's cluster DNS is
there too (OpenShift's dns-default on 5353).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import jsonschema
import yaml

from . import project
from .clusterfiles import ClusterFileError, read_cluster_files
from .environments import Example, needs_of, run_example
from .assertions.network import NetworkAssertions, add_kube_dns, build_network
from .net.cluster import add_cluster_dns
from .net.dataplanes import KUBERNETES, Dataplane, UnknownDataplane, dataplane as profile, dataplanes as profiles
from .helm.template import DEFAULT_NAMESPACE, DEFAULT_RELEASE
from .junit import junit_suite
from .loader import load_yaml_file
from .matrix import deep_merge

FILE_NAME = "netpol-expect.yaml"

_ENDPOINT = {"oneOf": [
    {"type": "string", "minLength": 1},
    {"type": "object", "additionalProperties": False, "required": ["labels"],
     "properties": {"labels": {"type": "object", "additionalProperties": {"type": "string"}},
                    "namespace": {"type": "string", "minLength": 1}}},
]}
_WITH = {"type": "array", "items": {"type": "string", "minLength": 1}}
SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object", "additionalProperties": False, "required": ["cases"],
    "properties": {"with": _WITH, "cases": {"type": "array", "minItems": 1, "items": {
        "type": "object", "additionalProperties": False, "required": ["expect"],
        "properties": {
            "name": {"type": "string"}, "values": {"type": "string"}, "set": {"type": "object"},
            "release": {"type": "string"}, "namespace": {"type": "string"},
            "externals": {"type": "array", "items": {"type": "string"}}, "with": _WITH,
            "resolve": {"type": "object", "additionalProperties": {
                "type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}}},
            "expect": {"type": "array", "minItems": 1, "items": {
                "type": "object", "additionalProperties": False, "required": ["to"],
                "properties": {"from": _ENDPOINT, "to": _ENDPOINT,
                               "port": {"type": "integer", "minimum": 1, "maximum": 65535},
                               "protocol": {"enum": ["TCP", "UDP", "SCTP"]}, "allowed": {"type": "boolean"},
                               "only": {"type": "array", "items": _ENDPOINT}, "why": {"type": "string"},
                               "dataplanes": {"type": "array", "minItems": 1, "items": {"type": "string"}}},
                "oneOf": [{"required": ["from", "allowed"], "not": {"required": ["only"]}},
                          {"required": ["only", "port"], "not": {"anyOf": [{"required": ["from"]}, {"required": ["allowed"]}]}}],
            }},
        },
    }}},
}


class ExpectationFileError(ValueError):
    """The expectation file is not what SCHEMA says; the message names the entry."""


@dataclass(frozen=True)
class Case:
    name: str
    values_file: Path | None
    values: dict
    release: str
    namespace: str
    externals: tuple[str, ...]
    expect: tuple[dict, ...]
    cluster: tuple[dict, ...] = ()  # the objects of the `with:` files, the file's then the case's
    resolve: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (name, addresses): what toFQDNs peers mean


@dataclass
class Outcome:
    case: str
    expectation: str
    ok: bool
    message: str = ""


def _resolve(chart: Path, path: str) -> Path:
    for base in (chart, project.root()):
        if (base / path).is_file():
            return base / path
    raise ExpectationFileError(f"values file {path!r} is neither under {chart} nor under {project.root()}")


def load(chart: Path, path: Path | None = None) -> list[Case]:
    path = path or chart / FILE_NAME
    data = load_yaml_file(path)
    errors = sorted(jsonschema.Draft7Validator(SCHEMA).iter_errors(data), key=lambda e: list(map(str, e.path)))
    if errors:
        where = ".".join(str(p) for p in errors[0].absolute_path) or "(root)"
        raise ExpectationFileError(f"{path}: {where}: {errors[0].message}")
    shared = _cluster_objects(path, data.get("with") or [], "with")
    cases = []
    for n, raw in enumerate(data["cases"]):
        for k, e in enumerate(raw["expect"]):
            try:
                profiles(e.get("dataplanes"))
            except UnknownDataplane as err:
                raise ExpectationFileError(f"{path}: cases.{n}.expect.{k}.dataplanes: {err}") from None
        values_file = _resolve(chart, raw["values"]) if raw.get("values") else None
        base = (load_yaml_file(values_file) or {}) if values_file else {}
        cases.append(Case(raw.get("name") or (values_file.name if values_file else "defaults"), values_file,
                          deep_merge(base, raw.get("set") or {}), raw.get("release", DEFAULT_RELEASE),
                          raw.get("namespace", DEFAULT_NAMESPACE), tuple(raw.get("externals") or ()),
                          tuple(raw["expect"]), shared + _cluster_objects(path, raw.get("with") or [], f"cases.{n}.with"),
                          tuple((name, tuple(ips)) for name, ips in (raw.get("resolve") or {}).items())))
    return cases


def _cluster_objects(path: Path, files: list[str], where: str) -> tuple[dict, ...]:
    """The objects of `with:` files, named relative to the expectation file at `path`."""
    try:
        return tuple(read_cluster_files(path.parent / f for f in files))
    except ClusterFileError as err:
        raise ExpectationFileError(f"{path}: {where}: {err}") from None


def objects_for(chart: Path, case: Case, stub_disabled_dependencies: bool = False) -> list[dict]:
    """The case rendered as its values file's environment would render it (with empty
    stand-ins for disabled dependencies missing from charts/, when asked)."""
    needs = needs_of(case.values_file) if case.values_file else set()
    example = Example(chart, case.values_file or chart / "values.yaml", needs)
    outcome = run_example(example, release=case.release, namespace=case.namespace, values=case.values,
                          stub_disabled_dependencies=stub_disabled_dependencies)
    if outcome.error or outcome.skipped:
        raise RuntimeError(f"case {case.name}: {outcome.how}: {outcome.error or outcome.skipped}")
    return outcome.objects


def network_for(objects: list[dict], case: Case, extra_objects: Iterable[dict] = (),
                dataplane: Dataplane = KUBERNETES) -> NetworkAssertions:
    """A fresh network per expectation: the probes one adds never answer another. Beside
    the render: the case's `with:` objects, then `extra_objects` (`netpol check --with`),
    kube-dns and the dataplane's own cluster DNS."""
    def dns(cluster):
        add_kube_dns(cluster)
        add_cluster_dns(cluster, dataplane)
    return build_network(objects, default_namespace=case.namespace, externals=case.externals, setup=dns,
                         extra_objects=[*case.cluster, *extra_objects], dataplane=dataplane, resolve=dict(case.resolve))


def dataplanes_of(e: Mapping[str, Any], default: Iterable[Dataplane] = ()) -> list[Dataplane]:
    """The profiles an expectation is judged under: its own, else `default`, else the API's reading."""
    if e.get("dataplanes"):
        return profiles(e["dataplanes"])
    return list(default) or [KUBERNETES]


def describe_under(e: Mapping[str, Any], dataplane: Dataplane, named: bool) -> str:
    """`describe`, naming the profile when the expectation or the run names one."""
    return f"{describe(e)} [{dataplane.name}]" if named else describe(e)


def describe(e: Mapping[str, Any]) -> str:
    port = f" on {e['port']}/{e.get('protocol', 'TCP')}" if e.get("port") else ""
    if "only" in e:
        return f"only {_text(e['only'])} reach {_text(e['to'])}{port}"
    return f"{_text(e['from'])} -> {_text(e['to'])}{port}: {'allowed' if e['allowed'] else 'denied'}"


def _text(endpoint: Any) -> str:
    if not isinstance(endpoint, (dict, list)):
        return str(endpoint)
    return yaml.safe_dump(endpoint, default_flow_style=True, width=10_000).strip()


def _endpoint(net: NetworkAssertions, ref: Any, case: Case) -> str:
    if isinstance(ref, Mapping):
        namespace = ref.get("namespace", case.namespace)
        return net.probe(ref["labels"], None if namespace == "*" else namespace)
    return str(ref)


def judge(net: NetworkAssertions, case: Case, e: Mapping[str, Any]) -> tuple[bool, str]:
    """(held, the evaluator's explanation when it did not)."""
    protocol = e.get("protocol", "TCP")
    dst = _endpoint(net, e["to"], case)
    if "only" in e:
        expected = [_endpoint(net, r, case) for r in e["only"]]
        problem = net.reach_mismatch(dst, expected, e["port"], protocol, towards=True)
        return problem is None, problem or ""
    verdict = net.judged(_endpoint(net, e["from"], case), dst, e.get("port"), protocol)
    held = verdict.allowed if e["allowed"] else verdict.denied
    return held, "" if held else verdict.explain()


def run(chart: Path, path: Path | None = None, extra_objects: Iterable[dict] = (),
        dataplanes: Iterable[Dataplane | str] = (), stub_disabled_dependencies: bool = False) -> list[Outcome]:
    """Every expectation of every case, under each of its profiles (`dataplanes_of`; the
    run's `dataplanes` for those that name none); `extra_objects` beside each render."""
    extra_objects = list(extra_objects)
    default = [profile(d) for d in dataplanes]
    outcomes = []
    for case in load(chart, path):
        try:
            objects = objects_for(chart, case, stub_disabled_dependencies)
        except RuntimeError as err:
            outcomes += [Outcome(case.name, describe(e), False, str(err)) for e in case.expect]
            continue
        outcomes += judge_case(objects, case, extra_objects, default)
    return outcomes


def judge_case(objects: list[dict], case: Case, extra_objects: Iterable[dict] = (),
               default: list[Dataplane] = ()) -> list[Outcome]:
    """Every expectation of `case` on its render `objects`, under each of its profiles;
    an endpoint it cannot name is that expectation's failure."""
    outcomes = []
    for e in case.expect:
        named = bool(e.get("dataplanes") or default)
        for dp in dataplanes_of(e, default):
            try:
                held, message = judge(network_for(objects, case, extra_objects, dp), case, e)
            except (KeyError, ValueError) as err:
                held, message = False, f"{err.args[0] if err.args else err}"
            outcomes.append(Outcome(case.name, describe_under(e, dp, named), held, message))
    return outcomes


def junit_xml(suite: str, outcomes: list[Outcome]) -> str:
    """JUnit XML, one testcase per expectation, a failure carrying the explanation."""
    from .textsafe import xml_escape as e  # names may hold ESC or BEL, which XML cannot
    failures = sum(not o.ok for o in outcomes)
    cases = []
    for o in outcomes:
        body = "" if o.ok else f'<failure message="{e(o.message.splitlines()[0] if o.message else "failed")}">{e(o.message)}</failure>'
        cases.append(f'  <testcase classname="{e(suite)}.{e(o.case)}" name="{e(o.expectation)}">{body}</testcase>')
    return junit_suite(suite, cases, failures=failures)

