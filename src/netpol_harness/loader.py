"""One YAML loader for every manifest the harness reads: rendered output, files given
to `netpol reach`, a release's manifest read back from the API server.

It reads YAML as Kubernetes does (no timestamps) and refuses a key given twice, which
helm takes silently (the last wins) and the API server flags as a duplicate field.

It also refuses input that would exhaust the machine, each with its own limit, named in
the one-line error (InputLimitError) with the option and environment variable that set it:

  --max-input-bytes  NETPOL_MAX_INPUT_BYTES   64 MiB   bytes of a file or text; also what
                                                       aliases may add once expanded
  --max-yaml-aliases NETPOL_MAX_YAML_ALIASES  10000    aliases in a stream once expanded
                                                       (an alias inside an aliased node
                                                       counts once per copy)
  --max-yaml-depth   NETPOL_MAX_YAML_DEPTH    100      nested collections (at most 500)

Sizes take K, M, G (binary: 64M is 64 MiB). The limits are checked on the parser's event
stream, which holds one event at a time, before any node is built: a "billion laughs"
file is refused after reading a few hundred bytes of events, and deep nesting before
Python (or libyaml's composer, in C) recurses into it. Objects are then built without
recursion, so the depth limit is the only bound on nesting.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Hashable, Iterable

import yaml
from yaml.events import (AliasEvent, DocumentStartEvent, MappingEndEvent, MappingStartEvent, ScalarEvent,
                         SequenceEndEvent, SequenceStartEvent)

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster

__all__ = ["InputLimitError", "Limits", "add_limit_options", "limits", "load_files", "parse_manifests",
           "parse_yaml", "read_input", "set_limits"]


# ---------------------------------------------------------------------------------------- limits

@dataclass(frozen=True)
class _Limit:
    option: str
    env: str
    default: int
    what: str

    def named(self) -> str:
        return f"{self.option} or {self.env}"


_LIMITS = {
    "input_bytes": _Limit("--max-input-bytes", "NETPOL_MAX_INPUT_BYTES", 64 * 2**20,
                          "bytes of one input file or text (K, M, G: binary units)"),
    "yaml_aliases": _Limit("--max-yaml-aliases", "NETPOL_MAX_YAML_ALIASES", 10_000,
                           "YAML aliases in one input, counted once expanded"),
    "yaml_depth": _Limit("--max-yaml-depth", "NETPOL_MAX_YAML_DEPTH", 100,
                         "levels of nested YAML collections (at most 500)"),
}
MAX_DEPTH_SETTING = 500  # json's C encoder and decoder recurse per level, against the recursion limit
_overrides: dict[str, int] = {}


@dataclass(frozen=True)
class Limits:
    """The limits in force: bytes of one input, aliases once expanded, nesting depth."""
    input_bytes: int = _LIMITS["input_bytes"].default
    yaml_aliases: int = _LIMITS["yaml_aliases"].default
    yaml_depth: int = _LIMITS["yaml_depth"].default


class InputLimitError(yaml.YAMLError, ValueError):
    """Input over one of the limits (or a limit set to a wrong value); the message is one
    line naming the input, the limit and how to change it. A YAMLError, so whoever handles
    YAML that cannot be read handles it too."""


def _parse_setting(name: str, text: str) -> int:
    """A limit's value: a positive whole number; sizes may end in K, M or G (binary)."""
    units = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30} if name == "input_bytes" else {"": 1}
    m = re.fullmatch(r"\s*(\d+)\s*(?:([KMG])(?:I?B)?)?\s*", text, re.IGNORECASE)
    value = int(m.group(1)) * units.get((m.group(2) or "").upper(), 0) if m else 0
    top = MAX_DEPTH_SETTING if name == "yaml_depth" else sys.maxsize
    if not 0 < value <= top:
        spec = "a positive whole number" + (", optionally with K, M or G" if name == "input_bytes" else "")
        spec += f" up to {top}" if name == "yaml_depth" else ""
        raise ValueError(f"must be {spec}, not {text!r}")
    return value


