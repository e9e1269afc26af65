"""Frontdesk's WebSocket protocol: a minimal, strict RFC 6455 server on an asyncio transport.

uvicorn's HTTP protocol hands each upgrade request to this class (runner.py passes it as
uvicorn's `ws` protocol class; web/http_protocol.py hands over the parsed request). No ASGI:
the handshake is checked here, the app routes the socket (`FrontdeskApp.open_socket`) to its
session, and frames are parsed from one buffer and handed to the session in this callback
(`handler.on_message`; `handler.on_end` once): an idle socket has no task.

1. `push(frame_bytes)`: write an already-framed server message straight to the transport,
   without a task, an await or a per-socket encode. While the kernel buffer is full (the
   transport paused writing), whole frames wait in a small queue; past `max_pending_bytes`
   the reader is too slow: the waiting frames are dropped, a 4002 close goes out right
   behind what the kernel already holds (the transport keeps at most the unsent tail of one
   frame), and the connection is dropped if the client has not answered the close within
   5 s (contract: close codes).
2. Shutdown sends 1001 (contract: clients reconnect on 1001).
3. A text frame that is not UTF-8 closes the socket with 1007, logged at INFO at most once
   per BAD_INPUT_LOG_EVERY seconds, without a traceback: anyone can send such frames, and
   they must not be able to flood the log. An unmasked frame, an RSV bit, an unknown opcode
   or a broken fragmentation: 1002. A frame or message over FRONTDESK_MAX_FRAME: 1009.
4. Each upgraded socket's kernel send buffer is capped (SO_SNDBUF): Linux would otherwise
   grow it to 4 MiB for a client that never reads, before any of the bounds above applies,
   and the close frame would wait behind all of it.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections import deque
from typing import Any

from frontdesk.codec import Encoding
from frontdesk.core.errors import CloseCode
from frontdesk.web import wire
from frontdesk.web.handshake import CLOSED, CLOSING, OPEN, REQUEST, ROUTED, SERVER_ERROR, Handshake
from frontdesk.web.sockets import BAD_INPUT_LOG_EVERY, Handler, SocketServer, server_of, unread

log = logging.getLogger("frontdesk.ws")

__all__ = ["BAD_INPUT_LOG_EVERY", "FrontdeskWebSocketProtocol"]

# The transport pauses us as soon as the kernel refuses a byte: frames then wait, whole, in
# our queue (which a 4002 drops) instead of in the transport (which nothing can drop).
WRITE_BUFFER_HIGH = 0
CLOSE_WAIT = 5.0
SHUTDOWN_WAIT = 1.0  # at shutdown, a client that does not read gets less time
# A message in more frames than this is refused like one too large (1009): empty fragments
# would otherwise grow a socket's list without bound while staying under the rate limit.
MAX_FRAGMENTS = 1024
# Asked of the kernel per socket; Linux doubles it for its bookkeeping, so a socket holds at
# most 64 KiB there. Presence frames are small: that is plenty even on a slow link.
SEND_BUFFER = 32 * 1024

class FrontdeskWebSocketProtocol(Handshake, asyncio.Protocol):
    __slots__ = ("server", "transport", "state", "buf", "frag", "frag_size", "frag_text", "key",
                 "handler", "read_paused", "pong", "encoding", "encoding_undecided", "server_close_code",
                 "writing", "paused", "pending", "pending_bytes", "last_frame_at",
                 "close_timer")

    def __init__(self, config: Any, server_state: Any, app_state: Any = None,
                 _loop: Any = None) -> None:
        self.server: SocketServer = server_of(config, server_state)
        self.transport: Any = None
        self.state = REQUEST
        self.buf: bytearray | None = None  # bytes received and not parsed yet
        self.frag: list[bytes] | None = None  # a fragmented message's frames so far
        self.frag_size = 0  # their bytes
        self.frag_text = False
        self.key: bytes | None = None  # Sec-WebSocket-Key, until the handshake is answered
        self.handler: Handler | None = None  # the session, given the socket's frames
        self.read_paused = False
        self.pong: bytes | None = None  # the latest ping's answer, while writing is paused
        self.encoding: Encoding = Encoding.JSON
        self.encoding_undecided = False  # no subprotocol of ours offered: the hello decides
        self.server_close_code: int | None = None  # set when we, not the client, close
        self.writing = False  # open and the kernel takes bytes: push writes at once
        self.paused = False
        self.pending: deque[bytes] | None = None
        self.pending_bytes = 0
        # When the last data frame came off the wire (not when the session got to it): after
        # a stall (a frozen process), frames waiting in the kernel prove the client alive.
        self.last_frame_at = 0.0
        self.close_timer: asyncio.TimerHandle | None = None

    # --- the connection ----------------------------------------------------------------------
    def connection_made(self, transport: Any) -> None:
        self.server.connections.add(self)
        self.transport = transport
        transport.set_write_buffer_limits(high=WRITE_BUFFER_HIGH)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
            except OSError:
                pass  # not a socket that has one

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.connections.discard(self)
        self.state = CLOSED
        self.writing = False
        self.pending, self.pending_bytes, self.buf, self.frag = None, 0, None, None
        if self.close_timer is not None:
            self.close_timer.cancel()
            self.close_timer = None
        self._end()
        if exc is None:
            self.transport.close()

    # --- reading -------------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        state = self.state
        if state != OPEN and state != CLOSING:
            if state == REQUEST:
                self._read_request(data)
            elif state == ROUTED:  # frames sent before our answer: keep at most one message's
                held = self.buf = (self.buf or bytearray()) + data
                if len(held) > self.server.max_frame and not self.read_paused:
                    self.read_paused = True  # the session releases it when it reads
                    self.transport.pause_reading()
            return
        buf = self.buf
        if buf is not None:
            buf += data
            data = buf  # type: ignore[assignment]
        end = len(data)
        pos = 0
        max_frame = self.server.max_frame
        while end - pos >= 2:
            first, second = data[pos], data[pos + 1]
            if not second & 0x80:
                self.fail(1002, "frame not masked")
                return
            if first & 0x70:
                self.fail(1002, "reserved bits set")
                return
            opcode = first & 0x0F
            length = second & 0x7F
            head = pos + 6
            if length == 126:
                head = pos + 8
                if end < head:
                    break
                length = int.from_bytes(data[pos + 2:pos + 4], "big")
            elif length == 127:
                head = pos + 14
                if end < head:
                    break
                length = int.from_bytes(data[pos + 2:pos + 10], "big")
            if opcode & 0x08:
                if length > 125 or not first & 0x80:
                    self.fail(1002, "bad control frame")
                    return
            elif length > max_frame or (
                    self.frag is not None and length + self.frag_size > max_frame):
                self.fail(int(CloseCode.TOO_BIG), "frame too large")
                return
            if end < head + length:
                break
            payload = wire.apply_mask(data[head:head + length], data[head - 4:head])
            pos = head + length
            self._frame(opcode, first & 0x80, payload)
            if self.state != OPEN and self.state != CLOSING:
                return
        if pos == end:
            self.buf = None
        elif buf is None:
            self.buf = bytearray(data[pos:])
        else:
            del buf[:pos]

    def _frame(self, opcode: int, fin: int, payload: bytes) -> None:
        if opcode == wire.TEXT or opcode == wire.BINARY:
            if self.frag is not None:
                self.fail(1002, "expected a continuation frame")
                return
            if fin:
                self._message(payload, opcode == wire.TEXT)
                return
            self.frag, self.frag_size, self.frag_text = [payload], len(payload), opcode == wire.TEXT
            self._counted()
        elif opcode == wire.CONT:
            frag = self.frag
            if frag is None:
                self.fail(1002, "unexpected continuation frame")
                return
            frag.append(payload)
            self.frag_size += len(payload)
            if fin:
                data, self.frag = b"".join(frag), None
                self._message(data, self.frag_text)
            elif len(frag) > MAX_FRAGMENTS:
                self.fail(int(CloseCode.TOO_BIG), "message in too many frames")
            else:
                self._counted()
        elif opcode == wire.PING:
            self._counted()
            if self.state != OPEN:
                return
            if self.writing:
                self.transport.write(wire.control_frame(wire.PONG, payload))
            else:  # the client does not read: answer only its latest ping (RFC 6455 5.5.3)
                self.pong = payload
        elif opcode == wire.CLOSE:
            self._close_received(payload)
        elif opcode == wire.PONG:
            self._counted()
        else:
            self.fail(1002, "unknown opcode")

    def _counted(self) -> None:
        """A frame that is not a whole message (a fragment, a control frame) counts toward the
        rate limit all the same (contract: every frame counts), but not as a sign of life."""
        handler = self.handler
        if handler is not None and self.state == OPEN:
            handler.on_frame()

    def _message(self, data: bytes, text: bool) -> None:
        self.last_frame_at = self.server.loop.time()
        if self.state != OPEN:  # past our close: discard, keep reading for the client's reply
            return
        message: str | bytes = data
        if text:
            try:
                message = data.decode()
            except UnicodeDecodeError:
                held = self.server.bad_utf8_log.allow(self.server.loop.time())
                if held is not None:
                    log.info("closed a socket (1007) for a text frame that is not UTF-8"
                             " (%d more since the last such line)", held)
                self.fail(int(CloseCode.INVALID_DATA), "text frame is not UTF-8")
                return
        handler = self.handler
        if handler is not None:
            handler.on_message(message)

    def hold_reading(self) -> None:
        """The session is busy (its hello): leave what follows in the kernel for now."""
        if not self.read_paused and self.state == OPEN:
            self.read_paused = True
            self.transport.pause_reading()

    def release_reading(self) -> None:
        if self.read_paused:
            self.read_paused = False
            if not self.transport.is_closing():
                self.transport.resume_reading()

    def has_unread_input(self) -> bool:
        """Whether the client sent bytes that wait in the kernel (after this process was
        stalled, its first timers can run before its first read)."""
        return unread(self.transport) > 0

    def _end(self) -> None:
        """Tell the session, once, that the socket has ended (or is closing)."""
        handler = self.handler
        if handler is not None:
            self.handler = None
            handler.on_end()

    # --- writing -----------------------------------------------------------------------------
    def pause_writing(self) -> None:
        self.paused = True
        self.writing = False

    def resume_writing(self) -> None:
        self.paused = False
        pending = self.pending
        while pending and not self.paused:
            data = pending.popleft()
            self.pending_bytes -= len(data)
            self.transport.write(data)
        if not pending:
            self.pending = None
        if self.pong is not None and not self.paused:
            if self.state == OPEN:
                self.transport.write(wire.control_frame(wire.PONG, self.pong))
            self.pong = None
        self.writing = self.state == OPEN and not self.paused

    def push(self, data: bytes) -> None:
        if self.writing:
            self.transport.write(data)
            return
        if self.state != OPEN:
            return
        if self.pending is None:
            self.pending = deque()
        self.pending.append(data)
        self.pending_bytes += len(data)
        if self.pending_bytes > self.server.max_pending_bytes:
            self.close_now(CloseCode.SLOW_READER, "reader too slow")

    # --- closing -------------------------------------------------------------------------------
    def close_now(self, code: int, reason: str = "") -> None:
        if self.state != OPEN:
            return
        self.server_close_code = int(code)
        self.state = CLOSING
        self.writing = False
        self.pending, self.pending_bytes, self.pong = None, 0, None
        self.transport.write(wire.close_frame(int(code), reason))
        if self.read_paused:  # keep reading so the client's close reply is seen
            self.read_paused = False
            self.transport.resume_reading()
        self.close_timer = self.server.loop.call_later(CLOSE_WAIT, self._close_unanswered)
        self._end()

    def _close_unanswered(self) -> None:
        """No close reply within CLOSE_WAIT: drop the connection. When our close frame has
        reached the kernel, close gracefully so that it is still delivered behind the data
        (an abort would reset the connection and discard it); otherwise abort."""
        self.close_timer = None
        if self.transport.get_write_buffer_size() == 0:
            self.transport.close()
        else:
            self.transport.abort()

    def _close_received(self, payload: bytes) -> None:
        problem = wire.close_payload_error(payload)
        if problem is not None:
            self.fail(problem, "bad close frame")
            return
        if self.state == CLOSING:  # the reply to ours: the closing handshake is complete
            if self.close_timer is not None:
                self.close_timer.cancel()
                self.close_timer = None
        else:  # the client closes: echo its close (RFC 6455 5.5.1)
            self.transport.write(wire.control_frame(wire.CLOSE, payload))
        self._closed()

    def fail(self, code: int, reason: str) -> None:
        """A protocol error (1002), a frame too large (1009), text not UTF-8 (1007)."""
        if self.state == OPEN:
            self.server_close_code = code
            self.transport.write(wire.close_frame(code, reason))
        self._closed()

    def _closed(self, wait: float = CLOSE_WAIT) -> None:
        """Close the connection once what we wrote has gone; a client that does not read
        it within `wait` seconds is cut off (its connection would otherwise stay open)."""
        self.state = CLOSED
        self.writing = False
        self.pending, self.buf, self.frag, self.pong = None, None, None, None
        self._end()
        self.transport.close()
        if self.transport.get_write_buffer_size() and self.close_timer is None:
            self.close_timer = self.server.loop.call_later(wait, self.transport.abort)

    def shutdown(self) -> None:
        """uvicorn stops: open sockets hear 1001 (clients reconnect)."""
        if self.state == OPEN:
            self.server_close_code = int(CloseCode.GOING_AWAY)
            self.transport.write(wire.close_frame(int(CloseCode.GOING_AWAY),
                                                  "server shutting down"))
            self._closed(SHUTDOWN_WAIT)
        elif self.state == ROUTED:
            self.refuse(SERVER_ERROR)
        else:
            if self.close_timer is not None:
                self.close_timer.cancel()
                self.close_timer = None
            self._closed(SHUTDOWN_WAIT)
