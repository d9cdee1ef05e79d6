"""Objects the cluster has beside a render: the files `netpol ... --with FILE` and an
expectation case's `with:` name. A chart's render rarely holds the cluster's admin
policies, its namespaces with their labels, other releases' policies, pods or nodes;
these files do, and the model takes them beside the rendered objects.

Each file is multi-document YAML or a `kind: List`, JSON or YAML: what `kubectl get
namespaces,nodes,pods,... -A -o yaml` (or `-o json`) writes, read fast by `dumps.parse_dump`
within the one YAML loader's limits (netpol_harness.loader). A file that cannot be read, is
not YAML, holds something that is not a Kubernetes object, holds nothing, or is over an
input limit (loader.limits) raises ClusterFileError, whose message is one line that names
the file. Kinds the model does not read are kept and ignored by it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

from .dumps import parse_dump
from .loader import InputLimitError, read_input

__all__ = ["ClusterFileError", "read_cluster_file", "read_cluster_files"]


class ClusterFileError(ValueError):
    """A file of cluster objects that cannot be used; the message is one line naming it."""


def read_cluster_file(path: str | Path) -> list[dict]:
    """The objects of one file, the items of a `kind: List` in their place."""
    try:
        documents = parse_dump(read_input(path), str(path))
    except InputLimitError as err:
        raise ClusterFileError(str(err)) from None
    except OSError as err:
        raise ClusterFileError(f"{path}: cannot read it: {err.strerror or err}") from None
    except UnicodeDecodeError as err:
        raise ClusterFileError(f"{path}: cannot read it: not UTF-8 text ({err.reason})") from None
    except yaml.YAMLError as err:
        raise ClusterFileError(f"{path}: not YAML: {_one_line(err)}") from None
    objects = list(_objects(documents, str(path), "document"))
    if not objects:
        raise ClusterFileError(f"{path}: holds no Kubernetes objects")
    return objects


def read_cluster_files(paths: Iterable[str | Path]) -> list[dict]:
    """The objects of every file, in order."""
    return [obj for path in paths for obj in read_cluster_file(path)]


def _objects(documents: list[Any], path: str, what: str) -> Iterator[dict]:
    for n, doc in enumerate(documents, 1):
        if not isinstance(doc, dict) or not doc.get("kind"):
            raise ClusterFileError(f"{path}: {what} {n} is not a Kubernetes object (it has no kind)")
        if str(doc["kind"]).endswith("List"):
            items = doc.get("items") or []
            if not isinstance(items, list):
                raise ClusterFileError(f"{path}: {what} {n} is a {doc['kind']} whose items are not a list")
            yield from _objects(items, path, f"{what} {n} item")
        else:
            yield doc


def _one_line(err: yaml.YAMLError) -> str:
    problem = getattr(err, "problem", None)
    mark = getattr(err, "problem_mark", None)
    if problem and mark is not None:
        return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"
    return " ".join(str(err).split())
