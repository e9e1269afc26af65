"""One WebSocket session: its opening (handshake, hello, welcome), its frames, its end.

The socket is our protocol (web/protocol.py), which writes frames without waiting and hands
each data message to `Session.on_message` from its read callback. A session has a task only
while it has something to wait for: its opening (`open`: the handshake's store read, the
hello, the welcome's reads), the commands that need the store (web/worker.py), and its end
(`leave`: the store learns that the connection is gone). An idle socket has none: its
silence is an entry of a shared timer (web/wheel.py), its frames are parsed in the
callback, and a ping is answered there.

Nothing here waits for the store longer than `store_deadline` (2 s): a hello that cannot be
answered by then is closed with 1013, and a frame that needs the store gets `unavailable`.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
from collections import deque
from typing import Any, ClassVar

from frontdesk.codec import Encoding, choose_encoding, decode_frame, encoding_of, frame_bytes
from frontdesk.core import frames
from frontdesk.core.errors import CloseCode, ErrorCode, FrameError, StoreUnavailable
from frontdesk.core.model import ClientKind
from frontdesk.core.protocol import FrameRate, Ping
from frontdesk.node import Node
from frontdesk.web.admission import Admission, Refused
from frontdesk.web.protocol import FrontdeskWebSocketProtocol
from frontdesk.web.worker import Worker

log = logging.getLogger("frontdesk.ws")

GRACEFUL = (None, int(CloseCode.GOING_AWAY))  # closed by the client, or by our shutdown
UNREAD_RECHECK = 0.05
OPENING, SERVING, ENDED = range(3)
HOLD = 16  # frames held while opening before the socket stops reading (bounds the memory)

_ids = itertools.count()
_ID_PREFIX = secrets.token_hex(4)  # this process's: ids are unique across processes too


def session_id() -> str:
    """16 hex digits, unique (a per-process random prefix and a counter): no system call."""
    return f"{_ID_PREFIX}{next(_ids) & 0xFFFFFFFF:08x}"


_frames_in: dict[tuple[int, ClientKind], tuple[Any, Any]] = {}


def frames_in(node: Node, kind: ClientKind) -> Any:
    """The node's frames_in counter for `kind`, labelled once (labels() takes a lock). The
    entry holds the metrics object too, so that its id is not reused while cached."""
    metrics = node.metrics
    entry = _frames_in.get((id(metrics), kind))
    if entry is None:
        entry = _frames_in[(id(metrics), kind)] = (metrics, metrics.frames_in.labels(kind.value))
    return entry[1]


class Session:
    """State of one socket: small on purpose (slots), since there are many of them."""

    __slots__ = ("node", "sock", "rate", "last_seen", "watch_key", "id", "worker", "phase",
                 "held", "waiter", "ended")
    kind: ClassVar[ClientKind]

    def __init__(self, node: Node, sock: FrontdeskWebSocketProtocol) -> None:
        self.node = node
        self.sock = sock
        self.rate = FrameRate(node.settings.max_frames_per_window)
        self.last_seen = 0.0
        # its bucket in the server's Wheel (0: none): the hello deadline, then the silence
        self.watch_key = 0
        self.id = session_id()
        self.worker: Worker | None = None  # made when the first frame needs the store
        self.phase = OPENING
        self.held: deque[str | bytes] | None = None  # frames received while opening
        self.waiter: asyncio.Future[None] | None = None  # the opening waits for a frame
        self.ended = False
        sock.handler = self

    # --- what the subclasses do -------------------------------------------------------------------
    async def greet(self, admission: Admission, subprotocols: list[str]) -> Any:
        """Handshake to welcome; the greeting sent once the socket is in the hub (`leave`
        undoes that), else None (the socket was closed or refused)."""
        raise NotImplementedError

    async def settle(self, admission: Admission, greeting: Any) -> None:
        """After the welcome: the catch-up and what else the hello implies."""

    def parse(self, frame: dict[str, Any]) -> Any:
        """A frame to a command (FrameError when not understood)."""
        raise NotImplementedError

    async def handle(self, command: Any) -> None:
        """Run a command that needs the store (in the worker's task)."""
        raise NotImplementedError

    async def leave(self) -> None:
        """The socket has ended: out of the hub, and the store told."""
        raise NotImplementedError

    # --- the opening --------------------------------------------------------------------------
    async def open(self, admission: Admission, subprotocols: list[str]) -> None:
        """The socket's one long step, from the handshake to its first idle moment."""
        joined = False
        try:
            greeting = await self.greet(admission, subprotocols)
            joined = greeting is not None
            if joined:
                await self.settle(admission, greeting)
            del greeting  # an idle socket keeps no copy of what it was sent
        except Exception:
            log.exception("%s session failed", self.kind.value)
            self.close(CloseCode.INTERNAL_ERROR, "internal error")  # not graceful
        if not joined:
            self.phase = ENDED
            return
        if self.ended:  # it ended while we greeted it
            self.phase = ENDED
            await self.finish()
            return
        self.phase = SERVING
        self.watch_silence()
        held, self.held = self.held, None
        self.sock.release_reading()
        for data in held or ():
            if self.phase != SERVING:
                break
            self.on_message(data)

    def accept(self, subprotocols: list[str]) -> float:
        """Answer the handshake; returns the hello deadline (10 s from now, never reset)."""
        encoding = choose_encoding(subprotocols)
        self.sock.encoding = encoding or Encoding.JSON
        self.sock.encoding_undecided = encoding is None
        self.sock.accept(encoding.value if encoding else None)
        wheel = self.sock.server.silence
        deadline = wheel.time() + self.node.settings.hello_timeout
        if not self.ended:
            self.watch_key = wheel.add(self, deadline)
        return deadline

    async def next_frame(self) -> str | bytes | None:
        """While opening: the next data frame, or None once the socket has ended."""
        while not self.held:
            if self.ended:
                return None
            self.sock.release_reading()  # held frames are all read: the next may come
            self.waiter = asyncio.get_running_loop().create_future()
            try:
                await self.waiter
            finally:
                self.waiter = None
        return self.held.popleft()

    async def receive_hello(self) -> dict[str, Any] | None:
        """The first frame, a hello; None when the socket ended or was closed (4401)."""
        data = await self.next_frame()
        if data is None or not self.counted():
            return None
        sock = self.sock
        if sock.encoding_undecided:
            sock.encoding = encoding_of(data)
            sock.encoding_undecided = False
        try:
            frame = decode_frame(data, sock.encoding)
        except FrameError:
            frame = {}
        if frame.get("type") != "hello":
            self.close(CloseCode.UNAUTHORIZED, "the first frame must be a hello")
            return None
        return frame

    def hello_taken(self) -> None:
        """A good hello arrived: its deadline no longer applies."""
        if self.watch_key:
            self.sock.server.silence.discard(self, self.watch_key)
            self.watch_key = 0

    # --- frames, from the protocol's callback ---------------------------------------------------
    def on_message(self, data: str | bytes) -> None:
        if self.phase != SERVING:
            if self.phase == OPENING:
                if self.held is None:
                    self.held = deque()
                self.held.append(data)
                if len(self.held) >= HOLD:
                    self.sock.hold_reading()
                self._wake()
            return
        try:
            if not self.counted():
                return
            try:
                command = self.parse(decode_frame(data, self.sock.encoding))
            except FrameError as exc:
                self.send_error(exc)
                return
            if isinstance(command, Ping):
                self.send(frames.pong())
            else:
                self._queue(command)
        except Exception:
            log.exception("%s session failed", self.kind.value)
            if self.worker is not None:  # what it was doing is moot
                self.worker.cancel()
            self.close(CloseCode.INTERNAL_ERROR, "internal error")  # not graceful

    def on_frame(self) -> None:
        if not self.rate.allow(self.sock.server.loop.time()):
            self.close(CloseCode.TOO_MANY_FRAMES, "too many frames")

    def counted(self) -> bool:
        """Count a frame received: it proves the client alive, and it may be one too many."""
        now = self.sock.server.loop.time()
        self.last_seen = now
        frames_in(self.node, self.kind).inc()
        if not self.rate.allow(now):
            self.close(CloseCode.TOO_MANY_FRAMES, "too many frames")
            return False
        return True

    def _queue(self, command: Any) -> None:
        if self.worker is None:
            self.worker = Worker()
        due = self.sock.server.loop.time() + self.node.settings.store_deadline
        self.worker.add(due, command, self.handle, self._answer_failure)

    def _answer_failure(self, exc: BaseException) -> None:
        if isinstance(exc, FrameError):
            self.send_error(exc)
        elif isinstance(exc, StoreUnavailable | TimeoutError):
            self.node.note_store_down(exc)
            self.send_error(FrameError(ErrorCode.UNAVAILABLE, "the store cannot be reached"))
        else:
            log.error("handling a frame failed", exc_info=exc)
            self.close(CloseCode.INTERNAL_ERROR, "internal error")  # not graceful

    # --- output --------------------------------------------------------------------------------
    def send(self, payload: dict[str, Any]) -> None:
        self.sock.push(frame_bytes(payload, self.sock.encoding))
        self.node.metrics.frames_out.inc()

    def send_error(self, exc: FrameError) -> None:
        self.send(frames.error(exc.code, exc.message))

    def close(self, code: CloseCode, reason: str = "") -> None:
        self.node.metrics.closes.labels(str(int(code))).inc()
        self.sock.close_now(int(code), reason)

    def note(self, exc: StoreUnavailable) -> None:
        if not isinstance(exc, Refused):  # not admitted: load, or an outage already noted
            self.node.note_store_down(exc)

    # --- silence and the end ----------------------------------------------------------------------
    def watch_silence(self) -> None:
        """Moved lazily: at most one look per TTL, none per frame (web/wheel.py)."""
        due = max(self.last_seen, self.sock.last_frame_at) + self.node.settings.presence_ttl
        self.watch_key = self.sock.server.silence.add(self, due)

    def on_due(self) -> None:
        """A deadline came (web/wheel.py): the hello's (4408), or the silence's (4000, or
        look again later)."""
        self.watch_key = 0
        if self.phase == OPENING:
            self.close(CloseCode.NO_HELLO, "no hello in time")
            return
        if self.phase != SERVING:
            return
        now = self.sock.server.loop.time()
        if now + 0.001 < max(self.last_seen, self.sock.last_frame_at) + self.node.settings.presence_ttl:
            self.watch_silence()  # it sent something since
        elif self.sock.has_unread_input():  # it did send: look again once that is read
            self.watch_key = self.sock.server.silence.add(self, now + UNREAD_RECHECK)
        else:
            self.close(CloseCode.SILENT, "silent for the presence TTL")

    def on_end(self) -> None:
        """The socket ended (or is closing): from its protocol, once."""
        self.ended = True
        if self.watch_key:
            self.sock.server.silence.discard(self, self.watch_key)
            self.watch_key = 0
        if self.phase == OPENING:
            self._wake()  # the opening sees it and ends the session itself
        elif self.phase == SERVING:
            self.phase = ENDED
            self.sock.run(self.finish())

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def finish(self) -> None:
        """Let the commands already received run (each bounded by its deadline), then leave."""
        if self.worker is not None:
            await self.worker.finish()
        await self.leave()

    @property
    def graceful(self) -> bool:
        """Closed by the client or by our shutdown (not by a failure, a limit or silence)."""
        return self.sock.server_close_code in GRACEFUL
