"""Frontdesk's own RFC 6455 layer (web/protocol.py, web/wire.py), through a real server and
raw sockets: the handshake's answers, frames split and fragmented, control frames, and the
close codes of malformed input."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import os
import struct
from collections.abc import AsyncIterator

import pytest

from tests.support.server import RunningServer, make_settings, running_server

KEY = base64.b64encode(b"0123456789abcdef").decode()


def masked(opcode: int, payload: bytes, *, fin: bool = True, mask: bool = True,
           rsv: int = 0, length: int | None = None) -> bytes:
    n = len(payload) if length is None else length
    first = (0x80 if fin else 0) | rsv | opcode
    if n < 126:
        head = struct.pack("!BB", first, (0x80 if mask else 0) | n)
    elif n < 65536:
        head = struct.pack("!BBH", first, (0x80 if mask else 0) | 126, n)
    else:
        head = struct.pack("!BBQ", first, (0x80 if mask else 0) | 127, n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


class Raw:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, port: int, path: str = "/ws/widget/site",
                      extra: str = "Sec-WebSocket-Protocol: frontdesk.v1.json\r\n",
                      key: str = KEY, method: str = "GET") -> tuple[Raw, bytes]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write((f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                      f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                      f"Sec-WebSocket-Version: 13\r\n{extra}\r\n").encode())
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        return cls(reader, writer), head

    def send(self, data: bytes) -> None:
        self.writer.write(data)

    async def frame(self) -> tuple[int, bytes]:
        """The next server frame: (opcode, payload); servers never mask."""
        async with asyncio.timeout(5):
            first, second = await self.reader.readexactly(2)
            assert not second & 0x80 and first & 0x80, "server frames are final and unmasked"
            n = second & 0x7F
            if n == 126:
                (n,) = struct.unpack("!H", await self.reader.readexactly(2))
            elif n == 127:
                (n,) = struct.unpack("!Q", await self.reader.readexactly(8))
            return first & 0x0F, await self.reader.readexactly(n)

    async def data(self) -> dict:
        while True:
            opcode, payload = await self.frame()
            if opcode in (1, 2):
                return json.loads(payload)

    async def close_code(self) -> int:
        while True:
            opcode, payload = await self.frame()
            if opcode == 8:
                return struct.unpack("!H", payload[:2])[0]

    async def hello(self) -> dict:
        self.send(masked(1, b'{"type":"hello"}'))
        return await self.data()

    def close(self) -> None:
        self.writer.close()


@contextlib.asynccontextmanager
async def serving_site(**settings: object) -> AsyncIterator[RunningServer]:
    """A server with these settings, holding the widget `site` of account `acme`."""
    async with running_server(make_settings(**settings)) as server:
        async with server.api() as api:
            await api.put("/api/v1/widgets/site", json={"account": "acme"})
        yield server


@pytest.fixture
async def site(api):
    await api.put("/api/v1/widgets/site", json={"account": "acme"})


async def test_handshake_answers_the_accept_key_and_the_subprotocol(server, site):
    raw, head = await Raw.connect(server.port)
    expected = base64.b64encode(hashlib.sha1(KEY.encode() + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                                .digest()).decode()
    assert head.startswith(b"HTTP/1.1 101 ")
    assert f"Sec-WebSocket-Accept: {expected}".encode() in head
    assert b"Sec-WebSocket-Protocol: frontdesk.v1.json" in head
    assert (await raw.hello())["type"] == "welcome"
    raw.close()


@pytest.mark.parametrize(("kind", "status"), [
    ("bad key", 400), ("short key", 400), ("version", 400), ("method", 405),
    ("no endpoint", 403), ("widget subpath", 403)])
async def test_bad_handshakes_get_http_errors(server, site, kind, status):
    key = {"bad key": "not base64!", "short key": base64.b64encode(b"short").decode()}.get(kind, KEY)
    path = {"no endpoint": "/ws/nothing", "widget subpath": "/ws/widget/a/b"}.get(kind,
                                                                                  "/ws/agent")
    extra = "Sec-WebSocket-Version: 8\r\n" if kind == "version" else ""
    if kind == "version":  # replaces the 13 sent by default: send the request by hand
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write((f"GET /ws/agent HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                      f"Connection: Upgrade\r\nSec-WebSocket-Key: {KEY}\r\n{extra}\r\n").encode())
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        writer.close()
    else:
        raw, head = await Raw.connect(server.port, path, key=key,
                                      method="POST" if kind == "method" else "GET")
        raw.close()
    assert head.startswith(f"HTTP/1.1 {status} ".encode()), head
    if kind == "version":  # RFC 6455 4.2.2: the answer names the version the server speaks
        assert b"\r\nSec-WebSocket-Version: 13\r\n" in head, head


async def test_unmasked_frame_closes_1002(server, site):
    raw, _ = await Raw.connect(server.port)
    raw.send(masked(1, b'{"type":"hello"}', mask=False))
    assert await raw.close_code() == 1002
    raw.close()


@pytest.mark.parametrize("frame", [
    masked(1, b'{"type":"hello"}', rsv=0x40),  # RSV1 without an extension
    masked(3, b"x"),  # a reserved data opcode
    masked(0, b"x"),  # a continuation of nothing
    masked(9, b"x", fin=False),  # a fragmented control frame
    masked(8, b"\x03"),  # a close payload of one byte
], ids=["rsv", "opcode", "lone-continuation", "fragmented-ping", "short-close"])
async def test_protocol_errors_close_1002(server, site, frame):
    raw, _ = await Raw.connect(server.port)
    raw.send(frame)
    assert await raw.close_code() == 1002
    raw.close()


async def test_fragmented_text_is_reassembled_and_split_frames_are_read(server, site):
    raw, _ = await Raw.connect(server.port)
    hello = b'{"type":"hello","visitor":"frag-1"}'
    raw.send(masked(1, hello[:5], fin=False))
    raw.send(masked(9, b"in between"))  # a control frame may sit between fragments
    raw.send(masked(0, hello[5:20], fin=False))
    raw.send(masked(0, hello[20:]))
    assert await raw.frame() == (10, b"in between")  # the pong, with the ping's payload
    welcome = await raw.data()
    assert welcome["type"] == "welcome" and welcome["visitor"] == "frag-1"
    ping = masked(1, b'{"type":"ping"}') * 2
    for i in range(len(ping)):  # byte by byte, two frames
        raw.send(ping[i:i + 1])
        await raw.writer.drain()
    assert await raw.data() == {"type": "pong"}
    assert await raw.data() == {"type": "pong"}
    raw.close()


async def test_ping_is_answered_with_pong_and_pong_is_ignored(server, site):
    raw, _ = await Raw.connect(server.port)
    await raw.hello()
    raw.send(masked(10, b"unsolicited"))
    raw.send(masked(9, b"are you there"))
    assert await raw.frame() == (10, b"are you there")
    raw.close()


async def test_close_is_echoed_and_the_connection_ends(server, site):
    raw, _ = await Raw.connect(server.port)
    await raw.hello()
    raw.send(masked(8, struct.pack("!H", 1000) + b"bye"))
    opcode, payload = await raw.frame()
    assert opcode == 8 and payload == struct.pack("!H", 1000) + b"bye"
    assert await asyncio.wait_for(raw.reader.read(), 5) == b""  # and the server closed
    raw.close()


async def test_text_that_is_not_utf8_across_fragments_closes_1007(server, site):
    raw, _ = await Raw.connect(server.port)
    await raw.hello()
    raw.send(masked(1, b'{"type":"ping","x":"\xe2\x82', fin=False))
    raw.send(masked(0, b'"}'))
    assert await raw.close_code() == 1007
    raw.close()


async def test_oversized_frame_and_message_close_1009_before_the_payload():
    async with serving_site(max_frame=1024) as server:
        raw, _ = await Raw.connect(server.port)
        await raw.hello()
        raw.send(masked(1, b"", length=10_000_000)[:14])  # only the header: 10 MB announced
        assert await raw.close_code() == 1009
        raw.close()
        raw, _ = await Raw.connect(server.port)
        await raw.hello()
        raw.send(masked(1, b"x" * 1000, fin=False) + masked(0, b"x" * 1000))
        assert await raw.close_code() == 1009
        raw.close()


async def test_shutdown_closes_open_sockets_1001():
    async with running_server() as server:
        async with server.api() as api:
            await api.put("/api/v1/widgets/site", json={"account": "acme"})
        raw, _ = await Raw.connect(server.port)
        await raw.hello()
    assert await raw.close_code() == 1001
    raw.close()


async def test_idle_sockets_have_no_task_and_still_answer(server, site):
    """After the welcome a socket lives on its protocol's callbacks: no task waits for it."""
    def session_tasks() -> list[asyncio.Task]:
        return [task for task in asyncio.all_tasks()
                if "frontdesk/web/" in getattr(getattr(task.get_coro(), "cr_code", None),
                                               "co_filename", "")]

    raws = []
    for _ in range(20):
        raw, _ = await Raw.connect(server.port)
        assert (await raw.hello())["type"] == "welcome"
        raws.append(raw)
    await asyncio.sleep(0.05)
    assert session_tasks() == []
    for raw in raws:  # answered from the callback
        raw.send(masked(1, b'{"type":"ping"}'))
        assert await raw.data() == {"type": "pong"}
    raws[0].send(masked(1, b'{"type":"conversation.start"}'))  # needs the store: a worker
    frame = await raws[0].data()
    assert frame["type"] in ("conversation.queued", "conversation.joined", "conversation.closed",
                             "conversation.rejected", "error"), frame
    for raw in raws:
        raw.close()


