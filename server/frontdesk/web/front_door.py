"""The first protocol of every connection: a WebSocket upgrade to `/ws/...` goes straight to
our WebSocket protocol; anything else to uvicorn's HTTP protocol (web/http_protocol.py).

A widget connection is a few hundred bytes of upgrade request sent in one write. Reading
it here skips, per socket, what an HTTP request needs and a socket does not: uvicorn's
protocol object, its httptools parser, its flow control (an asyncio.Event), the address
lookups, the ASGI-ready header list (about a sixth of a connection's CPU).

Until it knows, this protocol is an HTTP connection waiting for its request, under the same
limits (web/http_protocol.py: the request deadline, the cap on connections not upgraded).
The first bytes decide: unless they are a whole `GET /ws/` request head asking for a
WebSocket (no body; frames right behind it are kept), the connection is handed to the HTTP protocol with those bytes, as if
that protocol had read them (its deadline restarts then: at the first bytes, within a round
trip of the accept for any real client; one whose first byte came late keeps its original
deadline: `RequestDeadline.keep_deadline`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from frontdesk.web import wire
from frontdesk.web.http_protocol import FULL, TIMED_OUT, Waiting, http_protocol_class, waiting_of
from frontdesk.web.protocol import FrontdeskWebSocketProtocol

log = logging.getLogger("frontdesk.http")

PREFIX = b"GET /ws/"
LINGER = 2.0
LATE_FIRST_BYTES = 0.05  # seconds after the accept: the HTTP protocol keeps our deadline


class FrontDoor(asyncio.Protocol):
    __slots__ = ("config", "server_state", "app_state", "transport", "waiting", "began",
                 "done")
    http_class: type = http_protocol_class()

    def __init__(self, config: Any, server_state: Any, app_state: Any,
                 _loop: Any = None) -> None:
        self.config = config
        self.server_state = server_state
        self.app_state = app_state
        self.transport: Any = None
        self.waiting: Waiting | None = None
        self.began = 0.0
        self.done = False

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        config = self.config
        waiting = self.waiting = waiting_of(self.server_state, asyncio.get_event_loop(),
                                            getattr(config, "request_timeout", 10.0))
        if not waiting.has_room(getattr(config, "max_http_connections", 4096)):
            self._finish(FULL)
            return
        self.server_state.connections.add(self)
        waiting.open.add(self)
        self.began = waiting.start(self)

    def data_received(self, data: bytes) -> None:
        if self.done:
            return
        upgrade = None
        end = data.find(b"\r\n\r\n") if data.startswith(PREFIX) else -1
        if end > 0:
            upgrade = wire.parse_request(data[:end])
        self._leave()
        transport = self.transport
        if upgrade is not None and upgrade.websocket:
            socket = FrontdeskWebSocketProtocol(self.config, self.server_state)
            socket.connection_made(transport)
            transport.set_protocol(socket)
            if end + 4 < len(data):  # frames sent without waiting for the 101: kept for later
                socket.buf = bytearray(data[end + 4:])
            socket.route(upgrade)
            return
        http = self.http_class(config=self.config, server_state=self.server_state,
                               app_state=self.app_state)
        http.connection_made(transport)
        transport.set_protocol(http)
        late = self.waiting is not None and self.waiting.loop.time() - self.began > LATE_FIRST_BYTES
        if late:
            http.keep_deadline(self.began)
        http.data_received(data)

    def eof_received(self) -> bool | None:
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._leave()

    def shutdown(self) -> None:
        """uvicorn stops: a connection that has sent nothing yet is closed."""
        self._leave()
        self.transport.close()

    def _leave(self) -> None:
        self.server_state.connections.discard(self)
        waiting = self.waiting
        if waiting is not None:
            waiting.since.pop(self, None)
            waiting.open.discard(self)

    # --- the limits (as web/http_protocol.py's) ---------------------------------------------------
    def _timed_out(self) -> None:
        waiting = self.waiting
        assert waiting is not None
        held = waiting.timed_out_log.allow(waiting.loop.time())
        if held is not None:
            log.info("closed an HTTP connection whose request did not arrive within %g s "
                     "(%d more since the last such line)", waiting.timeout, held)
        self._drop()

    def _drop(self) -> None:
        self._leave()
        if not self.transport.is_closing():
            self._finish(TIMED_OUT)

    def _finish(self, answer: bytes) -> None:
        """Answer, then close our side and let the client close its own."""
        self.done = True
        transport = self.transport
        transport.write(answer)
        if transport.can_write_eof():
            transport.write_eof()
            asyncio.get_event_loop().call_later(LINGER, transport.abort)  # no-op once closed
        else:
            transport.close()
