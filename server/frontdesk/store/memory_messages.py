"""The in-process offline messages and conversation pages (store/messages.py protocols).

Every method runs without awaiting, so each is atomic on the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from frontdesk.core.offline_messages import OfflineMessage, newest_first
from frontdesk.core.rate_limit import Limit, recent, retry_after
from frontdesk.store.messages import MAX_KEPT_MESSAGES


class MemoryMessages:
    def __init__(self) -> None:
        self._offline: dict[str, dict[str, OfflineMessage]] = {}  # account -> id -> message
        self._hits: dict[tuple[str, str], list[float]] = {}  # (account, bucket) -> times
        self._pages: dict[tuple[str, str], str] = {}  # (account, conversation) -> page

    async def add_offline_message(self, message: OfflineMessage,
                                  limits: Sequence[tuple[str, Limit]], now: float) -> int:
        buckets = []
        wait = 0
        for bucket, rule in limits:
            key = (message.account, bucket)
            hits = recent(self._hits.get(key, []), now, rule.window)
            self._hits[key] = hits
            wait = max(wait, retry_after(hits, now, rule))
            buckets.append(key)
        if wait:
            return wait
        for key in buckets:
            self._hits[key].append(now)
        kept = self._offline.setdefault(message.account, {})
        kept[message.id] = message
        if len(kept) > MAX_KEPT_MESSAGES:
            for old in newest_first(list(kept.values()))[MAX_KEPT_MESSAGES:]:
                del kept[old.id]
        return 0

    async def offline_messages(self, account: str, *, include_read: bool) -> list[OfflineMessage]:
        messages = list(self._offline.get(account, {}).values())
        return newest_first([m for m in messages if include_read or not m.read])

    async def mark_offline_message_read(self, account: str, message: str) -> bool | None:
        kept = self._offline.get(account, {})
        found = kept.get(message)
        if found is None:
            return None
        if found.read:
            return False
        kept[message] = replace(found, read=True)
        return True

    async def remember_page(self, account: str, conversation: str, page: str) -> None:
        self._pages.setdefault((account, conversation), page)

    async def conversation_pages(self, account: str,
                                 conversations: Sequence[str]) -> dict[str, str]:
        return {c: self._pages[(account, c)] for c in conversations if (account, c) in self._pages}

    async def forget_pages(self, account: str, conversations: Sequence[str]) -> None:
        for conversation in conversations:
            self._pages.pop((account, conversation), None)
