"""Kubernetes protobuf: request bodies of v1 Secrets decoded, small documents encoded."""
from __future__ import annotations

import base64
from typing import Any, Iterable

from .resources import ApiError, Obj

# Helm 4 writes its release Secrets with client-go's protobuf encoding. Only the
# fields a Secret can carry are decoded; any other kind in protobuf is refused.
PROTOBUF = "application/vnd.kubernetes.protobuf"
_PROTOBUF_MAGIC = b"k8s\x00"


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def _fields(buf: bytes) -> Iterable[tuple[int, int | bytes]]:
    """(field number, value) pairs of one protobuf message."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
            yield number, value
        elif wire == 2:
            size, pos = _varint(buf, pos)
            if pos + size > len(buf):
                raise IndexError(f"field {number} runs past the end of the message")
            yield number, buf[pos:pos + size]
            pos += size
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            yield number, buf[pos:pos + size]
            pos += size
        else:
            raise ApiError(400, "BadRequest", f"unsupported protobuf wire type {wire}")


def _pb_map(entries: list[bytes], as_bytes: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for entry in entries:
        kv = dict(_fields(entry))
        key = bytes(kv.get(1, b"")).decode()
        value = bytes(kv.get(2, b""))
        out[key] = base64.b64encode(value).decode() if as_bytes else value.decode()
    return out


def _pb_object_meta(buf: bytes) -> Obj:
    meta: Obj = {}
    grouped: dict[int, list[Any]] = {}
    for number, value in _fields(buf):
        grouped.setdefault(number, []).append(value)
    for number, name in ((1, "name"), (2, "generateName"), (3, "namespace"), (5, "uid"), (6, "resourceVersion")):
        if number in grouped:
            meta[name] = bytes(grouped[number][-1]).decode()
    if 11 in grouped:
        meta["labels"] = _pb_map(grouped[11])
    if 12 in grouped:
        meta["annotations"] = _pb_map(grouped[12])
    if 14 in grouped:
        meta["finalizers"] = [bytes(v).decode() for v in grouped[14]]
    return meta


def decode_protobuf(raw: bytes) -> Obj:
    """A Secret in Kubernetes' protobuf envelope (magic, runtime.Unknown) as JSON."""
    if not raw.startswith(_PROTOBUF_MAGIC):
        raise ApiError(400, "BadRequest", "the protobuf body lacks the k8s magic prefix")
    try:
        return _decode_secret(raw[len(_PROTOBUF_MAGIC):])
    except (IndexError, UnicodeDecodeError) as err:
        raise ApiError(400, "BadRequest", f"the protobuf body does not decode: {err!r}") from err


def _decode_secret(envelope: bytes) -> Obj:
    unknown = dict(_fields(envelope))
    type_meta = dict(_fields(bytes(unknown.get(1, b""))))
    api_version, kind = bytes(type_meta.get(1, b"")).decode(), bytes(type_meta.get(2, b"")).decode()
    if (api_version, kind) != ("v1", "Secret"):
        raise ApiError(415, "UnsupportedMediaType",
                       f"the in-memory API server decodes protobuf only for v1 Secrets, not {api_version} {kind}")
    grouped: dict[int, list[Any]] = {}
    for number, value in _fields(bytes(unknown.get(2, b""))):
        grouped.setdefault(number, []).append(value)
    obj: Obj = {"apiVersion": "v1", "kind": "Secret",
                "metadata": _pb_object_meta(bytes(grouped[1][-1])) if 1 in grouped else {}}
    if 2 in grouped:
        obj["data"] = _pb_map(grouped[2], as_bytes=True)
    if 3 in grouped:
        obj["type"] = bytes(grouped[3][-1]).decode()
    if 4 in grouped:  # stringData is write-only: the server folds it into data
        obj.setdefault("data", {}).update(
            {k: base64.b64encode(v.encode()).decode() for k, v in _pb_map(grouped[4]).items()})
    if 5 in grouped:
        obj["immutable"] = bool(grouped[5][-1])
    return obj


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def encode_field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (string or message), for the small documents the server writes."""
    return _encode_varint(number << 3 | 2) + _encode_varint(len(payload)) + payload
