"""Issue 15 through real servers on both stores (the in-process one and a real redis-server)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.redis_server import RedisServer
from tests.support.server import RunningServer, make_settings, running_server


@pytest.fixture(params=["memory", "redis"])
async def live(request: pytest.FixtureRequest) -> AsyncIterator[RunningServer]:
    """A server with short times, on each store."""
    overrides: dict[str, object] = {"heartbeat": 0.5, "presence_ttl": 3.0, "close_grace": 0.3}
    if request.param == "redis":
        redis_server: RedisServer = request.getfixturevalue("redis_server")
        overrides["redis_url"] = request.getfixturevalue("redis_url")
        assert redis_server.is_running
    async with running_server(make_settings(**overrides)) as running:
        yield running


@pytest.fixture
async def office(live: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with live.api() as client:
        yield client
