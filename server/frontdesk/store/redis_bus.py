"""The Redis store's bus: one pub/sub subscription per process, and publish-once.

The listener loop logs an outage once, backs off, resubscribes and then asks the node
(on_reconnect) to recompute and push what changed, since events in the gap are lost.
`publish_if_changed` is one script: the compare-and-set whose winner publishes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError

from frontdesk import codec
from frontdesk.core.errors import StoreUnavailable
from frontdesk.core.events import Event, Push, event_from_dict
from frontdesk.store import keys
from frontdesk.store.base import (
    EventHandler,
)
from frontdesk.store.redis_connection import (
    _REDIS_ERRORS,
    BUS_PING_INTERVAL,
    BUS_SILENCE_LIMIT,
    LISTEN_POLL,
    SOCKET_TIMEOUT,
    ReconnectHandler,
    RedisBase,
    _as_list,
    _canonical,
    _text,
    _translated,
    backoff_delay,
)

log = logging.getLogger(__name__)


class RedisBus(RedisBase):
    """Events between processes (BusStore)."""

    # --- life -------------------------------------------------------------------------------
    async def open(self, on_event: EventHandler,
                   on_reconnect: ReconnectHandler | None = None) -> None:
        """Start the one event subscription of this process; wait briefly for it to be up.

        Redis being down is not an error here: the listener keeps trying, and on_reconnect
        runs once it is subscribed, since anything published meanwhile was missed.
        """
        self._on_event = on_event
        self._on_reconnect = on_reconnect
        ready = asyncio.Event()
        self._listener = asyncio.get_running_loop().create_task(
            self._listen(ready), name="frontdesk redis listener")
        self._resyncer = asyncio.get_running_loop().create_task(
            self._run_resyncs(), name="frontdesk redis resync")
        try:
            await asyncio.wait_for(ready.wait(), timeout=SOCKET_TIMEOUT)
        except TimeoutError:
            ready.set()  # a later first subscribe counts as a reconnect: events were missed

    async def close(self) -> None:
        for task in (self._listener, self._resyncer):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._listener = self._resyncer = None
        self._on_event = None
        await self._bus.aclose()
        await self._bus_pool.disconnect()
        await self._redis.aclose()
        await self._pool.disconnect()

    @_translated
    async def ping(self) -> None:
        await self._redis.ping()

    async def _listen(self, ready: asyncio.Event) -> None:
        """Subscribe, deliver, and on any error log once, back off and subscribe again."""
        attempt = 0
        failing = False
        while True:
            pubsub = self._bus.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(keys.EVENTS_CHANNEL)
                if failing:
                    log.warning("event subscription restored after %d attempts", attempt)
                failing = False
                attempt = 0
                if ready.is_set():
                    self._resync.set()
                ready.set()
                await self._pump(pubsub)
            except _REDIS_ERRORS as exc:
                if not failing:
                    log.error("event subscription lost (%s); resubscribing with backoff", exc)
                    failing = True
            finally:
                with contextlib.suppress(*_REDIS_ERRORS):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(backoff_delay(attempt, cap=self._backoff_cap))
            attempt += 1

    async def _pump(self, pubsub: Any) -> None:
        """Deliver messages until the connection fails or stops answering PINGs."""
        loop = asyncio.get_running_loop()
        last_heard = last_ping = loop.time()
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True,
                                               timeout=LISTEN_POLL)
            now = loop.time()
            if message is not None:
                last_heard = now
                if message.get("type") == "message":
                    self._deliver(message["data"])
            elif now - last_heard > BUS_SILENCE_LIMIT:
                raise RedisConnectionError("the event subscription stopped answering PING")
            elif now - last_ping >= BUS_PING_INTERVAL:
                await pubsub.ping()
                last_ping = now

    def _deliver(self, data: bytes) -> None:
        try:
            event = event_from_dict(codec.unpack_event(data))
        except (ValueError, KeyError, TypeError, IndexError):
            log.warning("dropped an undecodable event of %d bytes", len(data), exc_info=True)
            return
        handler = self._on_event
        if handler is None:
            return
        try:
            handler(event)
        except Exception:  # one bad delivery must not end the subscription
            log.exception("event handler failed")

    async def _run_resyncs(self) -> None:
        """Run on_reconnect after each resubscribe or revival; retry it while Redis flaps."""
        while True:
            await self._resync.wait()
            self._resync.clear()
            if self._on_reconnect is None:
                continue
            try:
                await self._on_reconnect()
            except StoreUnavailable:
                await asyncio.sleep(backoff_delay(4, cap=self._backoff_cap))
                self._resync.set()
            except Exception:
                log.exception("on_reconnect failed")

    # --- publishing -------------------------------------------------------------------------
    @_translated
    async def publish(self, event: Event) -> None:
        await self._redis.publish(keys.EVENTS_CHANNEL, codec.pack_event(event.to_dict()))

    @_translated
    async def publish_if_changed(self, account: str, stamp: tuple[int, float],
                                 items: Sequence[tuple[str, Push]]) -> list[str]:
        if not items:
            return []
        ak = keys.AccountKeys(account)
        version, at = stamp
        args: list[str | bytes] = [keys.EVENTS_CHANNEL, str(int(version)), repr(float(at))]
        for subject, event in items:
            args += [subject, _canonical(event.payload), codec.pack_event(event.to_dict())]
        sent = await self._script(
            "publish_if_changed", [ak.published_stamp, ak.published_payload], args)
        return [_text(subject) for subject in _as_list(sent)]

    @_translated
    async def forget_subject(self, account: str, subject: str) -> None:
        ak = keys.AccountKeys(account)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hdel(ak.published_stamp, subject)
            pipe.hdel(ak.published_payload, subject)
            await pipe.execute()

