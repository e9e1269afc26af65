"""uvicorn's sans-I/O WebSocket protocol, with the two things a fan-out server needs.

1. `push(frame_bytes)`: write an already-framed server message straight to the transport,
   without a task, an await or a per-socket encode. While the kernel buffer is full (the
   transport paused writing), whole frames wait in a small queue; past `max_pending_bytes`
   the reader is too slow: the waiting frames are dropped, a 4002 close goes out right
   behind what the kernel already holds (the transport keeps at most the unsent tail of one
   frame), and the connection is dropped if the client has not answered the close within
   5 s (contract: close codes).
2. Shutdown sends 1001 instead of uvicorn's 1012 (contract: clients reconnect on 1001).
3. A text frame that is not UTF-8 closes the socket with 1007 (as uvicorn does), logged at
   INFO at most once per BAD_INPUT_LOG_EVERY seconds, without a traceback: anyone can send
   such frames, and they must not be able to flood the log.
4. Each upgraded socket's kernel send buffer is capped (SO_SNDBUF): Linux would otherwise
   grow it to 4 MiB for a client that never reads, before any of the bounds above applies,
   and the close frame would wait behind all of it.

The session finds this object in the ASGI scope under `extensions["frontdesk.socket"]`.
"""

from __future__ import annotations

import array
import asyncio
import fcntl
import logging
import socket
import termios
from collections import deque
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import Protocol

from frontdesk.codec import Encoding
from frontdesk.core.errors import CloseCode

log = logging.getLogger("frontdesk.ws")

SCOPE_KEY = "frontdesk.socket"
BAD_INPUT_LOG_EVERY = 10.0
# The transport pauses us as soon as the kernel refuses a byte: frames then wait, whole, in
# our queue (which a 4002 drops) instead of in the transport (which nothing can drop).
WRITE_BUFFER_HIGH = 0
CLOSE_WAIT = 5.0
# Asked of the kernel per socket; Linux doubles it for its bookkeeping, so a socket holds at
# most 64 KiB there. Presence frames are small: that is plenty even on a slow link.
SEND_BUFFER = 32 * 1024


class Inbox:
    """uvicorn's receive queue without asyncio.Queue's three deques (about 2.3 KiB).

    Most sockets hold nothing most of the time; one consumer (the session) reads it.
    """

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def empty(self) -> bool:
        return not self._items

    async def get(self) -> Any:
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.pop(0)


class Gate:
    """uvicorn's `writable` Event, without a deque per socket; only accept and close use it."""

    __slots__ = ("_open", "_waiters")

    def __init__(self) -> None:
        self._open = True
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._open

    def set(self) -> None:
        self._open = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._open = False

    async def wait(self) -> None:
        if self._open:
            return
        waiter = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        await waiter


DEFAULT_MAX_PENDING_BYTES = 256 * 1024


