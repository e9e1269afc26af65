"""The Redis store's conversations: routing, the queue and visitors' sockets, each one script
in the account's slot (routing.lua in front of each routing script)."""

from __future__ import annotations

import json
import logging
from typing import Any

from frontdesk.core.model import AgentRef, CloseReason, ConversationState
from frontdesk.store import keys
from frontdesk.store.base import (
    CLOSED_RETENTION,
    CloseResult,
    Conversation,
    QueueChange,
    StartResult,
)
from frontdesk.store.redis_connection import (
    RedisBase,
    _as_list,
    _clean_text,
    _text,
    _translated,
)

log = logging.getLogger(__name__)


def _time(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _whole(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) else None


class RedisConversations(RedisBase):
    """Conversations and the queue (ConversationStore)."""

    # --- conversations ----------------------------------------------------------------------
    @staticmethod
    def _conversation(account: str, view: dict[str, Any]) -> Conversation:
        text, reason = view.get("t"), view.get("r")
        return Conversation(
            id=view["id"], account=account, widget=view["w"], visitor=view["v"],
            state=ConversationState(view["s"]),
            agents=tuple(AgentRef(agent, name) for agent, name in _as_list(view.get("a"))),
            position=view.get("p"), text=text if isinstance(text, str) else None,
            estimated_wait=_whole(view.get("e")), started_at=_time(view.get("st")),
            queued_at=_time(view.get("qa")), assigned_at=_time(view.get("aa")),
            close_reason=CloseReason(reason) if isinstance(reason, str) else None)

    def _queue_change(self, account: str, data: dict[str, Any]) -> QueueChange:
        return QueueChange(
            assigned=tuple(self._conversation(account, v) for v in _as_list(data["assigned"])),
            moved=tuple(self._conversation(account, v) for v in _as_list(data["moved"])))

    async def _account_of(self, conversation: str) -> str | None:
        owner = await self._redis.get(keys.conversation_account(conversation))
        return None if owner is None else _text(owner)

    @_translated
    async def start_conversation(self, account: str, widget: str, conversation: str,
                                 visitor: str, text: str | None, now: float) -> StartResult | None:
        claim = keys.conversation_account(conversation)
        claimed = await self._redis.set(claim, account, nx=True)
        ak = keys.AccountKeys(account)
        raw = await self._script(
            "start_conversation", ak.routing_keys(),
            [conversation, widget, visitor, "0" if text is None else "1",
             "" if text is None else _clean_text(text), now])
        data = None if raw is None else json.loads(raw)
        if claimed and (data is None or data["c"]["id"] != conversation):
            await self._script("release_claim", [claim], [account])  # the id went unused
        if data is None:
            return None
        rejected = data.get("rejected")
        return StartResult(self._conversation(account, data["c"]), existing=bool(data["existing"]),
                           message=rejected if isinstance(rejected, str) else None)

    def _close_result(self, account: str, raw: Any) -> CloseResult | None:
        if raw is None:
            return None
        data = json.loads(raw)
        return CloseResult(self._conversation(account, data["c"]),
                           was_open=bool(data["was_open"]),
                           queue=self._queue_change(account, data))

    @_translated
    async def close_conversation(self, conversation: str, now: float,
                                 reason: CloseReason = CloseReason.CLOSED) -> CloseResult | None:
        account = await self._account_of(conversation)
        if account is None:
            return None
        raw = await self._script("close_conversation", keys.AccountKeys(account).routing_keys(),
                                 [conversation, now, CLOSED_RETENTION, reason.value])
        result = self._close_result(account, raw)
        pruned = _as_list(json.loads(raw).get("pruned")) if raw is not None else []
        if pruned:  # the global index is in another slot than the script's keys
            await self._redis.delete(*(keys.conversation_account(c) for c in pruned))
        return result

    @_translated
    async def assign_queued(self, account: str, now: float) -> QueueChange:
        raw = await self._script("assign_queued", keys.AccountKeys(account).routing_keys(),
                                 [now])
        return self._queue_change(account, json.loads(raw))

    @_translated
    async def get_conversation(self, conversation: str) -> Conversation | None:
        account = await self._account_of(conversation)
        if account is None:
            return None
        raw = await self._script("get_conversation",
                                 keys.AccountKeys(account).routing_keys(), [conversation])
        return None if raw is None else self._conversation(account, json.loads(raw))

    @_translated
    async def visitor_conversation(self, account: str, widget: str,
                                   visitor: str) -> Conversation | None:
        conversation = await self._redis.hget(keys.AccountKeys(account).visitors,
                                              keys.visitor_field(widget, visitor))
        return await self._conversation_of(account, conversation)

    async def _conversation_of(self, account: str, conversation: Any) -> Conversation | None:
        if conversation is None:
            return None
        raw = await self._script("get_conversation", keys.AccountKeys(account).routing_keys(),
                                 [_text(conversation)])
        return None if raw is None else self._conversation(account, json.loads(raw))

    # --- visitors' sockets: batched, one pipeline per tick for all hellos and closes --------
    @_translated
    async def visitor_connected(self, account: str, widget: str, visitor: str) -> None:
        await self._batched([("HINCRBY", keys.AccountKeys(account).visitor_sockets,
                              keys.visitor_field(widget, visitor), 1)])

    @_translated
    async def visitor_arrival(self, account: str, widget: str,
                              visitor: str) -> Conversation | None:
        ak, field = keys.AccountKeys(account), keys.visitor_field(widget, visitor)
        _, conversation = await self._batched([("HINCRBY", ak.visitor_sockets, field, 1),
                                               ("HGET", ak.visitors, field)])
        return await self._conversation_of(account, conversation)  # a second trip, if any

    @_translated
    async def visitor_disconnected(self, account: str, widget: str, visitor: str) -> bool:
        return bool(await self._batched_script(
            "visitor_disconnected", [keys.AccountKeys(account).visitor_sockets],
            [keys.visitor_field(widget, visitor)]))

    @_translated
    async def abandon_queued(self, account: str, widget: str, visitor: str,
                             now: float) -> CloseResult | None:
        return self._close_result(account, await self._script(
            "abandon_queued", keys.AccountKeys(account).routing_keys(), [widget, visitor, now]))

    @_translated
    async def open_conversations(self, account: str) -> list[Conversation]:
        raw = await self._script("open_conversations", keys.AccountKeys(account).routing_keys())
        return [self._conversation(account, view) for view in _as_list(json.loads(raw))]

