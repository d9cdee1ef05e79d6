"""One YAML loader for every manifest the harness reads: rendered output, files given
to `netpol reach`, a release's manifest read back from the API server.

It reads YAML as Kubernetes does (no timestamps) and refuses a key given twice, which
helm takes silently (the last wins) and the API server flags as a duplicate field.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Iterable

import yaml

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster


class _KubeLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """SafeLoader without the timestamp resolver: Kubernetes' YAML->JSON step keeps
    `2024-01-01` a string, and so must we."""


def _construct_unique_mapping(loader: _KubeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    # `helm template` and `helm install` take a key given twice silently (the last
    # wins); the API server flags it as a duplicate field (an error under kubectl's
    # strict field validation). Either way one of the two values is a lie: refuse it.
    seen: dict = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # `<<:` merges may be overridden by explicit keys; that is legal
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first at line {seen[key] + 1}); only the last would take effect",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_KubeLoader.add_constructor(
    "tag:yaml.org,2002:map",
    lambda loader, node: _construct_unique_mapping(loader, node, deep=True),
)

_KubeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


def parse_manifests(text: str) -> list[dict]:
    """All YAML documents of a stream, empty ones dropped, normalised through JSON
    (so a fresh render and a cached one give equal objects)."""
    docs = [d for d in yaml.load_all(text, Loader=_KubeLoader) if d is not None]
    return json.loads(json.dumps(docs, default=str))


def load_files(paths: Iterable[str | Path]) -> list[dict]:
    """The objects of multi-document YAML files ('-' reads stdin), in order."""
    objects: list[dict] = []
    for path in paths:
        text = sys.stdin.read() if str(path) == "-" else Path(path).read_text()
        objects.extend(d for d in parse_manifests(text) if isinstance(d, dict))
    return objects
