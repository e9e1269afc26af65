"""uvicorn's HTTP protocol with two limits against connections that never finish a request.

uvicorn has no deadline for a request to arrive: a client that sends one header byte every
few seconds holds its connection (and a file descriptor) for ever, and a few thousand such
clients exhaust the process (slowloris). So:

1. A request deadline: from the moment a connection is accepted, or its previous response
   went out, the whole request (head and body) must arrive within `request_timeout`
   (FRONTDESK_REQUEST_TIMEOUT, 10 s). It is absolute: bytes arriving do not extend it. Past
   it, the client gets 408 and the connection is closed. A WebSocket upgrade ends it.
2. A cap on connections not (yet) upgraded to WebSocket (FRONTDESK_MAX_HTTP_CONNECTIONS,
   4096). A connection accepted at the cap makes room by closing the connection that has
   waited longest for its request, if that one has waited at least EVICT_AFTER (a real
   client sends its request within a round trip); otherwise the newcomer gets 503.

Both are logged at INFO, at most once per LOG_EVERY seconds.
"""

from __future__ import annotations

import logging
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from frontdesk.core.throttle import Throttle

log = logging.getLogger("frontdesk.http")

EVICT_AFTER = 1.0
LINGER = 2.0  # seconds for a client to close after our answer and end of stream
LOG_EVERY = 10.0
TIMED_OUT = (b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n")
FULL = (b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\nretry-after: 1\r\n"
        b"content-length: 0\r\n\r\n")


class Waiting:
    """One server's connections that are still HTTP, and those waiting for a request, in
    the order they began to wait (a dict keeps insertion order: the first waited longest).

    One timer serves every deadline: it fires at the oldest's, times out whoever is due, and
    waits for the next oldest. A connection costs no timer of its own (a timer per accepted
    connection was ~5 % of a WebSocket connect, and its handle kept the protocol alive)."""

    def __init__(self, loop: Any, timeout: float) -> None:
        self.open: set[Any] = set()
        self.since: dict[Any, float] = {}
        self.timed_out_log = Throttle(LOG_EVERY)
        self.full_log = Throttle(LOG_EVERY)
        self.loop = loop
        self.timeout = timeout
        self.timer: Any = None

    def start(self, connection: Any) -> float:
        """`connection` waits for a request from now on; returns now."""
        now: float = self.loop.time()
        self.since[connection] = now
        if self.timer is None:
            self.timer = self.loop.call_at(now + self.timeout, self.sweep)
        return now

    def sweep(self) -> None:
        self.timer = None
        now = self.loop.time()
        while self.since:
            connection, began = next(iter(self.since.items()))
            if began + self.timeout > now:
                self.timer = self.loop.call_at(began + self.timeout, self.sweep)
                return
            del self.since[connection]
            connection._timed_out()

    def has_room(self, limit: int) -> bool:
        """Whether one more connection may open: under `limit`, or room made by closing one
        that waited long enough. A refusal is logged (throttled)."""
        if len(self.open) < limit or self.make_room():
            return True
        held = self.full_log.allow(self.loop.time())
        if held is not None:
            log.info("refused an HTTP connection: %d are open, none waiting long enough "
                     "to be closed instead (%d more since the last such line)",
                     len(self.open), held)
        return False

    def make_room(self) -> bool:
        """Close the connection that has waited longest for its request, if long enough."""
        oldest = next(iter(self.since.items()), None)
        if oldest is None or self.loop.time() - oldest[1] < EVICT_AFTER:
            return False
        oldest[0]._drop()
        return True


class RequestDeadline:
    """Mixed in before uvicorn's HTTP protocol class (h11 or httptools): see the module."""

    transport: Any
    config: Any
    cycle: Any
    loop: Any
    server_state: Any
    scope: Any
    headers: Any
    parser: Any

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._done = False  # answered 408 or 503: what the client still sends is ignored
        waiting = self._waiting = waiting_of(self.server_state, self.loop,
                                             self._limit("request_timeout", 10.0))
        if not waiting.has_room(self._limit("max_http_connections", 4096)):
            self._finish(FULL)
            return
        waiting.open.add(self)
        self._settle()

    def data_received(self, data: bytes) -> None:
        if self._done:
            return
        super().data_received(data)  # type: ignore[misc]
        self._settle()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        self._settle()

    def handle_websocket_upgrade(self, *args: Any) -> None:
        self._leave()  # from here on the WebSocket protocol has its own deadlines
        ws_class = self.config.ws_protocol_class
        url = getattr(self, "url", None)
        if args or url is None or not hasattr(ws_class, "upgrade"):  # h11: uvicorn's way
            super().handle_websocket_upgrade(*args)  # type: ignore[misc]
            return
        # httptools parsed the request: hand it over as parsed, not as bytes to parse again
        self.server_state.connections.discard(self)
        protocol = ws_class(config=self.config, server_state=self.server_state,
                            app_state=None)
        protocol.connection_made(self.transport)
        self.transport.set_protocol(protocol)
        protocol.upgrade(self.scope["method"], url, self.headers)
        self.parser = None  # the parser refers back to us: let this object go at once

    def connection_lost(self, exc: Exception | None) -> None:
        self._leave()
        super().connection_lost(exc)  # type: ignore[misc]

    # --- the deadline ---------------------------------------------------------------------------
    def _request_pending(self) -> bool:
        """True while we wait for a request, or for the rest of one."""
        cycle = self.cycle
        return cycle is None or cycle.response_complete or cycle.more_body

    def _settle(self) -> None:
        if self.transport.is_closing() or self not in self._waiting.open:
            return
        if not self._request_pending():
            self._waiting.since.pop(self, None)
        elif self not in self._waiting.since:
            self._waiting.start(self)

    def _leave(self) -> None:
        waiting = getattr(self, "_waiting", None)
        if waiting is not None:
            waiting.since.pop(self, None)
            waiting.open.discard(self)

    def _timed_out(self) -> None:
        held = self._waiting.timed_out_log.allow(self.loop.time())
        if held is not None:
            log.info("closed an HTTP connection whose request did not arrive within %g s "
                     "(%d more since the last such line)", self._limit("request_timeout", 10.0),
                     held)
        self._drop()

    def _limit(self, name: str, default: float) -> Any:
        """From the server's config (runner.FrontdeskConfig carries Settings)."""
        return getattr(self.config, name, default)

    def _drop(self) -> None:
        self._leave()
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is None or cycle.response_complete or not cycle.response_started:
            self._finish(TIMED_OUT)
        else:
            self.transport.close()

    def _finish(self, answer: bytes) -> None:
        """Answer, then close our side and let the client close its own: closing at once
        while its bytes are unread would reset the connection and lose the answer."""
        self._done = True
        self.transport.write(answer)
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self.loop.call_later(LINGER, self.transport.abort)  # a no-op once closed
        else:
            self.transport.close()

    def keep_deadline(self, began: float) -> None:
        """Handed over by web/front_door.py after a late first byte: until a request head
        has come, the deadline counts from the accept (`began`), not from the handover."""
        self.loop.call_at(began + self._waiting.timeout, self._first_request_due)

    def _first_request_due(self) -> None:
        if self.cycle is None and self in self._waiting.since and not self._done:
            self._waiting.since.pop(self, None)
            self._timed_out()


def waiting_of(server_state: Any, loop: Any, timeout: float) -> Waiting:
    """Per uvicorn server (tests run several in one process), kept on its shared state."""
    waiting = getattr(server_state, "frontdesk_waiting", None)
    if waiting is None:
        waiting = Waiting(loop, timeout)
        server_state.frontdesk_waiting = waiting
    return waiting


def http_protocol_class() -> type:
    """The HTTP protocol uvicorn would choose (httptools when installed, else h11), with
    the request deadline and the connection cap."""
    base: type
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:
        base = H11Protocol
    else:
        base = HttpToolsProtocol
    return type("FrontdeskHttpProtocol", (RequestDeadline, base), {})
