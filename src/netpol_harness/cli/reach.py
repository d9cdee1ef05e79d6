"""`netpol reach`: who may reach whom in a chart or a set of manifests, on one port and
protocol.

    netpol reach CHART|manifests.yaml... --port 80 [--protocol TCP] [--external 1.1.1.1]
                 [--format jsonl|table] [--explain FROM TO|svc:NS/NAME:PORT [--expect allowed|denied]]
                 [-f values.yaml] [--set k=v] [--release R] [--namespace NS] [--with cluster.yaml]...
                 [--dataplane NAME|all]...

A chart directory is rendered with `helm template` (the render inputs apply); files are
read as they are. `--with FILE` adds the objects the cluster has beside them (its admin
policies, namespaces, other releases' policies). Objects without a namespace live in --namespace. jsonl prints one
line per ordered pair of distinct endpoints (pairs of two external addresses are left
out: no NetworkPolicy can speak about them). `--dataplane` judges as each named CNI
enforces the policies (`net.dataplanes`): every answer is given per profile, and jsonl
lines name theirs.

With fewer than two pods (a chart with one workload) there would be no pair to show: reach
then adds the endpoints `netpol report` adds (`report.data.build_cluster`: kube-dns, a
label-less pod in the release namespace and in another namespace, the outside address
1.1.1.1, the witnesses of the policies' rules) and says so (table: below it; jsonl: on stderr).
`--explain FROM svc:NS/NAME:PORT` takes the port from the Service endpoint; `--port` is
needed everywhere else (exit 2 without it, or when it names another port than the Service).

An object the API server would refuse is not judged: one line each (object, field, reason)
and exit 2, as `netpol validate` words them; `--judge-invalid` judges it as written, every
verdict saying so.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

import yaml

from ..check.admission import RefusedObjects, admit
from ..loader import load_files
from ..net import KUBE_DNS, PROTOCOLS, Cluster, Evaluator, PolicyError
from ..net.cluster import add_kube_dns
from ..net.dataplanes import Dataplane
from ..net.services import parse_service_ref
from ..textsafe import visible
from .inputs import add_dataplane_option, add_render_inputs, chosen_dataplanes, cluster_objects, is_chart, render_from


MAX_PAIRS = 4_000_000  # 2,000 endpoints: some 400 MB of jsonl, far past what a reader of a table can use


class RenderFailed(RuntimeError):
    pass


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="CHART|FILE",
                        help="a chart directory, or multi-document YAML files ('-' reads stdin)")
    parser.add_argument("--port", type=int, help="destination port (not needed with --explain FROM svc:NS/NAME:PORT)")
    parser.add_argument("--protocol", default="TCP", type=str.upper, choices=PROTOCOLS, help="default TCP")
    parser.add_argument("--external", action="append", default=[], metavar="IP", help="add an outside address (repeatable)")
    parser.add_argument("--resolve", action="append", default=[], metavar="NAME=ADDRESS[,ADDRESS]",
                        help="what a host name resolves to, for toFQDNs peers; the addresses are added as outside addresses (repeatable)")
    parser.add_argument("--format", choices=("jsonl", "table"), default="jsonl",
                        help="jsonl: one JSON object per ordered pair (default); table: a readable matrix")
    parser.add_argument("--explain", nargs=2, metavar=("FROM", "TO"), help="print the reasoning for one pair instead")
    parser.add_argument("--expect", choices=("allowed", "denied"),
                        help="with --explain: exit 1 when the verdict is not this one")
    parser.add_argument(
        "--ipblock-ignores-pods",
        action="store_true",
        help="for CNIs whose ipBlocks never match pod addresses",
    )
    parser.add_argument("--dual-stack", action="store_true", help="give pods without addresses an IPv6 address too")
    parser.add_argument("--skip-hooks", action="store_true",
                        help="leave out the pods of Helm hooks (helm.sh/hook: test, pre-install ...), which helm runs "
                             "at install or `helm test`; without it they are in, marked")
    parser.add_argument("--max-pairs", type=int, default=MAX_PAIRS, metavar="N",
                        help=f"refuse a whole matrix of more ordered pairs than this (default {MAX_PAIRS:,}): its "
                             "output grows with the square of the endpoints")
    add_judge_invalid_option(parser)
    add_dataplane_option(parser)
    add_render_inputs(parser, chart=False)


def add_judge_invalid_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--judge-invalid", action="store_true",
                        help="judge objects the API server would refuse, as written (every verdict says so)")


def refused(prog: str, exc: RefusedObjects) -> None:
    """The refusals on stderr, one line each."""
    for line in exc.report_lines():
        print(f"{prog}: {line}", file=sys.stderr)


def resolutions(entries: list[str]) -> dict[str, list[str]]:
    """--resolve NAME=ADDRESS[,ADDRESS...] entries as {name: addresses}; ValueError naming a bad one."""
    out: dict[str, list[str]] = {}
    for entry in entries:
        name, sep, addresses = entry.partition("=")
        if not sep or not name.strip() or not addresses.strip():
            raise ValueError(f"--resolve {entry!r}: write NAME=ADDRESS[,ADDRESS...]")
        out.setdefault(name.strip(), []).extend(a.strip() for a in addresses.split(","))
    return out


def load_objects(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The chart's rendered objects, or the files' objects, then the --with files' objects."""
    extra = cluster_objects(args)  # first: a wrong --with file stops before helm runs
    charts = [p for p in args.paths if p != "-" and is_chart(p)]
    if not charts:
        return load_files(args.paths) + extra
    if len(args.paths) > 1:
        raise ValueError("give one chart directory, or manifest files, not both")
    result = render_from(args, charts[0])
    if not result.ok:
        raise RenderFailed(f"helm could not render {charts[0]}:\n{result.stderr.strip()}")
    return result.objects + extra


