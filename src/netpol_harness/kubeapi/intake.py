"""What a request must be before the server acts on it, and its body decoded.

  Host            a loopback name (localhost, 127.0.0.0/8, ::1) or the address the server
                  listens on; else 403. Missing: 400 (HTTP/1.1 requires it). This keeps a
                  web page in a browser from reaching the server by DNS rebinding.
  Content-Length  a body comes with one: missing on POST, PUT or PATCH, or a chunked
                  body, 411; not a whole number, negative or given twice with different
                  values, 400; over the body limit, 413. The body is read with a timeout:
                  one shorter than announced is answered 408, never waited on forever.
                  After any of these the connection is closed, its rest unread.
  Content-Type    a write's body is in a served media type (JSON, the patch types,
                  apply-patch YAML, protobuf for Secrets); else 415.
  body limit      MAX_BODY_BYTES (3 MiB, kube-apiserver's own limit on a request body);
                  KubeApiServer(max_body_bytes=...) changes it.
YAML bodies (server-side apply) are read by the one YAML loader (netpol_harness.loader),
under its limits; JSON bodies nested deeper than its depth limit are refused with 400.
"""
from __future__ import annotations

import ipaddress
import json
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import yaml

from ..loader import InputLimitError, limits, parse_yaml
from .protobuf import PROTOBUF, decode_protobuf
from .resources import ApiError

MAX_BODY_BYTES = 3 * 2**20
READ_TIMEOUT = 10.0  # seconds to wait for the rest of a body
APPLY_PATCH = "application/apply-patch+yaml"
JSON_TYPES = ("application/json", "application/json-patch+json", "application/merge-patch+json",
              "application/strategic-merge-patch+json")
MEDIA_TYPES = (*JSON_TYPES, APPLY_PATCH, PROTOBUF)
WRITES = ("POST", "PUT", "PATCH")


def check_host(header: str | None, bound: str) -> None:
    """ApiError unless the Host header names this server by a loopback name."""
    if not header:
        raise ApiError(400, "BadRequest", "the request has no Host header")
    try:
        name = urlsplit("//" + header.strip()).hostname or ""
    except ValueError:
        name = ""
    if name in ("localhost", bound.lower()) or _is_loopback(name):
        return
    raise ApiError(403, "Forbidden", f"Host {header!r} is not a loopback name; the in-memory API server "
                                     "answers only requests addressed to localhost, 127.0.0.1 or ::1")


def _is_loopback(name: str) -> bool:
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def content_length(method: str, headers: Any, limit: int) -> int:
    """The length of the body the headers announce (0: none); ApiError when it cannot be read."""
    if "chunked" in (headers.get("Transfer-Encoding") or "").lower():
        raise ApiError(411, "LengthRequired", "chunked request bodies are not served; send Content-Length")
    values = {v.strip() for v in headers.get_all("Content-Length") or []}
    if not values:
        if method in WRITES:
            raise ApiError(411, "LengthRequired", f"a {method} request needs a Content-Length header")
        return 0
    if len(values) > 1 or not next(iter(values)).isdigit():
        raise ApiError(400, "BadRequest", f"Content-Length {', '.join(sorted(values))} is not one whole number "
                                          "of bytes")
    length = int(next(iter(values)))
    if length > limit:
        raise ApiError(413, "RequestEntityTooLarge", f"the request body of {length} bytes is larger than the "
                                                     f"server's limit of {limit} bytes")
    return length


def check_content_type(method: str, content_type: str, length: int) -> None:
    """ApiError 415 for a write whose body is in a media type that is not served."""
    if (method in WRITES or length) and method not in ("GET", "HEAD") and content_type not in MEDIA_TYPES:
        raise ApiError(415, "UnsupportedMediaType",
                       "the body of the request was in an unknown format - accepted media types include: "
                       f"{', '.join(MEDIA_TYPES[:-1])}, {PROTOBUF} (v1 Secrets only) "
                       f"(got {content_type or 'no Content-Type'})")


def read_body(connection: socket.socket, rfile: Any, length: int, timeout: float) -> bytes:
    """`length` bytes of body, waiting at most `timeout` seconds for all of them (a body
    that trickles in counts as late); ApiError 408 when they do not come."""
    chunks: list[bytes] = []
    got, before = 0, connection.gettimeout()
    deadline = time.monotonic() + timeout
    try:
        while got < length and (left := deadline - time.monotonic()) > 0:
            connection.settimeout(left)
            chunk = rfile.read1(length - got)
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    except OSError:  # TimeoutError among them
        pass
    finally:
        connection.settimeout(before)
    if got != length:
        raise ApiError(408, "Timeout", f"the request body ended after {got} of the {length} bytes "
                                       "its Content-Length announced")
    return b"".join(chunks)


def decode_body(raw: bytes, content_type: str) -> Any:
    """The object a body holds, in its media type."""
    if content_type == PROTOBUF:
        return decode_protobuf(raw)
    if content_type == APPLY_PATCH:
        try:
            docs = parse_yaml(raw.decode() or "null", "the applied configuration")
        except InputLimitError as err:
            raise ApiError(400, "BadRequest", str(err)) from None
        except (yaml.YAMLError, UnicodeDecodeError) as err:
            raise ApiError(400, "BadRequest", f"the applied configuration is not YAML: {err}") from err
        return json.loads(json.dumps(docs[0] if docs else None, default=str))
    if content_type not in JSON_TYPES:
        check_content_type("POST", content_type, len(raw))
    try:
        body = json.loads(raw or b"null")
    except RecursionError:
        raise _too_deep() from None
    except ValueError as err:
        raise ApiError(400, "BadRequest", f"the request body is not JSON: {err}") from err
    _check_depth(body, limits().yaml_depth)
    return body


def _too_deep() -> ApiError:
    depth = limits().yaml_depth
    return ApiError(400, "BadRequest", f"the request body is nested deeper than {depth} levels; "
                                       "the limit is --max-yaml-depth or NETPOL_MAX_YAML_DEPTH")


def _check_depth(body: Any, depth: int) -> None:
    """ApiError 400 when `body` nests collections deeper than `depth` (found without recursion)."""
    level: list[Any] = [body]
    for _ in range(depth):
        level = [c for item in level if isinstance(item, (dict, list))
                 for c in (item.values() if isinstance(item, dict) else item)]
        if not level:
            return
    if any(isinstance(item, (dict, list)) for item in level):
        raise _too_deep()
