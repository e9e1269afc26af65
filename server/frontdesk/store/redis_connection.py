"""The Redis store's connections and scripts, shared by its per-concern parts.

`RedisBase` holds the command client (one pooled `Redis`, or on a `redis+cluster://` URL
redis-py's asyncio `RedisCluster`, which routes each command and script by its keys' slot),
the registered Lua scripts (store/lua/*.lua; on NOSCRIPT, after a restart or a failover to a
replica that never loaded them, redis-py loads the script on that node and runs it again), and
this process's node identity. The event subscriptions are redis_bus's. Every Redis error
surfaces as StoreUnavailable (`translated`); every call has a deadline (CALL_DEADLINE, on
top of the socket timeouts: a frozen Redis accepts connections and never answers, and a pool
wait or a retry would otherwise add up). On one Redis, the readiness probe has a connection
of its own (`_probe`), so a pool busy with a burst of hellos is never taken for an outage.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from importlib import resources
from typing import Any, Concatenate, ParamSpec, TypeVar

import redis.asyncio as aioredis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import (
    ClusterDownError,
    NoScriptError,
    RedisClusterException,
    RedisError,
    ResponseError,
    TryAgainError,
)

from frontdesk.core.errors import StoreUnavailable
from frontdesk.core.settings import WidgetSettings, parse_settings
from frontdesk.store.base import (
    EventHandler,
)
from frontdesk.store.redis_batch import Batch
from frontdesk.store.redis_url import is_cluster_url, parse_cluster_url

log = logging.getLogger(__name__)

POOL_SIZE = 64  # a burst of hellos shares these; more wait up to POOL_WAIT for one
POOL_WAIT = 2.0
SOCKET_TIMEOUT = 2.0  # every command and every connect
CALL_DEADLINE = 5.0  # a whole store call, pool wait, retry and replies included: a backstop
# (the request path has its own, shorter deadlines: web/session.py, web/http_api.py)
PROBE_TIMEOUT = 0.8  # the readiness probe's PING, on its own connection
HEALTH_CHECK_INTERVAL = 10  # seconds idle before a pooled connection is PINGed on reuse
LISTEN_POLL = 1.0  # the listener wakes this often while no event arrives
BUS_PING_INTERVAL = 5.0  # an idle subscription PINGs this often...
BUS_SILENCE_LIMIT = 15.0  # ...and is dropped and made again after this long without a reply
BACKOFF_BASE = 0.05
BACKOFF_CAP = 2.0

ReconnectHandler = Callable[[], Awaitable[None]]
_REDIS_ERRORS = (RedisError, RedisClusterException, OSError, TimeoutError)
_ROUTING_SCRIPTS = frozenset({"start_conversation", "close_conversation", "assign_queued",
                              "get_conversation", "open_conversations", "abandon_queued",
                              "reassign", "review"})
_SCRIPTS = ("put_widget", "delete_widget", "account_snapshot", "release_claim", "see_agent", "set_agent_status",
            "team", "add_connection", "end_connection", "sweep", "sweep_node", "bury_nodes",
            "publish_if_changed", "visitor_disconnected", "offline_message", "settle_review",
            *sorted(_ROUTING_SCRIPTS), "history_record", "history_moment", "history_read",
            "webhook_accept", "webhook_claim", "webhook_finish", "webhook_delete", "webhook_hint")

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S", bound="RedisBase")


def backoff_delay(attempt: int, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP) -> float:
    """Capped exponential backoff: base, 2 base, 4 base, ... never more than cap."""
    return min(cap, base * float(2 ** min(attempt, 30)))


def lua_source(name: str) -> str:
    """The text of store/lua/<name>.lua; conversation scripts get routing.lua in front."""
    folder = resources.files("frontdesk.store").joinpath("lua")
    text = folder.joinpath(f"{name}.lua").read_text(encoding="utf-8")
    if name in _ROUTING_SCRIPTS:
        text = folder.joinpath("routing.lua").read_text(encoding="utf-8") + "\n" + text
    return text


def _translated(
    method: Callable[Concatenate[S, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R]]:
    """Turn every Redis failure of a store method into StoreUnavailable."""

    async def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            async with asyncio.timeout(CALL_DEADLINE):
                return await method(self, *args, **kwargs)
        except (ClusterDownError, TryAgainError) as exc:  # a failover under way: an outage
            raise StoreUnavailable(f"redis cluster unavailable ({method.__name__}): {exc}") from exc
        except ResponseError as exc:  # a script error is a bug, not an outage: say so loudly
            log.error("redis refused %s: %s", method.__name__, exc)
            raise StoreUnavailable(f"redis refused {method.__name__}: {exc}") from exc
        except _REDIS_ERRORS as exc:
            raise StoreUnavailable(f"redis unavailable ({method.__name__}): {exc}") from exc

    wrapper.__name__, wrapper.__qualname__ = method.__name__, method.__qualname__
    wrapper.__doc__ = method.__doc__
    return wrapper


@functools.lru_cache(maxsize=4096)
def _settings_from_json(raw: bytes) -> WidgetSettings:
    return parse_settings(json.loads(raw))


def _canonical(payload: dict[str, Any]) -> str:
    """One text per payload value, so equal payloads compare equal inside the script."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)


def _as_list(value: Any) -> list[Any]:
    """Lua's cjson writes an empty table as {}: read it as the empty list it was."""
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    """A reply as text (the client answers bytes; its type hints also allow str)."""
    return value.decode() if isinstance(value, bytes) else str(value)


