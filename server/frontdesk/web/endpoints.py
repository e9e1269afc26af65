"""The two socket endpoints: `/ws/agent` and `/ws/widget/{widget}` (contract: WebSocket).

Each is a Session (web/session.py) with its own hello, commands and end. The app routes a
checked upgrade request here (web/app.py `FrontdeskApp.open_socket`), from the protocol's
callback: `open_agent` and `open_widget` start the opening task and return.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from frontdesk.core.auto_away import idle_since_after
from frontdesk.core.errors import CloseCode, ErrorCode, FrameError, StoreUnavailable
from frontdesk.core.model import ClientKind, is_valid_id
from frontdesk.core.protocol import (
    Activity,
    CloseConversation,
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
from frontdesk.web.session import Session
from frontdesk.welcome import AgentGreeting, VisitorGreeting

log = logging.getLogger("frontdesk.ws")

AgentCommand = Ping | SetStatus | CloseConversation | MarkMessageRead | Activity


def open_agent(node: Node, admission: Admission, sock: FrontdeskWebSocketProtocol,
               subprotocols: list[str]) -> None:
    session = AgentSession(node, sock)
    sock.run(session.open(admission, subprotocols))


def open_widget(node: Node, admission: Admission, sock: FrontdeskWebSocketProtocol,
                subprotocols: list[str], widget: str, origin: str | None) -> None:
    session = WidgetSession(node, sock, widget, origin)
    sock.run(session.open(admission, subprotocols))


# --- agents ----------------------------------------------------------------------------------------
class AgentSession(Session):
    __slots__ = ("claims", "idle_since")
    kind = ClientKind.AGENT

    def __init__(self, node: Node, sock: FrontdeskWebSocketProtocol) -> None:
        super().__init__(node, sock)
        self.claims: AgentClaims | None = None
        self.idle_since: float | None = None  # this connection's idle start (None: active)

    async def greet(self, admission: Admission, subprotocols: list[str]) -> AgentGreeting | None:
        node = self.node
        self.accept(subprotocols)
        hello = await self.receive_hello()
        if hello is None:
            return None
        self.hello_taken()
        try:
            claims = verify_token(hello.get("token"), node.settings.secret, node.clock())
        except BadToken as exc:
            log.info("agent hello refused: %s", exc)  # the reason, never the token
            self.close(CloseCode.UNAUTHORIZED, "bad token")
            return None
        try:
            async with store_step(admission, node.settings.store_deadline, agent=True):
                greeting = await node.welcome.agent(claims, self.id)
        except StoreUnavailable as exc:
            self.note(exc)
            self.close(CloseCode.TRY_AGAIN_LATER, "store unavailable")
            node.tasks.spawn(_forget_connection(node, claims, self.id), "forget connection")
            return None
        self.send(greeting.frame)
        self.claims = claims
        node.hub.add_agent(self.sock, claims.account, claims.agent)
        return greeting

    async def settle(self, admission: Admission, greeting: AgentGreeting) -> None:
        node, claims = self.node, self.claims
        assert claims is not None
        for payload in await node.welcome.agent_catch_up(claims.account, greeting):
            self.send(payload)
        try:
            async with store_step(admission, node.settings.store_deadline):
                await node.welcome.agent_joined(claims.account)
        except StoreUnavailable as exc:
            node.note_store_down(exc)  # the queue moves on the next change instead

    def parse(self, frame: dict[str, Any]) -> AgentCommand:
        """Every frame but a ping moves this connection's idleness (contract: precise rules,
        Agents); a change is written to the store, where the auto-away review reads it."""
        node, claims = self.node, self.claims
        assert claims is not None
        after = idle_since_after(self.idle_since, frame, node.clock().timestamp())
        if after != self.idle_since:
            self.idle_since = after
            node.tasks.spawn(node.reviews.note_activity(claims.account, claims.agent,
                                                        self.id, after), "activity")
        return parse_agent_command(frame)

    async def handle(self, command: AgentCommand) -> None:
        node, claims = self.node, self.claims
        assert claims is not None
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

    async def leave(self) -> None:
        node, claims = self.node, self.claims
        assert claims is not None
        node.hub.remove_agent(self.sock, claims.account, claims.agent)
        try:
            await node.presence.disconnect(claims.account, claims.agent, self.id, self.graceful)
        except StoreUnavailable as exc:
            node.note_store_down(exc)


async def _forget_connection(node: Node, claims: AgentClaims, connection: str) -> None:
    """A failed hello may have counted its connection: uncount it (in the background)."""
    try:
        await node.presence.disconnect(claims.account, claims.agent, connection, graceful=False)
    except StoreUnavailable:
        pass  # the store is down: its sweep of this process will drop the connection


# --- widgets -----------------------------------------------------------------------------------------
class WidgetSession(Session):
    __slots__ = ("account", "widget", "visitor", "page", "origin")
    kind = ClientKind.WIDGET

    def __init__(self, node: Node, sock: FrontdeskWebSocketProtocol, widget: str,
                 origin: str | None) -> None:
        super().__init__(node, sock)
        self.widget = widget
        self.origin = origin  # until the handshake is answered
        self.account = self.visitor = ""
        self.page: str | None = None

    async def greet(self, admission: Admission, subprotocols: list[str],
                    ) -> VisitorGreeting | None:
        """Handshake (the Origin check) to welcome, then join the hub."""
        node, widget = self.node, self.widget
        settings: WidgetSettings | None = None
        store_failed = False
        mark = node.welcome.mark()  # before the settings are read (Welcome.visitor_catch_up)
        if is_valid_id(widget):
            try:
                async with store_step(admission, node.settings.store_deadline, agent=False):
                    settings = await node.widgets.get(widget)
            except StoreUnavailable as exc:
                self.note(exc)  # accepted now, closed with 1013 at hello
                store_failed = True  # and never welcomed: its origin could not be checked
        origin, self.origin = self.origin, None
        if settings is not None and not origin_allowed(settings, origin):
            self.sock.refuse(403)  # before the accept: HTTP 403
            return None
        self.accept(subprotocols)
        while True:  # a malformed visitor id or page gets bad_field; the socket waits for a good hello
            hello = await self.receive_hello()
            if hello is None:
                return None
            try:
                visitor = parse_visitor(hello) or secrets.token_urlsafe(16)
                page = parse_page(hello)
                break
            except FrameError as exc:
                self.send_error(exc)
        self.hello_taken()
        try:
            if store_failed:
                raise Refused("the widget's settings could not be read at the handshake")
            async with store_step(admission, node.settings.store_deadline, agent=False):
                greeting = await node.welcome.visitor(widget, visitor, self.id, settings, mark)
        except StoreUnavailable as exc:
            self.note(exc)
            self.close(CloseCode.TRY_AGAIN_LATER, "store unavailable")
            return None
        if greeting is None:
            self.close(CloseCode.UNKNOWN_WIDGET, "unknown widget")
            return None
        self.send(greeting.frame)
        self.account, self.visitor, self.page = greeting.account, visitor, page
        node.hub.add_widget(self.sock, greeting.account, widget, visitor)
        return greeting

    async def settle(self, admission: Admission, greeting: VisitorGreeting) -> None:
        for payload in await self.node.welcome.visitor_catch_up(self.widget, greeting):
            self.send(payload)

    def parse(self, frame: dict[str, Any]) -> Ping | StartConversation:
        return parse_widget_command(frame)

    async def handle(self, command: StartConversation) -> None:
        await self.node.conversations.start(self.account, self.widget, self.visitor,
                                            command.text, self.page)

    async def leave(self) -> None:
        node = self.node
        node.hub.remove_widget(self.sock, self.account, self.widget, self.visitor)
        try:
            await node.conversations.visitor_left(self.account, self.widget, self.visitor)
        except StoreUnavailable as exc:
            node.note_store_down(exc)
