"""The in-memory API server answers every request, however malformed, promptly and with
a Kubernetes Status: bodies need a readable Content-Length within the body limit and a
served Content-Type, the Host is a loopback name, and fifty clients at once are all
served. Loopback only; every socket has a timeout, so a regression fails, never hangs."""
from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

import pytest

from netpol_harness.kubeapi import KubeApiServer
from netpol_harness.kubeapi.intake import MAX_BODY_BYTES

SECRETS = "/api/v1/namespaces/default/secrets"
SECRET = json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}).encode()


@pytest.fixture
def server() -> Iterator[KubeApiServer]:
    with KubeApiServer(max_body_bytes=4096, read_timeout=0.5) as srv:
        yield srv


def raw(server: KubeApiServer, head: str, body: bytes = b"") -> tuple[int, dict, float]:
    """Send `head` (request line and headers, without the blank line) and `body` on a fresh
    connection; (status, Status or object, seconds until the answer)."""
    started = time.monotonic()
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(head.replace("PORT", str(server.port)).encode() + b"\r\n\r\n" + body)
        answer = http.client.HTTPResponse(sock)
        answer.begin()
        return answer.status, json.loads(answer.read()), time.monotonic() - started


def post(content_length: str | None = "CL", content_type: str | None = "application/json",
         host: str | None = "127.0.0.1:PORT", body: bytes = SECRET) -> str:
    lines = [f"POST {SECRETS} HTTP/1.1"]
    lines += [f"Host: {host}"] if host is not None else []
    lines += [f"Content-Type: {content_type}"] if content_type is not None else []
    lines += [f"Content-Length: {len(body) if content_length == 'CL' else content_length}"] \
        if content_length is not None else []
    return "\r\n".join(lines)


def test_a_well_formed_create_is_served_and_the_connection_kept_open(server):
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        for name in ("a", "b"):
            body = SECRET.replace(b'"s"', f'"{name}"'.encode())
            sock.sendall(post(body=body).replace("PORT", str(server.port)).encode() + b"\r\n\r\n" + body)
            answer = http.client.HTTPResponse(sock)
            answer.begin()
            assert answer.status == 201 and json.loads(answer.read())["metadata"]["name"] == name


def test_a_write_without_content_length_is_answered_411_at_once(server):
    code, status, seconds = raw(server, post(content_length=None))
    assert (code, status["reason"]) == (411, "LengthRequired") and seconds < 0.4


def test_a_chunked_body_is_answered_411(server):
    head = post(content_length=None) + "\r\nTransfer-Encoding: chunked"
    code, status, _ = raw(server, head, b"5\r\nhello\r\n0\r\n\r\n")
    assert code == 411 and "Content-Length" in status["message"]


@pytest.mark.parametrize("length", ["abc", "-1", "1.5", "12, 13", ""])
def test_a_content_length_that_is_not_one_whole_number_is_answered_400(server, length):
    code, status, seconds = raw(server, post(content_length=length))
    assert (code, status["reason"], status["kind"]) == (400, "BadRequest", "Status") and seconds < 0.4


def test_a_body_shorter_than_its_content_length_is_answered_408_after_the_read_timeout(server):
    code, status, seconds = raw(server, post(content_length="100"), SECRET[:10])
    assert (code, status["reason"]) == (408, "Timeout") and 0.4 < seconds < 3
    assert "10 of the 100 bytes" in status["message"]


def test_a_body_over_the_limit_is_answered_413_without_being_read(server):
    code, status, seconds = raw(server, post(content_length=str(10 * 2**20)))
    assert (code, status["reason"]) == (413, "RequestEntityTooLarge") and seconds < 0.4
    assert "4096 bytes" in status["message"]


def test_the_default_body_limit_is_kube_apiservers_3_mib():
    assert MAX_BODY_BYTES == 3 * 2**20 and KubeApiServer().max_body_bytes == MAX_BODY_BYTES


@pytest.mark.parametrize("host", ["127.0.0.1:PORT", "localhost:PORT", "LOCALHOST", "127.1.2.3:PORT", "[::1]:PORT"])
def test_loopback_host_names_are_served(server, host):
    assert raw(server, f"GET /version HTTP/1.1\r\nHost: {host}")[0] == 200


@pytest.mark.parametrize("host, code", [("evil.example:PORT", 403), ("10.0.0.1", 403), ("[::1", 403), (None, 400)])
def test_a_host_that_is_not_a_loopback_name_is_refused(server, host, code):
    head = "GET /version HTTP/1.1" + (f"\r\nHost: {host}" if host is not None else "")
    assert raw(server, head)[0] == code
    assert raw(server, post(host=host))[0] == code  # refused before the body is looked at


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_write_in_a_media_type_that_is_not_served_is_answered_415(server, content_type):
    code, status, _ = raw(server, post(content_type=content_type))
    assert (code, status["reason"]) == (415, "UnsupportedMediaType")


def test_a_json_body_nested_past_the_depth_limit_is_answered_400(server):
    body = b'{"a": ' + b"[" * 150 + b"]" * 150 + b"}"
    code, status, _ = raw(server, post(body=body), body)
    assert code == 400 and "--max-yaml-depth" in status["message"]
    deeper = b"[" * 2000 + b"]" * 2000  # past the recursion limit of Python's JSON decoder
    code, status, _ = raw(server, post(body=deeper), deeper)
    assert code == 400 and "nested deeper than" in status["message"]


def test_an_applied_yaml_alias_bomb_is_answered_400_naming_the_limit(server):
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"] + [
        f"{n}: &{n} [{', '.join(['*' + p] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi")]
    head = f"PATCH {SECRETS}/s?fieldManager=t HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/apply-patch+yaml"
    body = "\n".join(bomb).encode()
    code, status, seconds = raw(server, f"{head}\r\nContent-Length: {len(body)}", body)
    assert code == 400 and "--max-yaml-aliases" in status["message"] and seconds < 3


def test_fifty_clients_connecting_at_the_same_moment_are_all_answered(server):
    rounds, clients = 10, 50
    start = threading.Barrier(clients)

    def one(n: int) -> int | str:
        start.wait(timeout=30)
        head = f"GET /api/v1/namespaces/default/secrets/s{n} HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\nConnection: close"
        try:
            return raw(server, head)[0]
        except OSError as err:  # reset, refused or timed out: a dropped connection
            return repr(err)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        codes = list(pool.map(one, range(rounds * clients), timeout=120))
    assert codes == [404] * (rounds * clients)
