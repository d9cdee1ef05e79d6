"""The HTTP side: discovery, routing of REST paths to the store, Status answers."""
from __future__ import annotations

import json
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pathlib import Path

import yaml

from .intake import APPLY_PATCH, MAX_BODY_BYTES, READ_TIMEOUT, check_content_type, check_host, content_length, \
    decode_body, read_body
from .protobuf import encode_field
from .resources import RESOURCES, SERVER_VERSION, ApiError, Obj, Resource, forbidden_message, resource_for_kind
from .store import Cluster, Request


def _discovery(path: str, host: str) -> Obj | None:
    if path == "/version":
        return SERVER_VERSION
    if path == "/api":
        return {"kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": host}]}
    if path == "/apis":
        groups = sorted({(r.group, r.version) for r in RESOURCES if r.group})
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
            {"name": g, "versions": [{"groupVersion": f"{g}/{v}", "version": v}],
             "preferredVersion": {"groupVersion": f"{g}/{v}", "version": v}} for g, v in groups]}
    m = re.fullmatch(r"/api/(v1)|/apis/([^/]+)/([^/]+)", path)
    if m:
        group, version = (m.group(2) or ""), (m.group(1) or m.group(3))
        served = [r for r in RESOURCES if r.group == group and r.version == version]
        if served:
            return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": served[0].api_version,
                    "resources": [r.discovery_entry() for r in served]}
    m = re.fullmatch(r"/apis/([^/]+)", path)
    if m and any(r.group == m.group(1) for r in RESOURCES):
        r = next(r for r in RESOURCES if r.group == m.group(1))
        gv = {"groupVersion": r.api_version, "version": r.version}
        return {"kind": "APIGroup", "apiVersion": "v1", "name": r.group, "versions": [gv], "preferredVersion": gv}
    return None


@dataclass(frozen=True)
class OpenApiV2:
    """The OpenAPI v2 document: version and title, no paths, no definitions.

    kubectl's client-side validation, which `helm install` runs, fetches it (as
    protobuf, the gnostic openapi_v2.Document) and skips kinds without a
    definition; schema checks are netpol_harness.check's job, not this
    server's. Paths are empty too, so clients see no server-side field
    validation and do not ask for it.
    """
    accept: str

    def encode(self) -> tuple[str, bytes]:
        if "protobuf" in self.accept:
            info = encode_field(1, b"Kubernetes") + encode_field(2, SERVER_VERSION["gitVersion"].encode())
            doc = encode_field(1, b"2.0") + encode_field(2, info) + encode_field(8, b"") + \
                encode_field(9, b"")
            # kube-apiserver labels the protobuf document application/octet-stream.
            return "application/octet-stream", doc
        doc_json = {"swagger": "2.0", "info": {"title": "Kubernetes", "version": SERVER_VERSION["gitVersion"]},
                    "paths": {}, "definitions": {}}
        return "application/json", json.dumps(doc_json).encode()


_RESOURCE_PATH = re.compile(
    r"^/(?:api/v1|apis/(?P<group>[^/]+)/(?P<version>[^/]+))"
    r"(?:/namespaces/(?P<ns>[^/]+))?/(?P<plural>[^/]+)(?:/(?P<name>[^/]+))?(?P<sub>/.+)?$")


def _route(path: str) -> tuple[Resource, str | None, str | None]:
    """Map a path to (resource, namespace, name); a namespace object is itself a resource."""
    m = re.fullmatch(r"/api/v1/namespaces(?:/([^/]+))?", path)
    if m:
        return resource_for_kind("v1", "Namespace"), None, m.group(1)
    m = _RESOURCE_PATH.match(path)
    if not m:
        raise ApiError(404, "NotFound", "the server could not find the requested resource")
    group, version = m.group("group") or "", m.group("version") or "v1"
    res = next((r for r in RESOURCES if r.group == group and r.version == version and r.plural == m.group("plural")),
               None)
    if res is None:
        raise ApiError(404, "NotFound", "the server could not find the requested resource")
    if m.group("sub"):
        raise ApiError(404, "NotFound", f"the server could not find the requested resource "
                                        f"(subresource {m.group('sub').lstrip('/')} of {res.qualified} is not served)")
    if m.group("ns") and not res.namespaced:
        raise ApiError(404, "NotFound", "the server could not find the requested resource")
    return res, m.group("ns"), m.group("name")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_HTTPServer"
    timeout = 120  # an idle connection is closed after this (client-go drops its own after 90 s)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # the request log on the Cluster replaces stderr noise

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_OPTIONS(self) -> None:
        self._serve("OPTIONS")

    def _serve(self, method: str) -> None:
        cluster = self.server.cluster
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        record = cluster.record(Request(method, url.path, url.query, content_type))
        try:
            raw = self._body(method, content_type)
            code, body = self._answer(cluster, method, url.path.rstrip("/") or "/", query, content_type, raw, record)
        except ApiError as err:
            code, body = err.code, err.status()
        except Exception as err:  # a bug here must reach the client as a 500, not a hang
            code, body = 500, ApiError(500, "InternalError", f"in-memory API server error: {err!r}").status()
        record.code = code
        self._reply(method, code, body)

    def _body(self, method: str, content_type: str) -> bytes:
        """The request's body, once its headers pass intake's checks. Until it is read,
        the connection is marked to close: a refused body is never read, so the next
        request could not be found in the stream."""
        keep_open, self.close_connection = not self.close_connection, True
        check_host(self.headers.get("Host"), self.server.server_address[0])
        length = content_length(method, self.headers, self.server.max_body_bytes)
        check_content_type(method, content_type, length)
        raw = read_body(self.connection, self.rfile, length, self.server.read_timeout)
        self.close_connection = not keep_open
        return raw

    def _reply(self, method: str, code: int, body: Any) -> None:
        media = "application/json"
        if isinstance(body, OpenApiV2):
            media, payload = body.encode()
        else:
            payload = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(payload)

    def _answer(self, cluster: Cluster, method: str, path: str, query: dict[str, str],
                content_type: str, raw: bytes, record: Request) -> tuple[int, Any]:
        host = f"{self.server.server_address[0]}:{self.server.server_address[1]}"
        if method == "GET" and (doc := _discovery(path, host)) is not None:
            record.verb = "discover"
            return 200, doc
        if method == "GET" and path == "/openapi/v2":
            record.verb = "discover"
            return 200, OpenApiV2(self.headers.get("Accept") or "")
        res, ns, name = _route(path)
        record.verb = verb = _verb(method, name, query)
        _inject_fault(cluster, res, verb, ns, name)
        if verb not in ("get", "list", "create", "update", "patch", "delete"):
            raise ApiError(405, "MethodNotAllowed",
                           f"the server does not allow this method on the requested resource ({verb} {res.qualified} "
                           "is not implemented by the in-memory API server)")
        if res.namespaced and ns is None and verb != "list":
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        dry_run = query.get("dryRun") == "All"
        ns_, name_ = ns or "", name or ""
        if verb == "get":
            return 200, cluster.get(res, ns_, name_)
        if verb == "list":
            return 200, cluster.list(res, ns, query.get("labelSelector", ""), query.get("fieldSelector", ""))
        if verb == "delete":
            return 200, cluster.delete(res, ns_, name_)
        if verb == "patch" and content_type == APPLY_PATCH:
            if not query.get("fieldManager"):
                raise ApiError(422, "Invalid", "PATCH, fieldManager: Required value: is required for apply patch")
            return cluster.apply(res, ns_, name_, decode_body(raw, content_type), dry_run)
        body = decode_body(raw, content_type)
        if verb == "create":
            if name:
                raise ApiError(405, "MethodNotAllowed", "POST names a collection, not an object")
            return 201, cluster.create(res, ns_, body, dry_run)
        if verb == "update":
            return 200, cluster.update(res, ns_, name_, body)
        return 200, cluster.patch(res, ns_, name_, content_type, body)