async def test_a_handshake_split_across_writes_and_a_hello_right_behind_it_work(server, site):
    """The front door takes a whole upgrade request in one read; a head split across reads
    goes through the HTTP protocol, which upgrades as well."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    head = (f"GET /ws/widget/site HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            f"Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: {KEY}\r\n"
            f"Sec-WebSocket-Version: 13\r\n\r\n").encode()
    writer.write(head[:20])
    await writer.drain()
    await asyncio.sleep(0.1)
    writer.write(head[20:])
    raw = Raw(reader, writer)
    assert (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)).startswith(b"HTTP/1.1 101")
    assert (await raw.hello())["type"] == "welcome"
    raw.close()
    # the hello in the same write as the head: kept, and answered after the 101
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(head + masked(1, b'{"type":"hello"}'))
    assert (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)).startswith(b"HTTP/1.1 101")
    raw = Raw(reader, writer)
    assert (await raw.data())["type"] == "welcome"
    raw.close()


async def test_a_late_first_byte_keeps_the_deadline_of_the_accept():
    """The front door hands a connection to the HTTP protocol at its first bytes; a client
    that waited before sending them does not get a fresh request deadline for it."""
    async with running_server(make_settings(request_timeout=1.0)) as server:
        loop = asyncio.get_running_loop()
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        started = loop.time()
        await asyncio.sleep(0.6)
        answer = asyncio.ensure_future(reader.read())
        for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaa":
            writer.write(bytes((byte,)))
            await asyncio.wait([answer], timeout=0.05)
            if answer.done():
                break
        assert answer.done() and (await answer).startswith(b"HTTP/1.1 408")
        assert 0.9 < loop.time() - started < 1.4
        writer.close()