def limits() -> Limits:
    """The limits in force: a command-line option, else the environment variable, else
    the default. InputLimitError when an environment variable holds a wrong value."""
    values = {}
    for name, limit in _LIMITS.items():
        if name in _overrides:
            values[name] = _overrides[name]
        elif os.environ.get(limit.env, "").strip():
            try:
                values[name] = _parse_setting(name, os.environ[limit.env])
            except ValueError as err:
                raise InputLimitError(f"{limit.env} {err}") from None
    return Limits(**values)


def set_limits(input_bytes: int | None = None, yaml_aliases: int | None = None,
               yaml_depth: int | None = None) -> None:
    """Override limits for this process, above the environment (None: leave as is)."""
    for name, value in (("input_bytes", input_bytes), ("yaml_aliases", yaml_aliases), ("yaml_depth", yaml_depth)):
        if value is not None:
            _overrides[name] = _parse_setting(name, str(value))


def reset_limits() -> None:
    """Back to the environment and the defaults."""
    _overrides.clear()


class _SetLimit(argparse.Action):
    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        _overrides[self.dest.removeprefix("limit_")] = values
        setattr(namespace, self.dest, values)


def add_limit_options(parser: argparse.ArgumentParser) -> None:
    """--max-input-bytes, --max-yaml-aliases, --max-yaml-depth on `parser`, applied as
    they are parsed. Building the parser starts from no overrides (one command, one set)."""
    reset_limits()
    for name, limit in _LIMITS.items():
        def setting(text: str, name: str = name) -> int:
            try:
                return _parse_setting(name, text)
            except ValueError as err:
                raise argparse.ArgumentTypeError(str(err)) from None
        parser.add_argument(limit.option, dest=f"limit_{name}", type=setting, action=_SetLimit,
                            metavar="N", help=f"most {limit.what} (default: ${limit.env} or {limit.default})")


def limit_error(source: str | None, what: str, limit: str) -> InputLimitError:
    prefix = f"{source}: " if source else ""
    return InputLimitError(f"{prefix}{what}; the limit is {_LIMITS[limit].named()}")


def size_text(n: int) -> str:
    return f"{n // 2**20} MiB" if n % 2**20 == 0 else f"{n} bytes"


# ---------------------------------------------------------------------------------------- reading

def read_input(path: str | Path) -> str:
    """The text of a file ('-': stdin), refused past the input limit before it is all read."""
    cap = limits().input_bytes
    if str(path) == "-":
        stream = getattr(sys.stdin, "buffer", None)
        data: bytes | str = stream.read(cap + 1) if stream is not None else sys.stdin.read(cap + 1)
    else:
        with open(path, "rb") as handle:
            data = handle.read(cap + 1)
    if len(data) > cap:
        raise limit_error("stdin" if str(path) == "-" else str(path),
                          f"larger than the input limit of {size_text(cap)}", "input_bytes")
    return data.decode("utf-8") if isinstance(data, bytes) else data


# ---------------------------------------------------------------------------------------- checking

class Budget:
    """What the event stream adds up to: open collections, anchors, aliases once expanded."""

    def __init__(self, lim: Limits, source: str | None) -> None:
        self.lim, self.source = lim, source
        self.stack: list[list[Any]] = []  # per open collection: [anchor, weight, aliases]
        self.anchors: dict[str, tuple[int, int] | None] = {}  # None: still open
        self.aliases = 0  # aliases once expanded
        self.added = 0  # weight (about bytes) that aliases add once expanded

    def open(self, event: Any) -> None:
        if len(self.stack) >= self.lim.yaml_depth:
            raise limit_error(self.source, f"YAML nested deeper than {self.lim.yaml_depth} levels "
                                           f"(line {event.start_mark.line + 1})", "yaml_depth")
        if event.anchor:
            self.anchors[event.anchor] = None
        self.stack.append([event.anchor, 1, 0])

    def close(self) -> None:
        anchor, weight, aliases = self.stack.pop()
        if anchor:
            self.anchors[anchor] = (weight, aliases)
        self._add(weight, aliases)

    def scalar(self, event: Any) -> None:
        weight = len(event.value) + 1
        if event.anchor:
            self.anchors[event.anchor] = (weight, 0)
        self._add(weight, 0)

    def alias(self, event: Any) -> None:
        if event.anchor not in self.anchors:
            return  # undefined: the composer says so, in its words
        target = self.anchors[event.anchor]
        if target is None:
            raise yaml.composer.ComposerError(None, None, f"alias *{event.anchor} stands for a node that "
                                              "contains it; a Kubernetes object cannot be recursive", event.start_mark)
        weight, inner = target
        self.aliases += 1 + inner
        self.added += weight
        if self.aliases > self.lim.yaml_aliases:
            raise limit_error(self.source, f"YAML aliases expand to more than {self.lim.yaml_aliases} aliases "
                                           f"(line {event.start_mark.line + 1})", "yaml_aliases")
        if self.added > self.lim.input_bytes:
            raise limit_error(self.source, f"YAML aliases expand to more than {size_text(self.lim.input_bytes)} "
                                           f"(line {event.start_mark.line + 1})", "input_bytes")
        self._add(weight, 1 + inner)

    def _add(self, weight: int, aliases: int) -> None:
        if self.stack:
            self.stack[-1][1] += weight
            self.stack[-1][2] += aliases


