"""The feed: a change is told to subscribers once across processes, delivered on every one."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from frontdesk.codec import Encoding
from frontdesk.core.events import CloseWidget, GraceStarted, Push
from frontdesk.feed import Change, Feed
from frontdesk.hub import Hub
from frontdesk.metrics import Metrics
from frontdesk.store.base import Store
from frontdesk.store.memory import MemoryStore
from frontdesk.store.redis import RedisStore
from frontdesk.subscriptions import AccountSubscriptions
from tests.core.test_hub import RecordingSocket

NOW = 1_767_000_000.0


def clock() -> datetime:
    return datetime.now(UTC)


def status(widget: str, value: str) -> Push:
    return Push("acme", {"type": "widget.status", "widget": widget, "status": value},
                widget=widget, all_agents=True)


class Process:
    """One process's feed over a store, with a widget socket and what subscribers heard."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.hub = Hub()
        self.feed = Feed(store, self.hub, clock, Metrics(self.hub.counts))
        self.told: list[Change] = []
        self.feed.subscribe(self.told.append)
        self.socket = RecordingSocket(Encoding.JSON)
        self.hub.add_widget(self.socket, "acme", "site", "v1")

    async def open(self) -> Process:
        await self.store.open(self.feed.receive)
        await self.store.watch("acme")  # what the hub's first acme socket would have asked
        return self


async def wait_for(predicate, timeout: float = 3.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.005)


async def test_subscribers_hear_each_published_change_once() -> None:
    process = await Process(MemoryStore()).open()
    feed = process.feed
    online = status("site", "online")
    assert await feed.publish_changed("acme", (1, NOW), [("widget:site", online)]) == 1
    assert await feed.publish_changed("acme", (2, NOW), [("widget:site", online)]) == 0
    joined = Push("acme", {"type": "conversation.joined"}, visitor=("site", "v1"))
    await feed.publish(joined)
    await feed.publish(GraceStarted("acme", NOW))  # internal: nobody outside is told
    await feed.publish(CloseWidget("acme", "site", 4404))
    # a status push is told with its number on the account's event counter (webhook seq)
    assert process.told == [replace(online, order=1), joined, CloseWidget("acme", "site", 4404)]
    assert len(process.socket.pushed) == 2 and process.socket.closed == 4404


async def test_a_failing_subscriber_does_not_stop_the_push() -> None:
    process = Process(MemoryStore())

    def broken(change: Change) -> None:
        raise RuntimeError("boom")

    later: list[Change] = []
    process.feed.subscribe(broken)
    process.feed.subscribe(later.append)  # after the broken one
    await process.open()
    await process.feed.publish_changed("acme", (1, NOW), [("widget:site", status("site", "x"))])
    assert len(process.told) == len(later) == 1 and len(process.socket.pushed) == 1


async def test_receive_dispatches_each_kind() -> None:
    process = await Process(MemoryStore()).open()
    graces: list[tuple[str, float]] = []
    statuses: list[dict] = []
    process.feed.follow_graces(lambda account, until: graces.append((account, until)))
    process.feed.follow_widget_statuses(lambda account, payload: statuses.append(payload))
    push = status("site", "online")
    process.feed.receive(push)
    process.feed.receive(GraceStarted("acme", NOW))
    process.feed.receive(CloseWidget("acme", "site", 4404))
    assert graces == [("acme", NOW)] and statuses == [push.payload]
    assert process.feed.last_delivered("acme", push.payload) == push.payload
    assert process.socket.closed == 4404
    assert process.told == []  # receiving is not publishing


async def test_catch_up_skips_what_was_welcomed_or_delivered_meanwhile() -> None:
    process = await Process(MemoryStore()).open()
    welcomed, delivered, missed = (status(w, "online").payload for w in ("a", "b", "c"))

    async def read_now() -> list[dict]:
        process.feed.receive(Push("acme", delivered, widget="b"))  # arrives while we read
        return [welcomed, delivered, missed]

    assert await process.feed.catch_up("acme", [welcomed], read_now) == [missed]


async def test_quiet_since_only_when_the_account_was_heard_before_and_nothing_came() -> None:
    """A welcome's catch-up reads nothing only if no change of the account can have been
    missed: heard from before the mark, and no status of it delivered since."""
    store = MemoryStore()
    hub = Hub()
    subscriptions = AccountSubscriptions(store, linger=60.0)
    feed = Feed(store, hub, clock, Metrics(hub.counts), subscriptions)
    await store.open(feed.receive)
    early = feed.mark()
    await asyncio.sleep(0.001)
    assert not feed.quiet_since("acme", early)  # not heard at all yet
    await feed.prepare("acme")
    assert not feed.quiet_since("acme", early)  # heard only after the mark
    await asyncio.sleep(0.001)
    mark = feed.mark()
    assert feed.quiet_since("acme", mark)
    assert feed.quiet_since("acme", feed.mark())
    feed.receive(status("site", "online"))  # a change of the account arrived after the mark
    assert not feed.quiet_since("acme", mark)
    assert feed.quiet_since("acme", feed.mark())
    other = Push("globex", {"type": "widget.status", "widget": "w", "status": "online"},
                 widget="w", all_agents=True)
    after = feed.mark()
    feed.receive(other)  # another account's change does not matter
    assert feed.quiet_since("acme", after)
    subscriptions.release("acme")  # the subscription is dropped (after linger)
    subscriptions._drop("acme")
    assert not feed.quiet_since("acme", after)
    await store.close()


@pytest.mark.redis
async def test_one_process_is_told_of_a_change_every_process_noticed(redis_url: str) -> None:
    processes = [await Process(RedisStore(redis_url, node_id=f"f{i}-{uuid.uuid4().hex[:6]}"))
                 .open() for i in range(3)]
    try:
        change = status("site", "online")
        won = await asyncio.gather(*(p.feed.publish_changed("acme", (5, NOW),
                                                            [("widget:site", change)])
                                     for p in processes))
        assert sorted(won) == [0, 0, 1]
        await wait_for(lambda: all(p.socket.pushed for p in processes))
        await asyncio.sleep(0.05)
        assert [len(p.socket.pushed) for p in processes] == [1, 1, 1]  # delivered everywhere
        assert sorted(len(p.told) for p in processes) == [0, 0, 1]  # told once
        winner = next(p for p, n in zip(processes, won, strict=True) if n)
        assert winner.told == [replace(change, order=1)]
    finally:
        for p in processes:
            await p.store.close()
