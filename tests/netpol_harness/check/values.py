"""Values against the chart's values.schema.json, after merging with values.yaml the way
Helm does (draft-07 unless the schema says otherwise, formats checked, each dependency's
schema under its key)."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Mapping

import jsonschema
import yaml

from ..matrix import deep_merge
from .messages import json_path, short


def _schema_errors(schema: dict, instance: object, prefix: str) -> list[str]:
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    messages = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: (list(map(str, e.absolute_path)), e.message)):
        path = json_path([*([prefix] if prefix else []), *error.absolute_path])
        messages.append(f"{path}: {short(_explain(error))}")
    return messages


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
    meta = yaml.safe_load((chart_dir / "Chart.yaml").read_text()) or {}
    return str(meta.get("name") or chart_dir.name)


def merged_values(chart_dir: str | os.PathLike, values: Mapping | None) -> dict:
    """values.yaml with the given values on top; a null deletes a default, as in Helm."""
    chart = Path(chart_dir)
    defaults_file = chart / "values.yaml"
    defaults = (yaml.safe_load(defaults_file.read_text()) or {}) if defaults_file.exists() else {}
    return deep_merge(defaults, dict(values or {}), drop_none=True)


def validate_values(chart_dir: str | os.PathLike, values: Mapping | None, _prefix: str = "") -> list[str]:
    """Messages for every schema violation, each naming its JSON path
    (`networkPolicy.egress.k8sMasterPort: 70000 is greater than the maximum of 65535`).
    A chart without values.schema.json has nothing to check."""
    chart = Path(chart_dir)
    merged = merged_values(chart, values)
    errors: list[str] = []
    schema_file = chart / "values.schema.json"
    if schema_file.exists():
        schema = json.loads(schema_file.read_text())
        errors += _schema_errors(schema, merged, _prefix)
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
