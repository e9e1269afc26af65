"""What all the WebSocket connections of one uvicorn server share (web/protocol.py), kept
once on the server's state instead of per socket: the loop, uvicorn's registries of
connections and tasks, the limits, the log throttle, and the app that routes sockets."""

from __future__ import annotations

import array
import asyncio
import fcntl
import termios
from typing import Any, Protocol

from frontdesk.core.throttle import Throttle
from frontdesk.web.wheel import Wheel

DEFAULT_MAX_PENDING_BYTES = 256 * 1024
DEFAULT_MAX_FRAME = 1024 * 1024
BAD_INPUT_LOG_EVERY = 10.0


class Handler(Protocol):
    """What a socket tells its session (web/session.py), from the protocol's callbacks."""

    def on_message(self, data: str | bytes) -> None:
        """A whole data message: text as str, binary as bytes."""

    def on_frame(self) -> None:
        """A frame that is not a whole message (a fragment, a ping): for the rate limit."""

    def on_end(self) -> None:
        """The socket has ended, or is closing: called once."""


class SocketServer:
    __slots__ = ("loop", "connections", "tasks", "max_frame", "max_pending_bytes",
                 "bad_utf8_log", "app", "silence")

    def __init__(self, config: Any, server_state: Any) -> None:
        if not config.loaded:
            config.load()
        self.loop = asyncio.get_event_loop()
        self.connections: set[Any] = server_state.connections  # uvicorn shuts these down
        self.tasks: set[asyncio.Task[Any]] = server_state.tasks  # and waits for these
        self.max_frame = int(config.ws_max_size or DEFAULT_MAX_FRAME)
        # runner.FrontdeskConfig carries Settings: no class or module state, so servers with
        # different settings can share a process (as the tests do).
        self.max_pending_bytes = int(getattr(config, "max_pending_bytes",
                                             DEFAULT_MAX_PENDING_BYTES))
        throttle = getattr(config, "bad_utf8_log", None)
        self.bad_utf8_log: Throttle = throttle or Throttle(BAD_INPUT_LOG_EVERY)
        self.app = _socket_app(config.loaded_app)
        self.silence = Wheel(self.loop)  # web/session.py: the presence TTL

    def open_socket(self, sock: Any, path: str, subprotocols: list[str],
                    origin: str | None) -> bool:
        """Hand a checked upgrade request to the app; False when no endpoint serves `path`."""
        if self.app is None:
            return False
        return bool(self.app.open_socket(sock, path, subprotocols, origin))


def _socket_app(app: Any) -> Any:
    """The app that routes sockets (web/app.py FrontdeskApp), under uvicorn's wrappers."""
    for _ in range(10):
        if app is None or hasattr(app, "open_socket"):
            return app
        app = getattr(app, "app", None)
    return None


def server_of(config: Any, server_state: Any) -> SocketServer:
    """One per uvicorn server (tests run several in one process), on its shared state."""
    server = getattr(server_state, "frontdesk_sockets", None)
    if server is None:
        server = SocketServer(config, server_state)
        server_state.frontdesk_sockets = server
    return server


def unread(transport: Any) -> int:
    """Bytes the client sent that wait in the kernel, unread by us (FIONREAD)."""
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None:
        return 0
    waiting = array.array("i", [0])
    try:
        fcntl.ioctl(sock.fileno(), termios.FIONREAD, waiting)
    except OSError:
        return 0
    return waiting[0]
