"""Kubernetes label selectors: matchLabels and matchExpressions, and label values as the
API server sees them (strings)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


class PolicyError(ValueError):
    """An object the API server would refuse; the message says why."""


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.operator == "In":
            return present and labels[self.key] in self.values
        if self.operator == "NotIn":
            # A missing key satisfies NotIn: that is how Kubernetes selectors work.
            return not present or labels[self.key] not in self.values
        if self.operator == "Exists":
            return present
        return not present  # DoesNotExist

    def __str__(self) -> str:
        if self.operator == "Exists":
            return self.key
        if self.operator == "DoesNotExist":
            return f"!{self.key}"
        op = "in" if self.operator == "In" else "notin"
        return f"{self.key} {op} ({','.join(self.values)})"


@dataclass(frozen=True)
class LabelSelector:
    """A non-null label selector; the empty one selects everything."""

    match_labels: tuple[tuple[str, str], ...] = ()
    match_expressions: tuple[Requirement, ...] = ()

    @classmethod
    def parse(cls, obj: Mapping[str, Any] | None) -> "LabelSelector":
        obj = obj or {}
        labels = tuple(sorted((str(k), label_value(v)) for k, v in (obj.get("matchLabels") or {}).items()))
        reqs = []
        for expr in obj.get("matchExpressions") or []:
            op = expr.get("operator")
            if op not in OPERATORS:
                raise PolicyError(f"unknown label selector operator {op!r}")
            values = tuple(label_value(v) for v in (expr.get("values") or []))
            reqs.append(Requirement(str(expr.get("key")), op, values))
        return cls(labels, tuple(reqs))

    @property
    def is_empty(self) -> bool:
        return not self.match_labels and not self.match_expressions

    def matches(self, labels: Mapping[str, str]) -> bool:
        # Loops, not all(...) over generators: it runs per pod, peer and rule at cluster scale.
        for key, value in self.match_labels:
            if labels.get(key) != value:
                return False
        for requirement in self.match_expressions:
            if not requirement.matches(labels):
                return False
        return True

    def __str__(self) -> str:
        if self.is_empty:
            return "{} (everything)"
        parts = [f"{k}={v}" for k, v in self.match_labels] + [str(r) for r in self.match_expressions]
        return "{" + ", ".join(parts) + "}"


def label_map(labels: Mapping[str, Any] | None) -> dict[str, str]:
    """Labels as the API server keeps them, strings to strings (a copy: the manifest's map
    stays the caller's)."""
    if type(labels) is dict:
        for k, v in labels.items():
            if type(k) is not str or type(v) is not str:
                break
        else:
            return labels.copy()  # written as strings already, as nearly all are
    return {str(k): label_value(v) for k, v in (labels or {}).items()}


def label_value(value: Any) -> str:
    # YAML turns `enabled: true` into a bool; the API server only sees strings.
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