def refuse_oversize(text: str, lim: Limits, source: str | None) -> None:
    """Refuse text longer than the input limit before any of it is parsed."""
    if len(text) > lim.input_bytes:
        raise limit_error(source, f"larger than the input limit of {size_text(lim.input_bytes)}", "input_bytes")


def _check(text: str, lim: Limits, source: str | None) -> None:
    """Refuse text over a limit, from the parser's events (no nodes are built)."""
    refuse_oversize(text, lim, source)
    budget = Budget(lim, source)
    opens, closes = (SequenceStartEvent, MappingStartEvent), (SequenceEndEvent, MappingEndEvent)
    for event in yaml.parse(text, Loader=_BaseLoader):
        kind = type(event)
        if kind is ScalarEvent:
            budget.scalar(event)
        elif kind in opens:
            budget.open(event)
        elif kind in closes:
            budget.close()
        elif kind is AliasEvent:
            budget.alias(event)
        elif kind is DocumentStartEvent:
            budget.anchors.clear()  # anchors do not cross documents


# ---------------------------------------------------------------------------------------- loading

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
        if not isinstance(key, Hashable):
            continue  # SafeLoader refuses it below, in its words
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first at line {seen[key] + 1}); only the last would take effect",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


def _construct_kube_map(loader: _KubeLoader, node: yaml.MappingNode) -> Any:
    # A generator, as SafeLoader's own: the empty dict first, filled once the loader
    # gets back to it. Nested mappings are then built one after another, not by recursion.
    data: dict = {}
    yield data
    data.update(_construct_unique_mapping(loader, node))


_KubeLoader.add_constructor("tag:yaml.org,2002:map", _construct_kube_map)

_KubeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
KUBE_RESOLVERS = _KubeLoader.yaml_implicit_resolvers  # first character -> (tag, pattern): for `dumps`


def parse_yaml(text: str, source: str | None = None) -> list[Any]:
    """All YAML documents of a stream as Kubernetes reads them (empty ones included, as
    None), refused past the limits; `source` names the input in the error."""
    _check(text, limits(), source)
    return list(yaml.load_all(text, Loader=_KubeLoader))


def parse_manifests(text: str, source: str | None = None) -> list[dict]:
    """All YAML documents of a stream, empty ones dropped, normalised through JSON
    (so a fresh render and a cached one give equal objects)."""
    docs = [d for d in parse_yaml(text, source) if d is not None]
    return json.loads(json.dumps(docs, default=str))


def load_yaml_file(path: str | Path) -> Any:
    """One YAML document from a file (values, cases, expectations, Chart.yaml), read as
    PyYAML's safe loader reads it, refused past the limits like every input."""
    text = read_input(path)
    _check(text, limits(), str(path))
    return yaml.safe_load(text)


def load_files(paths: Iterable[str | Path]) -> list[dict]:
    """The objects of multi-document YAML files ('-' reads stdin), in order."""
    objects: list[dict] = []
    for path in paths:
        text = read_input(path)
        objects.extend(d for d in parse_manifests(text, "stdin" if str(path) == "-" else str(path))
                       if isinstance(d, dict))
    return objects
