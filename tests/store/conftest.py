"""Fixtures of the store contract suite: one harness per backend, a real redis-server."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from frontdesk.core.events import Event, Push
from frontdesk.store.base import Store
from frontdesk.store.memory import MemoryStore
from frontdesk.store.redis import RedisStore

MARKER = "test.marker"
WATCHED = ("acme", "beta", "other", "test")
"""The accounts whose events the suite's stores hear (a process hears only what it watches;
"test" carries the settle marker)."""


@dataclass
class Harness:
    """A store under test with the events its handler got, and more stores on the same state."""

    kind: str
    store: Store
    url: str | None
    events: list[Event] = field(default_factory=list)
    others: list[RedisStore] = field(default_factory=list)

    @property
    def is_redis(self) -> bool:
        """A Redis store, on one server or on a cluster."""
        return self.kind in ("redis", "cluster")

    async def another(self, events: list[Event] | None = None) -> RedisStore:
        """Another process's store on the same Redis (closed at teardown)."""
        assert self.url is not None, "only the redis store has other processes"
        other = RedisStore(self.url, node_id=f"other-{uuid.uuid4().hex[:8]}")
        await other.open((events if events is not None else []).append)
        for account in WATCHED:
            await other.watch(account)
        self.others.append(other)
        return other

    async def settle(self, timeout: float = 3.0) -> list[Event]:
        """Wait until everything published so far reached the handler; the events, no markers."""
        token = uuid.uuid4().hex
        await self.store.publish(Push("test", {"type": MARKER, "token": token}))
        deadline = asyncio.get_running_loop().time() + timeout
        while not any(isinstance(e, Push) and e.payload.get("token") == token
                      for e in self.events):
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("published events did not come back in time")
            await asyncio.sleep(0.005)
        return [e for e in self.events if not (isinstance(e, Push) and e.kind == MARKER)]

    async def aclose(self) -> None:
        for other in self.others:
            await other.close()
        await self.store.close()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis),
                        pytest.param("cluster", marks=pytest.mark.redis)])
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    """The store under test: in-process, one redis-server, or a six-node Redis Cluster."""
    if request.param == "memory":
        h = Harness("memory", MemoryStore(), None)
    else:
        url = request.getfixturevalue("redis_url" if request.param == "redis"
                                      else "redis_cluster_url")
        h = Harness(request.param, RedisStore(url, node_id=f"test-{uuid.uuid4().hex[:8]}"), url)
    await h.store.open(h.events.append)
    for account in WATCHED:
        await h.store.watch(account)
    yield h
    await h.aclose()


@pytest.fixture(params=["redis", "cluster"])
async def redis_harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    """The Redis store alone (for what only a shared store can show), on one redis-server
    and on a six-node Redis Cluster."""
    url = request.getfixturevalue("redis_url" if request.param == "redis"
                                  else "redis_cluster_url")
    h = Harness(request.param, RedisStore(url, node_id=f"test-{uuid.uuid4().hex[:8]}"), url)
    await h.store.open(h.events.append)
    for account in WATCHED:
        await h.store.watch(account)
    yield h
    await h.aclose()


@pytest.fixture
def store(harness: Harness) -> Store:
    return harness.store
