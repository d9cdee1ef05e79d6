"""Values a chart's users may write: valid ones drawn from the chart's values.schema.json,
and the mistakes people make (nulls, wrong types, empty strings and maps, out-of-range
ports, odd CIDR spellings, URLs with ports and brackets, YAML-special strings), laid over
realistic starting points (the chart's defaults and its values examples).

`values_strategy(chart, bases)` is a hypothesis strategy of (values, mutations);
`judge(result, values, chart)` says whether a render kept the promise: either a clear
error (a message naming a value path that exists) or objects the API server takes
that allow no more than the values asked for.
"""
from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis import seed as hypothesis_seed

from .check import validate_all
from .check.errors import judge_error
from .check.failclosed import wider_than_values
from .check.values import merged_values
from .helm.template import RenderResult

Path_ = tuple[str | int, ...]

# Mistakes seen in real values files, and strings YAML or Go read in surprising ways.
ADVERSARIAL: tuple[Any, ...] = (
    None, "", {}, [], 0, -1, 65536, 70000, 3.5, True, False, "true", "yes", "no", "on", "~", "null",
    "&a", "*a", "!!str x", "1e3", "0x1F", "- item", "a: b", "{}", "Bad_Name", "UPPER", "a b", "%zz", "-",
    "x" * 70, "é",
    "10.0.0.1/8", "10.0.0.0/33", "10.0.0.0/08", "010.0.0.0/8", "10.0.0.0/", "/8", "2001:0db8::/32",
    "fd00:0:0:0:0:0:0:0/64", "::ffff:a00:1/128", "::/0", "0.0.0.0/0", "192.0.2.10", "2001:db8::7",
    "fe80::1%eth0/64", "2001:db8::7:8443", "::", "[]", "[::1]:9443", "[2001:db8::5]:8443",
    "203.0.113.20:8443", "203.0.113.10:http", "https://203.0.113.20:8443:9/x", "https://[2001:db8::20/x",
    "https://[2001:db8::20]:99999/", "https://203.0.113.10", "http://", "https://user@203.0.113.5/", "ftp://203.0.113.5/",
    {"matchExpressions": "app"}, {"matchExpressions": -1}, {"matchExpressions": [{"key": "app", "operator": "Gt"}]},
    {"matchLabels": {}}, {"matchLabels": {"app": None}}, {"matchLabels": "app"}, "*",
    {"app.kubernetes.io/instance": "other"}, {"helm.sh/chart": "x"}, {"bad key!": "v"}, {"k": "bad value!"},
    [{"port": 0}], [{"port": 80, "endPort": 79}], [{"port": "http", "endPort": 90}], ["a-very-long-port-name"],
    [{"port": 80, "protocol": "ICMP"}], [80, "80"], [None], "80",
    [{"to": []}], [{"to": [{}]}], [{"from": [{"cidr": "10.0.0.0/8", "except": ["10.0.0.0/8"]}]}],
    [{"to": [{"pods": {}}]}], [{"allowAll": "false", "to": []}], ["rule"], [{"to": [{"cidr": "10.0.0.0/8", "pods": {"a": "b"}}]}],
)


