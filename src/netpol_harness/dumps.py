"""Reading a cluster's dump fast: what `kubectl get ... -A -o yaml` (or `-o json`) writes
for a large cluster, read into the same objects as `loader.parse_manifests`, within the
same limits, an order of magnitude faster and without holding a node tree of the file.

JSON goes to the json module (`dumpjson`: in C; a key given twice keeps its last value, as
there), its nesting counted on the text, a large List's items read in two processes.
YAML is built from libyaml's event stream in one pass that keeps the limits' accounts
(aliases once expanded, bytes they add, nesting) as `loader` does, and builds the objects
as it goes. Anything unusual (an explicit tag, a merge key, a duplicate key, an error)
goes to `loader.parse_manifests` on the whole text, so errors and rare constructs are
read in the loader's own words; what this module returns is what the loader would.

Before the YAML is parsed, blocks the model never reads are cut out of the text by their
key (`managedFields`, container statuses, volumes, probes ...: `PRUNED_KEYS`), and of a
running pod (an item of kubectl's List) all but its metadata's name, namespace, labels,
annotations and owners, its containers' ports, host network, node and addresses: that is
what the model and the API server's rules it runs read. Each item of a List (a pod, a
policy, a namespace ...) is then read line by line (`dumppods`) unless it holds anything
beyond kubectl's plain block layout, and a large text is read in parts, one a core, cut
at column-0 items (`dumpsplit`); the parser is left the List around them. What is
cut is not parsed, so the limits count what is left; what the loader reads is otherwise
unchanged (a key the model ignores may be missing from the objects returned).
"""
from __future__ import annotations

import json
import re
import secrets
from typing import Any

import yaml
from yaml.events import (AliasEvent, DocumentStartEvent, MappingEndEvent, MappingStartEvent,
                         ScalarEvent, SequenceEndEvent, SequenceStartEvent, StreamEndEvent)
from yaml.nodes import ScalarNode

from .dumpjson import json_documents
from .dumppods import POD_KEYS as _POD_KEYS
from .dumppods import PRUNED_KEYS, read_item
from .dumpsplit import cuts, in_parts
from .loader import KUBE_RESOLVERS, Budget, Limits, limits, parse_manifests, refuse_oversize

try:  # libyaml's parser: PyYAML built without it reads through the loader instead
    from yaml._yaml import CParser
except ImportError:  # pragma: no cover - PyYAML wheels ship libyaml
    CParser = None

__all__ = ["PRUNED_KEYS", "parse_dump"]

# kubectl writes a block's list items at the key's own indentation ("- "), maps deeper.
_PRUNE = re.compile(r"^( *)(?:%s):\n(?:\1(?: |- ).*\n|[ \t]*\n)*" % "|".join(PRUNED_KEYS), re.MULTILINE)
_PRUNED_HEAD = re.compile("(?:%s):" % "|".join(PRUNED_KEYS))  # at column 0, its block holds column-0 items
# A running pod, an item of kubectl's List: of its metadata, spec and status (their keys
# four spaces in) the model reads these; of its containers (six in), the name and ports.
_LIST_ITEM = re.compile(r"^- .*\n(?:  .*\n|[ \t]*\n)*", re.MULTILINE)
_POD_UNREAD = re.compile(r"^    (?!(?:%s):)[^ \n-][^\n]*\n(?:    (?: |- ).*\n)*" % "|".join(_POD_KEYS), re.MULTILINE)
_CONTAINERS = re.compile(r"^    (?:containers|initContainers):\n(?:    (?: |- ).*\n)*", re.MULTILINE)
_ANCHOR = re.compile(r"[&*][^\s,\]}]")
_CONTAINER_UNREAD = re.compile(r"^      (?!(?:name|ports):)[^ \n-][^\n]*\n(?:      (?: |- ).*\n)*", re.MULTILINE)
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_STR, _NO_KEY, _OPEN = "tag:yaml.org,2002:str", object(), object()
_PLAIN_TAGS = {"tag:yaml.org,2002:null": lambda value: None,
               "tag:yaml.org,2002:bool": lambda value: _CONSTRUCTOR.bool_values[value.lower()],
               "tag:yaml.org,2002:int": lambda value: _CONSTRUCTOR.construct_yaml_int(ScalarNode("", value)),
               "tag:yaml.org,2002:float": lambda value: _CONSTRUCTOR.construct_yaml_float(ScalarNode("", value)),
               _STR: str}


