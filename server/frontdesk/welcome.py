"""Use case: what a new socket is told after its hello (its welcome), and its catch-up.

The session sends the welcome, joins the hub, then asks for the catch-up: what changed
between the welcome's snapshot and joining, minus what the hub already delivered to it (the
feed decides that). web/ never reads the store itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from frontdesk.conversations import Conversations
from frontdesk.core import frames
from frontdesk.core.model import is_valid_id
from frontdesk.core.settings import WidgetSettings
from frontdesk.core.tokens import AgentClaims
from frontdesk.feed import Feed
from frontdesk.inbox import Inbox
from frontdesk.presence import Presence
from frontdesk.runtime import Runtime
from frontdesk.widgets import Widgets


@dataclass(frozen=True, slots=True)
class AgentGreeting:
    frame: dict[str, Any]  # the welcome
    version: int  # the account's version of the welcome's snapshot
    sent: list[dict[str, Any]]  # the status payloads the welcome held


@dataclass(frozen=True, slots=True)
class VisitorGreeting:
    frame: dict[str, Any]  # the welcome
    account: str
    status: dict[str, Any]  # the widget.status payload the welcome held
    mark: tuple[int, float] = (0, 0.0)  # the feed's mark before the welcome's first read
    valid_until: datetime | None = None  # the status's next schedule boundary


BOUNDARY_SLACK = timedelta(seconds=1)  # a status this close to its next boundary is re-read
NO_MARK = (0, float("-inf"))  # a mark no feed is quiet since: the catch-up reads


class Welcome:
    def __init__(self, runtime: Runtime, presence: Presence, widgets: Widgets,
                 conversations: Conversations, feed: Feed, inbox: Inbox) -> None:
        self._settings = runtime.settings
        self._clock = runtime.clock
        self._inbox = inbox
        self._presence = presence
        self._widgets = widgets
        self._conversations = conversations
        self._feed = feed

    # --- agents --------------------------------------------------------------------------------
    async def agent(self, claims: AgentClaims, connection: str) -> AgentGreeting:
        """Count the connection, then read the agent's welcome (contract: agent welcome)."""
        account = claims.account
        await self._feed.prepare(account)
        await self._presence.connect(claims, connection)
        team = await self._presence.team(account)
        widgets = await self._widgets.statuses(account, team)
        conversations = await self._conversations.of_agent(account, claims.agent)
        me = next(a for a in team.agents if a.id == claims.agent)
        unread = await self._inbox.unread_payloads(account)
        frame = frames.agent_welcome(connection, self._settings.heartbeat, me, team.agents,
                                     widgets, conversations, unread)
        return AgentGreeting(frame, team.version,
                             [frames.agent_status(a) for a in team.agents] + widgets)

    async def agent_catch_up(self, account: str,
                             greeting: AgentGreeting) -> list[dict[str, Any]]:
        """Statuses that changed since the welcome and did not reach the socket yet."""

        async def read_now() -> list[dict[str, Any]]:
            team = await self._presence.team(account)
            if team.version == greeting.version:
                return []
            return await self._widgets.current_payloads(account, team)

        return await self._feed.catch_up(account, greeting.sent, read_now)

    async def agent_joined(self, account: str) -> None:
        """After the welcome and joining the hub: what the agent's arrival assigns."""
        await self._presence.joined(account)

    # --- visitors ------------------------------------------------------------------------------
    def mark(self) -> tuple[int, float]:
        """The feed's mark: taken before a visitor's settings are read (see visitor_catch_up)."""
        return self._feed.mark()

    async def visitor(self, widget: str, visitor: str, connection: str,
                      settings: WidgetSettings | None = None,
                      mark: tuple[int, float] | None = None) -> VisitorGreeting | None:
        """Count the visitor's socket and read its welcome; None for an unknown widget.
        `settings`: as read at the handshake (not read again), and `mark`: the feed's mark
        taken before they were read (without it, the catch-up reads as before)."""
        if mark is None:
            mark = NO_MARK if settings is not None else self._feed.mark()
        if settings is None and is_valid_id(widget):
            settings = await self._widgets.get(widget)
        if settings is not None:
            await self._feed.prepare(settings.account)
        view = await self._widgets.status(widget, settings) if settings is not None else None
        if settings is None or view is None:
            return None
        conversation = await self._conversations.visitor_welcomed(settings.account, widget,
                                                                  visitor)
        status = view.to_payload()
        frame = frames.widget_welcome(connection, self._settings.heartbeat, visitor, status,
                                      conversation, settings.timezone)
        return VisitorGreeting(frame, settings.account, status, mark, view.next_change)

    async def visitor_catch_up(self, widget: str,
                               greeting: VisitorGreeting) -> list[dict[str, Any]]:
        """The widget's status, if it changed since the welcome and did not reach it yet.

        In the common case nothing can have: the feed heard the account from before the
        welcome's reads and delivered none of its statuses since (`Feed.quiet_since`), and no
        schedule boundary is near: then nothing is read (a reconnect storm's hellos cost
        fewer store round trips)."""
        account, status = greeting.account, greeting.status
        if self._feed.quiet_since(account, greeting.mark) and (
                greeting.valid_until is None
                or self._clock() < greeting.valid_until - BOUNDARY_SLACK):
            return []

        async def read_now() -> list[dict[str, Any]]:
            view = await self._widgets.status(widget, fresh=True)  # the store, not the view
            return [] if view is None else [view.to_payload()]

        return await self._feed.catch_up(account, [status], read_now)
