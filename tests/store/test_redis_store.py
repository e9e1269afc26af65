"""What only the Redis store can show: several processes on one state, node liveness, outages.

The shared contract (the same calls, the same answers, for both stores) is in
test_store_contract.py; these tests need a real redis-server.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter

import pytest
import redis.asyncio as aioredis

from frontdesk.core.errors import StoreUnavailable
from frontdesk.core.events import Event, Push
from frontdesk.core.model import AgentStatus, Routing
from frontdesk.store import keys
from frontdesk.store.redis import RedisStore
from tests.store.conftest import Harness
from tests.store.test_store_contract import (
    ACME,
    ASSIGNED,
    NOW,
    QUEUED,
    agent_state,
    connect,
    status_event,
    widget_settings,
)
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.redis


async def test_agent_status_survives_for_another_process(redis_harness: Harness) -> None:
    harness = redis_harness
    await harness.store.see_agent(ACME, "ann", "Ann")
    await harness.store.set_agent_status(ACME, "ann", AgentStatus.BUSY)
    other = await harness.another()
    assert (await agent_state(other, "ann")).status is AgentStatus.BUSY
    assert await other.set_agent_status(ACME, "ann", AgentStatus.BUSY) is False


@pytest.mark.redis
async def test_node_that_stops_renewing_is_swept_once(redis_url: str) -> None:
    stores = [RedisStore(redis_url, node_id=f"n{i}") for i in range(3)]
    reconnects: list[str] = []

    async def on_reconnect() -> None:
        reconnects.append("dead")

    await stores[0].open(lambda e: None, on_reconnect=on_reconnect)
    for s in stores[1:]:
        await s.open(lambda e: None)
    try:
        dying, *sweepers = stores
        for s in stores:
            await s.renew_node(NOW, 5)
        await connect(dying, "ann", "bob")
        await dying.add_connection("beta", "cy", "k-cy")
        await dying.add_connection(ACME, "ann", "k-ann-2")
        await dying.end_connection(ACME, "bob", "conn-bob", NOW + 60)  # in grace: not live
        for s in sweepers:
            await s.renew_node(NOW + 4, 5)
        assert await sweepers[0].sweep_nodes(NOW + 4) == []
        version = (await sweepers[0].team(ACME)).version
        results = await asyncio.gather(*(s.sweep_nodes(NOW + 5.5) for s in sweepers))
        assert sorted(a for r in results for a in r) == [ACME, "beta"]  # each reported once
        team = await sweepers[0].team(ACME)
        assert team.version > version
        assert [(a.id, a.connections) for a in team.agents] == [("ann", 0), ("bob", 1)]
        assert (await agent_state(sweepers[1], "cy", "beta")).connections == 0
        assert await sweepers[1].sweep_nodes(NOW + 6) == []
        # the grace of the dead node's ended connection still ends on time
        assert await sweepers[0].accounts_in_grace() == [(ACME, NOW + 60)]
        # the paused process comes back: it learns it was declared dead and asks to re-register
        await dying.renew_node(NOW + 7, 5)
        for _ in range(100):
            if reconnects:
                break
            await asyncio.sleep(0.01)
        assert reconnects == ["dead"]
        await dying.add_connection(ACME, "ann", "conn-ann")  # what the node's resync does
        assert (await agent_state(dying, "ann")).connections == 1
        await dying.renew_node(NOW + 8, 5)
        assert await sweepers[0].sweep_nodes(NOW + 12) == []  # the new incarnation is alive
        assert await sweepers[0].sweep_nodes(NOW + 13.5) == [ACME]
    finally:
        for s in stores:
            await s.close()


@pytest.mark.redis
async def test_retire_keeps_connections_in_grace(redis_url: str) -> None:
    store = RedisStore(redis_url, node_id="retiring")
    await store.open(lambda e: None)
    try:
        await store.renew_node(NOW, 5)
        await connect(store, "ann", "bob")
        await store.end_connection(ACME, "ann", "conn-ann", NOW + 2)  # shutdown: 1001, grace
        assert await store.retire_node() == [ACME]
        assert [(a.id, a.connections) for a in (await store.team(ACME)).agents] == [
            ("ann", 1), ("bob", 0)]
        assert await store.sweep(ACME, NOW + 2) is True
        assert not (await store.team(ACME)).is_anyone_available
    finally:
        await store.close()


@pytest.mark.redis
async def test_sweep_clears_a_stale_grace_index_entry(redis_url: str) -> None:
    """A process killed between indexing a grace and ending the connection leaves an entry."""
    store = RedisStore(redis_url, node_id="stale")
    await store.open(lambda e: None)
    raw = aioredis.Redis.from_url(redis_url)
    try:
        await connect(store, "ann")
        await raw.zadd(keys.GRACES, {keys.grace_member(ACME, "conn-ann"): NOW + 1})
        await raw.zadd(keys.GRACES, {keys.grace_member("beta", "k"): NOW + 1})
        assert sorted(await store.accounts_in_grace()) == [(ACME, NOW + 1), ("beta", NOW + 1)]
        assert await store.sweep(ACME, NOW + 1) is False  # nothing was in its grace
        assert await store.accounts_in_grace() == [("beta", NOW + 1)]  # other accounts stay
        assert (await agent_state(store, "ann")).connections == 1
    finally:
        await raw.aclose()
        await store.close()


async def test_events_reach_every_process(redis_harness: Harness) -> None:
    harness = redis_harness
    theirs: list[Event] = []
    other = await harness.another(theirs)
    event = status_event("w1", status="online")
    await other.publish(event)
    assert await harness.settle() == [event]
    for _ in range(200):
        if theirs:
            break
        await asyncio.sleep(0.005)
    assert theirs[0] == event  # then the harness's marker


@pytest.mark.redis
async def test_routing_is_atomic_across_processes(redis_url: str) -> None:
    stores = [RedisStore(redis_url, node_id=f"p{i}") for i in range(3)]
    for s in stores:
        await s.open(lambda e: None)
    try:
        agents = [f"agent{i}" for i in range(6)]
        await connect(stores[0], *agents)
        await connect(stores[1], *agents, account="lb")
        await stores[0].put_widget("rr", widget_settings(routing=Routing.ROUND_ROBIN))
        await stores[1].put_widget(
            "lb", widget_settings(account="lb", routing=Routing.LEAST_BUSY, capacity=30))

        async def start_many(account: str, widget: str, count: int):
            async def one(i: int):
                store = stores[i % 3]
                result = await store.start_conversation(account, widget, f"{widget}{i}",
                                                        f"v{i}", None, NOW)
                assert result is not None and not result.existing
                return result.conversation
            return await asyncio.gather(*(one(i) for i in range(count)))

        # round robin without a limit: 300 at once, strictly fair
        started = await start_many(ACME, "rr", 300)
        assert all(c.state is ASSIGNED and len(c.agents) == 1 for c in started)
        assert set(Counter(c.agents[0].id for c in started).values()) == {50}

        # least busy with capacity 30: 180 assigned, 120 queued, positions 1..120
        started = await start_many("lb", "lb", 300)
        assigned = [c for c in started if c.state is ASSIGNED]
        queued = [c for c in started if c.state is QUEUED]
        assert len(assigned) == 180 and len(queued) == 120
        assert sorted(c.position for c in queued) == list(range(1, 121))
        assert set(Counter(c.agents[0].id for c in assigned).values()) == {30}

        # close every assigned one from all processes at once: the queue drains in order
        random.Random(7).shuffle(assigned)
        results = await asyncio.gather(*(stores[i % 3].close_conversation(c.id, NOW)
                                         for i, c in enumerate(assigned)))
        assert all(r is not None and r.was_open for r in results)
        drained = [c for r in results for c in r.queue.assigned]  # type: ignore[union-attr]
        assert sorted(c.id for c in drained) == sorted(c.id for c in queued)  # each once
        team = await stores[2].team("lb")
        assert all(a.conversations <= 30 for a in team.agents)
        assert sum(a.conversations for a in team.agents) == 120
        assert all(c.state is ASSIGNED for c in await stores[2].open_conversations("lb"))

        # and closing the rest leaves nobody with a conversation
        await asyncio.gather(*(stores[i % 3].close_conversation(c.id, NOW)
                               for i, c in enumerate(drained)))
        assert all(a.conversations == 0 for a in (await stores[0].team("lb")).agents)
        assert await stores[0].open_conversations("lb") == []
    finally:
        for s in stores:
            await s.close()


@pytest.mark.redis
async def test_redis_outage_raises_store_unavailable_and_recovers(
        redis_url: str, redis_server: RedisServer) -> None:
    events: list[Event] = []
    reconnects: list[int] = []

    async def on_reconnect() -> None:
        reconnects.append(1)

    store = RedisStore(redis_url, node_id=f"outage-{uuid.uuid4().hex[:6]}", backoff_cap=0.2)
    await store.open(events.append, on_reconnect=on_reconnect)
    await store.watch(ACME)
    try:
        await store.ping()
        redis_server.stop()
        with pytest.raises(StoreUnavailable):
            await store.ping()
        with pytest.raises(StoreUnavailable):
            await store.team(ACME)
        with pytest.raises(StoreUnavailable):
            await store.put_widget("w1", widget_settings())
        with pytest.raises(StoreUnavailable):
            await store.publish(status_event("w1"))
        with pytest.raises(StoreUnavailable):
            await store.add_connection(ACME, "ann", "k1")
        await asyncio.sleep(0.3)  # let the listener notice and back off
        redis_server.start()
        await store.ping()
        assert await store.put_widget("w1", widget_settings()) is True
        for _ in range(300):
            if reconnects:
                break
            await asyncio.sleep(0.01)
        assert reconnects, "the listener did not resubscribe"
        event = status_event("w1", status="online")
        await store.publish(event)
        for _ in range(300):
            if events:
                break
            await asyncio.sleep(0.01)
        assert events == [event]
    finally:
        if not redis_server.is_running:
            redis_server.start()
        await store.close()


@pytest.mark.redis
async def test_redis_down_at_open_is_not_fatal(redis_url: str, redis_server: RedisServer) -> None:
    redis_server.stop()
    store = RedisStore(redis_url, node_id="late", backoff_cap=0.2)
    reconnects: list[int] = []

    async def on_reconnect() -> None:
        reconnects.append(1)

    try:
        await store.open(lambda e: None, on_reconnect=on_reconnect)
        with pytest.raises(StoreUnavailable):
            await store.ping()
        with pytest.raises(StoreUnavailable):  # not now, but it is remade when Redis is back
            await store.watch(ACME)
        redis_server.start()
        for _ in range(300):
            if reconnects:
                break
            await asyncio.sleep(0.01)
        assert reconnects  # it may have missed events: the node is told to resync
        await store.ping()
    finally:
        if not redis_server.is_running:
            redis_server.start()
        await store.close()


async def test_a_process_hears_only_the_accounts_it_watches(redis_harness: Harness) -> None:
    harness = redis_harness
    assert harness.url is not None
    heard: list[Event] = []
    solo = RedisStore(harness.url, node_id=f"solo-{uuid.uuid4().hex[:6]}")
    await solo.open(heard.append)
    try:
        await solo.watch("solo")
        await solo.watch("solo")  # twice is once
        mine, theirs = Push("solo", {"type": "x", "n": 1}), Push(ACME, {"type": "x", "n": 2})
        await harness.store.publish(theirs)
        await harness.store.publish(mine)
        await harness.settle()  # acme's event reached its watcher...
        for _ in range(200):
            if heard:
                break
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.05)
        assert heard == [mine]  # ...and never the process that does not watch acme
        await solo.unwatch("solo")
        await harness.store.publish(Push("solo", {"type": "x", "n": 3}))
        await harness.store.watch("solo")
        await harness.store.publish(Push("solo", {"type": "x", "n": 4}))
        events = await harness.settle()
        assert Push("solo", {"type": "x", "n": 4}) in events
        assert heard == [mine]
    finally:
        await solo.close()


async def test_many_accounts_watched_at_once_all_arrive(redis_harness: Harness) -> None:
    """A fresh process watched by many first sockets at once (a burst of hellos): every
    subscription lands on the connection that is read (regression: two first commands on one
    pubsub once took two connections, and one was never read)."""
    harness = redis_harness
    assert harness.url is not None
    heard: list[Event] = []
    fresh = RedisStore(harness.url, node_id=f"burst-{uuid.uuid4().hex[:6]}")
    await fresh.open(heard.append)
    try:
        accounts = [f"burst{i}" for i in range(60)]
        await asyncio.gather(*(fresh.watch(account) for account in accounts))
        for account in accounts:
            await harness.store.publish(Push(account, {"type": "x"}))
        for _ in range(400):
            if len(heard) == len(accounts):
                break
            await asyncio.sleep(0.01)
        assert sorted(e.account for e in heard) == sorted(accounts)
    finally:
        await fresh.close()


async def test_scripts_are_loaded_again_after_the_server_forgot_them(
        redis_harness: Harness, request: pytest.FixtureRequest) -> None:
    """NOSCRIPT (a restarted node, or a replica promoted by a failover, has no scripts): the
    store loads the script on that node and the call succeeds."""
    harness = redis_harness
    store = harness.store
    await store.put_widget("w1", widget_settings())
    await connect(store, "ann")
    if harness.kind == "cluster":
        ports = [node.port for node in request.getfixturevalue("redis_cluster").masters()]
    else:
        ports = [request.getfixturevalue("redis_server").port]
    for port in ports:
        raw = aioredis.Redis(port=port)
        await raw.script_flush()
        await raw.aclose()
    assert [a.id for a in (await store.team(ACME)).agents] == ["ann"]
    assert await store.set_agent_status(ACME, "ann", AgentStatus.BUSY) is True
