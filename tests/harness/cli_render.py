"""`netpol render CHART`: the manifests helm renders (through the harness cache), and
NOTES.txt on request."""
from __future__ import annotations

import argparse
import sys

from .render import render


def add_render_inputs(parser: argparse.ArgumentParser, release: str = "netpol") -> None:
    """Inputs shared by the commands that render a chart: what helm template takes."""
    parser.add_argument("chart", help="chart directory")
    parser.add_argument("-f", "--values", action="append", default=[], metavar="FILE", help="values file (repeatable)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="like helm --set (repeatable)")
    parser.add_argument("--release", default=release, help=f"release name (default: {release})")
    parser.add_argument("-n", "--namespace", default="default", help="release namespace (default: default)")
    parser.add_argument("--enable-dns", action="store_true", help="let getHostByName resolve (Helm >= 3.11.1)")
    parser.add_argument("--no-cache", action="store_true", help="always run helm")


def render_from(args: argparse.Namespace):
    return render(
        args.chart,
        values_files=args.values,
        set_values=args.set,
        release=args.release,
        namespace=args.namespace,
        enable_dns=args.enable_dns,
        cache=not args.no_cache,
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_render_inputs(parser)
    parser.add_argument("--notes", action="store_true", help="print NOTES.txt after the manifests")


def run(args: argparse.Namespace) -> int:
    result = render_from(args)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    if args.notes and result.notes is not None:
        sys.stdout.write("\n# NOTES.txt\n" + "".join(f"# {line}\n" for line in result.notes.splitlines()))
    return result.returncode
