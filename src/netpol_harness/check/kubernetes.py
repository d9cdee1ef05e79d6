"""Manifests against Kubernetes' JSON schemas in strict mode (an unknown field is an
error): kubeconform when it is on PATH, else the strict schemas shipped inside the
`kubernetes-validate` package, with one validator per (version, kind, apiVersion).

A Kubernetes version is checked once, by `check_kubernetes_version`: one the package has
no schemas for is an error listing those it has (`supported_versions()`), never the
nearest older one instead."""
from __future__ import annotations

import functools
import importlib.metadata
import importlib.resources
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Mapping

import jsonschema
import yaml
from referencing import Registry, Resource

from .adminrules import in_admin_group
from .ciliumrules import is_cilium_policy
from .messages import json_path, short
from ..boundedmemo import BoundedMemo
from .schemamemo import SchemaMemo

ENGINE_ENV = "NETPOL_VALIDATOR"  # "python" forces the bundled schemas even with kubeconform on PATH


def _schema_root() -> Path:
    return Path(str(importlib.resources.files("kubernetes_validate") / "kubernetes-json-schema"))


_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+][0-9A-Za-z.+-]*)?")


class UnsupportedKubernetesVersion(ValueError):
    """A Kubernetes version the bundled schemas do not have (or not a version at all):
    one line that lists the versions they have."""


def _minor(text: str) -> tuple[int, int]:
    match = _VERSION.fullmatch(str(text).strip())
    if match is None:
        raise UnsupportedKubernetesVersion(
            f"--kubernetes-version {text!r} is not a Kubernetes version (write MAJOR.MINOR, e.g. {latest_version()})")
    return int(match.group(1)), int(match.group(2))


@functools.lru_cache(maxsize=1)
def _shipped() -> dict[tuple[int, int], Path]:
    """The strict schema folder of each minor version kubernetes-validate ships
    (`kubernetes_validate.utils.all_versions()` names the same ones)."""
    return dict(sorted((_minor(p.name.removesuffix("-local-strict")), p)
                       for p in _schema_root().iterdir() if p.name.endswith("-local-strict")))


def supported_versions() -> list[str]:
    """The Kubernetes versions there are schemas for, oldest first: ["1.25", ..., "1.37"]."""
    return [f"{major}.{minor}" for major, minor in _shipped()]


def latest_version() -> str:
    return supported_versions()[-1]


def check_kubernetes_version(kubernetes_version: str) -> str:
    """"MAJOR.MINOR" of a version the bundled schemas have; UnsupportedKubernetesVersion
    (one line listing the versions they have) for any other: never the nearest instead.
    Every `kubernetes_version` (the CLI's --kubernetes-version, `validate_all`,
    `render_valid`) comes through here."""
    wanted = _minor(kubernetes_version)
    if wanted not in _shipped():
        have = supported_versions()
        raise UnsupportedKubernetesVersion(
            f"no Kubernetes schemas for {kubernetes_version} in kubernetes-validate {_package_version()}: "
            f"it has {', '.join(have)}; pick one of them with --kubernetes-version (kubernetes_version=)")
    return f"{wanted[0]}.{wanted[1]}"


def _package_version() -> str:
    try:
        return importlib.metadata.version("kubernetes-validate")
    except importlib.metadata.PackageNotFoundError:
        return "(version unknown)"


@functools.lru_cache(maxsize=None)
def schema_dir(kubernetes_version: str) -> Path:
    """The strict schema folder for a Kubernetes version (any patch release of a minor the
    package ships); UnsupportedKubernetesVersion for a minor it does not ship."""
    return _shipped()[_minor(check_kubernetes_version(kubernetes_version))]


@functools.lru_cache(maxsize=None)
def _registry(kubernetes_version: str) -> Registry:
    definitions = json.loads((schema_dir(kubernetes_version) / "_definitions.json").read_text())
    return Resource.from_contents(definitions) @ Registry()


def _schema_file_name(kind: str, api_version: str) -> str:
    # apps/v1 -> apps-v1, rbac.authorization.k8s.io/v1 -> rbac-v1, v1 -> v1
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return f"{kind.lower()}-{group_version}.json"


# What a kind and an apiVersion can be (DNS names and versions): anything else names no
# schema, and must not become a path.
_KIND = re.compile(r"[A-Za-z][A-Za-z0-9]{0,62}")
_API_VERSION = re.compile(r"(?:[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?v[0-9]+(?:(?:alpha|beta)[0-9]+)?")


@functools.lru_cache(maxsize=None)
def _validator(kubernetes_version: str, kind: str, api_version: str) -> jsonschema.protocols.Validator | None:
    if not _KIND.fullmatch(kind) or not _API_VERSION.fullmatch(api_version):
        return None
    path = schema_dir(kubernetes_version) / _schema_file_name(kind, api_version)
    if not path.exists():
        return None
    schema = json.loads(path.read_text())
    # The strict folder already closes every object; assert it, so a package update
    # that dropped strictness cannot quietly turn the check into a no-op.
    if schema.get("additionalProperties") is not False:
        raise RuntimeError(f"{path} is not a strict schema (additionalProperties is not false)")
    return jsonschema.Draft202012Validator(schema, registry=_registry(kubernetes_version))