def _resolve(schema: Mapping, root: Mapping) -> Mapping:
    while isinstance(schema, Mapping) and "$ref" in schema:
        ref = schema["$ref"]
        node: Any = root
        for part in ref.lstrip("#/").split("/"):
            node = node[part]
        schema = {**node, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def schema_paths(schema: Mapping, root: Mapping | None = None, prefix: Path_ = ()) -> dict[Path_, Mapping]:
    """Every property path the schema describes, with its (resolved) sub-schema."""
    root = root or schema
    schema = _resolve(schema, root)
    found: dict[Path_, Mapping] = {prefix: schema} if prefix else {}
    for name, sub in (schema.get("properties") or {}).items():
        found.update(schema_paths(sub, root, (*prefix, name)))
    return found


def value_paths(values: Any, prefix: Path_ = ()) -> list[Path_]:
    """Every path in a values tree (map keys and list indexes)."""
    found = [prefix] if prefix else []
    if isinstance(values, Mapping):
        for key, value in values.items():
            found += value_paths(value, (*prefix, key))
    elif isinstance(values, list):
        for i, value in enumerate(values):
            found += value_paths(value, (*prefix, i))
    return found


def set_path(values: dict, path: Path_, value: Any) -> dict:
    """A copy of `values` with `path` set, creating the maps on the way."""
    out = copy.deepcopy(values)
    node: Any = out
    for part in path[:-1]:
        if isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            continue
        if not isinstance(node, dict):
            return out  # the path runs through a scalar an earlier mutation set: leave it
        if not isinstance(node.get(part), (dict, list)):
            node[part] = {}
        node = node[part]
    if isinstance(node, dict):
        node[path[-1]] = copy.deepcopy(value)
    elif isinstance(node, list) and isinstance(path[-1], int) and path[-1] < len(node):
        node[path[-1]] = copy.deepcopy(value)
    return out


# Strings a schema's `string` admits that mean something to these charts.
_STRINGS = ("", "web", "keptn", "kube-system", "203.0.113.5", "198.51.100.0/28", "2001:db8::5", "fd00::/64",
            "10.0.0.0/8", "keptn.example.com", "https://sso.example.com/realms/keptn", "http", "dns", "9090")


def from_schema(schema: Mapping, root: Mapping, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values a JSON schema admits, leaning on the strings these charts care about
    (formats and patterns are not enforced: the render judges the rest)."""
    schema = _resolve(schema, root)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return st.one_of([from_schema(s, root, depth) for s in schema[key]])
    if "enum" in schema:
        return st.sampled_from(list(schema["enum"]))
    kind = schema.get("type", "object" if "properties" in schema else None)
    if isinstance(kind, list):
        return st.one_of([from_schema({**schema, "type": k}, root, depth) for k in kind])
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum", -5), schema.get("maximum", 70000))
    if kind == "string":
        return st.sampled_from(_STRINGS)
    if kind == "null":
        return st.none()
    if depth > 3:
        return st.just({} if kind == "object" else [])
    if kind == "array":
        return st.lists(from_schema(schema.get("items") or {}, root, depth + 1), max_size=2)
    if kind == "object":
        props = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        named = st.fixed_dictionaries({}, optional={k: from_schema(v, root, depth + 1) for k, v in props.items()})
        if isinstance(extra, Mapping) and extra:
            free = st.dictionaries(st.sampled_from(("app", "team", "kubernetes.io/metadata.name")),
                                   from_schema(extra, root, depth + 1), max_size=2)
            return st.tuples(named, free).map(lambda pair: {**pair[1], **pair[0]})
        return named
    return st.sampled_from(ADVERSARIAL)


def values_strategy(chart: Path, bases: Iterable[Mapping[str, Any]], max_mutations: int = 3,
                    opaque: Iterable[str] = ()) -> st.SearchStrategy:
    """(values, mutations): a base with up to `max_mutations` paths set to a valid or an
    adversarial value; `mutations` lists (path, value) for the failure message.

    `opaque`: top-level keys the chart hands to Kubernetes unchanged (securityContext,
    tolerations ...): they are Kubernetes' to check, so they are left as they are."""
    schema_file = chart / "values.schema.json"
    schema = json.loads(schema_file.read_text()) if schema_file.exists() else {}
    skip = tuple(tuple(key.split(".")) for key in opaque)
    by_schema = {p: sub for p, sub in (schema_paths(schema) if schema else {}).items() if not _under(p, skip)}
    valid = {path: from_schema(sub, schema) for path, sub in by_schema.items()}
    bases = [dict(b) for b in bases] or [{}]

    @st.composite
    def build(draw):
        values = copy.deepcopy(draw(st.sampled_from(bases)))
        mutations = []
        for _ in range(draw(st.integers(0, max_mutations))):
            paths = sorted(set(by_schema) | {p for p in value_paths(values) if not _under(p, skip)}, key=repr)
            path = draw(st.sampled_from(paths))
            if path in by_schema and draw(st.booleans()):
                value = draw(valid[path])
            else:
                value = draw(st.sampled_from(ADVERSARIAL))
            values = set_path(values, path, value)
            mutations.append((path, value))
        return values, mutations

    return build()


def _under(path: Path_, prefixes: tuple[Path_, ...]) -> bool:
    return any(path[: len(prefix)] == prefix for prefix in prefixes)


# Helm's own errors that a chart cannot catch or reword: Helm 3.10's getHostByName fails on
# a name that does not resolve (Helm >= 3.11.1 does too, with --enable-dns), before the
# chart sees an answer. The charts' READMEs quote it; a fuzz run counts them apart.
HELM_LIMITS = ("error calling getHostByName: invalid argument to Intn",)


@dataclass(frozen=True)
class Judgement:
    kind: str  # "error" | "render" | "helm-limit"
    ok: bool
    problems: tuple[str, ...] = ()


def judge(result: RenderResult, values: Mapping[str, Any], chart: Path, *, also_allowed: Iterable[str] = (),
          everyone_allowed: bool | None = None) -> Judgement:
    """Did this render keep the promise for these values?"""
    merged = merged_values(chart, values)
    if not result.ok:
        verdict = judge_error(result.stderr, values, merged)
        if not verdict.clear and any(limit in result.stderr for limit in HELM_LIMITS):
            return Judgement("helm-limit", True)
        return Judgement("error", verdict.clear, () if verdict.clear else (verdict.why,))
    problems = validate_all(result.objects)
    problems += wider_than_values(result.objects, merged, also_allowed=also_allowed, everyone_allowed=everyone_allowed)
    return Judgement("render", not problems, tuple(problems))


@dataclass
class Tally:
    """What a fuzz run saw, per helm: written for `make fuzz` and the session note."""

    cases: int = 0
    clear_errors: int = 0
    valid_renders: int = 0
    helm_limits: int = 0  # HELM_LIMITS: helm stopped before the chart could speak
    violations: int = 0
    examples: list[str] = field(default_factory=list)
    groups: dict[str, "Tally"] = field(default_factory=dict)  # the same counts per group (a dataplane, say)

    def add(self, judgement: Judgement, mutations: list, group: str | None = None) -> None:
        if group is not None:
            self.groups.setdefault(group, Tally()).add(judgement, mutations)
        self.cases += 1
        if not judgement.ok:
            self.violations += 1
            self.examples.append(f"{mutations}: {'; '.join(judgement.problems)[:500]}")
        elif judgement.kind == "error":
            self.clear_errors += 1
        elif judgement.kind == "helm-limit":
            self.helm_limits += 1
        else:
            self.valid_renders += 1

    def counts(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("examples", "groups")}

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        groups = {name: tally.counts() for name, tally in sorted(self.groups.items())}
        path.write_text(json.dumps(self.counts() | {"groups": groups, "examples": self.examples[:20]}, indent=2) + "\n")


EXAMPLES_ENV = "NETPOL_FUZZ_EXAMPLES"  # how many values files per run (make fuzz: more)
SEED_ENV = "NETPOL_FUZZ_SEED"  # a seed for other examples than the derandomized default


def examples_from_env(default: int) -> int:
    return int(os.environ.get(EXAMPLES_ENV) or default)


def fuzz_chart(chart: Path, bases: Iterable[Mapping[str, Any]], render: Callable[[dict], RenderResult], *,
               examples: int, record: Path | None = None, opaque: Iterable[str] = (), also_allowed: Iterable[str] = (),
               everyone_allowed: Callable[[dict], bool | None] = lambda merged: None,
               group: Callable[[dict], str] | None = None) -> Tally:
    """Render `examples` generated values files and fail on the first that breaks the
    promise (hypothesis then shrinks it to the smallest such values). The tally of what
    was seen is written to `record`, failing or not, and returned; `group(merged values)`
    names the group each case is also counted under (its dataplane, say)."""
    tally = Tally()
    seed = int(os.environ[SEED_ENV]) if os.environ.get(SEED_ENV) else None
    seen: set[str] = set()

    @settings(max_examples=examples, deadline=None, database=None, derandomize=seed is None,
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(values_strategy(chart, bases, opaque=opaque))
    def case(drawn: tuple[dict, list]) -> None:
        values, mutations = drawn
        result = render(values)
        merged = merged_values(chart, values)
        judgement = judge(result, values, chart, also_allowed=also_allowed, everyone_allowed=everyone_allowed(merged))
        key = json.dumps(values, sort_keys=True, default=str)
        if key not in seen:  # shrinking replays cases; count each values file once
            seen.add(key)
            tally.add(judgement, mutations, group(merged) if group else None)
        assert judgement.ok, (f"values {json.dumps(values, default=str)}\nmutations {mutations}\n"
                              + "\n".join(judgement.problems))

    if seed is not None:
        case = hypothesis_seed(seed)(case)
    try:
        case()
    finally:
        if record is not None:
            tally.write(record)
    return tally
