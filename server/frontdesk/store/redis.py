"""The Redis store: every process given the same REDIS_URL shares this state.

Each Store method is one Lua script (store/lua/*.lua, one atomic step in the account's slot)
or one single-key command on a global key (keys.py says which keys are global and why).
Settings, agent statuses and conversations survive restarts; connections die with their
process: each process is a node with one liveness entry, renewed with one command however many
connections it holds, and a node whose entry runs out has its connections swept by whichever
process notices first (each removal reported once).

Events travel on one pub/sub channel: one subscription per process, run by a listener loop
that logs an outage once, backs off, resubscribes and then asks the node (on_reconnect) to
recompute and push what changed, since events in the gap are lost.

Every Redis error surfaces as StoreUnavailable; every call has a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from importlib import resources
from typing import Any, Concatenate, ParamSpec, TypeVar

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError

from frontdesk import codec
from frontdesk.core.errors import StoreUnavailable, WrongAccount
from frontdesk.core.events import Event
from frontdesk.core.model import AgentRef, AgentState, AgentStatus, ConversationState
from frontdesk.core.settings import WidgetSettings, parse_settings, settings_to_json
from frontdesk.store import keys
from frontdesk.store.base import (
    CLOSED_RETENTION,
    CloseResult,
    Conversation,
    EventHandler,
    QueueChange,
    StartResult,
    Team,
)

log = logging.getLogger(__name__)

POOL_SIZE = 64  # a burst of hellos shares these; more wait up to POOL_WAIT for one
POOL_WAIT = 2.0
SOCKET_TIMEOUT = 2.0  # every command and every connect
HEALTH_CHECK_INTERVAL = 10  # seconds idle before a pooled connection is PINGed on reuse
LISTEN_POLL = 1.0  # the listener wakes this often while no event arrives
BUS_PING_INTERVAL = 5.0  # an idle subscription PINGs this often...
BUS_SILENCE_LIMIT = 15.0  # ...and is dropped and made again after this long without a reply
BACKOFF_BASE = 0.05
BACKOFF_CAP = 2.0

ReconnectHandler = Callable[[], Awaitable[None]]
_REDIS_ERRORS = (RedisError, OSError, TimeoutError)
_ROUTING_SCRIPTS = frozenset({"start_conversation", "close_conversation", "assign_queued",
                              "get_conversation", "open_conversations", "abandon_queued"})
_SCRIPTS = ("put_widget", "delete_widget", "release_claim", "see_agent", "set_agent_status",
            "team", "add_connection", "end_connection", "sweep", "sweep_node", "bury_nodes",
            "publish_if_changed", "visitor_disconnected", *sorted(_ROUTING_SCRIPTS))

P = ParamSpec("P")
R = TypeVar("R")


def backoff_delay(attempt: int, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP) -> float:
    """Capped exponential backoff: base, 2 base, 4 base, ... never more than cap."""
    return min(cap, base * (2 ** min(attempt, 30)))


def lua_source(name: str) -> str:
    """The text of store/lua/<name>.lua; conversation scripts get routing.lua in front."""
    folder = resources.files("frontdesk.store").joinpath("lua")
    text = folder.joinpath(f"{name}.lua").read_text(encoding="utf-8")
    if name in _ROUTING_SCRIPTS:
        text = folder.joinpath("routing.lua").read_text(encoding="utf-8") + "\n" + text
    return text


def _translated(
    method: Callable[Concatenate[RedisStore, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[RedisStore, P], Coroutine[Any, Any, R]]:
    """Turn every Redis failure of a store method into StoreUnavailable."""

    @functools.wraps(method)
    async def wrapper(self: RedisStore, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await method(self, *args, **kwargs)
        except ResponseError as exc:  # a script error is a bug, not an outage: say so loudly
            log.error("redis refused %s: %s", method.__name__, exc)
            raise StoreUnavailable(f"redis refused {method.__name__}: {exc}") from exc
        except _REDIS_ERRORS as exc:
            raise StoreUnavailable(f"redis unavailable ({method.__name__}): {exc}") from exc

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


class RedisStore:
    def __init__(self, url: str, *, node_id: str, max_connections: int = POOL_SIZE,
                 timeout: float = SOCKET_TIMEOUT, backoff_cap: float = BACKOFF_CAP) -> None:
        self._node_id = node_id
        self._generation = 0
        self._renewed = False
        self._node_accounts: set[str] = set()  # accounts already in keys.node_accounts(node)
        self._backoff_cap = backoff_cap
        common: dict[str, Any] = {
            "socket_timeout": timeout, "socket_connect_timeout": timeout,
            "health_check_interval": HEALTH_CHECK_INTERVAL,
        }
        # One retry on a fresh connection absorbs a pooled socket that died with a restart;
        # more would only delay the StoreUnavailable the caller needs to see.
        self._pool = aioredis.BlockingConnectionPool.from_url(
            url, max_connections=max_connections, timeout=POOL_WAIT,
            retry=Retry(NoBackoff(), 1), **common)
        self._redis = aioredis.Redis(connection_pool=self._pool)
        # The subscription has its own connection without retries, so that every lost
        # connection reaches the listener loop, which resubscribes and asks for a resync.
        # It PINGs by itself (see _listen): redis-py's own health check swallows the reply,
        # so a connection that died silently would never be noticed.
        self._bus_pool = aioredis.ConnectionPool.from_url(
            url, max_connections=2, retry=Retry(NoBackoff(), 0),
            **{**common, "health_check_interval": 0})
        self._bus = aioredis.Redis(connection_pool=self._bus_pool)
        self._scripts: dict[str, AsyncScript] = {
            name: self._redis.register_script(lua_source(name)) for name in _SCRIPTS}
        self._on_event: EventHandler | None = None
        self._on_reconnect: ReconnectHandler | None = None
        self._listener: asyncio.Task[None] | None = None
        self._resyncer: asyncio.Task[None] | None = None
        self._resync = asyncio.Event()
        self._pending_ends: dict[tuple[str, str], str] = {}  # (account, connection) -> agent

    @property
    def node(self) -> str:
        """This process's current incarnation in the liveness zset."""
        return f"{self._node_id}#{self._generation}"

    async def _script(self, name: str, keys_: Sequence[str], args: Sequence[Any] = ()) -> Any:
        return await self._scripts[name](keys=list(keys_), args=list(args))

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
                    await pubsub.aclose()
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
            event = Event.from_dict(codec.unpack_event(data))
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

    # --- widgets ----------------------------------------------------------------------------
    @_translated
    async def put_widget(self, widget: str, settings: WidgetSettings) -> bool:
        account = settings.account
        claim = keys.widget_account(widget)
        owner = await self._redis.set(claim, account, nx=True, get=True)
        if owner is not None and _text(owner) != account:
            raise WrongAccount(widget)
        ak = keys.AccountKeys(account)
        document = json.dumps(settings_to_json(settings), separators=(",", ":"))
        try:
            new = await self._script(
                "put_widget", [ak.widgets, ak.routing, ak.meta],
                [widget, document,
                 f"{settings.routing.value} {settings.max_conversations_per_agent}"])
        except _REDIS_ERRORS:
            if owner is None:  # best effort: do not leave a claim without a widget behind
                with contextlib.suppress(*_REDIS_ERRORS):
                    await self._script("release_claim", [claim], [account])
            raise
        return bool(new)

    @_translated
    async def get_widget(self, widget: str) -> WidgetSettings | None:
        owner = await self._redis.get(keys.widget_account(widget))
        if owner is None:
            return None
        raw = await self._redis.hget(keys.AccountKeys(_text(owner)).widgets, widget)
        return None if raw is None else _settings_from_json(raw)

    @_translated
    async def delete_widget(self, widget: str) -> WidgetSettings | None:
        claim = keys.widget_account(widget)
        owner = await self._redis.get(claim)
        if owner is None:
            return None
        account = _text(owner)
        ak = keys.AccountKeys(account)
        old = await self._script("delete_widget", [ak.widgets, ak.routing, ak.meta], [widget])
        await self._script("release_claim", [claim], [account])
        return None if old is None else _settings_from_json(old)

    @_translated
    async def list_widgets(self, account: str) -> dict[str, WidgetSettings]:
        stored = await self._redis.hgetall(keys.AccountKeys(account).widgets)
        return {_text(w): _settings_from_json(raw) for w, raw in sorted(stored.items())}

    # --- agents -----------------------------------------------------------------------------
    @_translated
    async def see_agent(self, account: str, agent: str, name: str) -> bool:
        ak = keys.AccountKeys(account)
        return bool(await self._script("see_agent", [ak.agents, ak.meta],
                                       [agent, _clean_text(name)]))

    @_translated
    async def set_agent_status(self, account: str, agent: str, status: AgentStatus) -> bool:
        ak = keys.AccountKeys(account)
        return bool(await self._script("set_agent_status", [ak.agents, ak.status, ak.meta],
                                       [agent, status.value]))

    @_translated
    async def team(self, account: str) -> Team:
        ak = keys.AccountKeys(account)
        version, names, statuses, connected, load, last = await self._script(
            "team", [ak.meta, ak.agents, ak.status, ak.connected, ak.load, ak.last_assigned])
        names_, statuses_ = _pairs(names), _pairs(statuses)
        connected_, load_, last_ = _pairs(connected), _pairs(load), _pairs(last)
        agents = tuple(
            AgentState(id=agent, name=names_[agent],
                       status=AgentStatus(statuses_.get(agent, AgentStatus.ONLINE.value)),
                       connections=int(connected_.get(agent, 0)),
                       conversations=int(load_.get(agent, 0)),
                       last_assigned=float(last_[agent]) if agent in last_ else None)
            for agent in sorted(names_))
        return Team(version=int(version), agents=agents)

    @_translated
    async def add_connection(self, account: str, agent: str, connection: str) -> None:
        node = self.node
        ak = keys.AccountKeys(account)
        try:
            if account not in self._node_accounts:
                # Before the connection itself: a crash in between leaves an account with
                # nothing to sweep, never a connection no sweeper can find.
                await self._redis.sadd(keys.node_accounts(node), account)
                self._node_accounts.add(account)
            revived = await self._script(
                "add_connection",
                [ak.agents, ak.connections, ak.connected, ak.live, ak.node(node), ak.grace,
                 ak.meta],
                [node, connection, agent])
        except _REDIS_ERRORS:
            # It may have been applied with the reply lost: undo it once Redis answers.
            self._pending_ends[(account, connection)] = agent
            raise
        self._pending_ends.pop((account, connection), None)
        if revived:
            await self._redis.zrem(keys.GRACES,
                                   *(keys.grace_member(account, _text(c)) for c in revived))

    @_translated
    async def end_connection(self, account: str, agent: str, connection: str,
                             grace_until: float | None) -> None:
        try:
            await self._end_connection(account, agent, connection, grace_until)
        except _REDIS_ERRORS:
            # Redis still counts it as live under this (living) node: end it when Redis is
            # back, or it would count until this process stops.
            self._pending_ends[(account, connection)] = agent
            raise
        self._pending_ends.pop((account, connection), None)

    async def _end_connection(self, account: str, agent: str, connection: str,
                              grace_until: float | None) -> bool:
        """End it in the account; keep the global grace index a superset of pending graces.

        A grace is indexed before the account's script runs and unindexed after, so a process
        dying in between leaves at worst a stale index entry (which `sweep` clears), never a
        grace that no other process would find.
        """
        node = self.node
        ak = keys.AccountKeys(account)
        member = keys.grace_member(account, connection)
        if grace_until is not None:
            await self._redis.zadd(keys.GRACES, {member: float(grace_until)})
        ended, had_grace = await self._script(
            "end_connection",
            [ak.connections, ak.connected, ak.live, ak.node(node), ak.grace, ak.meta],
            [connection, agent, node, "" if grace_until is None else repr(float(grace_until))])
        if (grace_until is not None and not ended) or had_grace:
            await self._redis.zrem(keys.GRACES, member)
        return bool(ended)

    @_translated
    async def sweep(self, account: str, now: float) -> bool:
        ak = keys.AccountKeys(account)
        removed = await self._script(
            "sweep", [ak.connections, ak.connected, ak.grace, ak.meta], [repr(float(now))])
        # Index entries of this account due by now are for graces the script just ended, or
        # stale (their process died between index and script): either way they go.
        members = {keys.grace_member(account, _text(c)) for c in removed}
        for raw in await self._redis.zrangebyscore(keys.GRACES, "-inf", repr(float(now))):
            member = _text(raw)
            if keys.split_grace_member(member)[0] == account:
                members.add(member)
        if members:
            await self._redis.zrem(keys.GRACES, *members)
        return bool(removed)

    @_translated
    async def renew_node(self, now: float, ttl: float) -> None:
        """One command: push this node's liveness entry to now + ttl.

        If the entry is gone, other processes declared this one dead (it stopped renewing for
        longer than the TTL, e.g. a stalled event loop) and dropped its connections: take a
        new incarnation and ask the node (on_reconnect) to register its connections again.
        """
        expiry = float(now + ttl)
        if not self._renewed:
            await self._redis.zadd(keys.NODES_ALIVE, {self.node: expiry})
            self._renewed = True
        elif not await self._redis.zadd(keys.NODES_ALIVE, {self.node: expiry},
                                        xx=True, gt=True, ch=True):
            if await self._redis.zscore(keys.NODES_ALIVE, self.node) is None:
                log.error("node %s was declared dead by another process; registering again",
                          self.node)
                self._generation += 1
                self._node_accounts.clear()
                await self._redis.zadd(keys.NODES_ALIVE, {self.node: expiry})
                self._resync.set()
        if self._pending_ends:
            await self._end_pending()

    async def _end_pending(self) -> None:
        """End the connections whose end (or failed add) Redis did not hear about."""
        ended = False
        for (account, connection), agent in list(self._pending_ends.items()):
            ended = await self._end_connection(account, agent, connection, None) or ended
            del self._pending_ends[(account, connection)]
        if ended:
            self._resync.set()

    @_translated
    async def sweep_nodes(self, now: float) -> list[str]:
        dead = await self._script("bury_nodes", [keys.NODES_ALIVE, keys.NODES_DEAD],
                                  [repr(float(now))])
        touched: set[str] = set()
        for raw in dead:
            node = _text(raw)
            touched.update(await self._sweep_node(node))
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(keys.node_accounts(node))
                pipe.srem(keys.NODES_DEAD, node)
                await pipe.execute()
        return sorted(touched)

    async def _sweep_node(self, node: str) -> set[str]:
        """Drop the node's live connections in every account it touched; the accounts changed."""
        touched = set()
        for raw in await self._redis.smembers(keys.node_accounts(node)):
            account = _text(raw)
            ak = keys.AccountKeys(account)
            removed = await self._script(
                "sweep_node", [ak.connections, ak.connected, ak.live, ak.node(node), ak.meta],
                [node])
            if removed:
                touched.add(account)
        return touched

    @_translated
    async def retire_node(self) -> list[str]:
        """Drop this node's live connections and its liveness entry.

        Connections in their close grace stay counted until the grace ends (a rolling
        restart closes with 1001 and a grace, and must flip nothing).
        """
        node = self.node
        touched = await self._sweep_node(node)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrem(keys.NODES_ALIVE, node)
            pipe.delete(keys.node_accounts(node))
            await pipe.execute()
        self._generation += 1
        self._renewed = False
        self._node_accounts.clear()
        return sorted(touched)

    @_translated
    async def accounts_in_grace(self) -> list[tuple[str, float]]:
        earliest: dict[str, float] = {}
        graces: list[Any] = await self._redis.zrange(
            keys.GRACES, 0, -1, withscores=True)
        for member, until in graces:
            account, _ = keys.split_grace_member(_text(member))
            earliest.setdefault(account, float(until))  # ascending scores: first is earliest
        return sorted(earliest.items())

    # --- publishing -------------------------------------------------------------------------
    @_translated
    async def publish(self, event: Event) -> None:
        await self._redis.publish(keys.EVENTS_CHANNEL, codec.pack_event(event.to_dict()))

    @_translated
    async def publish_if_changed(self, account: str, stamp: tuple[int, float],
                                 items: Sequence[tuple[str, Event]]) -> int:
        if not items:
            return 0
        ak = keys.AccountKeys(account)
        version, at = stamp
        args: list[str | bytes] = [keys.EVENTS_CHANNEL, str(int(version)), repr(float(at))]
        for subject, event in items:
            args += [subject, _canonical(event.payload), codec.pack_event(event.to_dict())]
        return int(await self._script(
            "publish_if_changed", [ak.published_stamp, ak.published_payload], args))

    @_translated
    async def forget_subject(self, account: str, subject: str) -> None:
        ak = keys.AccountKeys(account)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hdel(ak.published_stamp, subject)
            pipe.hdel(ak.published_payload, subject)
            await pipe.execute()

    # --- conversations ----------------------------------------------------------------------
    @staticmethod
    def _conversation(account: str, view: dict[str, Any]) -> Conversation:
        text = view.get("t")
        return Conversation(
            id=view["id"], account=account, widget=view["w"], visitor=view["v"],
            state=ConversationState(view["s"]),
            agents=tuple(AgentRef(agent, name) for agent, name in _as_list(view.get("a"))),
            position=view.get("p"), text=text if isinstance(text, str) else None)

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
             "" if text is None else _clean_text(text)])
        data = None if raw is None else json.loads(raw)
        if claimed and (data is None or data["c"]["id"] != conversation):
            await self._script("release_claim", [claim], [account])  # the id went unused
        if data is None:
            return None
        return StartResult(self._conversation(account, data["c"]), existing=bool(data["existing"]))

    def _close_result(self, account: str, raw: Any) -> CloseResult | None:
        if raw is None:
            return None
        data = json.loads(raw)
        return CloseResult(self._conversation(account, data["c"]),
                           was_open=bool(data["was_open"]),
                           queue=self._queue_change(account, data))

    @_translated
    async def close_conversation(self, conversation: str, now: float) -> CloseResult | None:
        account = await self._account_of(conversation)
        if account is None:
            return None
        raw = await self._script("close_conversation", keys.AccountKeys(account).routing_keys(),
                                 [conversation, now, CLOSED_RETENTION])
        result = self._close_result(account, raw)
        pruned = _as_list(json.loads(raw).get("pruned")) if raw is not None else []
        if pruned:  # the global index is in another slot than the script's keys
            await self._redis.delete(*(keys.conversation_account(c) for c in pruned))
        return result

    @_translated
    async def assign_queued(self, account: str, now: float) -> QueueChange:
        raw = await self._script("assign_queued", keys.AccountKeys(account).routing_keys())
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
        if conversation is None:
            return None
        raw = await self._script("get_conversation", keys.AccountKeys(account).routing_keys(),
                                 [_text(conversation)])
        return None if raw is None else self._conversation(account, json.loads(raw))

    @_translated
    async def visitor_connected(self, account: str, widget: str, visitor: str) -> None:
        await self._redis.hincrby(keys.AccountKeys(account).visitor_sockets,
                                  keys.visitor_field(widget, visitor), 1)

    @_translated
    async def visitor_disconnected(self, account: str, widget: str, visitor: str) -> bool:
        return bool(await self._script(
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
