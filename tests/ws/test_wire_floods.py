"""Floods at the frame level (web/protocol.py), through a real server and raw sockets: every
frame counts toward the rate limit, fragments are bounded, a client that does not read gets
no growing pile of pongs, and a closed socket whose client does not read is cut off."""

from __future__ import annotations

import asyncio
import gc
import socket
import time

import pytest

from frontdesk.web.protocol import OPEN, FrontdeskWebSocketProtocol
from tests.ws.test_wire import Raw, masked, serving_site

PING = masked(9, b"p" * 125)  # the largest control frame


@pytest.fixture
async def site(api):
    await api.put("/api/v1/widgets/site", json={"account": "acme"})


def open_protocols(port: int) -> list[FrontdeskWebSocketProtocol]:
    """The open sockets of the server on `port` (type(), not isinstance: the heap may hold
    dead weak proxies)."""
    return [p for p in gc.get_objects()
            if type(p) is FrontdeskWebSocketProtocol and p.state == OPEN
            and p.transport.get_extra_info("sockname")[1] == port]


async def non_reader(port: int) -> Raw:
    """A widget socket that has said hello and then reads nothing (a tiny receive buffer)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    reader, writer = await asyncio.open_connection(sock=sock)
    writer.write(b"GET /ws/widget/site HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                  b"Connection: Upgrade\r\nSec-WebSocket-Key: MDEyMzQ1Njc4OWFiY2RlZg==\r\n"
                  b"Sec-WebSocket-Version: 13\r\n\r\n")
    await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    raw = Raw(reader, writer)
    await raw.hello()
    return raw


async def test_pings_and_fragments_count_toward_the_rate_limit(server, site):
    """Contract: every frame counts toward the rate limit (control frames and fragments too,
    though they are no sign of life)."""
    raw, _ = await Raw.connect(server.port)
    await raw.hello()
    raw.send(PING * 1200)
    assert await raw.close_code() == 4429
    raw.close()
    raw, _ = await Raw.connect(server.port)
    await raw.hello()
    raw.send(masked(1, b"", fin=False) + masked(0, b"", fin=False) * 1200)
    assert await raw.close_code() == 4429
    raw.close()


async def test_a_message_in_too_many_fragments_closes_1009():
    """Empty fragments under the rate limit cannot grow a message's list without bound."""
    async with serving_site(max_frames_per_window=100_000) as server:
        raw, _ = await Raw.connect(server.port)
        await raw.hello()
        started = time.monotonic()
        raw.send(masked(1, b"", fin=False) + masked(0, b"", fin=False) * 5000)
        assert await raw.close_code() == 1009
        assert time.monotonic() - started < 2  # no work per fragment that grows with their count
        raw.close()


async def test_a_client_that_does_not_read_gets_one_pong_waiting_not_thousands():
    async with serving_site(max_frames_per_window=100_000) as server:
        raw = await non_reader(server.port)
        for _ in range(6):  # 3,000 pings: 381 KB of pongs, far more than the kernel holds
            raw.send(PING * 500)
            await raw.writer.drain()
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        (protocol,) = open_protocols(server.port)
        assert protocol.transport.get_write_buffer_size() < 4096
        assert protocol.pending_bytes < 4096
        protocol.resume_writing()  # what the transport calls once the kernel takes bytes again
        raw.close()


async def test_a_socket_closed_while_its_client_does_not_read_is_cut_off():
    """Shutdown's 1001 (and any close) waits behind unread bytes only so long."""
    server_cm = serving_site(max_frames_per_window=100_000)
    server = await server_cm.__aenter__()
    try:
        raw = await non_reader(server.port)
        for _ in range(16):  # 272 KB of app-level pongs: more than the kernel and the client hold
            raw.send(masked(1, b'{"type":"ping"}') * 1000)
            await raw.writer.drain()
        await asyncio.sleep(0.3)
        (protocol,) = open_protocols(server.port)
        assert protocol.paused  # the kernel is full: what is written next waits in user space
    finally:
        started = time.monotonic()
        await asyncio.wait_for(server_cm.__aexit__(None, None, None), 10)
    assert time.monotonic() - started < 4
    raw.close()
