"""Store protocols for what visitors leave behind: offline messages and the page a
conversation started on (contract v2: "What agents see, what an offline visitor can do").

Kept apart from the conversation records on purpose: the page is a side note looked up by
conversation id, so the routing scripts stay as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from frontdesk.core.offline_messages import OfflineMessage
from frontdesk.core.rate_limit import Limit

MAX_KEPT_MESSAGES = 1000
"""Offline messages kept per account (the oldest go first), so the store stays bounded."""


class OfflineMessageStore(Protocol):
    """Messages left while a widget was offline, read or unread. Survive a restart."""

    async def add_offline_message(self, message: OfflineMessage,
                                  limits: Sequence[tuple[str, Limit]], now: float) -> int:
        """Store the message unless a rate limit is reached: 0 when stored, else the whole
        seconds until it would fit (Retry-After). Each limit is (bucket, rule), a bucket naming
        what is counted within the account ("v:<widget>:<visitor>"); a stored message counts
        one hit in every bucket. Check and store are one step, counted across processes."""

    async def offline_messages(self, account: str, *, include_read: bool) -> list[OfflineMessage]:
        """The account's messages (only unread ones unless include_read), newest first
        (ties by id, descending)."""

    async def mark_offline_message_read(self, account: str, message: str) -> bool | None:
        """Mark it read: True if it was unread, False if read already, None if unknown."""


class ConversationPageStore(Protocol):
    """The page (URL) a visitor was on when a conversation started. Survives a restart."""

    async def remember_page(self, account: str, conversation: str, page: str) -> None:
        """Note the page, unless one is noted already (the first start's page stays)."""

    async def conversation_pages(self, account: str,
                                 conversations: Sequence[str]) -> dict[str, str]:
        """The noted pages of these conversations (those without one are left out)."""

    async def forget_pages(self, account: str, conversations: Sequence[str]) -> None:
        """Drop the notes of closed conversations."""
