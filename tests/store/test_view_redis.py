"""The per-account view (view.py) over a real redis-server: warm, it reads nothing; kept by
the events; a gap in the event subscription (events missed) makes it read the account again."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import redis.asyncio as aioredis

from frontdesk.core.events import Event, SettingsChanged
from frontdesk.store.redis import RedisStore
from frontdesk.view import MISSING, AccountViews
from tests.store.test_store_contract import ACME, widget_settings

pytestmark = pytest.mark.redis

LONG = 60.0  # no recheck by age within a test: only events and gaps move the view


async def wait_for(condition, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.005)


async def opened(url: str, handler=None) -> RedisStore:
    store = RedisStore(url, node_id=f"view-{uuid.uuid4().hex[:6]}")
    await store.open(handler or (lambda event: None))
    return store


async def test_the_view_is_kept_by_events_and_read_again_after_a_gap(redis_url: str) -> None:
    heard: list[Event] = []
    views: AccountViews | None = None

    def on_event(event: Event) -> None:
        heard.append(event)
        assert views is not None
        views.receive(event)

    mine = await opened(redis_url, on_event)
    views = AccountViews(mine, mine, healthy=lambda: True, recheck=LONG)
    other = await opened(redis_url)  # another process, writing
    raw = aioredis.Redis.from_url(redis_url)
    try:
        await other.put_widget("site", widget_settings(allowed_origins=["https://one.example"]))
        assert await views.settings("site") is MISSING  # unknown to the view: not read
        assert views.reads == 0
        assert await views.entry(ACME) is None  # not heard: the view cannot be trusted
        await mine.watch(ACME)
        entry = await views.entry(ACME)
        assert entry is not None
        assert list(entry.widgets["site"].allowed_origins) == ["https://one.example"]
        assert views.reads == 1
        for _ in range(5):  # warm: nothing read however often it is asked
            found = await views.settings("site")
            assert not isinstance(found, type(None)) and found is entry.widgets["site"]
        assert views.reads == 1

        # a change on the other process: its event drops the entry; the next reader reads it
        await other.put_widget("site", widget_settings(allowed_origins=["https://two.example"]))
        await wait_for(lambda: any(isinstance(e, SettingsChanged) for e in heard))
        assert views.current(ACME) is None
        found = await views.settings("site")
        assert list(found.allowed_origins) == ["https://two.example"]  # type: ignore[union-attr]
        assert views.reads == 2

        # a gap: the subscription is cut, and a change is made before it is made again, so
        # its event never comes; the gap alone makes the view read the account again
        heard.clear()
        await raw.client_kill_filter(_type="pubsub")
        await wait_for(lambda: mine.listening_since(ACME) is None)
        assert views.current(ACME) is None  # not trusted while events may be missed
        await other.put_widget("site", widget_settings(allowed_origins=["https://three.example"]))
        await wait_for(lambda: mine.listening_since(ACME) is not None)
        await asyncio.sleep(0.1)
        assert not any(isinstance(e, SettingsChanged) for e in heard)  # the event was missed
        found = await views.settings("site")
        assert list(found.allowed_origins) == ["https://three.example"]  # type: ignore[union-attr]
        assert views.reads == 3
        assert await views.settings("site") is found and views.reads == 3
    finally:
        await raw.aclose()
        await other.close()
        await mine.close()


async def test_an_agent_status_event_moves_availability_without_a_read(redis_url: str) -> None:
    from frontdesk.core.events import Push

    views: AccountViews | None = None
    mine = await opened(redis_url, lambda event: views.receive(event) if views else None)
    views = AccountViews(mine, mine, healthy=lambda: True, recheck=LONG)
    try:
        await mine.put_widget("site", widget_settings(offline_when_team_away=True))
        await mine.watch(ACME)
        await mine.see_agent(ACME, "ann", "Ann")
        await mine.add_connection(ACME, "ann", "c1")
        entry = await views.entry(ACME)
        assert entry is not None and entry.anyone_available and views.reads == 1
        await mine.publish(Push(ACME, {"type": "agent.status", "agent": "ann",
                                       "available": False}, all_agents=True))
        await wait_for(lambda: not entry.anyone_available)
        assert await views.entry(ACME) is entry and views.reads == 1
    finally:
        await mine.close()


async def test_a_version_check_past_the_recheck_age_reads_only_the_version(
        redis_url: str) -> None:
    mine = await opened(redis_url)
    views = AccountViews(mine, mine, healthy=lambda: True, recheck=0.05)
    try:
        await mine.put_widget("site", widget_settings())
        await mine.watch(ACME)
        entry = await views.entry(ACME)
        await asyncio.sleep(0.1)
        assert views.current(ACME) is None  # too old to trust without asking
        assert await views.entry(ACME) is entry and views.reads == 2  # same version: kept
        await mine.see_agent(ACME, "ann", "Ann")  # the version moves (no event here)
        await asyncio.sleep(0.1)
        fresh = await views.entry(ACME)
        assert fresh is not entry and fresh is not None and "ann" in fresh.available
    finally:
        await mine.close()
