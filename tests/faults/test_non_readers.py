"""Issue 10, item 4: sockets that never read cost a bounded amount and are closed with 4002.

Non-readers sit beside readers on one widget while its status is pushed again and again.
Each non-reader must be closed (the server's widget-socket gauge falls to the readers), the
kernel must hold a bounded amount for each of them (SO_SNDBUF is capped per socket), the
readers must not be delayed, and a client that reads again finds the 4002 close frame.
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import struct
import time

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.faults.conftest import (
    Starter,
    back_office,
    kernel_tcp_bytes,
    metric,
    rss_bytes,
    server_socket_memory,
)
from tests.support import client as fd
from tests.support.server import make_settings

# CI: 50 non-readers beside 5 readers; FAULTS_NON_READERS and FAULTS_READERS for the
# issue's full-size run (1,000 beside 100).
NON_READERS = int(os.environ.get("FAULTS_NON_READERS", "50"))
READERS = int(os.environ.get("FAULTS_READERS", "5"))
MAX_PUSHES = 1500
# Per non-reader, at most: the capped kernel send buffer (2 x 32 KiB as Linux accounts it)
# and one frame on the server's side; with the client's own receive buffer (on loopback the
# same kernel holds it) and whatever else the machine is doing, under 1 MiB in all.
SERVER_PER_NON_READER = 96 * 1024
KERNEL_PER_NON_READER = 1024 * 1024


async def non_reader(url: str) -> ClientConnection:
    conn = await connect(url, subprotocols=["frontdesk.v1.json"],  # type: ignore[list-item]
                         ping_interval=None, max_size=None, max_queue=1, open_timeout=10)
    await conn.send('{"type":"hello"}')
    await conn.recv()  # the welcome
    conn.transport.pause_reading()  # and from now on it reads nothing at all
    return conn


async def close_code_after_reading(conn: ClientConnection, timeout: float) -> int | None:
    conn.transport.resume_reading()
    try:
        async with asyncio.timeout(timeout):
            while True:
                await conn.recv()
    except (ConnectionClosed, TimeoutError):
        pass
    return conn.close_code


class RawNonReader:
    """A blocking socket that upgrades by hand, sends its hello, then reads nothing until
    told to read slowly (a client on a poor link, or a tab the browser woke up)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /ws/widget/site HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                           "Sec-WebSocket-Protocol: frontdesk.v1.json\r\n\r\n").encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self.sock.recv(4096)
        assert self.buffer.startswith(b"HTTP/1.1 101"), self.buffer
        self.buffer = self.buffer.split(b"\r\n\r\n", 1)[1]
        payload = b'{"type":"hello"}'
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + masked)

    def slowly_read_close_code(self, rate: int, timeout: float) -> tuple[int | None, float]:
        """Read `rate` bytes a second: (the code of the first close frame, or None when the
        connection ends or the time runs out without one; the seconds it took)."""
        started = time.monotonic()
        chunk = max(1, rate // 20)
        code = None
        try:
            while time.monotonic() < started + timeout:
                code = self._close_code_in_buffer()
                if code is not None:
                    break
                data = self.sock.recv(chunk)
                if not data:
                    code = self._close_code_in_buffer()
                    break
                self.buffer += data
                time.sleep(0.05)
        except OSError:
            pass
        finally:
            self.sock.close()
        return code, time.monotonic() - started

    def _close_code_in_buffer(self) -> int | None:
        buf = self.buffer
        while len(buf) >= 2:
            length, header = buf[1] & 0x7F, 2
            if length == 126:
                if len(buf) < 4:
                    break
                length, header = struct.unpack("!H", buf[2:4])[0], 4
            elif length == 127:
                if len(buf) < 10:
                    break
                length, header = struct.unpack("!Q", buf[2:10])[0], 10
            if len(buf) < header + length:
                break
            if buf[0] & 0x0F == 0x8:
                return int(struct.unpack("!H", buf[header:header + 2])[0])
            buf = buf[header + length:]
        self.buffer = buf
        return None


async def test_non_readers_are_closed_and_cost_a_bounded_amount(processes: Starter) -> None:
    settings = make_settings(heartbeat=10.0, presence_ttl=60.0, close_grace=0.5)
    proc = await processes(settings)
    async with back_office(proc) as api:
        assert (await api.put("/api/v1/widgets/site", json={"account": "acme"})).status_code == 200
        readers = [(await fd.widget(proc.ws, "site"))[0] for _ in range(READERS)]
        slow = await asyncio.to_thread(RawNonReader, proc.port)
        # a reader on a poor link: 16 KiB a second, from the start, while pushes come faster
        slow_code = asyncio.create_task(asyncio.to_thread(slow.slowly_read_close_code, 16384, 40))
        stuck = await asyncio.gather(*(non_reader(f"{proc.ws}/ws/widget/site")
                                       for _ in range(NON_READERS)))
        assert await metric(proc, "frontdesk_open_connections", kind="widget") == READERS + NON_READERS + 1
        kernel_before, rss_before = kernel_tcp_bytes(), rss_bytes(proc.proc.pid)
        kernel_peak, rss_peak, queued_peak = kernel_before, rss_before, 0
        latencies: list[float] = []
        filler = "x" * 990
        open_widgets = READERS + NON_READERS
        pushes = 0
        for pushes in range(1, MAX_PUSHES + 1):
            started = time.monotonic()
            message = f"{pushes} {filler}"
            response = await api.put("/api/v1/widgets/site",
                                     json={"account": "acme", "online_message": message})
            assert response.status_code == 200
            for reader in readers:
                await reader.recv_type("widget.status", timeout=5, message=message)
                latencies.append(time.monotonic() - started)
            if pushes % 25 == 0:
                kernel_peak = max(kernel_peak, kernel_tcp_bytes())
                rss_peak = max(rss_peak, rss_bytes(proc.proc.pid))
                queued_peak = max(queued_peak, server_socket_memory(proc.port)[0])
                open_widgets = int(await metric(proc, "frontdesk_open_connections", kind="widget"))
                if open_widgets == READERS:
                    break
        codes = await asyncio.gather(*(close_code_after_reading(c, 3.0) for c in stuck))
        code_of_slow, slow_took = await slow_code
        latencies.sort()
        p99 = latencies[int(len(latencies) * 0.99)]
        kernel_growth = kernel_peak - kernel_before
        print(f"\nnon-readers: {NON_READERS}, pushes: {pushes}, still open: "
              f"{open_widgets - READERS}, 4002 seen: {codes.count(4002)}, "
              f"kernel TCP growth {kernel_growth / 2**20:.1f} MiB "
              f"({kernel_growth / NON_READERS / 1024:.0f} KiB per non-reader), "
              f"server send queues peak {queued_peak / NON_READERS / 1024:.0f} KiB per non-reader, "
              f"server RSS growth {(rss_peak - rss_before) / 2**20:.1f} MiB, "
              f"reader p99 {p99 * 1000:.1f} ms, slow reader saw {code_of_slow} "
              f"after {slow_took:.1f} s")
        assert open_widgets == READERS, f"{open_widgets - READERS} non-readers were never closed"
        assert codes == [4002] * NON_READERS, codes
        assert code_of_slow == 4002
        # the server's own sockets, exactly (ss), and the whole machine's (sockstat: other
        # tests run meanwhile, so with room to spare; before the cap it grew past 1.7 MiB)
        assert queued_peak < NON_READERS * SERVER_PER_NON_READER, queued_peak
        assert kernel_growth < NON_READERS * KERNEL_PER_NON_READER, kernel_growth
        assert rss_peak - rss_before < 64 * 2**20
        # each is a PUT, a Redis round trip and the push; on a shared CI machine, generous
        # (before the cap they were held up behind 4 MiB kernel buffers: see the README)
        assert p99 < 1.0, p99
        for reader in readers:
            await reader.close()
