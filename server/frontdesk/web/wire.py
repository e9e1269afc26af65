"""RFC 6455 on the wire, for web/protocol.py: the opening handshake's request and answers,
frame headers, close frames. Pure functions on bytes (no I/O, no state).

Only what a server of browser widgets needs: no extensions (a frame with an RSV bit is a
protocol error), no HTTP/2, clients must mask (RFC 6455 5.1).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from urllib.parse import unquote

try:
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover - websockets without its C extension
    from websockets.utils import apply_mask

__all__ = ["apply_mask", "Upgrade", "parse_request", "accept_response", "http_error",
           "close_frame", "close_payload_error", "CONT", "TEXT", "BINARY", "CLOSE", "PING", "PONG"]

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CONT, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
MAX_REQUEST = 16 * 1024  # an opening handshake is a few hundred bytes; past this, 400

# Close codes a client may send (RFC 6455 7.4.1; 1004-1006 and 1015 are never on the wire).
VALID_CLOSE = frozenset((1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014))


class Upgrade:
    """What the server needs of an upgrade request (nothing else of it is kept)."""

    __slots__ = ("method", "path", "key", "version", "subprotocols", "origin", "websocket")

    def __init__(self, method: str, path: str, key: bytes | None, version: bytes | None,
                 subprotocols: list[str], origin: str | None, websocket: bool = True) -> None:
        self.method = method
        self.path = path
        self.key = key
        self.version = version
        self.subprotocols = subprotocols
        self.origin = origin
        # `Upgrade: websocket` and `Connection: upgrade`, and no body: what uvicorn's HTTP
        # protocol would hand over as an upgrade (web/front_door.py asks it of raw requests)
        self.websocket = websocket

    def problem(self) -> tuple[int, str] | None:
        """Why the handshake cannot succeed, as (HTTP status, message), or None."""
        if self.method != "GET":
            return 405, f"unsupported HTTP method: {self.method}"
        if self.version != b"13":
            return 400, "invalid Sec-WebSocket-Version header"
        key = self.key
        if key is None:
            return 400, "missing Sec-WebSocket-Key header"
        try:
            ok = len(base64.b64decode(key, validate=True)) == 16
        except (binascii.Error, ValueError):
            ok = False
        return None if ok else (400, "invalid Sec-WebSocket-Key header")


WANTED = frozenset((b"sec-websocket-key", b"sec-websocket-version", b"sec-websocket-protocol",
                    b"origin", b"upgrade", b"connection", b"content-length",
                    b"transfer-encoding"))


def upgrade_of(method: str, target: bytes, headers: list[tuple[bytes, bytes]]) -> Upgrade:
    """From a parsed request: header names lower case, as uvicorn's HTTP protocols keep them."""
    key = version = origin = None
    subprotocols: list[str] = []
    keys = 0
    upgrade = connection = body = False
    for name, value in headers:
        if name not in WANTED:
            continue
        if name == b"sec-websocket-key":
            key, keys = value.strip(), keys + 1
        elif name == b"sec-websocket-version":
            version = value.strip()
        elif name == b"sec-websocket-protocol":
            subprotocols += [token.strip() for token in value.decode("latin-1").split(",")]
        elif name == b"origin":
            if origin is None:
                origin = value.decode("latin-1")
        elif name == b"upgrade":
            upgrade = value.strip().lower() == b"websocket"
        elif name == b"connection":
            tokens = value.lower()
            connection = tokens == b"upgrade" or b"upgrade" in [
                token.strip() for token in tokens.split(b",")]
        else:  # content-length, transfer-encoding
            body = True
    raw_path = target.partition(b"?")[0].decode("latin-1")
    path = unquote(raw_path) if "%" in raw_path else raw_path
    return Upgrade(method, path, key if keys == 1 else None, version, subprotocols, origin,
                   upgrade and connection and not body)


def parse_request(data: bytes) -> Upgrade | None:
    """A whole request head (up to the blank line) as bytes; None when it is not plain
    HTTP/1 (then a real HTTP parser judges it)."""
    lines = data.split(b"\r\n")
    if data.count(b"\n") != len(lines) - 1 or data.count(b"\r") != len(lines) - 1:
        return None  # a bare CR or LF
    parts = lines[0].split(b" ")
    if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
        return None
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep or not name or name[-1:] in (b" ", b"\t") or name[:1] in (b" ", b"\t"):
            return None
        headers.append((name.lower(), value.strip()))
    return upgrade_of(parts[0].decode("latin-1"), parts[1], headers)


def accept_response(key: bytes, subprotocol: str | None) -> bytes:
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    extra = b"" if subprotocol is None else b"Sec-WebSocket-Protocol: %s\r\n" % subprotocol.encode()
    return (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: %s\r\n%s\r\n" % (accept, extra))


REASONS = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           500: "Internal Server Error"}


def http_error(status: int, message: str = "") -> bytes:
    """A refused handshake: the status, a short text body, and the end of the connection."""
    body = f"Failed to open a WebSocket connection: {message}.\n".encode() if message else b""
    allow = b"Allow: GET\r\n" if status == 405 else b""
    if status == 400:  # RFC 6455 4.2.2: name the version we speak (it may be the problem)
        allow += b"Sec-WebSocket-Version: 13\r\n"
    return (b"HTTP/1.1 %d %s\r\nConnection: close\r\nContent-Length: %d\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n%s\r\n%s"
            % (status, REASONS.get(status, "Error").encode(), len(body), allow, body))


def frame_head(opcode: int, length: int) -> bytes:
    """A final, unmasked server frame's header."""
    if length < 126:
        return bytes((0x80 | opcode, length))
    if length < 65536:
        return struct.pack("!BBH", 0x80 | opcode, 126, length)
    return struct.pack("!BBQ", 0x80 | opcode, 127, length)


def close_frame(code: int, reason: str = "") -> bytes:
    payload = code.to_bytes(2, "big") + reason.encode()[:123]
    return frame_head(CLOSE, len(payload)) + payload


def control_frame(opcode: int, payload: bytes) -> bytes:
    return frame_head(opcode, len(payload)) + payload


def close_payload_error(payload: bytes) -> int | None:
    """The close code to fail with for a malformed close frame's payload, or None if valid."""
    if not payload:
        return None
    if len(payload) == 1:
        return 1002
    code = int.from_bytes(payload[:2], "big")
    if code not in VALID_CLOSE and not 3000 <= code <= 4999:
        return 1002
    try:
        payload[2:].decode()
    except UnicodeDecodeError:
        return 1007
    return None
