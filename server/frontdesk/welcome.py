"""Use case: what a new socket is told after its hello (its welcome), and its catch-up.

The session sends the welcome, joins the hub, then asks for the catch-up: what changed
between the welcome's snapshot and joining, minus what the hub already delivered to it (the
feed decides that). web/ never reads the store itself.
"""

from __future__ import annotations

from dataclasses import dataclass
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


class Welcome:
    def __init__(self, runtime: Runtime, presence: Presence, widgets: Widgets,
                 conversations: Conversations, feed: Feed, inbox: Inbox) -> None:
        self._settings = runtime.settings
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
    async def visitor(self, widget: str, visitor: str, connection: str,
                      settings: WidgetSettings | None = None) -> VisitorGreeting | None:
        """Count the visitor's socket and read its welcome; None for an unknown widget.
        `settings`: as read at the handshake (not read again)."""
        if settings is None and is_valid_id(widget):
            settings = await self._widgets.get(widget)
        if settings is not None:
            await self._feed.prepare(settings.account)
        view = await self._widgets.status(widget, settings) if settings is not None else None
        if settings is None or view is None:
            return None
        await self._conversations.visitor_arrived(settings.account, widget, visitor)
        conversation = await self._conversations.of_visitor(settings.account, widget, visitor)
        status = view.to_payload()
        frame = frames.widget_welcome(connection, self._settings.heartbeat, visitor, status,
                                      conversation, settings.timezone)
        return VisitorGreeting(frame, settings.account, status)

    async def visitor_catch_up(self, account: str, widget: str,
                               status: dict[str, Any]) -> list[dict[str, Any]]:
        """The widget's status, if it changed since the welcome and did not reach it yet."""

        async def read_now() -> list[dict[str, Any]]:
            view = await self._widgets.status(widget)
            return [] if view is None else [view.to_payload()]

        return await self._feed.catch_up(account, [status], read_now)