@functools.lru_cache(maxsize=None)
def _memo(kubernetes_version: str, kind: str, api_version: str) -> SchemaMemo | None:
    """The kind's validator, remembering its errors part by part: the objects of a matrix's
    cases differ in a few fields, and the kinds share their definitions' checks."""
    validator = _validator(kubernetes_version, kind, api_version)
    return None if validator is None else SchemaMemo(validator, _no_description)


def _no_description(error: jsonschema.ValidationError) -> None:
    return None  # the message says it all


def object_label(obj: Mapping) -> str:
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), Mapping) else {}
    return f"{obj.get('kind', '?')}/{meta.get('name', '?')}"


# Renders of a value matrix repeat the same objects over and over: check each once. The key is
# the object as written, key order included, so no message can come from another object's layout.
_SEEN: BoundedMemo[tuple[str, ...]] = BoundedMemo()


def _python_errors(objects: list[dict], kubernetes_version: str) -> list[str]:
    messages: list[str] = []
    for obj in objects:
        key = (kubernetes_version, json.dumps(obj, default=str))
        found = _SEEN.get(key)
        if found is None:
            found = tuple(_object_errors(obj, kubernetes_version))
            _SEEN.put(key, found, len(key[1]))
        messages += found
    return messages


def _object_errors(obj: dict, kubernetes_version: str) -> list[str]:
    kind, api_version = obj.get("kind"), obj.get("apiVersion")
    if not isinstance(kind, str) or not isinstance(api_version, str):
        return [f"{object_label(obj)}: apiVersion and kind are required"]
    memo = _memo(kubernetes_version, kind, api_version)
    if memo is None:
        return [f"{object_label(obj)}: no schema for {kind} {api_version} in Kubernetes {kubernetes_version}"]
    return [f"{object_label(obj)}: {json_path(path)}: {short(message)}"
            for path, message, _ in sorted(memo.errors(obj), key=lambda e: list(map(str, e[0])))]


def _kubeconform_errors(binary: str, objects: list[dict], kubernetes_version: str) -> list[str]:
    major, minor = _minor(kubernetes_version)
    stream = "".join("---\n" + yaml.safe_dump(o, sort_keys=False) for o in objects)
    proc = subprocess.run(
        [binary, "-strict", "-summary=false", "-output", "json", "-kubernetes-version", f"{major}.{minor}.0", "-"],
        input=stream,
        capture_output=True,
        text=True,
        timeout=300,
    )
    try:
        report = json.loads(proc.stdout or "{}")
    except ValueError:
        return [f"kubeconform: unreadable output (exit {proc.returncode}): {proc.stdout[:300]} {proc.stderr[:300]}"]
    messages = [
        f"{r.get('kind', '?')}/{r.get('name', '?')}: {r.get('msg', r.get('status'))}"
        for r in report.get("resources", [])
        # Current releases say statusValid/statusSkipped; early ones VALID/SKIPPED.
        if r.get("status") not in ("statusValid", "statusSkipped", "VALID", "SKIPPED")
    ]
    if proc.returncode != 0 and not messages:
        messages.append(f"kubeconform exited {proc.returncode}: {proc.stderr.strip()[:300]}")
    return messages


def kubernetes_engine() -> str:
    """'kubeconform' when it is on PATH (and not overridden), else 'python'."""
    if os.environ.get(ENGINE_ENV, "") == "python":
        return "python"
    return "kubeconform" if shutil.which("kubeconform") else "python"


def validate_kubernetes(objects: list[dict], kubernetes_version: str = "1.33", engine: str | None = None) -> list[str]:
    """Strict schema check of every object: unknown fields and wrong types are errors,
    and so is a kind the schemas do not know. A `kubernetes_version` the bundled schemas do
    not have raises UnsupportedKubernetesVersion (whichever engine runs: the answer must
    not depend on what is on PATH), naming the versions they have."""
    kubernetes_version = check_kubernetes_version(kubernetes_version)
    # AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy are CRDs
    # (policy.networking.k8s.io): neither the bundled schemas nor kubeconform's have them,
    # so both would report "no schema". check.adminrules.admin_policy_errors is their
    # schema (the CRDs' OpenAPI and CEL rules), run by api_server_errors; skip them here.
    # Likewise cilium.io/v2 CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy, whose
    # schema (and the Cilium agent's sanitizer) is check.ciliumrules.cilium_policy_errors.
    objects = [obj for obj in objects if not in_admin_group(obj) and not is_cilium_policy(obj)]
    chosen = engine or kubernetes_engine()
    if chosen == "kubeconform":
        binary = shutil.which("kubeconform")
        if binary is None:
            raise RuntimeError("kubeconform requested but not on PATH")
        return _kubeconform_errors(binary, list(objects), kubernetes_version)
    return _python_errors(list(objects), kubernetes_version)
