from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import redis

from tests.support.client import JSON, MSGPACK
from tests.support.redis_cluster import RedisCluster, start_cluster_or_skip
from tests.support.redis_server import RedisServer, start_or_skip
from tests.support.server import RunningServer, running_server


@pytest.fixture(params=[JSON, MSGPACK], ids=["json", "msgpack"])
def encoding(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One real redis-server for the session (skipped, with the reason, where none exists)."""
    server = start_or_skip()
    yield server
    server.cleanup()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """A running, empty redis-server (an outage test may have left it stopped)."""
    if not redis_server.is_running:
        redis_server.start()
    with redis.Redis.from_url(redis_server.url) as client:
        client.flushall()
    return redis_server.url


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[RedisCluster]:
    """One real Redis Cluster (3 masters, 3 replicas) for the session, started on first use."""
    cluster = start_cluster_or_skip()
    yield cluster
    cluster.cleanup()


@pytest.fixture
def redis_cluster_url(redis_cluster: RedisCluster) -> str:
    """The cluster with six running nodes and every master empty (a failover test may have
    killed one: it is restarted and rejoins as a replica)."""
    redis_cluster.reset()
    return redis_cluster.url


@pytest.fixture
async def server() -> AsyncIterator[RunningServer]:
    async with running_server() as running:
        yield running


@pytest.fixture
async def api(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with server.api() as client:
        yield client