# The reason a real server gives with each status code.
_REASONS = {400: "BadRequest", 401: "Unauthorized", 404: "NotFound", 409: "Conflict", 429: "TooManyRequests",
            500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout"}


def _verb(method: str, name: str | None, query: dict[str, str]) -> str:
    """The Kubernetes verb of a request (what RBAC and the Forbidden message name)."""
    if method == "GET":
        return ("get" if name else "watch" if query.get("watch") in ("1", "true") else "list")
    if method == "DELETE":
        return "delete" if name else "deletecollection"
    return {"POST": "create", "PUT": "update", "PATCH": "patch"}.get(method, method.lower())


def _inject_fault(cluster: Cluster, res: Resource, verb: str, ns: str | None, name: str | None) -> None:
    fault = cluster.fault_for(res, verb)
    if fault is None:
        return
    time.sleep(fault.delay)
    if fault.code == 403:
        raise ApiError(403, "Forbidden", forbidden_message(res, verb, ns, name, fault.user),
                       {"name": name or "", "group": res.group, "kind": res.plural})
    if fault.code is not None:
        prefix = "Internal error occurred: " if fault.code == 500 else ""
        raise ApiError(fault.code, _REASONS.get(fault.code, HTTPStatus(fault.code).phrase.replace(" ", "")),
                       f"{prefix}injected fault on {res.qualified}", {"causes": [{"message": "injected by the test"}]})


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver listens with a backlog of 5: fifty clients connecting at once found it
    # full and were reset. One thread per connection serves them once accepted.
    request_queue_size = 1024
    cluster: Cluster
    max_body_bytes: int = MAX_BODY_BYTES
    read_timeout: float = READ_TIMEOUT

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)  # a client that went away is no error of ours


@dataclass
class KubeApiServer:
    """A running server: `url`, `cluster` (the state), `kubeconfig_text()`."""
    cluster: Cluster = field(default_factory=Cluster)
    host: str = "127.0.0.1"
    port: int = 0
    max_body_bytes: int = MAX_BODY_BYTES  # larger bodies are answered 413
    read_timeout: float = READ_TIMEOUT  # seconds a body may take to arrive (408 after)
    _httpd: _HTTPServer | None = None
    _thread: threading.Thread | None = None

    def start(self) -> "KubeApiServer":
        self._httpd = _HTTPServer((self.host, self.port), _Handler)
        self._httpd.cluster = self.cluster
        self._httpd.max_body_bytes, self._httpd.read_timeout = self.max_body_bytes, self.read_timeout
        self.port = self._httpd.server_address[1]
        # A short poll keeps shutdown (once per test) fast.
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="kubeapi", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "KubeApiServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def kubeconfig_text(self, namespace: str = "default") -> str:
        # Plain HTTP: client-go sends no TLS and needs no CA; no credentials are
        # configured because the server authorises everyone (faults aside).
        return yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config",
            "clusters": [{"name": "in-memory", "cluster": {"server": self.url}}],
            "users": [{"name": "deployer", "user": {}}],
            "contexts": [{"name": "in-memory",
                          "context": {"cluster": "in-memory", "user": "deployer", "namespace": namespace}}],
            "current-context": "in-memory",
        }, sort_keys=False)

    def write_kubeconfig(self, path: Path) -> Path:
        """The kubeconfig for this server at `path`, readable by its owner only (client-go
        warns about group/world-readable kubeconfigs)."""
        path.write_text(self.kubeconfig_text())
        path.chmod(0o600)
        return path
