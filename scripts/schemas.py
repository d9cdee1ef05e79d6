#!/usr/bin/env python3
"""Write each chart's values.schema.json from its source in schema/.

schema/vocabulary.json holds the peer vocabulary (rule, peers, ports ...) once;
schema/CHART.json holds what is the chart's own and refers to the vocabulary with
"$ref": "vocabulary.json#/definitions/NAME". Helm reads only the chart's own file, so
the written schema is self-contained: each definition it refers to is copied under
"definitions" and its refs point there. A property the source gives no description
takes its key's `# --` comment in the chart's values.yaml.

    scripts/schemas.py            write every chart's values.schema.json
    scripts/schemas.py --check    exit 1 when one is stale
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import jsonschema

from netpol_harness.doctables import described

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "schema"
CHARTS = ROOT / "charts"
# Helm 3.10 knows drafts 04/06/07; Helm >= 3.18.5 assumes 2020-12 when $schema is absent.
DRAFT_07 = "http://json-schema.org/draft-07/schema#"
WIDTH = 120


def source_of(chart: str) -> Path:
    return SOURCES / f"{chart}.json"


def target_of(chart: str) -> Path:
    return CHARTS / chart / "values.schema.json"


def charts() -> list[str]:
    """The charts with a source in schema/ (vocabulary.json is no chart's)."""
    return sorted(p.stem for p in SOURCES.glob("*.json") if (CHARTS / p.stem / "Chart.yaml").is_file())


def _definition_name(ref: str, file: Path) -> tuple[str, str]:
    """'other.json#/definitions/NAME' -> ('other.json', 'NAME'); nothing else is supported."""
    document, _, pointer = ref.partition("#")
    parts = pointer.split("/")
    if len(parts) != 3 or parts[:2] != ["", "definitions"]:
        raise SystemExit(f"{file.name}: {ref!r}: refer to FILE#/definitions/NAME")
    return document, parts[2]


def inline(source: Path) -> dict:
    """The source with every definition it uses from other files copied in."""
    source = source.resolve()
    documents: dict[Path, dict] = {}
    copied: dict[str, Any] = {}
    origin: dict[str, Path] = {}

    def ref(value: str, file: Path) -> str:
        document, name = _definition_name(value, file)
        path = (file.parent / document).resolve() if document else file
        if path not in documents:
            documents[path] = json.loads(path.read_text())
        definitions = documents[path].get("definitions", {})
        if name not in definitions:
            raise SystemExit(f"{file.name}: {value!r}: {path.name} defines no {name!r}")
        if path == source or origin.get(name) == path:
            return f"#/definitions/{name}"
        if name in origin:
            raise SystemExit(f"{source.name}: two definitions named {name!r} ({origin[name].name}, {path.name})")
        origin[name] = path  # before the walk: a definition that refers to itself is not copied twice
        copied[name] = None  # a definition comes before the ones it refers to
        copied[name] = walk(definitions[name], path)
        return f"#/definitions/{name}"

    def walk(node: Any, file: Path) -> Any:
        if isinstance(node, list):
            return [walk(item, file) for item in node]
        if isinstance(node, dict):
            return {k: ref(v, file) if k == "$ref" else walk(v, file) for k, v in node.items()}
        return node

    schema = walk(json.loads(source.read_text()), source)
    own = schema.setdefault("definitions", {})
    clash = own.keys() & copied.keys()
    if clash:
        raise SystemExit(f"{source.name}: its definitions {sorted(clash)} have the names of ones it refers to")
    own.update(copied)
    return schema


def describe(schema: dict, values_file: Path) -> None:
    """Give each property described in values.yaml that description, unless it has one."""
    for path, text in described(values_file):
        node = schema
        for key in path:
            properties = node.get("properties") or {}
            if key not in properties:
                # A documented value the schema does not know is a schema that fell behind.
                raise SystemExit(f"{values_file.relative_to(ROOT)}: {'.'.join(path)} is described, "
                                 f"but the schema has no property for it")
            parent, node = properties, properties[key]
        if "description" not in node:
            parent[path[-1]] = {"description": text, **node}


def dumps(node: Any, indent: int = 0, column: int = 0) -> str:
    """JSON as the hand-written schemas were: a node on one line when it fits in
    WIDTH columns, otherwise one entry per line (so a diff shows the entry that changed)."""
    flat = json.dumps(node, ensure_ascii=False)
    if column + len(flat) <= WIDTH or not isinstance(node, (dict, list)) or not node:
        return flat
    pad = " " * (indent + 2)
    if isinstance(node, dict):
        entries = []
        for key, value in node.items():
            head = f"{pad}{json.dumps(key, ensure_ascii=False)}: "
            entries.append(head + dumps(value, indent + 2, len(head)))
    else:
        entries = [pad + dumps(value, indent + 2, len(pad)) for value in node]
    brackets = "{}" if isinstance(node, dict) else "[]"
    return brackets[0] + "\n" + ",\n".join(entries) + "\n" + " " * indent + brackets[1]


def generate(chart: str) -> str:
    """The text of the chart's values.schema.json."""
    schema = inline(source_of(chart))
    if schema.get("$schema") != DRAFT_07:
        raise SystemExit(f"{source_of(chart).name}: set \"$schema\": \"{DRAFT_07}\"")
    values_file = CHARTS / chart / "values.yaml"
    if values_file.exists():
        describe(schema, values_file)
    jsonschema.Draft7Validator.check_schema(schema)
    return dumps(schema) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 when a values.schema.json is stale")
    args = parser.parse_args()
    stale = []
    for chart in charts():
        text, target = generate(chart), target_of(chart)
        if args.check:
            if not target.exists() or target.read_text() != text:
                stale.append(str(target.relative_to(ROOT)))
        else:
            target.write_text(text)
    if stale:
        print(f"stale: {', '.join(stale)}; run `make schemas`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
