"""One subscribed connection of the Redis bus to one Redis node (see redis_bus.py): the
channels subscribed on it, and the confirmations that `watch` waits for."""

from __future__ import annotations

import asyncio
import contextlib

import redis.asyncio as aioredis

from frontdesk.store.redis_connection import _REDIS_ERRORS, SOCKET_TIMEOUT


class Shard:
    """One subscribed connection to one Redis node, and the channels subscribed on it."""

    def __init__(self, name: str, client: aioredis.Redis, sharded: bool) -> None:
        self.name = name
        self.client = client
        self.pubsub = client.pubsub()
        self.sharded = sharded
        self.channels: set[str] = set()  # subscribed, or being subscribed
        self.waiting: dict[str, asyncio.Future[None]] = {}  # channel -> its confirmation
        self.task: asyncio.Task[None] | None = None
        # redis-py's PubSub takes its connection on its first command: two first commands at
        # once would each take one, and the reader would follow only the second. So commands
        # go out one at a time.
        self.sending = asyncio.Lock()

    async def subscribe(self, channel: str) -> None:
        """Subscribe and wait for Redis to confirm: from then on, every event reaches us."""
        confirmed = asyncio.get_running_loop().create_future()
        self.waiting[channel] = confirmed
        self.channels.add(channel)
        async with self.sending:
            if self.sharded:
                await self.pubsub.ssubscribe(channel)
            else:
                await self.pubsub.subscribe(channel)
        await asyncio.wait_for(asyncio.shield(confirmed), SOCKET_TIMEOUT)

    async def unsubscribe(self, channel: str) -> None:
        self.channels.discard(channel)
        async with self.sending:
            if self.sharded:
                await self.pubsub.sunsubscribe(channel)
            else:
                await self.pubsub.unsubscribe(channel)

    def confirm(self, channel: str) -> None:
        confirmed = self.waiting.pop(channel, None)
        if confirmed is not None and not confirmed.done():
            confirmed.set_result(None)

    def fail_waiting(self, exc: BaseException) -> None:
        for confirmed in self.waiting.values():
            if not confirmed.done():
                confirmed.set_exception(exc)
                confirmed.exception()  # retrieved: nobody may be waiting any more
        self.waiting.clear()

    async def aclose(self) -> None:
        if self.task is not None and self.task is not asyncio.current_task():
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, *_REDIS_ERRORS):
                await self.task
        with contextlib.suppress(*_REDIS_ERRORS):
            await self.pubsub.aclose()  # type: ignore[no-untyped-call]
        with contextlib.suppress(*_REDIS_ERRORS):
            await self.client.aclose()
