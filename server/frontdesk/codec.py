"""The one place frames become bytes and bytes become frames.

A socket speaks one encoding, chosen at the handshake from its subprotocols or, when it
offers none of ours, from the kind of its first frame (contract: WebSocket). A pushed frame
is encoded once per encoding into a complete, unmasked WebSocket frame, and those same bytes
are written to every socket that speaks that encoding.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

import msgpack
from websockets.frames import Frame, Opcode

from frontdesk.core.errors import ErrorCode, FrameError


class Encoding(StrEnum):
    JSON = "frontdesk.v1.json"
    MSGPACK = "frontdesk.v1.msgpack"


SUBPROTOCOLS = {e.value: e for e in Encoding}


def choose_encoding(offered: Iterable[str]) -> Encoding | None:
    """The first of the client's subprotocols that we speak, or None to decide at hello."""
    for name in offered:
        encoding = SUBPROTOCOLS.get(name)
        if encoding is not None:
            return encoding
    return None


def encoding_of(data: str | bytes) -> Encoding:
    """A client that offered no subprotocol of ours is answered in its hello's encoding."""
    return Encoding.JSON if isinstance(data, str) else Encoding.MSGPACK


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def loads_json(data: str | bytes) -> Any:
    """`json.loads` without Python's extensions: NaN, Infinity and -Infinity are not JSON
    (RFC 8259), and a NaN stored would make every later frame that carries it invalid."""
    return json.loads(data, parse_constant=_not_json)


def decode_frame(data: str | bytes, encoding: Encoding) -> dict[str, Any]:
    """Parse one client frame; anything that is not a map with a string `type` is bad_frame."""
    if encoding is Encoding.JSON:
        if not isinstance(data, str):
            raise FrameError(ErrorCode.BAD_FRAME, "binary frame on a JSON socket")
        try:
            frame = loads_json(data)
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            raise FrameError(ErrorCode.BAD_FRAME, "frame is not valid JSON") from None
        if "\\u" in data and not is_encodable(frame):
            raise FrameError(ErrorCode.BAD_FRAME, "frame holds a lone surrogate (not UTF-8)")
    else:
        if not isinstance(data, bytes):
            raise FrameError(ErrorCode.BAD_FRAME, "text frame on a MessagePack socket")
        try:
            frame = msgpack.unpackb(data, raw=False, strict_map_key=True)
        except Exception:  # msgpack raises a family of unrelated types for bad input
            raise FrameError(ErrorCode.BAD_FRAME, "frame is not valid MessagePack") from None
    if not isinstance(frame, dict):
        raise FrameError(ErrorCode.BAD_FRAME, "frame must be a map")
    if not isinstance(frame.get("type"), str):
        raise FrameError(ErrorCode.BAD_FRAME, "frame needs a string 'type'")
    return frame


def is_encodable(value: Any) -> bool:
    """False when JSON's `\\ud800`-style escapes smuggled in a lone surrogate: such a string
    cannot become UTF-8, so storing it would break every later frame that carries it."""
    try:
        json.dumps(value, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return False
    return True


def encode_payload(payload: Mapping[str, Any], encoding: Encoding) -> bytes:
    """The frame's application data: UTF-8 JSON text or a MessagePack map."""
    if encoding is Encoding.JSON:
        return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return _packed(payload)


def _packed(data: Mapping[str, Any]) -> bytes:
    packed: bytes = msgpack.packb(data, use_bin_type=True)  # the stubs say Any
    return packed


def frame_bytes(payload: Mapping[str, Any], encoding: Encoding) -> bytes:
    """A complete server-to-client WebSocket frame (unmasked, no extensions)."""
    opcode = Opcode.TEXT if encoding is Encoding.JSON else Opcode.BINARY
    return Frame(opcode, encode_payload(payload, encoding)).serialize(mask=False)


class OutgoingFrame:
    """One frame to push, encoded at most once per encoding however many sockets get it."""

    __slots__ = ("payload", "_json", "_msgpack")

    def __init__(self, payload: Mapping[str, Any]) -> None:
        self.payload = payload
        self._json: bytes | None = None
        self._msgpack: bytes | None = None

    def wire(self, encoding: Encoding) -> bytes:
        if encoding is Encoding.JSON:
            if self._json is None:
                self._json = frame_bytes(self.payload, Encoding.JSON)
            return self._json
        if self._msgpack is None:
            self._msgpack = frame_bytes(self.payload, Encoding.MSGPACK)
        return self._msgpack


def pack_event(data: Mapping[str, Any]) -> bytes:
    """Events cross processes as MessagePack maps (the Redis bus)."""
    return _packed(data)


def unpack_event(data: bytes) -> dict[str, Any]:
    result = msgpack.unpackb(data, raw=False)
    if not isinstance(result, dict):
        raise ValueError("event is not a map")
    return result
