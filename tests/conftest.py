from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.client import JSON, MSGPACK
from tests.support.server import RunningServer, running_server


@pytest.fixture(params=[JSON, MSGPACK], ids=["json", "msgpack"])
def encoding(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def server() -> AsyncIterator[RunningServer]:
    async with running_server() as running:
        yield running


@pytest.fixture
async def api(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with server.api() as client:
        yield client