def _pairs(flat: Sequence[bytes]) -> dict[str, str]:
    return {_text(flat[i]): _text(flat[i + 1]) for i in range(0, len(flat), 2)}


def _clean_text(text: str) -> str:
    """Text as valid UTF-8 (a JSON body may carry lone surrogates, which Redis cannot hold)."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _tolerate_routing_keys(callbacks: Any) -> None:
    """Work around redis-py 8.1: a cluster MULTI pipeline hands each reply's callback the
    `keys=` it was routed by (HGETALL's, HEXISTS's and others' take no such argument, so the
    EXEC fails with TypeError after it ran). Wrap every callback to drop that argument."""

    def tolerant(callback: Callable[..., Any]) -> Callable[..., Any]:
        def call(response: Any, **options: Any) -> Any:
            options.pop("keys", None)
            return callback(response, **options)

        return call

    for name in list(callbacks):
        callbacks[name] = tolerant(callbacks[name])


class RedisBase:
    """State every part of the Redis store shares; the parts are mixins over it."""

    def __init__(self, url: str, *, node_id: str, max_connections: int = POOL_SIZE,
                 timeout: float = SOCKET_TIMEOUT, backoff_cap: float = BACKOFF_CAP) -> None:
        self._node_id = node_id
        self._generation = 0
        self._renewed = False
        self._node_accounts: set[str] = set()  # accounts already in keys.node_accounts(node)
        # widget -> its account, as last read from the widget's claim: an account never changes
        # while its widget exists, so get_widget can skip the claim's GET (redis_widgets).
        self._widget_owners: dict[str, str] = {}
        self._backoff_cap = backoff_cap
        common: dict[str, Any] = {
            "socket_timeout": timeout, "socket_connect_timeout": timeout,
            "health_check_interval": HEALTH_CHECK_INTERVAL,
        }
        self._cluster: RedisCluster | None = None
        self._pool: aioredis.BlockingConnectionPool | None = None
        self._redis: Any
        if is_cluster_url(url):
            seeds = parse_cluster_url(url)
            self._node_options: dict[str, Any] = {**common, **seeds.client_options()}
            # A few quick retries ride over a moved slot or a node that just died (the client
            # refreshes its slot map between them); a failover takes seconds, and meanwhile the
            # caller must see StoreUnavailable rather than wait.
            self._cluster = RedisCluster(
                startup_nodes=[ClusterNode(host, port) for host, port in seeds.seeds],
                max_connections=max_connections,
                retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), 2), **self._node_options)
            _tolerate_routing_keys(self._cluster.response_callbacks)
            self._redis = self._cluster
        else:
            # One retry on a fresh connection absorbs a pooled socket that died with a
            # restart; more would only delay the StoreUnavailable the caller needs to see.
            self._pool = aioredis.BlockingConnectionPool.from_url(
                url, max_connections=max_connections, timeout=POOL_WAIT,
                retry=Retry(NoBackoff(), 1), **common)
            self._redis = aioredis.Redis(connection_pool=self._pool)
        self._probe: aioredis.Redis | None = None
        if self._cluster is None:
            self._probe = aioredis.Redis.from_url(
                url, single_connection_client=True, socket_timeout=PROBE_TIMEOUT,
                socket_connect_timeout=PROBE_TIMEOUT, retry=Retry(NoBackoff(), 0))
        self._url = url
        self._common = common
        self._scripts: dict[str, AsyncScript] = {
            name: self._redis.register_script(lua_source(name)) for name in _SCRIPTS}
        # The per-connection calls of a tick share one pipeline (on one Redis: a cluster's
        # keys live on several nodes, and there each call goes on its own).
        self._batch = Batch(self._pool, CALL_DEADLINE) if self._pool is not None else None
        self._on_event: EventHandler | None = None
        self._on_reconnect: ReconnectHandler | None = None
        self._listener: asyncio.Task[None] | None = None
        self._resyncer: asyncio.Task[None] | None = None
        self._resync = asyncio.Event()
        self._pending_ends: dict[tuple[str, str], str] = {}  # (account, connection) -> agent

    @property
    def _publish_command(self) -> str:
        return "SPUBLISH" if self._cluster is not None else "PUBLISH"

    @property
    def node(self) -> str:
        """This process's current incarnation in the liveness zset."""
        return f"{self._node_id}#{self._generation}"

    async def _script(self, name: str, keys_: Sequence[str], args: Sequence[Any] = ()) -> Any:
        return await self._scripts[name](keys=list(keys_), args=list(args))

    async def _batched(self, commands: Sequence[tuple[Any, ...]]) -> list[Any]:
        """The commands' replies, sent with the tick's other batched calls (redis_batch)."""
        if self._batch is not None:
            return await self._batch.run(commands)
        return [await self._redis.execute_command(*command) for command in commands]

    async def _batched_script(self, name: str, keys_: Sequence[str],
                              args: Sequence[Any] = ()) -> Any:
        """A script in the tick's pipeline (one it has not loaded yet runs on its own)."""
        if self._batch is None:
            return await self._script(name, keys_, args)
        try:
            (reply,) = await self._batch.run(
                [("EVALSHA", self._scripts[name].sha, len(keys_), *keys_, *args)])
        except NoScriptError:  # Redis restarted, or its scripts were flushed
            return await self._script(name, keys_, args)
        return reply

