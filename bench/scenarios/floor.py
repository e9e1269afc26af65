"""Baseline "floor": the least a Python server can do per socket on this machine.

uvloop, a hand-made RFC 6455 handshake, each broadcast frame encoded once, and one
`transport.write` per listening socket; nothing else (no task per socket, no queue, no
framework). Every other figure is reported as a ratio to this one, measured in the same run.

Protocol (as the other baselines): every connection listens until it sends a text message;
then it is the control: "go" sends the next of BENCH_MESSAGES (a JSON list, used in turn) to
every listener, "count" answers the number of listeners. A `{"type":"hello"...}` message is
answered with BENCH_WELCOME and the socket keeps listening (the connection-rate scenario).
Usage: python floor.py PORT (started and stopped by bench/run.py).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import signal
import struct
import sys

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def server_frame(payload: bytes, opcode: int = 0x1) -> bytes:
    """An unmasked server-to-client frame (RFC 6455 5.2)."""
    n = len(payload)
    if n < 126:
        return struct.pack("!BB", 0x80 | opcode, n) + payload
    if n < 65536:
        return struct.pack("!BBH", 0x80 | opcode, 126, n) + payload
    return struct.pack("!BBQ", 0x80 | opcode, 127, n) + payload


MESSAGES = [server_frame(m.encode()) for m in json.loads(os.environ.get("BENCH_MESSAGES", '["hello"]'))]
WELCOME = server_frame(os.environ.get("BENCH_WELCOME", '{"type":"welcome"}').encode())
HELLO_PREFIX = b"{"  # any JSON object is a hello; the controls send "go" and "count"
listeners: set[Floor] = set()
turn = 0


class Floor(asyncio.Protocol):
    """One socket: the upgrade by hand, then unmasking of the (rare) client frames."""

    __slots__ = ("transport", "buf", "upgraded")

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buf = b""
        self.upgraded = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        listeners.discard(self)
        self.transport = None

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.upgraded:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head, self.buf = self.buf[:end], self.buf[end + 4:]
            self._upgrade(head)
        while self._frame():
            pass

    def _upgrade(self, head: bytes) -> None:
        key = protocol = b""
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"sec-websocket-key":
                key = value.strip()
            elif name == b"sec-websocket-protocol":
                protocol = value.split(b",")[0].strip()
        accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
        response = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n")
        if protocol:
            response += b"Sec-WebSocket-Protocol: " + protocol + b"\r\n"
        assert self.transport is not None
        self.transport.write(response + b"\r\n")
        self.upgraded = True
        listeners.add(self)

    def _frame(self) -> bool:
        """Handle one whole client frame from the buffer; False when none is whole."""
        buf = self.buf
        if len(buf) < 2:
            return False
        opcode, length = buf[0] & 0x0F, buf[1] & 0x7F
        pos = 2
        if length == 126:
            if len(buf) < 4:
                return False
            length, pos = struct.unpack_from("!H", buf, 2)[0], 4
        elif length == 127:
            if len(buf) < 10:
                return False
            length, pos = struct.unpack_from("!Q", buf, 2)[0], 10
        if len(buf) < pos + 4 + length:
            return False
        mask = buf[pos:pos + 4]
        masked = buf[pos + 4:pos + 4 + length]
        self.buf = buf[pos + 4 + length:]
        key = int.from_bytes((mask * (length // 4 + 1))[:length], "big") if length else 0
        payload = (int.from_bytes(masked, "big") ^ key).to_bytes(length, "big") if length else b""
        self._message(opcode, payload)
        return True

    def _message(self, opcode: int, payload: bytes) -> None:
        global turn
        transport = self.transport
        if transport is None:
            return
        if opcode == 0x8:
            transport.write(server_frame(payload[:2], 0x8))
            transport.close()
            return
        if opcode == 0x9:
            transport.write(server_frame(payload, 0xA))
            return
        if opcode != 0x1:
            return
        if payload.startswith(HELLO_PREFIX):
            transport.write(WELCOME)
            return
        listeners.discard(self)
        if payload == b"go":
            frame = MESSAGES[turn % len(MESSAGES)]
            turn += 1
            for listener in listeners:
                listener.transport.write(frame)  # type: ignore[union-attr]
        elif payload == b"count":
            transport.write(server_frame(str(len(listeners)).encode()))


async def main(port: int) -> None:
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
    server = await loop.create_server(Floor, "127.0.0.1", port, backlog=4096)
    print(f"listening on {port}", flush=True)
    await stop
    server.close()


if __name__ == "__main__":
    import uvloop

    uvloop.run(main(int(sys.argv[1])))