def usage_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with the port and --expect, in one line; None when nothing is.
    `--explain FROM svc:NS/NAME:PORT` names the port; anywhere else --port must."""
    if args.port is not None and not 1 <= args.port <= 65535:
        return f"--port must be 1..65535, not {args.port}"
    if args.expect and not args.explain:
        return "--expect needs --explain FROM TO"
    target = args.explain[1] if args.explain else ""
    service_port = parse_service_ref(target)[1] if target.startswith("svc:") else None
    if service_port is not None and args.port is not None and service_port != args.port:
        return f"--port {args.port} and --explain ... {target} name different ports: give the port once"
    if service_port is None and args.port is None:
        if target.startswith("svc:"):
            return f"--explain ... {target} needs a port: write {target}:PORT, or give --port"
        return "--port is required (only --explain FROM svc:NS/NAME:PORT takes the port from the Service)"
    return None


def build(args: argparse.Namespace) -> tuple[Cluster, list]:
    """The cluster to judge, and the endpoints added because it had fewer than two pods."""
    objects = admit(load_objects(args), judge_invalid=args.judge_invalid, default_namespace=args.namespace)
    cluster = Cluster.from_manifests(objects, args.namespace, dual_stack=args.dual_stack)
    added = add_probe_endpoints(cluster, objects, args.namespace) if len(cluster.pods) < 2 else []
    for ip in args.external:
        cluster.add_external(ip)
    for name, addresses in resolutions(args.resolve).items():
        cluster.add_resolved(name, addresses)
    return cluster, added


def add_probe_endpoints(cluster: Cluster, objects: list[dict], namespace: str) -> list:
    """Add to `cluster` the endpoints `netpol report` adds to the same objects (kube-dns,
    a pod in the release namespace and in another one, 1.1.1.1, the rules' witnesses),
    so one workload has pairs to show; the `report.witness.Witness`es added, with why."""
    from ..report.data import build_cluster  # the report's own choice, not a copy of it
    from ..report.witness import copy_witnesses
    _, _, added = build_cluster(objects, namespace=namespace)
    dns = [w for w in added if w.id == KUBE_DNS.id and cluster.pod(KUBE_DNS.id) is None]
    if dns:
        add_kube_dns(cluster)  # with its labels and ports, which a copy of the witness lacks
    return dns + copy_witnesses([w for w in added if w.id != KUBE_DNS.id], cluster)


def run(args: argparse.Namespace) -> int:
    problem = usage_problem(args)
    if problem:
        print(f"netpol reach: {problem}", file=sys.stderr)
        return 2
    try:
        profiles = chosen_dataplanes(args)
        cluster, added = build(args)
    except RefusedObjects as exc:
        refused("netpol reach", exc)
        return 2
    except (OSError, yaml.YAMLError, PolicyError, ValueError, RenderFailed) as exc:
        print(f"netpol reach: {visible(str(exc))}", file=sys.stderr)
        return 2
    named = bool(args.dataplane)  # say which profile each answer is for only when asked for one
    evaluators = [(p, Evaluator(cluster, ipblock_matches_pods=not args.ipblock_ignores_pods, dataplane=p))
                  for p in profiles]
    if args.explain:
        return max(explain(ev, args, p.name if named else None) for p, ev in evaluators)
    endpoints = _endpoints(cluster, skip_hooks=args.skip_hooks)
    if len(endpoints) ** 2 > args.max_pairs:
        print(f"netpol reach: {len(endpoints)} endpoints make {len(endpoints) ** 2:,} pairs, more than --max-pairs "
              f"{args.max_pairs:,}: ask about one pair (--explain FROM TO), or raise --max-pairs", file=sys.stderr)
        return 2
    for profile, ev in evaluators:
        write_matrix(ev, args, endpoints, profile if named else None)
    say_added(added, args.format)
    return 0


def write_matrix(ev: Evaluator, args: argparse.Namespace, endpoints: list[str], profile: Dataplane | None) -> None:
    matrix = ev.matrix(args.port, args.protocol, endpoints)
    caveats = {e: ev.caveats(ev.resolve(e)) for e in endpoints if not e.startswith("ip:")}
    hooks = {p.id: p.hook for p in ev.cluster.pods if p.hook}
    if args.format == "jsonl":
        write_jsonl(matrix, endpoints, args.port, args.protocol, sys.stdout, caveats, profile, hooks)
        return
    if profile is not None:
        sys.stdout.write(f"== dataplane {profile.name}\n")
    write_table(matrix, endpoints, args.port, args.protocol, sys.stdout, hooks)
    for note in dict.fromkeys(c for notes in caveats.values() for c in notes):
        sys.stdout.write(f"{visible(note)}\n")


def say_added(added: list, output_format: str) -> None:
    """Which endpoints were added to a model of fewer than two pods, and why: below the
    table, or on stderr beside jsonl (stdout stays one JSON object a line)."""
    if not added:
        return
    lines = [f"  {visible(w.id)}: {visible(w.why)}" for w in added]
    head = "fewer than two pods in the input: added the endpoints netpol report adds:"
    out = sys.stdout if output_format == "table" else sys.stderr
    out.write("\n".join([head if out is sys.stdout else f"netpol reach: {head}", *lines]) + "\n")


def explain(ev: Evaluator, args: argparse.Namespace, profile: str | None = None) -> int:
    src, dst = args.explain
    try:
        verdict = ev.verdict_for(src, dst, args.port, args.protocol)
    except (KeyError, ValueError) as exc:
        print(f"netpol reach: {visible(str(exc.args[0] if exc.args else exc))}", file=sys.stderr)
        return 2
    if profile is not None:
        print(f"== dataplane {profile}")
    # Names come from the manifests: control characters are shown, never sent to the terminal.
    print("\n".join(visible(line) for line in verdict.explain().splitlines()))
    if args.expect and args.expect != ("allowed" if verdict.allowed else "denied"):
        where = f" on {profile}" if profile else ""
        print(f"netpol reach: expected {args.expect}, but the verdict{where} is "
              f"{'allowed' if verdict.allowed else 'denied'}", file=sys.stderr)
        return 1
    return 0


def _endpoints(cluster: Cluster, skip_hooks: bool = False) -> list[str]:
    return sorted(p.id for p in cluster.pods if not (skip_hooks and p.hook)) + [e.id for e in cluster.externals]


def write_jsonl(matrix: dict[tuple[str, str], bool], endpoints: list[str], port: int, protocol: str, out: TextIO,
                caveats: dict[str, tuple[str, ...]] | None = None, profile: Dataplane | None = None,
                hooks: dict[str, str] | None = None) -> None:
    """One line per ordered pair; a pair the model cannot vouch for (a policy of another
    kind, the host network) also carries "not_modelled"; "dataplane" names the profile
    judged under, when one was asked for; "from_hook"/"to_hook" the helm.sh/hook of an end
    that is a Helm hook's pod."""
    caveats, hooks = caveats or {}, hooks or {}
    for src in endpoints:
        for dst in endpoints:
            if (src, dst) in matrix:
                line: dict[str, Any] = {"from": src, "to": dst, "port": port, "protocol": protocol,
                                        "allowed": matrix[(src, dst)]}
                if profile is not None:
                    line["dataplane"] = profile.name
                line.update({f"{side}_hook": hooks[end] for side, end in (("from", src), ("to", dst)) if end in hooks})
                notes = list(dict.fromkeys(caveats.get(src, ()) + caveats.get(dst, ())))
                if notes:
                    line["not_modelled"] = notes
                out.write(json.dumps(line) + "\n")


def write_table(matrix: dict[tuple[str, str], bool], endpoints: list[str], port: int, protocol: str, out: TextIO,
                hooks: dict[str, str] | None = None) -> None:
    # Columns are numbered so long names do not stretch the grid; rows carry the names,
    # a Helm hook's pod marked as the report marks it.
    hooks = hooks or {}
    names = {e: f"{e} [hook: {hooks[e]}]" if e in hooks else e for e in endpoints}
    width = max((len(n) for n in names.values()), default=4)
    num = len(str(len(endpoints)))
    cell = max(num, 1) + 1
    out.write(f"{port}/{protocol}: may the row connect to the column (numbered like the rows)?  Y yes, . no, - not applicable\n")
    out.write(" " * (num + 2 + width) + "".join(f"{k + 1:>{cell}}" for k in range(len(endpoints))) + "\n")
    for r, src in enumerate(endpoints):
        marks = []
        for dst in endpoints:
            value = matrix.get((src, dst))
            marks.append("-" if value is None else ("Y" if value else "."))
        out.write(f"{r + 1:>{num}}  {names[src]:<{width}}" + "".join(f"{m:>{cell}}" for m in marks) + "\n")
    allowed = sum(matrix.values())
    out.write(f"{allowed} of {len(matrix)} ordered pairs allowed\n")
