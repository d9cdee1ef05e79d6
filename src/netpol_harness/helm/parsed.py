"""A render's objects, parsed one template's output at a time, each distinct text once.

The cases of a value matrix print most templates' output unchanged (a ServiceAccount, a
Deployment the factors do not touch), and YAML parsing, under the loader's limits, costs
about as much as Helm's rendering. `parse_rendered(docs)` gives what
`loader.parse_manifests("".join(docs))` gives, objects freshly built for each call, and
raises what it raises: each doc (one `---` document and its `# Source:` line, as helm
prints them) is parsed alone and remembered as its JSON text; the whole text is parsed as
one stream instead when a doc does not parse alone (its error then has the stream's line
numbers), when a doc could hold anchors (aliases count against a limit over the whole
stream), or when the whole is over the input limit.
"""
from __future__ import annotations

import json
from typing import Sequence

from ..boundedmemo import BoundedMemo
from ..loader import limits, parse_manifests

_KNOWN: BoundedMemo[str] = BoundedMemo()  # (limits, doc) -> the JSON text of its objects, without brackets


def parse_rendered(docs: Sequence[str]) -> list[dict]:
    lim = limits()
    if sum(map(len, docs)) > lim.input_bytes or any("&" in doc for doc in docs):
        return parse_manifests("".join(docs))
    parts = []
    for doc in docs:
        known = _KNOWN.get((lim, doc))
        if known is None:
            try:
                known = json.dumps(parse_manifests(doc))[1:-1]
            except Exception:  # noqa: BLE001 - the whole stream says what is wrong, in its words
                return parse_manifests("".join(docs))
            _KNOWN.put((lim, doc), known, len(doc) + len(known))
        if known:
            parts.append(known)
    return json.loads("[" + ", ".join(parts) + "]")