class _Unusual(Exception):
    """Something this reader leaves to the loader: an explicit tag, a merge or duplicate key."""


def parse_dump(text: str, source: str) -> list[Any]:
    """The documents of `text` as `loader.parse_manifests` gives them (empty ones dropped),
    read fast; its errors, in its words, naming `source`."""
    lim = limits()
    refuse_oversize(text, lim, source)
    if text.lstrip()[:1] in ("{", "["):
        docs = json_documents(text, lim, source)
        if docs is not None:
            return docs
    if CParser is None:
        return parse_manifests(text, source)
    try:
        pruned, pods = _pruned(text, lim.yaml_depth)
        docs, aliased = _Builder(lim).run(pruned)
    except (_Unusual, yaml.YAMLError, RecursionError):
        return parse_manifests(text, source)  # the loader says what is wrong, or reads what is unusual
    docs = [_put_back(d, pods) for d in docs if d is not None]
    # Aliases share objects; the loader's JSON round trip gives each place its own copy.
    return json.loads(json.dumps(docs)) if aliased else docs


def _pruned(text: str, depth: int) -> tuple[str, dict[str, dict]]:
    """`text` without the blocks the harness never reads, and the items read already: each
    stands in the text as a placeholder, the key of the item in the map returned. A large
    text is read in parts on every core (`dumpsplit`), with the same result."""
    # Anchors and aliases (or what looks like one) leave every item to the parser, which counts them.
    anchored = "\r" in text or ("&" in text or "*" in text) and _ANCHOR.search(text)
    nonce = "" if anchored else secrets.token_hex(8)
    offsets = cuts(text, _PRUNED_HEAD) if nonce else [0, len(text)]
    parts = in_parts(text, offsets, lambda part, k: _pruned_part(part, depth, nonce, k))
    found: dict[str, dict] = {}
    for _, read in parts:
        found.update(read)
    return "".join(pruned for pruned, _ in parts), found


def _pruned_part(text: str, depth: int, nonce: str, part: int) -> tuple[str, dict[str, dict]]:
    """What `_pruned` gives for a part of the text (all of it: part 0); `nonce`: "" when no
    item is to be read line by line."""
    found: dict[str, dict] = {}
    cache: dict[str, Any] = {}
    seen: dict[str, Any] = {}
    keys: dict[str, str] = {}

    def plain(value: str) -> Any:
        if value not in cache:
            cache[value] = _plain(value)
        return cache[value]

    def item(match: re.Match) -> str:
        body = match.group(0)
        if body.startswith("- kind: Pod\n") or "\n  kind: Pod\n" in body:
            body = _CONTAINERS.sub(lambda m: _CONTAINER_UNREAD.sub("", m.group(0)), _POD_UNREAD.sub("", body))
        read = read_item(body, plain, depth - 2, seen, keys) if nonce else None  # a List and its items above
        if read is None:
            return body
        token = f"netpol-item-{nonce}-{part}-{len(found)}"
        found[token] = read
        return f"- {token}\n"

    return _LIST_ITEM.sub(item, _PRUNE.sub("", text)), found


def _put_back(doc: Any, pods: dict[str, dict]) -> Any:
    """`doc` with the pods in place of their placeholders (items of its column-0 lists)."""
    lists = [doc] if type(doc) is list else [v for v in doc.values() if type(v) is list] if type(doc) is dict else []
    for items in lists:
        items[:] = [pods.get(x, x) if type(x) is str else x for x in items]
    return doc


