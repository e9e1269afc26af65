"""The lean benchmark client: many WebSocket sockets, no task per socket, frames only counted.

Each socket is an `asyncio.BufferedProtocol` that does the HTTP upgrade by hand and then
reads every server frame into one buffer shared by all sockets (reads are synchronous, so
one buffer is enough). A listening socket parses just the frame headers to count whole data
frames into a shared `Tally`; the push loop waits on the tally reaching a target. A control
socket (the agent, or the baselines' "go" sender) keeps its frames' payloads instead.
"""

from __future__ import annotations

import asyncio
import base64
import os
import select
import socket
import struct
import time
from collections.abc import Callable

READ_BUFFER = bytearray(256 * 1024)
READ_VIEW = memoryview(READ_BUFFER)

HANDSHAKE, KEEP, COUNT = 0, 1, 2
OP_TEXT, OP_BINARY, OP_CLOSE = 0x1, 0x2, 0x8


class Tally:
    """Frames counted on all listening sockets; `wait_for(target)` returns when reached."""

    __slots__ = ("frames", "bytes", "closes", "target", "reached_at", "waiter")

    def __init__(self) -> None:
        self.frames = 0
        self.bytes = 0
        self.closes = 0
        self.target = 1 << 62
        self.reached_at = 0.0
        self.waiter: asyncio.Future[float] | None = None

    def hit(self) -> None:
        """Called by a socket when `frames` reached `target`."""
        self.reached_at = time.perf_counter()
        self.target = 1 << 62
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(self.reached_at)

    async def wait_for(self, target: int, timeout: float) -> float:
        """perf_counter() when `frames` reaches target (TimeoutError after `timeout`)."""
        if self.frames >= target:
            return time.perf_counter()
        self.waiter = asyncio.get_running_loop().create_future()
        self.target = target
        try:
            return await asyncio.wait_for(self.waiter, timeout)
        finally:
            self.waiter = None
            self.target = 1 << 62


