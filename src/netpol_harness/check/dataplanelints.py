"""The lint of flows whose verdict depends on the CNI: each rendered workload's flows,
judged under every dataplane profile the run names (`netpol validate --dataplane all`),
and a warning for each flow the profiles do not agree on, with each profile's verdict and
the departure that makes it differ.

The flows are those of the report's probe cluster: the render and the cluster's objects
(`--with`), the cluster DNS of every profile, the internet, and an endpoint inside each
ipBlock and selector of the policies (report.witness), on the ports the report probes.
Silent unless two or more profiles are named.

Registered with `lint_rule`, like every lint (netpol_harness.check.lintrules).
"""
from __future__ import annotations

from typing import Iterator

from ..net import Cluster, Evaluator, Pod
from ..net.cluster import add_cluster_dns
from ..net.dataplanes import Dataplane
from ..report.data import build_cluster
from ..report.probe import cluster_probes
from .lintrules import Finding, LintInput, finding, lint_rule


def probe_cluster(inp: LintInput) -> Cluster:
    """The render beside the cluster's objects, with the endpoints a report would add and
    every profile's cluster DNS."""
    cluster, _, _ = build_cluster([*inp.objects, *inp.extra_objects], namespace=inp.namespace)
    for profile in inp.dataplanes:
        add_cluster_dns(cluster, profile)
    return cluster


def _owners(cluster: Cluster, rendered: frozenset[str]) -> Iterator[tuple[str, Pod]]:
    """Each rendered workload once, as its first pod."""
    seen: set[str] = set()
    for pod in cluster.pods:
        owner = pod.workload or f"Pod/{pod.name}"
        if pod.id in rendered and owner not in seen:
            seen.add(owner)
            yield owner, pod


def _differing(evaluators: list[tuple[Dataplane, Evaluator]], src: str, dst: str, port: int,
               protocol: str) -> str | None:
    """None when every profile agrees on the flow; else each profile's verdict, with the
    notes of the profiles that depart from the first."""
    verdicts = [(p, ev.check(src, dst, port, protocol)) for p, ev in evaluators]
    if len({v.allowed for _, v in verdicts}) == 1:
        return None
    first = verdicts[0][1].allowed
    words = {allowed: [p.name for p, v in verdicts if v.allowed == allowed] for allowed in (True, False)}
    why = [note for p, v in verdicts if v.allowed != first for note in v.caveats if note.startswith(f"[{p.name}]")
           or f" [{p.name}] " in note]
    return (f"allowed on {', '.join(words[True])}; denied on {', '.join(words[False])}"
            + (f" ({'; '.join(dict.fromkeys(why))})" if why else ""))


def _dns_differs(evaluators: list[tuple[Dataplane, Evaluator]], pod: Pod) -> str | None:
    """Whether `pod` reaches the cluster DNS each profile's cluster runs (53/UDP through its
    Service), where they do not agree: OpenShift's listens on 5353 in openshift-dns."""
    if not pod.id or all(not ev.egress_of[ev.pod_index[pod.id]] for _, ev in evaluators):
        return None
    reached = {p.name: ev.check_service(pod.id, f"svc:{p.dns.namespace}/{p.dns.name}:53", None, "UDP").allowed
               for p, ev in evaluators}
    if len(set(reached.values())) == 1:
        return None
    yes, no = ([name for name, ok in reached.items() if ok == want] for want in (True, False))
    theirs = ", ".join(f"svc:{p.dns.namespace}/{p.dns.name} on {p.dns.port}" for p, _ in evaluators if p.name in no)
    return (f"{pod.id} reaches the cluster DNS (53/UDP through its Service) on {', '.join(yes)}; not on "
            f"{', '.join(no)}, whose DNS is {theirs}")


@lint_rule(id="dataplane-dependent", severity="warning",
           purpose="A flow of a rendered workload whose verdict differs between the dataplane profiles "
                   "`--dataplane` names (the API's reading, Cilium, Calico, OVN-Kubernetes, OpenShift, kube-router).")
def dataplane_dependent(inp: LintInput) -> Iterator[Finding]:
    if len(inp.dataplanes) < 2:
        return
    cluster = probe_cluster(inp)
    evaluators = [(p, Evaluator(cluster, dataplane=p)) for p in inp.dataplanes]
    probes = [(p.port, p.protocol) for p in cluster_probes(cluster)]
    ends = [p.id for p in cluster.pods] + [e.id for e in cluster.externals]
    for owner, pod in _owners(cluster, inp.rendered):
        dns = _dns_differs(evaluators, pod)
        if dns:
            yield finding("dataplane-dependent", owner, "", dns)
        for other in ends:
            if other == pod.id:
                continue
            for direction, (src, dst) in (("egress", (pod.id, other)), ("ingress", (other, pod.id))):
                for port, protocol in probes:
                    differs = _differing(evaluators, src, dst, port, protocol)
                    if differs:
                        yield finding("dataplane-dependent", owner, "",
                                      f"{src} -> {dst} on {port}/{protocol} ({direction} of {pod.id}): {differs}")
                        break  # one port tells the story of a pair
