"""The Redis store's upkeep (UpkeepStore): idle connections, the review and the reassign
route (each one script in the account's slot, routing.lua in front), and the global index of
when each account is next due (`frontdesk:{~due}:at`, settled by one script in its slot)."""

from __future__ import annotations

import json
from typing import Any

from frontdesk.store import keys
from frontdesk.store.base import QueueChange, Reassignment, Refusal, Review
from frontdesk.store.redis_connection import _as_list, _text, _translated
from frontdesk.store.redis_conversations import RedisConversations


class RedisUpkeep(RedisConversations):
    """Deadlines of auto-away, reassignment and queue expiry (UpkeepStore)."""

    @_translated
    async def set_connection_idle(self, account: str, agent: str, connection: str,
                                  since: float | None) -> None:
        ak = keys.AccountKeys(account)
        if since is None:
            await self._redis.hdel(ak.idle, connection)
        else:  # the first idle starts it; a repeat does not restart it
            await self._redis.hsetnx(ak.idle, connection, repr(float(since)))

    def _reassignment(self, account: str, data: dict[str, Any]) -> Reassignment:
        return Reassignment(
            conversation=self._conversation(account, data["c"]),
            revoked=tuple(_as_list(data.get("revoked"))),
            added=tuple(_as_list(data.get("added"))),
            queue=QueueChange(
                assigned=tuple(self._conversation(account, v)
                               for v in _as_list(data.get("assigned"))),
                moved=tuple(self._conversation(account, v) for v in _as_list(data.get("moved")))))

    @_translated
    async def review_account(self, account: str, now: float) -> Review:
        raw = await self._script("review", keys.AccountKeys(account).routing_keys(), [now])
        data = json.loads(raw)
        upcoming = data.get("next")
        return Review(
            away=tuple(_as_list(data.get("away"))),
            reassigned=tuple(self._reassignment(account, r)
                             for r in _as_list(data.get("reassigned"))),
            expired=tuple(self._conversation(account, v) for v in _as_list(data.get("expired"))),
            queue=QueueChange(moved=tuple(self._conversation(account, v)
                                          for v in _as_list(data.get("moved")))),
            next_due=None if upcoming is None else float(upcoming))

    @_translated
    async def reassign_conversation(self, conversation: str, to: str | None,
                                    now: float) -> Reassignment | Refusal | None:
        account = await self._account_of(conversation)
        if account is None:
            return None
        raw = await self._script("reassign", keys.AccountKeys(account).routing_keys(),
                                 [conversation, to or "", now])
        if raw is None:
            return None
        data = json.loads(raw)
        if "refused" in data:
            return Refusal(data["refused"])
        return self._reassignment(account, data)

    # --- the due index -----------------------------------------------------------------------
    @_translated
    async def due_score(self, account: str) -> float | None:
        score = await self._redis.zscore(keys.DUE, account)
        return None if score is None else float(score)

    @_translated
    async def schedule_review(self, account: str, at: float) -> None:
        await self._redis.zadd(keys.DUE, {account: at}, lt=True)

    @_translated
    async def due_accounts(self, now: float) -> list[str]:
        return [_text(a) for a in await self._redis.zrangebyscore(keys.DUE, "-inf", now)]

    @_translated
    async def settle_review(self, account: str, seen: float | None,
                            next_due: float | None) -> None:
        await self._script("settle_review", [keys.DUE],
                           [account, "" if seen is None else repr(seen),
                            "" if next_due is None else repr(next_due)])
