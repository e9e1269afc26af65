"""The Redis store's batched visitor calls (store/redis_batch.py) on a real redis-server:
the calls of one tick share one pipeline, each caller gets its own answer, and an outage is
still a StoreUnavailable within the deadline."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import redis.asyncio as aioredis

from frontdesk.core.errors import StoreUnavailable
from frontdesk.store.redis import RedisStore
from tests.store.test_store_contract import ACME, NOW, widget_settings
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.redis


async def opened(url: str) -> RedisStore:
    store = RedisStore(url, node_id=f"batch-{uuid.uuid4().hex[:6]}")
    await store.open(lambda event: None)
    return store


async def commands(url: str) -> dict[str, int]:
    async with aioredis.Redis.from_url(url) as raw:
        stats = await raw.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(v["calls"]) for name, v in stats.items()}


async def test_the_calls_of_one_tick_share_one_pipeline(redis_url: str) -> None:
    store = await opened(redis_url)
    try:
        await store.put_widget("w1", widget_settings())
        started = await store.start_conversation(ACME, "w1", "c1", "v1", "hi", NOW)
        assert started is not None
        await store.visitor_connected(ACME, "w1", "gone")
        await store.visitor_connected(ACME, "w1", "warm")
        await store.visitor_disconnected(ACME, "w1", "warm")  # the scripts are loaded
        assert await store.visitor_conversation(ACME, "w1", "v1") is not None
        batch = store._batch  # the test looks inside: how many pipelines went out
        assert batch is not None
        pipelines, calls = batch.pipelines, batch.calls
        before = await commands(redis_url)
        # four hellos and a close in one tick: one pipeline, one round trip
        results = await asyncio.gather(
            store.visitor_arrival(ACME, "w1", "v1"), store.visitor_arrival(ACME, "w1", "v2"),
            store.visitor_arrival(ACME, "w1", "v3"), store.visitor_arrival(ACME, "w1", "v1"),
            store.visitor_disconnected(ACME, "w1", "gone"))
        assert (batch.pipelines - pipelines, batch.calls - calls) == (1, 5)
        v1, v2, v3, v1_again, gone = results
        assert v1 is not None and v1.id == "c1" and v1_again == v1  # each its own answer
        assert (v2, v3, gone) == (None, None, True)
        after = await commands(redis_url)
        assert after["hincrby"] - before.get("hincrby", 0) == 5  # four arrivals, the script's
        assert after["evalsha"] - before.get("evalsha", 0) == 3  # the close, two reads of c1
        # the visitor sockets were counted: v1 twice
        assert await store.visitor_disconnected(ACME, "w1", "v1") is False
        assert await store.visitor_disconnected(ACME, "w1", "v1") is True
    finally:
        await store.close()


async def test_a_script_redis_forgot_is_loaded_again(redis_url: str) -> None:
    store = await opened(redis_url)
    try:
        await store.visitor_connected(ACME, "w1", "v1")
        async with aioredis.Redis.from_url(redis_url) as raw:
            await raw.script_flush()
        assert await store.visitor_disconnected(ACME, "w1", "v1") is True
    finally:
        await store.close()


async def test_a_caller_that_gives_up_leaves_the_others_their_answers(redis_url: str) -> None:
    store = await opened(redis_url)
    try:
        impatient = asyncio.ensure_future(store.visitor_arrival(ACME, "w1", "v1"))
        patient = asyncio.ensure_future(store.visitor_arrival(ACME, "w1", "v2"))
        await asyncio.sleep(0)
        impatient.cancel()
        assert await patient is None
        with pytest.raises(asyncio.CancelledError):
            await impatient
    finally:
        await store.close()


async def test_an_outage_is_a_store_unavailable_within_the_deadline(
        redis_server: RedisServer, redis_url: str) -> None:
    store = await opened(redis_url)
    try:
        await store.visitor_connected(ACME, "w1", "v1")
        redis_server.stop()
        started = asyncio.get_running_loop().time()
        outcomes = await asyncio.gather(store.visitor_arrival(ACME, "w1", "v2"),
                                        store.visitor_disconnected(ACME, "w1", "v1"),
                                        return_exceptions=True)
        assert all(isinstance(o, StoreUnavailable) for o in outcomes), outcomes
        assert asyncio.get_running_loop().time() - started < 5.5
    finally:
        redis_server.start()
        await store.close()


async def test_a_pooled_connection_found_dead_is_replaced_once(redis_url: str) -> None:
    store = await opened(redis_url)
    try:
        await store.visitor_arrival(ACME, "w1", "v1")  # a pooled connection now
        async with aioredis.Redis.from_url(redis_url) as raw:
            assert await raw.client_kill_filter(_type="normal", skipme=True) >= 1
        assert await store.visitor_arrival(ACME, "w1", "v2") is None  # on a new connection
        assert await store.visitor_disconnected(ACME, "w1", "v1") is True
    finally:
        await store.close()


async def test_handshakes_the_view_cannot_answer_share_a_pipeline_too(redis_url: str) -> None:
    store = await opened(redis_url)
    try:
        settings = widget_settings(online_message="hi")
        await store.put_widget("w1", settings)
        assert await store.get_widget("w1") == settings  # its account is remembered now
        batch = store._batch
        assert batch is not None
        pipelines = batch.pipelines
        found = await asyncio.gather(*(store.get_widget("w1") for _ in range(10)),
                                     store.get_widget("nope"))
        assert found == [settings] * 10 + [None]
        assert batch.pipelines - pipelines == 1
    finally:
        await store.close()
