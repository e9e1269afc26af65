"""One WebSocket session: handshake, hello, the frame loop, and what its end means.

The socket object is our protocol (web/protocol.py), which writes frames without waiting;
this module never awaits a socket except to read from it. The app routes each checked
upgrade request here (web/app.py `FrontdeskApp.open_socket`).

Nothing here waits for the store longer than `store_deadline` (2 s): a hello that cannot be
answered by then is closed with 1013, and a frame that needs the store gets `unavailable`
(such frames go to the session's worker, web/worker.py, while the session reads on).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from frontdesk.codec import Encoding, choose_encoding, decode_frame, encoding_of, frame_bytes
from frontdesk.core import frames
from frontdesk.core.auto_away import idle_since_after
from frontdesk.core.errors import CloseCode, ErrorCode, FrameError, StoreUnavailable
from frontdesk.core.model import ClientKind, is_valid_id
from frontdesk.core.protocol import (
    Activity,
    CloseConversation,
    FrameRate,
    MarkMessageRead,
    Ping,
    SetStatus,
    StartConversation,
    parse_agent_command,
    parse_page,
    parse_visitor,
    parse_widget_command,
)
from frontdesk.core.settings import WidgetSettings, origin_allowed
from frontdesk.core.tokens import AgentClaims, BadToken, verify_token
from frontdesk.inbox import UnknownMessage
from frontdesk.node import Node
from frontdesk.web.admission import Admission, Refused, store_step
from frontdesk.web.protocol import FrontdeskWebSocketProtocol
from frontdesk.web.worker import Worker
from frontdesk.welcome import AgentGreeting, VisitorGreeting

log = logging.getLogger("frontdesk.ws")

GRACEFUL = (None, int(CloseCode.GOING_AWAY))  # closed by the client, or by our shutdown
UNREAD_RECHECK = 0.05


class Closed(Exception):
    """The socket ended while we waited for it."""


class Session:
    """State of one socket: small on purpose (a few slots), since there are many of them."""

    __slots__ = ("node", "admission", "sock", "kind", "rate", "last_seen", "silence_timer", "id",
                 "worker")

    def __init__(self, node: Node, admission: Admission, sock: FrontdeskWebSocketProtocol,
                 kind: ClientKind) -> None:
        self.node = node
        self.admission = admission
        self.sock = sock
        self.kind = kind
        self.rate = FrameRate(node.settings.max_frames_per_window)
        self.last_seen = 0.0
        self.silence_timer: asyncio.TimerHandle | None = None
        self.id = secrets.token_hex(8)
        self.worker: Worker | None = None  # made when the first frame needs the store

    # --- output --------------------------------------------------------------------------------
    def send(self, payload: dict[str, Any]) -> None:
        self.sock.push(frame_bytes(payload, self.sock.encoding))
        self.node.metrics.frames_out.inc()

    def send_error(self, exc: FrameError) -> None:
        self.send(frames.error(exc.code, exc.message))

    def close(self, code: CloseCode, reason: str = "") -> None:
        self.node.metrics.closes.labels(str(int(code))).inc()
        self.sock.close_now(int(code), reason)

    # --- input -----------------------------------------------------------------------------------
    async def receive(self, timeout: float | None = None) -> str | bytes:
        """The next data frame; raises Closed when the socket ends, TimeoutError on timeout."""
        if timeout is None:
            data = await self.sock.receive()
        else:
            async with asyncio.timeout(timeout):
                data = await self.sock.receive()
        if data is None:
            raise Closed()
        now = asyncio.get_running_loop().time()
        self.last_seen = now
        self.node.metrics.frames_in.labels(self.kind.value).inc()
        if not self.rate.allow(now):
            self.close(CloseCode.TOO_MANY_FRAMES, "too many frames")
            raise Closed()
        return data

    async def receive_hello(self, deadline: float) -> dict[str, Any]:
        """The first frame, within the hello timeout (which never restarts)."""
        loop = asyncio.get_running_loop()
        try:
            data = await self.receive(max(0.0, deadline - loop.time()))
        except TimeoutError:
            self.close(CloseCode.NO_HELLO, "no hello in time")
            raise Closed() from None
        if self.sock.encoding_undecided:
            self.sock.encoding = encoding_of(data)
            self.sock.encoding_undecided = False
        try:
            frame = decode_frame(data, self.sock.encoding)
        except FrameError:
            frame = {}
        if frame.get("type") != "hello":
            self.close(CloseCode.UNAUTHORIZED, "the first frame must be a hello")
            raise Closed()
        return frame

    async def serve(self, parse: Callable[[dict[str, Any]], Any],
                    handle: Callable[[Any], Awaitable[None]]) -> None:
        """The frame loop: parse each frame into a command and hand it to the worker; a frame
        that is not understood gets an `error` frame and the loop goes on (contract:
        WebSocket). A ping is answered here, at once, whatever the worker is waiting for."""
        self.watch_silence()
        while True:
            try:
                data = await self.receive()
            except Closed:
                break
            try:
                command = parse(decode_frame(data, self.sock.encoding))
            except FrameError as exc:
                self.send_error(exc)
                continue
            if isinstance(command, Ping):
                self.send(frames.pong())
            else:
                self._queue(command, handle)
        await self.finish_work()

    def _queue(self, command: Any, handle: Callable[[Any], Awaitable[None]]) -> None:
        if self.worker is None:
            self.worker = Worker()
        due = asyncio.get_running_loop().time() + self.node.settings.store_deadline
        self.worker.add(due, command, handle, self._answer_failure)

    def _answer_failure(self, exc: BaseException) -> None:
        if isinstance(exc, FrameError):
            self.send_error(exc)
        elif isinstance(exc, StoreUnavailable | TimeoutError):
            self.node.note_store_down(exc)
            self.send_error(FrameError(ErrorCode.UNAVAILABLE, "the store cannot be reached"))
        else:
            log.error("handling a frame failed", exc_info=exc)
            self.close(CloseCode.INTERNAL_ERROR, "internal error")  # not graceful

    async def finish_work(self) -> None:
        if self.worker is not None:
            await self.worker.finish()

    # --- silence ---------------------------------------------------------------------------------
    def watch_silence(self) -> None:
        """One timer per socket, moved lazily: at most one wake-up per TTL, none per frame."""
        ttl = self.node.settings.presence_ttl
        loop = asyncio.get_running_loop()
        due = max(self.last_seen, self.sock.last_frame_at) + ttl
        if loop.time() >= due and self.sock.has_unread_input():
            due = loop.time() + UNREAD_RECHECK  # it did send: look again once that is read
        elif loop.time() >= due:
            self.silence_timer = None
            self.close(CloseCode.SILENT, "silent for the presence TTL")
            return
        self.silence_timer = loop.call_at(due, self.watch_silence)

    def stop_watching(self) -> None:
        if self.worker is not None:  # the session failed: what it was doing is moot
            self.worker.cancel()
        if self.silence_timer is not None:
            self.silence_timer.cancel()
            self.silence_timer = None


def _deadline(node: Node) -> float:
    """The hello deadline: 10 s from the handshake, never reset."""
    return asyncio.get_running_loop().time() + node.settings.hello_timeout


def _accept(sock: FrontdeskWebSocketProtocol, subprotocols: list[str]) -> None:
    encoding = choose_encoding(subprotocols)
    sock.encoding = encoding or Encoding.JSON
    sock.encoding_undecided = encoding is None
    sock.accept(encoding.value if encoding else None)


AgentCommand = Ping | SetStatus | CloseConversation | MarkMessageRead | Activity


# --- agents ----------------------------------------------------------------------------------------
async def agent_endpoint(node: Node, admission: Admission, sock: FrontdeskWebSocketProtocol,
                         subprotocols: list[str]) -> None:
    deadline = _deadline(node)
    _accept(sock, subprotocols)
    session = Session(node, admission, sock, ClientKind.AGENT)
    try:
        hello = await session.receive_hello(deadline)
    except Closed:
        return
    try:
        claims = verify_token(hello.get("token"), node.settings.secret, node.clock())
    except BadToken as exc:
        log.info("agent hello refused: %s", exc)  # the reason, never the token
        session.close(CloseCode.UNAUTHORIZED, "bad token")
        return
    greeting: AgentGreeting | None
    try:
        async with store_step(admission, node.settings.store_deadline, agent=True):
            greeting = await node.welcome.agent(claims, session.id)
    except StoreUnavailable as exc:
        _note(node, exc)
        session.close(CloseCode.TRY_AGAIN_LATER, "store unavailable")
        node.tasks.spawn(_forget_connection(node, claims, session.id), "forget connection")
        return
    session.send(greeting.frame)
    node.hub.add_agent(sock, claims.account, claims.agent)
    try:
        for payload in await node.welcome.agent_catch_up(claims.account, greeting):
            session.send(payload)
        greeting = None  # an idle socket keeps no copy of what it was sent
        try:
            async with store_step(admission, node.settings.store_deadline):
                await node.welcome.agent_joined(claims.account)
        except StoreUnavailable as exc:
            node.note_store_down(exc)  # the queue moves on the next change instead
        await _agent_loop(session, claims)
    except Exception:
        log.exception("agent session failed")
        session.close(CloseCode.INTERNAL_ERROR, "internal error")  # not graceful: stops counting
    finally:
        session.stop_watching()
        node.hub.remove_agent(sock, claims.account, claims.agent)
        graceful = sock.server_close_code in GRACEFUL
        try:
            await node.presence.disconnect(claims.account, claims.agent, session.id, graceful)
        except StoreUnavailable as exc:
            node.note_store_down(exc)


def _note(node: Node, exc: StoreUnavailable) -> None:
    if not isinstance(exc, Refused):  # not admitted: load, or an outage already noted
        node.note_store_down(exc)


async def _forget_connection(node: Node, claims: AgentClaims, connection: str) -> None:
    """A failed hello may have counted its connection: uncount it (in the background)."""
    try:
        await node.presence.disconnect(claims.account, claims.agent, connection, graceful=False)
    except StoreUnavailable:
        pass  # the store is down: its sweep of this process will drop the connection


async def _agent_loop(session: Session, claims: AgentClaims) -> None:
    node = session.node
    idle_since: list[float | None] = [None]  # this connection's idle start (None: active)

    def parse(frame: dict[str, Any]) -> AgentCommand:
        """Every frame but a ping moves this connection's idleness (contract: precise rules,
        Agents); a change is written to the store, where the auto-away review reads it."""
        now = node.clock().timestamp()
        after = idle_since_after(idle_since[0], frame, now)
        if after != idle_since[0]:
            idle_since[0] = after
            node.tasks.spawn(node.reviews.note_activity(claims.account, claims.agent,
                                                        session.id, after), "activity")
        return parse_agent_command(frame)

    async def handle(command: AgentCommand) -> None:
        if isinstance(command, SetStatus):
            await node.presence.set_status(claims.account, claims.agent, command.status)
        elif isinstance(command, MarkMessageRead):
            try:
                await node.inbox.mark_read(claims.account, command.message)
            except UnknownMessage:
                raise FrameError(ErrorCode.BAD_FIELD, "unknown message") from None
        elif isinstance(command, CloseConversation):
            await node.conversations.close(command.conversation, by_account=claims.account)
        # Activity: already noted by parse

    await session.serve(parse, handle)


# --- widgets -----------------------------------------------------------------------------------------
async def widget_endpoint(node: Node, admission: Admission, sock: FrontdeskWebSocketProtocol,
                          subprotocols: list[str], widget: str, origin: str | None) -> None:
    deadline = _deadline(node)
    settings: WidgetSettings | None = None
    store_failed = False
    mark = node.welcome.mark()  # before the settings are read (Welcome.visitor_catch_up)
    if is_valid_id(widget):
        try:
            async with store_step(admission, node.settings.store_deadline, agent=False):
                settings = await node.widgets.get(widget)
        except StoreUnavailable as exc:
            _note(node, exc)  # accepted now, closed with 1013 at hello
            store_failed = True  # and never welcomed: its origin could not be checked
    if settings is not None and not origin_allowed(settings, origin):
        sock.refuse(403)  # before the accept: HTTP 403
        return
    _accept(sock, subprotocols)
    session = Session(node, admission, sock, ClientKind.WIDGET)
    greeted = await _greet_visitor(session, widget, deadline, store_failed, settings, mark)
    if greeted is None:
        return
    account, visitor, welcome, page = greeted
    try:
        for payload in await node.welcome.visitor_catch_up(widget, welcome):
            session.send(payload)
        del welcome, greeted  # an idle socket keeps no copy of what it was sent
        await _widget_loop(session, account, widget, visitor, page)
    except Exception:
        log.exception("widget session failed")
        session.close(CloseCode.INTERNAL_ERROR, "internal error")
    finally:
        session.stop_watching()
        node.hub.remove_widget(sock, account, widget, visitor)
        try:
            await node.conversations.visitor_left(account, widget, visitor)
        except StoreUnavailable as exc:
            node.note_store_down(exc)


async def _greet_visitor(session: Session, widget: str, deadline: float, store_failed: bool,
                         settings: WidgetSettings | None, mark: tuple[int, float],
                         ) -> tuple[str, str, VisitorGreeting, str | None] | None:
    """Hello to welcome, then join the hub: (account, visitor, the greeting sent, the page the
    hello named) or None.

    Its own function so that what the greeting needed is freed when it returns.
    """
    node = session.node
    while True:  # a malformed visitor id or page gets bad_field; the socket waits for a good hello
        try:
            hello = await session.receive_hello(deadline)
        except Closed:
            return None
        try:
            visitor = parse_visitor(hello) or secrets.token_urlsafe(16)
            page = parse_page(hello)
            break
        except FrameError as exc:
            session.send_error(exc)
    try:
        if store_failed:
            raise Refused("the widget's settings could not be read at the handshake")
        async with store_step(session.admission, node.settings.store_deadline, agent=False):
            greeting = await node.welcome.visitor(widget, visitor, session.id, settings, mark)
    except StoreUnavailable as exc:
        _note(node, exc)
        session.close(CloseCode.TRY_AGAIN_LATER, "store unavailable")
        return None
    if greeting is None:
        session.close(CloseCode.UNKNOWN_WIDGET, "unknown widget")
        return None
    session.send(greeting.frame)
    node.hub.add_widget(session.sock, greeting.account, widget, visitor)
    return greeting.account, visitor, greeting, page


async def _widget_loop(session: Session, account: str, widget: str, visitor: str,
                       page: str | None) -> None:
    node = session.node

    async def handle(command: StartConversation) -> None:
        await node.conversations.start(account, widget, visitor, command.text, page)

    await session.serve(parse_widget_command, handle)