def _plain(value: str) -> Any:
    """A plain scalar as the loader resolves it (no timestamps)."""
    for tag, pattern in KUBE_RESOLVERS.get(value[:1], ()):
        if pattern.match(value):
            if tag not in _PLAIN_TAGS:
                raise _Unusual()  # a merge key or `=`: the loader's constructor decides
            return _PLAIN_TAGS[tag](value)
    return value


class _Builder:
    """Objects from libyaml's events, with the loader's accounts of the limits."""

    def __init__(self, lim: Limits) -> None:
        self.budget = Budget(lim, None)  # the loader's own accounts; a limit it meets goes back to the loader
        self.anchors: dict[str, Any] = {}  # what each anchor names; _OPEN: a collection not closed yet
        self.stack: list[list[Any]] = []  # per open collection: [container, key, anchor]
        self.plain: dict[str, Any] = {}  # dumps repeat keys and values: resolve each once
        self.docs: list[Any] = []
        self.aliased = False

    def run(self, text: str) -> tuple[list[Any], bool]:
        parser = CParser(text)
        try:
            handlers = {ScalarEvent: self.scalar, MappingStartEvent: self.open, SequenceStartEvent: self.open,
                        MappingEndEvent: self.close, SequenceEndEvent: self.close, AliasEvent: self.alias,
                        DocumentStartEvent: self.start}
            get = parser.get_event
            while True:
                event = get()
                handler = handlers.get(type(event))
                if handler is not None:
                    handler(event)
                elif type(event) is StreamEndEvent:
                    return self.docs, self.aliased
        finally:
            parser.dispose()

    def start(self, event: Any) -> None:
        self.anchors.clear()  # anchors do not cross documents
        self.budget.anchors.clear()
        self.docs.append(None)

    def put(self, value: Any) -> None:
        if not self.stack:
            self.docs[-1] = value
            return
        frame = self.stack[-1]
        container = frame[0]
        if type(container) is list:
            container.append(value)
        elif frame[1] is _NO_KEY:
            if type(value) is not str:
                if isinstance(value, (dict, list)):
                    raise _Unusual()  # a complex key: the loader refuses it
                value = json.dumps(value)  # the key the loader's JSON round trip makes of 1, true, null
            frame[1] = value
        else:
            if frame[1] in container:
                raise _Unusual()
            container[frame[1]] = value
            frame[1] = _NO_KEY

    def scalar(self, event: Any) -> None:
        text, tag = event.value, event.tag
        if tag is not None and tag != "!" and tag != _STR:
            raise _Unusual()
        if tag is None and event.implicit[0]:
            value = self.plain.get(text, _NO_KEY)
            if value is _NO_KEY:
                value = self.plain[text] = _plain(text)
        else:
            value = text
        self.budget.scalar(event)
        if event.anchor:
            self.anchors[event.anchor] = value
        self.put(value)

    def open(self, event: Any) -> None:
        if event.tag is not None and event.tag != "!" and not event.implicit:
            raise _Unusual()
        self.budget.open(event)  # too deep: an InputLimitError, and the loader says it in its words
        if event.anchor:
            self.anchors[event.anchor] = _OPEN
        container: Any = {} if type(event) is MappingStartEvent else []
        self.stack.append([container, _NO_KEY, event.anchor])

    def close(self, event: Any) -> None:
        container, _, anchor = self.stack.pop()
        self.budget.close()
        if anchor:
            self.anchors[anchor] = container
        self.put(container)

    def alias(self, event: Any) -> None:
        value = self.anchors.get(event.anchor, _OPEN)
        if value is _OPEN:
            raise _Unusual()  # undefined, or inside the node it names: the loader's words
        self.budget.alias(event)  # over a limit: an InputLimitError, and the loader names the limit and the line
        self.aliased = True
        self.put(value)
