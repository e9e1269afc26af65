"""Webhooks in Redis: durable, shared by every process of the cluster.

Per account (one slot, the account's hash tag): the registrations, a seq counter, the event
bodies, and one schedule zset `due` of "<webhook> <event>" scored by when it may be
attempted. Per webhook: its log (zset event -> seq) and its delivery records. An accepted
event is in Redis before any attempt. A claim leases an entry by moving its score to the
lease's end, so an entry whose claimer died is simply due again then: that is the visibility
timeout. (A sorted set, not a stream, because retries are due at arbitrary later times.)

Which accounts to look at: one global zset account -> a time by which it may have something
due. A claimer takes an account's turn by moving that time forward (compare-and-set), claims,
then lowers it to the account's earliest due entry; an accept lowers it to now. A claimer or
acceptor that dies between those steps leaves the time at most RECHECK seconds ahead, so an
account with webhooks is looked at at least that often.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Any

from frontdesk.core.errors import StoreUnavailable
from frontdesk.core.webhook_model import Claim, Delivery, DeliveryStatus, Webhook
from frontdesk.core.webhook_rules import ALL_EVENTS, LOG_RETENTION
from frontdesk.store import keys
from frontdesk.store.redis_connection import RedisBase, _text, _translated

RECHECK = 10.0  # seconds: the longest an account with webhooks goes unexamined
ACCOUNTS_PER_TURN = 16


def _types(events: Sequence[str]) -> str:
    """How the accept script matches a type: "*" or ",type,type,"."""
    return ALL_EVENTS if ALL_EVENTS in events else "," + ",".join(events) + ","


class RedisWebhooks(RedisBase):
    """Webhooks, their events and deliveries (WebhookStore)."""

    @_translated
    async def add_webhook(self, webhook: Webhook) -> None:
        k = keys.WebhookKeys(webhook.account)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(k.hooks, webhook.id, webhook.to_record())
            pipe.hset(k.types, webhook.id, _types(webhook.events))
            await pipe.execute()
        await self._redis.zadd(keys.WEBHOOK_ACCOUNTS, {webhook.account: webhook.created})

    @_translated
    async def list_webhooks(self, account: str) -> list[Webhook]:
        raw = await self._redis.hvals(keys.WebhookKeys(account).hooks)
        return sorted((Webhook.from_record(r) for r in raw), key=lambda w: (w.created, w.id))

    @_translated
    async def get_webhook(self, account: str, webhook: str) -> Webhook | None:
        raw = await self._redis.hget(keys.WebhookKeys(account).hooks, webhook)
        return None if raw is None else Webhook.from_record(raw)

    @_translated
    async def delete_webhook(self, account: str, webhook: str) -> bool:
        k = keys.WebhookKeys(account)
        return bool(await self._script("webhook_delete", [
            k.hooks, k.types, k.log(webhook), k.deliveries(webhook)], [webhook]))

    @_translated
    async def accept_event(self, account: str, event_id: str, kind: str, head: bytes,
                           tail: bytes, occurred_at: float, now: float,
                           seq: int | None = None) -> int | None:
        k = keys.WebhookKeys(account)
        record_head, record_tail = Delivery.new_record_parts(event_id, kind, occurred_at, now)
        seq = await self._script(
            "webhook_accept", [k.types, k.seq, k.bodies, k.times, k.due],
            [k.hook_prefix, event_id, kind, head, tail, record_head, record_tail,
             repr(occurred_at), repr(now), repr(now - LOG_RETENTION),
             "" if seq is None else str(seq)])
        if seq is None:
            return None
        await self._redis.zadd(keys.WEBHOOK_ACCOUNTS, {account: now}, lt=True)
        return int(seq)

    @_translated
    async def claim_due(self, now: float, limit: int, lease: float,
                        skip: Collection[str] = ()) -> list[Claim]:
        turns: list[Any] = await self._redis.zrangebyscore(keys.WEBHOOK_ACCOUNTS, "-inf", now, start=0,
                                                num=ACCOUNTS_PER_TURN, withscores=True)
        claims: list[Claim] = []
        for raw_account, score in turns:
            if len(claims) >= limit:
                break
            account = _text(raw_account)
            recheck = now + RECHECK
            if not await self._script("webhook_hint", [keys.WEBHOOK_ACCOUNTS],
                                      [account, repr(score), repr(recheck)]):
                continue  # another process took this turn
            k = keys.WebhookKeys(account)
            reply: list[Any] = await self._script(
                "webhook_claim", [k.due, k.hooks, k.bodies],
                [k.hook_prefix, repr(now), repr(now + lease), limit - len(claims),
                 " ".join(skip)])
            found, first, hooks = reply
            for webhook, record, body in found:
                claims.append(Claim(Webhook.from_record(webhook), Delivery.from_record(record),
                                    bytes(body)))
            if first not in (b"", ""):
                await self._redis.zadd(keys.WEBHOOK_ACCOUNTS, {account: float(first)}, lt=True)
            elif not hooks:
                await self._script("webhook_hint", [keys.WEBHOOK_ACCOUNTS],
                                   [account, repr(recheck), ""])
        return claims

    @_translated
    async def finish_attempt(self, account: str, webhook: str, claimed: Delivery,
                             outcome: Delivery, now: float) -> bool:
        k = keys.WebhookKeys(account)
        pending = outcome.status is DeliveryStatus.PENDING and outcome.next_attempt is not None
        due = repr(outcome.next_attempt) if pending else ""
        done = await self._script("webhook_finish", [k.due], [
            k.hook_prefix, webhook, claimed.event, claimed.to_record(), outcome.to_record(), due])
        if done and pending:
            assert outcome.next_attempt is not None
            await self._redis.zadd(keys.WEBHOOK_ACCOUNTS, {account: outcome.next_attempt},
                                   lt=True)
        return bool(done)

    @_translated
    async def deliveries(self, account: str, webhook: str, status: DeliveryStatus | None,
                         limit: int) -> list[Delivery]:
        k = keys.WebhookKeys(account)
        found: list[Delivery] = []
        start, page = 0, max(limit, 200)
        while len(found) < limit:
            events: list[Any] = await self._redis.zrevrange(k.log(webhook), start, start + page - 1)
            if not events:
                break
            for raw in await self._redis.hmget(k.deliveries(webhook), events):
                if raw is None:
                    continue
                delivery = Delivery.from_record(raw)
                if status is None or delivery.status is status:
                    found.append(delivery)
            start += page
        return found[:limit]

    @_translated
    async def redeliver(self, account: str, webhook: str, event: str,
                        now: float) -> Delivery | None:
        k = keys.WebhookKeys(account)
        for _ in range(5):  # the record may change under us (an attempt ending): read again
            raw = await self._redis.hget(k.deliveries(webhook), event)
            if raw is None:
                return None
            marked = replace(Delivery.from_record(raw), manual=True)
            if await self._script("webhook_finish", [k.due], [
                    k.hook_prefix, webhook, event, _text(raw), marked.to_record(), repr(now)]):
                await self._redis.zadd(keys.WEBHOOK_ACCOUNTS, {account: now}, lt=True)
                return marked
        raise StoreUnavailable("the delivery kept changing; try again")
