"""The inputs every command that renders a chart takes: what `helm template` takes,
plus which helm runs it, and the objects the cluster has beside the render (`--with`)."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..clusterfiles import read_cluster_files
from ..helm.template import DEFAULT_NAMESPACE, DEFAULT_RELEASE, RenderResult, render
from ..net.dataplanes import PROFILES, Dataplane, UnknownDataplane, dataplanes


def add_render_inputs(parser: argparse.ArgumentParser, *, chart: bool = True, cluster_objects: bool = True) -> None:
    """The render inputs; `cluster_objects`: also `--with FILE` (every command that judges
    the render; `render`, which only prints it, leaves it out)."""
    if chart:
        parser.add_argument("chart", help="chart directory")
    parser.add_argument("-f", "--values", action="append", default=[], metavar="FILE", help="values file (repeatable)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="like helm --set (repeatable)")
    parser.add_argument("--release", default=DEFAULT_RELEASE, help=f"release name (default: {DEFAULT_RELEASE})")
    parser.add_argument("-n", "--namespace", default=DEFAULT_NAMESPACE,
                        help=f"release namespace (default: {DEFAULT_NAMESPACE})")
    parser.add_argument("--kube-version", help="Kubernetes version for .Capabilities (helm --kube-version)")
    add_api_versions_option(parser)
    parser.add_argument("--helm", help="helm binary: a path or a pinned version such as 3.19 (default: $NETPOL_HELM, "
                                       ".tools/bin/helm, PATH)")
    parser.add_argument("--enable-dns", action="store_true", help="let getHostByName resolve (Helm >= 3.11.1)")
    parser.add_argument("--no-cache", action="store_true", help="always run helm")
    parser.add_argument("--stub-disabled-dependencies", action="store_true",
                        help="stand in empty charts for dependencies missing from charts/ that the values disable "
                             "(never for an enabled one)")
    if cluster_objects:
        add_cluster_objects(parser)


def add_api_versions_option(parser: argparse.ArgumentParser) -> None:
    """`--api-versions GROUP/VERSION[/KIND]` (repeatable): what the cluster serves beyond
    Kubernetes' own, which offline `helm template` cannot know (Cilium's CRDs, say)."""
    parser.add_argument("--api-versions", action="append", default=[], metavar="GROUP/VERSION",
                        help="extra API versions for .Capabilities (helm --api-versions, repeatable), "
                             "e.g. cilium.io/v2/CiliumNetworkPolicy")


def add_cluster_objects(parser: argparse.ArgumentParser) -> None:
    """`--with FILE` (repeatable): objects the cluster has that the render does not."""
    parser.add_argument("--with", dest="with_files", action="append", default=[], metavar="FILE",
                        help="objects the cluster has beside the render, judged with it: admin policies, "
                             "namespaces with labels, other releases' policies, pods, nodes; YAML or JSON, such as "
                             "a dump by kubectl get ... -A -o yaml (repeatable)")


def add_dataplane_option(parser: argparse.ArgumentParser) -> None:
    """`--dataplane NAME` (repeatable, or `all`): judge as each CNI enforces the policies."""
    parser.add_argument("--dataplane", action="append", default=[], metavar="NAME",
                        help=f"judge as this CNI enforces the policies: {', '.join(PROFILES)} (default kubernetes, "
                             "the API's own reading), with options as in cilium:policy-cidr-match-mode=nodes; "
                             "repeatable, or all")


def chosen_dataplanes(args: argparse.Namespace) -> list[Dataplane]:
    """The profiles --dataplane names (the API's reading when none); ValueError naming a bad one."""
    try:
        return dataplanes(args.dataplane or None)
    except UnknownDataplane as exc:
        raise ValueError(f"--dataplane: {exc}") from None


def cluster_objects(args: argparse.Namespace) -> list[dict]:
    """The objects of the --with files, in order; ClusterFileError (one line naming the
    file) when one cannot be read or parsed."""
    return read_cluster_files(args.with_files)


def helm_flags(args: argparse.Namespace) -> list[str]:
    flags = ["--kube-version", args.kube_version] if args.kube_version else []
    for api in args.api_versions:
        flags += ["--api-versions", api]
    return flags


def render_from(args: argparse.Namespace, chart: str | Path | None = None, extra_values: list[str] = (),
                notes: bool = False) -> RenderResult:
    """Render `chart` (default: args.chart) with the inputs in `args`, then `extra_values` files."""
    return render(
        chart or args.chart,
        values_files=[*args.values, *extra_values],
        set_values=args.set,
        release=args.release,
        namespace=args.namespace,
        enable_dns=args.enable_dns,
        extra_args=helm_flags(args),
        helm=args.helm,
        cache=not args.no_cache,
        notes=notes,
        stub_disabled_dependencies=getattr(args, "stub_disabled_dependencies", False),
    )


def is_chart(path: str | Path) -> bool:
    return (Path(path) / "Chart.yaml").is_file()
