"""Reading a cluster's dump fast: what `kubectl get ... -A -o yaml` (or `-o json`) writes
for a large cluster, read into the same objects as `loader.parse_manifests`, within the
same limits, an order of magnitude faster and without holding a node tree of the file.

JSON is read as the json module reads it (`dumpjson`: orjson where that reads alike, through
`jsonfast`; a key given twice keeps its last value), its nesting counted on the text or held
by orjson's own limit, a large List's items a run at a time in one process.
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
policy, a namespace ...) is then read line by line (`dumppods`), a pod by its layout
(`dumpshapes`: with the same result), unless it holds anything beyond kubectl's plain
block layout, and a large text is read in parts, one a core, cut at column-0 items
(`dumpsplit`); the parser is left the List around them. What is
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
from .dumppods import PRUNED_KEYS
from .dumpshapes import ShapeReader
from .dumpsplit import cuts, in_parts
from .gcpause import collector_held
from .loader import KUBE_RESOLVERS, Budget, Limits, limits, parse_manifests, refuse_oversize

try:  # libyaml's parser: PyYAML built without it reads through the loader instead
    from yaml._yaml import CParser
except ImportError:  # pragma: no cover - PyYAML wheels ship libyaml
    CParser = None

__all__ = ["PRUNED_KEYS", "parse_dump"]

# Each pattern is led by the newline before its first line (the text is given one in front),
# a literal the regex engine scans for fast: a line-start anchor is tried at every character.
# A block's last line keeps its newline, so the next block's pattern finds it.
_LINE, _BLANK = r"[^\n]*(?=\n)", r"\n[ \t]*(?=\n)"
# kubectl writes a block's list items at the key's own indentation ("- "), maps deeper.
_PRUNE = re.compile(r"\n( *)(?:%s):(?=\n)(?:\n\1(?: |- )%s|%s)*" % ("|".join(PRUNED_KEYS), _LINE, _BLANK))
_PRUNED_HEAD = re.compile("(?:%s):" % "|".join(PRUNED_KEYS))  # at column 0, its block holds column-0 items
# A running pod, an item of kubectl's List: of its metadata, spec and status (their keys
# four spaces in) the model reads these; of its containers (six in), the name and ports.
_LIST_ITEM = re.compile(r"\n- %s(?:\n  %s|%s)*" % (_LINE, _LINE, _BLANK))
_POD_UNREAD = re.compile(r"\n    (?!(?:%s):)[^ \n-]%s(?:\n    (?: |- )%s)*" % ("|".join(_POD_KEYS), _LINE, _LINE))
_CONTAINERS = re.compile(r"\n    (?:containers|initContainers):(?=\n)(?:\n    (?: |- )%s)*" % _LINE)
_CONTAINER_UNREAD = re.compile(r"\n      (?!(?:name|ports):)[^ \n-]%s(?:\n      (?: |- )%s)*" % (_LINE, _LINE))
_ANCHOR = re.compile(r"[&*][^\s,\]}]")
_PLACEHOLDERS = re.compile(r"(?:\n- netpol-item-[0-9a-f]+-[0-9]+-[0-9]+(?=\n))+")  # _pruned_part's, in a row
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
        with collector_held():
            pruned, runs = _runs(*_pruned(text, lim.yaml_depth))
            docs, aliased = _Builder(lim).run(pruned)
    except (_Unusual, yaml.YAMLError, RecursionError):
        return parse_manifests(text, source)  # the loader says what is wrong, or reads what is unusual
    docs = [_put_back(d, runs) for d in docs if d is not None]
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
    readers: list[ShapeReader] = []  # one a process: the layouts a part learns serve its next parts

    def read(part: str, k: int) -> tuple[str, dict[str, dict]]:
        if not readers:
            readers.append(ShapeReader(_plain, depth - 2))  # a List and its items above
        return _pruned_part(part, nonce, k, readers[0])

    parts = in_parts(text, offsets, read)
    found: dict[str, dict] = {}
    for _, read in parts:
        found.update(read)
    return "".join(pruned for pruned, _ in parts), found


def _pruned_part(text: str, nonce: str, part: int, reader: ShapeReader) -> tuple[str, dict[str, dict]]:
    """What `_pruned` gives for a part of the text (all of it: part 0); `nonce`: "" when no
    item is to be read line by line."""
    found: dict[str, dict] = {}

    def item(match: re.Match) -> str:
        body = match.group(0) + "\n"  # its newline in front, and its last line's after
        pod = body.startswith("\n- kind: Pod\n") or "\n  kind: Pod\n" in body
        if pod:
            body = _CONTAINERS.sub(_container_read, _POD_UNREAD.sub("", body))
        # A workload's pods share a layout; policies seldom do, and learning theirs costs more than it saves.
        read = (reader.read if pod else reader.read_lines)(body[1:]) if nonce else None
        if read is None:
            return body[:-1]
        token = f"netpol-item-{nonce}-{part}-{len(found)}"
        found[token] = read
        return f"\n- {token}"

    return _LIST_ITEM.sub(item, prune("\n" + text))[1:], found


def prune(text: str) -> str:
    """`text` without the blocks of `PRUNED_KEYS`; `text` starts with a newline, and so does
    what is returned."""
    return _PRUNE.sub("", text)


def _container_read(match: re.Match) -> str:
    """A pod's containers without what the model does not read of them."""
    return _CONTAINER_UNREAD.sub("", match.group(0) + "\n")[:-1]


def _runs(pruned: str, found: dict[str, dict]) -> tuple[str, dict[str, list[dict]]]:
    """`pruned` with each run of placeholders in a row (items read one after another) one
    placeholder, the key of the run's items in the map returned: the parser, in Python for
    each item it reads, then reads a few dozen placeholders instead of every item."""
    runs: dict[str, list[dict]] = {}

    def run(match: re.Match) -> str:
        lines: list[str] = []
        for token in match.group(0)[3:].split("\n- "):
            if token not in found:
                lines.append(token)  # the dump's own text, that looks like a placeholder
            elif lines and lines[-1] in runs:
                runs[lines[-1]].append(found[token])
            else:
                lines.append(f"{token}-run")
                runs[lines[-1]] = [found[token]]
        return "".join(f"\n- {line}" for line in lines)

    return _PLACEHOLDERS.sub(run, "\n" + pruned)[1:], runs


def _put_back(doc: Any, runs: dict[str, list[dict]]) -> Any:
    """`doc` with the items read in place of their runs' placeholders (items of its column-0 lists)."""
    lists = [doc] if type(doc) is list else [v for v in doc.values() if type(v) is list] if type(doc) is dict else []
    for items in lists:
        if any(type(x) is str and x in runs for x in items):
            items[:] = [y for x in items for y in (runs[x] if type(x) is str and x in runs else (x,))]
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
