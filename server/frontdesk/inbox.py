"""Use case: messages visitors leave while a widget is offline (contract v2).

`leave` checks the origin and the body, counts the rate limits and stores the message in one
store step, then publishes `offline_message.created` to the account's agents through the feed
(the one push path, so webhook subscribers see it too). `mark_read` publishes
`offline_message.read`. Agents find the unread ones in their welcome (`unread_payloads`).
"""

from __future__ import annotations

import secrets
from typing import Any

from frontdesk.core.events import Push
from frontdesk.core.offline_messages import (
    PER_ADDRESS,
    PER_VISITOR,
    OfflineMessage,
    offline_message_created,
    offline_message_listing,
    offline_message_read,
    parse_offline_message,
)
from frontdesk.core.rate_limit import Limit
from frontdesk.core.settings import origin_allowed
from frontdesk.feed import Feed
from frontdesk.runtime import Runtime
from frontdesk.store.base import WidgetStore
from frontdesk.store.messages import OfflineMessageStore


class UnknownWidget(Exception):
    """404: no such widget."""


class OriginRefused(Exception):
    """403: the page's origin is not among the widget's allowed origins."""


class RateLimited(Exception):
    """429: too many messages; `retry_after` whole seconds until one more fits."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many messages; try again in {retry_after} s")
        self.retry_after = retry_after


class UnknownMessage(Exception):
    """404: no such message in the account."""


def new_message_id() -> str:
    return secrets.token_urlsafe(16)  # 22 characters of [A-Za-z0-9_-], 128 random bits


class Inbox:
    def __init__(self, runtime: Runtime, messages: OfflineMessageStore, widgets: WidgetStore,
                 feed: Feed) -> None:
        self._clock = runtime.clock
        self._messages = messages
        self._widgets = widgets
        self._feed = feed

    async def leave(self, widget: str, body: object, *, origin: str | None,
                    address: str) -> OfflineMessage:
        """Accept a visitor's message whatever the widget's status (the form shows offline)."""
        settings = await self._widgets.get_widget(widget)
        if settings is None:
            raise UnknownWidget(widget)
        if not origin_allowed(settings, origin):
            raise OriginRefused(origin)
        parsed = parse_offline_message(body)
        now = self._clock()
        message = OfflineMessage(id=new_message_id(), account=settings.account, widget=widget,
                                 visitor=parsed.visitor, email=parsed.email, text=parsed.text,
                                 created=now)
        limits: list[tuple[str, Limit]] = [(f"a:{widget}:{address}", PER_ADDRESS)]
        if parsed.visitor is not None:
            limits.append((f"v:{widget}:{parsed.visitor}", PER_VISITOR))
        wait = await self._messages.add_offline_message(message, limits, now.timestamp())
        if wait:
            raise RateLimited(wait)
        await self._feed.publish(Push(settings.account, offline_message_created(message),
                                      all_agents=True, at=now.timestamp()))
        return message

    async def listing(self, account: str, *, include_read: bool) -> list[dict[str, Any]]:
        """GET .../offline-messages: unread (or all) newest first, each with `read`."""
        messages = await self._messages.offline_messages(account, include_read=include_read)
        return [offline_message_listing(m) for m in messages]

    async def unread_payloads(self, account: str) -> list[dict[str, Any]]:
        """The agent welcome's `offline_messages`: unread created payloads, newest first."""
        messages = await self._messages.offline_messages(account, include_read=False)
        return [offline_message_created(m) for m in messages]

    async def mark_read(self, account: str, message: str) -> None:
        """Mark it read and tell the account's agents (once: only when it was unread)."""
        changed = await self._messages.mark_offline_message_read(account, message)
        if changed is None:
            raise UnknownMessage(message)
        if changed:
            await self._feed.publish(Push(account, offline_message_read(message),
                                          all_agents=True, at=self._clock().timestamp()))