def client_frame(payload: bytes, opcode: int = OP_TEXT) -> bytes:
    """A masked client-to-server frame (RFC 6455 5.3)."""
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    key = int.from_bytes((mask * (n // 4 + 1))[:n], "big") if n else 0
    body = (int.from_bytes(payload, "big") ^ key).to_bytes(n, "big") if n else b""
    return header + mask + body


CLOSE_FRAME = client_frame(struct.pack("!H", 1000), OP_CLOSE)


class Conn(asyncio.BufferedProtocol):
    """One client socket. Modes: HANDSHAKE -> KEEP (payloads kept) or COUNT (frames counted)."""

    __slots__ = ("tally", "transport", "mode", "pending", "rem", "partial", "frames",
                 "ready", "expect_frames", "after_handshake", "error", "hello")

    def __init__(self, tally: Tally, after_handshake: int, expect_frames: int,
                 hello: bytes | None = None) -> None:
        self.tally = tally
        self.hello = hello  # sent once the server's 101 arrives
        self.transport: asyncio.Transport | None = None
        self.mode = HANDSHAKE
        self.pending = bytearray()  # HANDSHAKE and KEEP: bytes not yet parsed
        self.rem = 0  # COUNT: bytes of the current frame still to come
        self.partial = b""  # COUNT: a frame header cut by a read
        self.frames: list[tuple[int, bytes]] = []  # KEEP: frames received
        self.after_handshake = after_handshake  # KEEP or COUNT
        self.expect_frames = expect_frames  # setup is done after this many KEEP frames
        self.ready: asyncio.Future[None] | None = asyncio.get_running_loop().create_future()
        self.error: str | None = None

    # --- asyncio callbacks ------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def get_buffer(self, sizehint: int) -> memoryview:
        return READ_VIEW

    def buffer_updated(self, nbytes: int) -> None:
        if self.mode == COUNT:
            self._count(READ_VIEW, nbytes)
        else:
            self.pending += READ_VIEW[:nbytes]
            if self.mode == HANDSHAKE:
                self._handshake()
            if self.mode == KEEP:
                self._keep()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self._fail(f"connection lost: {exc}")

    # --- parsing ----------------------------------------------------------------------------
    def _fail(self, why: str) -> None:
        self.error = self.error or why
        if self.ready is not None and not self.ready.done():
            self.ready.set_exception(ConnectionError(why))

    def _setup_done(self) -> None:
        if self.ready is not None and not self.ready.done():
            self.ready.set_result(None)

    def _handshake(self) -> None:
        end = self.pending.find(b"\r\n\r\n")
        if end < 0:
            return
        status = bytes(self.pending[:end]).split(b"\r\n", 1)[0]
        if b" 101 " not in status + b" ":
            self._fail(f"handshake refused: {status!r}")
            return
        rest = bytes(self.pending[end + 4:])
        self.pending = bytearray()
        if self.hello is not None:
            self.send(self.hello)
            self.hello = None
        if self.after_handshake == COUNT and self.expect_frames == 0:
            self.mode = COUNT
            self._setup_done()
            if rest:
                self._count(memoryview(rest), len(rest))
            return
        self.mode = KEEP
        self.pending += rest
        if self.expect_frames == 0:
            self._setup_done()

    def _keep(self) -> None:
        buf = self.pending
        pos = 0
        while True:
            frame = _parse_frame(buf, pos)
            if frame is None:
                break
            opcode, payload, pos = frame
            if opcode == OP_CLOSE:
                self.tally.closes += 1
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                self._fail(f"closed by server: {code} {payload[2:].decode(errors='replace')}")
            self.frames.append((opcode, payload))
            if len(self.frames) == self.expect_frames:
                self._setup_done()
                if self.after_handshake == COUNT:
                    del buf[:pos]
                    rest = bytes(buf)
                    self.pending = bytearray()
                    self.mode = COUNT
                    if rest:
                        self._count(memoryview(rest), len(rest))
                    return
        del buf[:pos]

    def _count(self, data: memoryview, n: int) -> None:
        """Count whole data frames; only headers are read."""
        tally = self.tally
        tally.bytes += n
        if self.partial:
            joined = self.partial + bytes(data[:n])
            self.partial = b""
            data, n = memoryview(joined), len(joined)
        pos = self.rem
        frames = 0
        if pos:
            if pos > n:
                self.rem = pos - n
                return
            frames = 1
        self.rem = 0
        while pos < n:
            left = n - pos
            if left < 2:
                self.partial = bytes(data[pos:n])
                break
            b0 = data[pos]
            length = data[pos + 1] & 0x7F
            if length < 126:
                end = pos + 2 + length
            elif length == 126:
                if left < 4:
                    self.partial = bytes(data[pos:n])
                    break
                end = pos + 4 + (data[pos + 2] << 8 | data[pos + 3])
            else:
                if left < 10:
                    self.partial = bytes(data[pos:n])
                    break
                end = pos + 10 + int.from_bytes(data[pos + 2:pos + 10], "big")
            if b0 & 0x0F == OP_CLOSE:
                tally.closes += 1
                frames -= 1  # not a data frame (counted below if whole)
            if end <= n:
                frames += 1
                pos = end
            else:
                self.rem = end - n
                break
        if frames:
            tally.frames += frames
            if tally.frames >= tally.target:
                tally.hit()

    # --- writing ----------------------------------------------------------------------------
    def send(self, data: bytes) -> None:
        if self.transport is not None:
            self.transport.write(data)

    def abort(self) -> None:
        """Drop the connection with a RST (SO_LINGER 0): no TIME_WAIT left behind."""
        if self.transport is None:
            return
        sock = self.transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        self.transport.abort()


def _parse_frame(buf: bytearray, pos: int) -> tuple[int, bytes, int] | None:
    """(opcode, payload, next position) of one whole unmasked frame at pos, or None."""
    n = len(buf)
    if n - pos < 2:
        return None
    opcode = buf[pos] & 0x0F
    length = buf[pos + 1] & 0x7F
    head = 2
    if length == 126:
        if n - pos < 4:
            return None
        length, head = struct.unpack_from("!H", buf, pos + 2)[0], 4
    elif length == 127:
        if n - pos < 10:
            return None
        length, head = struct.unpack_from("!Q", buf, pos + 2)[0], 10
    end = pos + head + length
    if end > n:
        return None
    return opcode, bytes(buf[pos + head:end]), end


def upgrade_request(port: int, path: str, subprotocol: str | None) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket",
        "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13",
    ]
    if subprotocol:
        lines.append(f"Sec-WebSocket-Protocol: {subprotocol}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def open_socket(tally: Tally, port: int, path: str, *, subprotocol: str | None = None,
                      hello: bytes | None = None, expect_frames: int = 0, count: bool = True,
                      timeout: float = 30.0) -> Conn:
    """Connect, upgrade, optionally send `hello` and wait for `expect_frames` frames."""
    loop = asyncio.get_running_loop()
    after = COUNT if count else KEEP

    def factory() -> Conn:
        return Conn(tally, after, expect_frames, hello)

    _, conn = await loop.create_connection(factory, "127.0.0.1", port)
    conn.send(upgrade_request(port, path, subprotocol))
    assert conn.ready is not None
    try:
        await asyncio.wait_for(conn.ready, timeout)
    finally:
        conn.ready = None
    if count:
        conn.frames = []
    return conn


async def open_many(n: int, batch: int, make: Callable[[], asyncio.Future[Conn] | object],
                    on_progress: Callable[[int], None] | None = None) -> list[Conn]:
    """Open n sockets, `batch` at a time (a full batch finishes before the next starts)."""
    conns: list[Conn] = []
    while len(conns) < n:
        size = min(batch, n - len(conns))
        got = await asyncio.gather(*(make() for _ in range(size)))  # type: ignore[misc]
        conns.extend(got)
        if on_progress is not None:
            on_progress(len(conns))
    return conns


async def wait_frames(conn: Conn, count: int, timeout: float) -> list[tuple[int, bytes]]:
    """For a KEEP socket: wait until it holds `count` frames, return them and clear."""
    deadline = time.perf_counter() + timeout
    while len(conn.frames) < count:
        if conn.error:
            raise ConnectionError(conn.error)
        if time.perf_counter() > deadline:
            raise TimeoutError(f"waited for {count} frames, got {len(conn.frames)}")
        await asyncio.sleep(0.002)
    got, conn.frames = conn.frames[:count], conn.frames[count:]
    return got


class Fleet:
    """The listening sockets of one server, read by a plain epoll loop while measuring.

    Setup goes through asyncio; then `attach` takes each socket's fd out of asyncio's
    selector (pause_reading) and into this epoll, so a measured read costs one epoll entry
    and one `readv` into the shared buffer: no callbacks, handles or per-read allocations.
    `wait(target)` runs synchronously until `frames` reaches target and returns the
    perf_counter() of the read that reached it. Triggers are written before calling it.
    """

    def __init__(self, conns: list[Conn]) -> None:
        self.conns = conns
        self.epoll = select.epoll()
        self.frames = 0
        self.bytes = 0
        self.closes = 0
        self.dead = 0
        self.mark_times: list[float] = []
        self.partial: dict[int, bytes] = {}
        top = 0
        for conn in conns:
            assert conn.transport is not None
            conn.transport.pause_reading()
            fd = conn.transport.get_extra_info("socket").fileno()
            top = max(top, fd)
            self.epoll.register(fd, select.EPOLLIN)
        self.rem = [0] * (top + 1)
        for conn in conns:  # bytes the asyncio side already read but had not counted
            if conn.rem or conn.partial:
                fd = conn.transport.get_extra_info("socket").fileno()  # type: ignore[union-attr]
                self.rem[fd] = conn.rem
                if conn.partial:
                    self.partial[fd] = conn.partial

    def close(self) -> None:
        self.epoll.close()

    def wait(self, target: int, timeout: float, marks: list[int] | None = None) -> float:
        """Until `frames` reaches target; `marks` (ascending frame counts) get their times.

        `self.mark_times[i]` is the perf_counter() of the read that reached marks[i]: the
        receipt times of the frames, to percentiles of the push.
        """
        marks = [m for m in (marks or ()) if m > self.frames] + [1 << 62]
        times = self.mark_times = []
        mi = 0
        nxt = marks[0]
        poll = self.epoll.poll
        readv = os.readv
        bufs = [READ_VIEW]
        buf = READ_BUFFER
        rem = self.rem
        partial = self.partial
        frames = self.frames
        nbytes = 0
        deadline = time.perf_counter() + timeout
        try:
            while frames < target:
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise TimeoutError(f"{target - frames} frames missing after {timeout} s")
                for fd, _ in poll(min(left, 0.5), 4096):
                    try:
                        n = readv(fd, bufs)
                    except BlockingIOError:
                        continue
                    except OSError:
                        n = 0
                    if n <= 0:  # the server dropped the connection
                        self.epoll.unregister(fd)
                        self.dead += 1
                        continue
                    nbytes += n
                    r = rem[fd]
                    if r == 0 and fd not in partial:  # fast path: whole frames from byte 0
                        length = buf[1] & 0x7F
                        if length < 126 and n == 2 + length and buf[0] & 0x0F != OP_CLOSE:
                            frames += 1
                            if frames >= nxt:
                                now = time.perf_counter()
                                while frames >= nxt:
                                    times.append(now)
                                    mi += 1
                                    nxt = marks[mi]
                            continue
                    frames += self._slow(fd, n)
                    if frames >= nxt:
                        now = time.perf_counter()
                        while frames >= nxt:
                            times.append(now)
                            mi += 1
                            nxt = marks[mi]
            return time.perf_counter()
        finally:
            self.frames = frames
            self.bytes += nbytes

    def _slow(self, fd: int, n: int) -> int:
        """Count whole data frames in READ_BUFFER[:n] for fd, given its carried state."""
        data: bytes | memoryview = READ_VIEW
        if fd in self.partial:
            data = self.partial.pop(fd) + bytes(READ_VIEW[:n])
            n = len(data)
        pos = self.rem[fd]
        frames = 0
        if pos:
            if pos > n:
                self.rem[fd] = pos - n
                return 0
            frames = 1
        self.rem[fd] = 0
        while pos < n:
            left = n - pos
            length = data[pos + 1] & 0x7F if left >= 2 else 0
            head = 2 if length < 126 else 4 if length == 126 else 10
            if left < head:
                self.partial[fd] = bytes(data[pos:n])
                break
            if length == 126:
                length = data[pos + 2] << 8 | data[pos + 3]
            elif length == 127:
                length = int.from_bytes(data[pos + 2:pos + 10], "big")
            end = pos + head + length
            if data[pos] & 0x0F == OP_CLOSE:
                self.closes += 1
                frames -= 1
            if end <= n:
                frames += 1
                pos = end
            else:
                self.rem[fd] = end - n
                break
        return frames
