"""The Redis store's bus: per-account channels, subscribed while watched, and publish-once.

Each account's events go to its own channel (`keys.account_channel`, in the account's slot),
and a process subscribes only to the accounts it watches (those it holds sockets of), so a
process hears nothing of the other accounts. On one Redis server that is plain
PUBLISH/SUBSCRIBE (any Redis version); on a cluster it is sharded pub/sub, SPUBLISH/SSUBSCRIBE,
which the shard owning the account's slot serves alone (a plain PUBLISH on a cluster is copied
to every node, so it cannot scale with shards).

Subscriptions: one `_Shard` per Redis node that owns a watched channel: its own connection
(to that node; on one server, to the server), its own reader task. A cluster is read through
per-node connections of our own rather than redis-py's `ClusterPubSub`, whose reader polls
the nodes in turn (a message on the third node waits out two poll timeouts) and whose repair
after a failover runs in the background with no signal that events were lost. Here, a shard
whose connection fails (or whose node moves a slot away, which Redis signals with an unasked
SUNSUBSCRIBE) hands its channels to `_repair`, which refreshes the slot map, subscribes each
channel at its new owner with backoff, and then asks the node (on_reconnect) to recompute
and push what changed, since events in the gap are lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from frontdesk import codec
from frontdesk.core.errors import StoreUnavailable
from frontdesk.core.events import Event, Push, event_from_dict
from frontdesk.store import keys
from frontdesk.store.base import EventHandler
from frontdesk.store.redis_connection import (
    _REDIS_ERRORS,
    BUS_PING_INTERVAL,
    BUS_SILENCE_LIMIT,
    LISTEN_POLL,
    PROBE_TIMEOUT,
    SOCKET_TIMEOUT,
    ReconnectHandler,
    RedisBase,
    _as_list,
    _canonical,
    _text,
    _translated,
    backoff_delay,
)
from frontdesk.store.redis_shard import Shard as _Shard

log = logging.getLogger(__name__)

_SUBSCRIBED = {"subscribe", "ssubscribe"}
_UNSUBSCRIBED = {"unsubscribe", "sunsubscribe"}
_MESSAGES = {"message", "smessage"}


class RedisBus(RedisBase):
    """Events between processes (BusStore)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._watched: set[str] = set()  # channels this process wants
        self._shards: dict[str, _Shard] = {}  # node name -> its subscribed connection
        self._home: dict[str, str] = {}  # channel -> the node name it is subscribed on
        self._orphans: set[str] = set()  # wanted channels with no subscription right now
        self._since: dict[str, float] = {}  # channel -> loop time its subscription was made
        self._repair_needed = asyncio.Event()
        self._failing = False

    # --- life -------------------------------------------------------------------------------
    async def open(self, on_event: EventHandler,
                   on_reconnect: ReconnectHandler | None = None) -> None:
        """Start the repair and resync loops; subscriptions come with `watch`.

        Redis being down is not an error here: watching an account keeps trying, and
        on_reconnect runs once its subscription is made again.
        """
        self._on_event = on_event
        self._on_reconnect = on_reconnect
        loop = asyncio.get_running_loop()
        self._listener = loop.create_task(self._repair(), name="frontdesk redis bus repair")
        self._resyncer = loop.create_task(self._run_resyncs(), name="frontdesk redis resync")

    async def close(self) -> None:
        for task in (self._listener, self._resyncer):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._listener = self._resyncer = None
        self._on_event = None
        for shard in list(self._shards.values()):
            await shard.aclose()
        self._shards.clear()
        self._home.clear()
        self._since.clear()
        await self._redis.aclose()
        if self._pool is not None:
            await self._pool.disconnect()
        if self._probe is not None:
            await self._probe.aclose()

    async def ping(self) -> None:
        """The readiness probe. On one Redis: its own connection, at most PROBE_TIMEOUT."""
        if self._cluster is not None:
            await self._ping_cluster()
            return
        try:
            async with asyncio.timeout(PROBE_TIMEOUT):
                await (self._probe or self._redis).ping()
        except _REDIS_ERRORS as exc:
            raise StoreUnavailable(f"redis unavailable (ping): {exc}") from exc

    @_translated
    async def _ping_cluster(self) -> None:
        assert self._cluster is not None
        # Every master must answer: one that is down leaves its slots unserved.
        await self._cluster.ping(target_nodes=self._cluster.PRIMARIES)
        info = await self._cluster.cluster_info(target_nodes=self._cluster.RANDOM)
        if _text(info.get("cluster_state", "")) != "ok":
            raise RedisConnectionError("the cluster is not serving every slot")

    # --- watching -----------------------------------------------------------------------------
    async def watch(self, account: str) -> None:
        channel = keys.account_channel(account)
        self._watched.add(channel)
        if channel in self._home or channel in self._orphans:
            if channel in self._orphans:
                raise StoreUnavailable("redis unavailable (watch): resubscribing")
            waiting = self._shards[self._home[channel]].waiting.get(channel)
            if waiting is not None:  # another caller is subscribing it: wait for the same reply
                await _translated_wait(waiting)
            return
        try:
            await self._subscribe(channel)
        except _REDIS_ERRORS as exc:
            raise StoreUnavailable(f"redis unavailable (watch): {exc}") from exc

    def listening_since(self, account: str) -> float | None:
        return self._since.get(keys.account_channel(account))

    async def unwatch(self, account: str) -> None:
        channel = keys.account_channel(account)
        self._watched.discard(channel)
        self._since.pop(channel, None)
        self._orphans.discard(channel)
        name = self._home.pop(channel, None)
        shard = self._shards.get(name) if name is not None else None
        if shard is None:
            return
        try:
            await shard.unsubscribe(channel)
        except _REDIS_ERRORS:
            pass  # the shard's reader notices its connection failed and drops it
        if not shard.channels and not shard.waiting:
            del self._shards[shard.name]
            await shard.aclose()

    async def _subscribe(self, channel: str) -> None:
        """Subscribe `channel` on the node that owns it; on failure it is left to _repair."""
        self._since.pop(channel, None)
        try:
            shard = await self._shard_for(channel)
            self._home[channel] = shard.name
            await shard.subscribe(channel)
            if channel in self._watched and self._home.get(channel) == shard.name:
                self._since[channel] = asyncio.get_running_loop().time()
        except BaseException:
            self._home.pop(channel, None)
            if channel in self._watched:
                self._orphans.add(channel)
                self._repair_needed.set()
            raise

    async def _shard_for(self, channel: str) -> _Shard:
        """The subscribed connection to the node serving `channel`, made if need be."""
        options: dict[str, Any] = {**self._common, "health_check_interval": 0,
                                   "retry": Retry(NoBackoff(), 0)}
        client: aioredis.Redis | None = None
        if self._cluster is not None:
            await self._cluster.initialize()  # the slot map, once (a no-op after that)
            node = self._cluster.get_node_from_key(channel)
            if node is None:
                raise RedisConnectionError(f"no node serves {channel} now")
            name = node.name
            if name not in self._shards:
                client = aioredis.Redis(host=node.host, port=int(node.port),
                                        **{**self._node_options, **options})
        else:
            name = "redis"
            if name not in self._shards:
                client = aioredis.Redis.from_url(self._url, max_connections=2, **options)
        shard = self._shards.get(name)
        if shard is None:
            assert client is not None
            shard = self._shards[name] = _Shard(name, client, self._cluster is not None)
            shard.task = asyncio.get_running_loop().create_task(
                self._read(shard), name=f"frontdesk redis bus {name}")
        return shard

    # --- reading ------------------------------------------------------------------------------
    async def _read(self, shard: _Shard) -> None:
        """Deliver the shard's messages until its connection fails; then hand its channels to
        _repair (they are lost only if nobody watches them any more)."""
        try:
            await self._pump(shard)
        except asyncio.CancelledError:
            raise
        except _REDIS_ERRORS as exc:
            if not self._failing:
                log.error("event subscription to %s lost (%s); resubscribing with backoff",
                          shard.name, exc)
                self._failing = True
            shard.fail_waiting(RedisConnectionError(str(exc)))
        except Exception as exc:  # a bug must not leave channels silently unread
            log.exception("event subscription to %s failed", shard.name)
            shard.fail_waiting(exc)
        if self._shards.get(shard.name) is shard:
            del self._shards[shard.name]
        for channel in shard.channels:
            self._since.pop(channel, None)  # its events may be lost from here on
            if self._home.get(channel) == shard.name:
                del self._home[channel]
            if channel in self._watched:
                self._orphans.add(channel)
        shard.channels.clear()
        self._repair_needed.set()
        with contextlib.suppress(*_REDIS_ERRORS):
            await shard.pubsub.aclose()  # type: ignore[no-untyped-call]
        with contextlib.suppress(*_REDIS_ERRORS):
            await shard.client.aclose()

    async def _pump(self, shard: _Shard) -> None:
        """Deliver messages until the connection fails or stops answering PINGs."""
        loop = asyncio.get_running_loop()
        last_heard = last_ping = loop.time()
        pubsub = shard.pubsub
        while True:
            if not pubsub.subscribed:  # nothing sent yet, or everything unsubscribed
                await asyncio.sleep(0.01)
                last_heard = loop.time()
                continue
            message = await pubsub.get_message(ignore_subscribe_messages=False,
                                               timeout=LISTEN_POLL)
            now = loop.time()
            if message is not None:
                last_heard = now
                kind = _text(message.get("type"))
                if kind in _MESSAGES:
                    self._deliver(message["data"])
                elif kind in _SUBSCRIBED:
                    shard.confirm(_text(message["channel"]))
                elif kind in _UNSUBSCRIBED:
                    self._unsubscribed(shard, _text(message["channel"]))
            elif now - last_heard > BUS_SILENCE_LIMIT:
                raise RedisConnectionError("the event subscription stopped answering PING")
            elif now - last_ping >= BUS_PING_INTERVAL:
                async with shard.sending:
                    await pubsub.ping()
                last_ping = now

    def _unsubscribed(self, shard: _Shard, channel: str) -> None:
        """An unsubscribe we did not ask for (its slot moved to another node): resubscribe."""
        self._since.pop(channel, None)
        if channel in shard.channels:
            shard.channels.discard(channel)
            if self._home.get(channel) == shard.name:
                del self._home[channel]
            if channel in self._watched:
                self._orphans.add(channel)
                self._repair_needed.set()

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

    # --- repairing ----------------------------------------------------------------------------
    async def _repair(self) -> None:
        """Subscribe orphaned channels again (at their current owner), with backoff; then ask
        for a resync, since their events in the gap are lost."""
        attempt = 0
        while True:
            if not self._orphans:
                self._repair_needed.clear()
                await self._repair_needed.wait()
                continue
            await asyncio.sleep(backoff_delay(attempt, cap=self._backoff_cap))
            try:
                if self._cluster is not None:
                    await self._cluster.nodes_manager.initialize()  # who owns which slot now
                for channel in list(self._orphans):
                    if channel not in self._watched:
                        self._orphans.discard(channel)
                        continue
                    self._orphans.discard(channel)
                    await self._subscribe(channel)
            except _REDIS_ERRORS as exc:
                if not self._failing:
                    log.error("event subscription lost (%s); resubscribing with backoff", exc)
                    self._failing = True
                attempt += 1
                continue
            if self._failing:
                log.warning("event subscriptions restored after %d attempts", attempt + 1)
                self._failing = False
            attempt = 0
            self._resync.set()

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
        channel = keys.account_channel(event.account)
        await self._redis.execute_command(self._publish_command, channel,
                                          codec.pack_event(event.to_dict()))

    @_translated
    async def publish_if_changed(self, account: str, stamp: tuple[int, float],
                                 items: Sequence[tuple[str, Push]]) -> dict[str, int]:
        if not items:
            return {}
        ak = keys.AccountKeys(account)
        version, at = stamp
        args: list[str | bytes] = [self._publish_command, keys.account_channel(account),
                                   str(int(version)), repr(float(at))]
        for subject, event in items:
            args += [subject, _canonical(event.payload), codec.pack_event(event.to_dict())]
        sent = await self._script(
            "publish_if_changed",
            [ak.published_stamp, ak.published_payload, keys.WebhookKeys(account).seq], args)
        return {_text(subject): int(order) for subject, order in _as_list(sent)}

    @_translated
    async def forget_subject(self, account: str, subject: str) -> None:
        ak = keys.AccountKeys(account)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hdel(ak.published_stamp, subject)
            pipe.hdel(ak.published_payload, subject)
            await pipe.execute()


async def _translated_wait(waiting: asyncio.Future[None]) -> None:
    try:
        await asyncio.wait_for(asyncio.shield(waiting), SOCKET_TIMEOUT)
    except _REDIS_ERRORS as exc:
        raise StoreUnavailable(f"redis unavailable (watch): {exc}") from exc