class FrontdeskWebSocketProtocol(WebSocketsSansIOProtocol):
    @property
    def max_pending_bytes(self) -> int:
        """The server's bound (runner.FrontdeskConfig carries Settings.max_pending_bytes): no
        class or module state, so servers with different settings can share a process."""
        return int(getattr(self.config, "max_pending_bytes", DEFAULT_MAX_PENDING_BYTES))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = Inbox()  # type: ignore[assignment]
        self.writable = Gate()  # type: ignore[assignment]
        self.encoding: Encoding = Encoding.JSON
        self.encoding_undecided = False  # no subprotocol of ours offered: the hello decides
        self.server_close_code: int | None = None  # set when we, not the client, close
        self._paused = False
        self._pending: deque[bytes] | None = None
        self._pending_bytes = 0
        # When the last data frame came off the wire (not when the session got to it): after
        # a stall (a frozen process), frames waiting in the kernel prove the client alive.
        self.last_frame_at = 0.0

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        transport.set_write_buffer_limits(high=WRITE_BUFFER_HIGH)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:  # the handshake went on to the app
            scope["extensions"][SCOPE_KEY] = self

    async def send(self, message: Any) -> None:
        await super().send(message)
        if message["type"] == "websocket.accept":
            # The handshake is answered: an idle socket need not carry it (about 4 KiB).
            self.request = self.response = None  # type: ignore[assignment]
            conn = self.conn
            if not conn.reader.buffer:
                # websockets' handshake parser keeps the request in its generator's frame
                # for the connection's life; with no byte after the handshake yet (a client
                # waits for the 101), a fresh frame parser is the same parser without it.
                conn.parser = Protocol.parse(conn)
                next(conn.parser)

    # --- reading -------------------------------------------------------------------------------
    def send_receive_event_to_app(self) -> None:
        """uvicorn's, except that a text frame that is not UTF-8 is not logged with a
        traceback at ERROR each time (RFC 6455: close with 1007)."""
        data = self.frames[0] if len(self.frames) == 1 else b"".join(self.frames)
        self.frames = []
        self.last_frame_at = self.loop.time()
        if self.close_sent:  # past our close: discard, keep reading for the client's reply
            return
        if self.curr_msg_data_type == "text":
            try:
                message: Any = {"type": "websocket.receive", "text": data.decode()}
            except UnicodeDecodeError:
                throttle = getattr(self.config, "bad_utf8_log", None)  # runner.FrontdeskConfig
                held = 0 if throttle is None else throttle.allow(self.loop.time())
                if held is not None:
                    log.info("closed a socket (1007) for a text frame that is not UTF-8"
                             " (%d more since the last such line)", held)
                self.conn.send_close(int(CloseCode.INVALID_DATA), "text frame is not UTF-8")
                self.handle_parser_exception()
                return
        else:
            message = {"type": "websocket.receive", "bytes": data}
        self.queue.put_nowait(message)
        if not self.read_paused:
            self.read_paused = True
            self.transport.pause_reading()

    def has_unread_input(self) -> bool:
        """Whether the client sent something we have not read yet: a frame waiting for the
        session, or bytes in the kernel (after this process was stalled, its first timers
        can run before its first read)."""
        if not self.queue.empty():
            return True
        sock = self.transport.get_extra_info("socket") if self.transport else None
        if sock is None:
            return False
        waiting = array.array("i", [0])
        try:
            fcntl.ioctl(sock.fileno(), termios.FIONREAD, waiting)
        except OSError:
            return False
        return waiting[0] > 0

    # --- writing -----------------------------------------------------------------------------
    def pause_writing(self) -> None:
        super().pause_writing()
        self._paused = True

    def resume_writing(self) -> None:
        super().resume_writing()
        self._paused = False
        pending = self._pending
        while pending and not self._paused:
            data = pending.popleft()
            self._pending_bytes -= len(data)
            self.transport.write(data)
        if not pending:
            self._pending = None

    def push(self, data: bytes) -> None:
        if self.close_sent or self.disconnected:
            return
        if not self._paused:
            self.transport.write(data)
            return
        if self._pending is None:
            self._pending = deque()
        self._pending.append(data)
        self._pending_bytes += len(data)
        if self._pending_bytes > self.max_pending_bytes:
            self.close_now(CloseCode.SLOW_READER, "reader too slow")

    # --- closing -------------------------------------------------------------------------------
    def close_now(self, code: int, reason: str = "") -> None:
        if self.close_sent or self.disconnected or not self.handshake_complete:
            return
        self.server_close_code = int(code)
        self._pending, self._pending_bytes = None, 0
        self.queue.put_nowait({"type": "websocket.disconnect", "code": int(code), "reason": reason})
        self.conn.send_close(int(code), reason)
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        if self.read_paused:  # keep reading so the client's close reply is seen
            self.read_paused = False
            self.transport.resume_reading()
        self.close_timer = self.loop.call_later(CLOSE_WAIT, self._close_unanswered)

    def _close_unanswered(self) -> None:
        """No close reply within CLOSE_WAIT: drop the connection. When our close frame has
        reached the kernel, close gracefully so that it is still delivered behind the data
        (an abort would reset the connection and discard it); otherwise abort."""
        self.close_timer = None
        if self.transport.get_write_buffer_size() == 0:
            self.transport.close()
        else:
            self.transport.abort()

    def handle_parser_exception(self) -> None:
        """A frame over FRONTDESK_MAX_FRAME (1009) or a protocol error: the server closes."""
        if self.conn.close_sent is not None:
            self.server_close_code = self.conn.close_sent.code
        super().handle_parser_exception()

    def shutdown(self) -> None:
        if (self.handshake_complete and not self.close_sent and not self.disconnected
                and self.initial_response is None):
            self.stop_keepalive()
            self.server_close_code = int(CloseCode.GOING_AWAY)
            self._pending, self._pending_bytes = None, 0
            self.queue.put_nowait({"type": "websocket.disconnect", "code": 1001})
            self.conn.send_close(int(CloseCode.GOING_AWAY), "server shutting down")
            self.transport.write(b"".join(self.conn.data_to_send()))
            self.close_sent = True
            self.transport.close()
            return
        super().shutdown()
