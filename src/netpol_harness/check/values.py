"""Values against the chart's values.schema.json, after merging with values.yaml the way
Helm does (draft-07 unless the schema says otherwise, formats checked, each dependency's
schema under its key)."""
from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Mapping

import jsonschema
import yaml

from ..loader import load_yaml_file
from ..matrix import deep_merge
from .messages import json_path, short
from .schemamemo import SchemaMemo

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _schema_errors(memo: SchemaMemo, instance: object, prefix: str) -> list[str]:
    messages = []
    for path, _, explained in sorted(memo.errors(instance), key=lambda e: (list(map(str, e[0])), e[1])):
        messages.append(f"{json_path([*([prefix] if prefix else []), *path])}: {short(explained)}")
    return messages


def _stamp(path: Path) -> str | None:
    """The file's content hash, read on every call: a copy that kept the old mtime (cp -p,
    rsync, tar) still counts, and so does a rewrite within the file system's timestamp
    granularity; a values file and a schema hash in well under a millisecond."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


@functools.lru_cache(maxsize=64)
def _chart_inputs(chart: Path, stamps: tuple) -> tuple[dict, SchemaMemo | None]:
    """values.yaml and values.schema.json's validator (remembering the errors of the values'
    parts, `SchemaMemo`), read once per chart version (`stamps`: the files' content hashes,
    so an edited file is read again)."""
    defaults_file, schema_file = chart / "values.yaml", chart / "values.schema.json"
    defaults = (yaml.load(defaults_file.read_text(), Loader=_Loader) or {}) if defaults_file.exists() else {}
    memo = None
    if schema_file.exists():
        schema = json.loads(schema_file.read_text())
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
        memo = SchemaMemo(cls(schema, format_checker=cls.FORMAT_CHECKER), _explain)
    return defaults, memo


def _inputs(chart: Path) -> tuple[dict, SchemaMemo | None]:
    chart = chart.resolve()
    return _chart_inputs(chart, (_stamp(chart / "values.yaml"), _stamp(chart / "values.schema.json")))


def _explain(error: jsonschema.ValidationError) -> str:
    """The error, plus for oneOf/anyOf each branch's reason (`is not valid under any
    of the given schemas` alone does not tell the user what to fix)."""
    if not error.context:
        return error.message
    reasons = list(dict.fromkeys(e.message for e in error.context))
    return f"{error.message}: {'; '.join(reasons)}"


def _dependency_dirs(chart_dir: Path) -> list[Path]:
    charts = chart_dir / "charts"
    return sorted(p for p in charts.iterdir() if p.is_dir()) if charts.is_dir() else []


def _chart_name(chart_dir: Path) -> str:
    meta = load_yaml_file(chart_dir / "Chart.yaml") or {}
    return str(meta.get("name") or chart_dir.name)


def merged_values(chart_dir: str | os.PathLike, values: Mapping | None) -> dict:
    """values.yaml with the given values on top; a null deletes a default, as in Helm."""
    defaults, _ = _inputs(Path(chart_dir))
    return deep_merge(defaults, dict(values or {}), drop_none=True)  # a new dict: the cached defaults stay


def validate_values(chart_dir: str | os.PathLike, values: Mapping | None, _prefix: str = "") -> list[str]:
    """Messages for every schema violation, each naming its JSON path
    (`networkPolicy.egress.k8sMasterPort: 70000 is greater than the maximum of 65535`).
    A chart without values.schema.json has nothing to check."""
    chart = Path(chart_dir)
    defaults, memo = _inputs(chart)
    merged = deep_merge(defaults, dict(values or {}), drop_none=True, share=True)
    errors: list[str] = []
    if memo is not None:
        errors += _schema_errors(memo, merged, _prefix)
    # Helm validates each dependency's schema against the values under its name.
    for dep in _dependency_dirs(chart):
        if not (dep / "Chart.yaml").exists():
            continue
        name = _chart_name(dep)
        sub = merged.get(name)
        if (dep / "values.schema.json").exists() or any(_dependency_dirs(dep)):
            sub_prefix = f"{_prefix}.{name}" if _prefix else name
            errors += validate_values(dep, sub if isinstance(sub, Mapping) else {}, sub_prefix)
    return errors
