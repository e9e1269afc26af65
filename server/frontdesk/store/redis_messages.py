"""The Redis store's offline messages and conversation pages (store/messages.py protocols):
the write is one script (offline_message.lua), reads and the read mark one MULTI each."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from frontdesk.core.offline_messages import OfflineMessage
from frontdesk.core.rate_limit import Limit
from frontdesk.store import keys
from frontdesk.store.messages import MAX_KEPT_MESSAGES
from frontdesk.store.redis_connection import RedisBase, _text, _translated


def _message(account: str, raw: Any, unread: set[str]) -> OfflineMessage:
    data = json.loads(raw)
    return OfflineMessage(
        id=data["id"], account=account, widget=data["widget"], visitor=data["visitor"],
        email=data["email"], text=data["text"],
        created=datetime.fromtimestamp(data["created"], UTC), read=data["id"] not in unread)


class RedisMessages(RedisBase):
    """OfflineMessageStore and ConversationPageStore."""

    @_translated
    async def add_offline_message(self, message: OfflineMessage,
                                  limits: Sequence[tuple[str, Limit]], now: float) -> int:
        mk = keys.MessageKeys(message.account)
        created = message.created.timestamp()
        document = json.dumps({"id": message.id, "widget": message.widget,
                               "visitor": message.visitor, "email": message.email,
                               "text": message.text, "created": created})
        args: list[Any] = [message.id, document, repr(created), repr(now), MAX_KEPT_MESSAGES]
        for _, rule in limits:
            args += [rule.limit, repr(rule.window)]
        wait = await self._script(
            "offline_message",
            [mk.offline, mk.offline_order, mk.offline_unread,
             *(mk.offline_rate(bucket) for bucket, _ in limits)], args)
        return int(wait)

    @_translated
    async def offline_messages(self, account: str, *, include_read: bool) -> list[OfflineMessage]:
        mk = keys.MessageKeys(account)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrevrange(mk.offline_order, 0, -1)
            pipe.hgetall(mk.offline)
            pipe.smembers(mk.offline_unread)
            ids, documents, unread_ids = await pipe.execute()
        unread = {_text(i) for i in unread_ids}
        by_id = {_text(k): v for k, v in documents.items()}
        ordered = [_text(i) for i in ids]
        # ZREVRANGE orders equal scores by member descending: newest first, ties by id.
        return [_message(account, by_id[i], unread) for i in ordered
                if i in by_id and (include_read or i in unread)]

    @_translated
    async def mark_offline_message_read(self, account: str, message: str) -> bool | None:
        mk = keys.MessageKeys(account)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.srem(mk.offline_unread, message)
            pipe.hexists(mk.offline, message)
            removed, exists = await pipe.execute()
        if not exists:
            return None
        return bool(removed)

    @_translated
    async def remember_page(self, account: str, conversation: str, page: str) -> None:
        await self._redis.hsetnx(keys.MessageKeys(account).pages, conversation, page)

    @_translated
    async def conversation_pages(self, account: str,
                                 conversations: Sequence[str]) -> dict[str, str]:
        if not conversations:
            return {}
        values = await self._redis.hmget(keys.MessageKeys(account).pages, list(conversations))
        return {c: _text(v) for c, v in zip(conversations, values, strict=True) if v is not None}

    @_translated
    async def forget_pages(self, account: str, conversations: Sequence[str]) -> None:
        if conversations:
            await self._redis.hdel(keys.MessageKeys(account).pages, *conversations)
