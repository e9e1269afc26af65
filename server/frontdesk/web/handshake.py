"""The opening handshake of web/protocol.py's sockets: the request checked, the socket routed
to its session by the app, and the 101 (or an HTTP error) written when the session says.

A mixin of FrontdeskWebSocketProtocol, which holds the state (its slots).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from frontdesk.core.errors import CloseCode
from frontdesk.web import wire

if TYPE_CHECKING:
    from frontdesk.web.sockets import SocketServer

log = logging.getLogger("frontdesk.ws")

# States of a socket.
REQUEST, ROUTED, OPEN, CLOSING, CLOSED = range(5)
SERVER_ERROR = 500


class Handshake:
    if not TYPE_CHECKING:  # no __dict__ per socket; mypy checks the attributes below instead
        __slots__ = ()
    else:
        server: SocketServer
        transport: Any
        state: int
        buf: bytearray | None
        key: bytes | None
        writing: bool
        paused: bool

        def data_received(self, data: bytes) -> None: ...
        def close_now(self, code: int, reason: str = "") -> None: ...
        def _end(self) -> None: ...

    # --- the opening handshake -----------------------------------------------------------------
    def upgrade(self, method: str, target: bytes, headers: list[tuple[bytes, bytes]]) -> None:
        """The request as uvicorn's HTTP protocol parsed it (web/http_protocol.py)."""
        self.route(wire.upgrade_of(method, target, headers))

    def _read_request(self, data: bytes) -> None:
        """The request as raw bytes (uvicorn's own handover, e.g. from h11)."""
        buf = self.buf = (self.buf or bytearray()) + data
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            if len(buf) > wire.MAX_REQUEST:
                self.refuse(400, "request too large")
            return
        self.buf = None  # what follows the request: a client waits for our answer first
        upgrade = wire.parse_request(bytes(buf[:end]))
        if upgrade is None:
            self.refuse(400, "invalid HTTP request")
        else:
            self.route(upgrade)

    def route(self, upgrade: wire.Upgrade) -> None:
        problem = upgrade.problem()
        if problem is not None:
            self.refuse(*problem)
            return
        self.key = upgrade.key
        self.state = ROUTED
        if not self.server.open_socket(self, upgrade.path, upgrade.subprotocols, upgrade.origin):
            self.refuse(403)  # no socket endpoint at this path

    def run(self, step: Coroutine[Any, Any, None]) -> None:
        """Run a step of the session (its hello, its end) as a task the server waits for at
        shutdown; the socket ends (500 before the handshake's answer, 1011 after) if the
        step failed, or left it unanswered."""
        task = self.server.loop.create_task(step)
        self.server.tasks.add(task)
        task.add_done_callback(self._step_done)

    def _step_done(self, task: asyncio.Task[None]) -> None:
        self.server.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a socket's session failed", exc_info=task.exception())
            self.close_now(int(CloseCode.INTERNAL_ERROR), "internal error")
        if self.state == ROUTED:
            self.refuse(SERVER_ERROR)

    def accept(self, subprotocol: str | None) -> None:
        """Answer 101: from here on the socket is open."""
        key, self.key = self.key, None
        if self.state != ROUTED or key is None or self.transport.is_closing():
            if self.state == ROUTED:  # the client left while the session got ready
                self.state = CLOSED
            self._end()
            return
        self.transport.write(wire.accept_response(key, subprotocol))
        self.state = OPEN
        self.writing = not self.paused
        if self.buf:  # frames sent without waiting for our answer
            self.data_received(b"")

    def refuse(self, status: int, message: str = "") -> None:
        """Answer the handshake with an HTTP error (403: a refused Origin) and end."""
        self.key = None
        if self.state in (REQUEST, ROUTED):
            self.state = CLOSED
            self.transport.write(wire.http_error(status, message))
            self.transport.close()
