"""`netpol render CHART`: the manifests helm renders (through the harness cache), and
NOTES.txt on request. Exit 2 when helm cannot render the chart (bad input, as in every
command), with helm's own message on stderr."""
from __future__ import annotations

import argparse
import sys

from .inputs import add_render_inputs, render_from


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_render_inputs(parser, cluster_objects=False)  # it prints the render; nothing judges it
    parser.add_argument("--notes", action="store_true", help="print NOTES.txt after the manifests")


def run(args: argparse.Namespace) -> int:
    result = render_from(args, notes=args.notes)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    if args.notes and result.notes is not None:
        sys.stdout.write("\n# NOTES.txt\n" + "".join(f"# {line}\n" for line in result.notes.splitlines()))
    return 0 if result.ok else 2
