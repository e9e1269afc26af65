"""Several real `frontdesk serve` processes on one real redis-server (and, for the tests marked
BOTH_STORES, also on a real six-node Redis Cluster)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from tests.support.server import API_KEY, ServerProcess, make_settings, server_env

SHORT = make_settings(heartbeat=0.5, presence_ttl=1.5, close_grace=0.5)

BOTH_STORES = pytest.mark.parametrize("store_url", ["redis", "cluster"], indirect=True)
"""Run the test on one redis-server and on the six-node cluster."""


@pytest.fixture
def store_url(request: pytest.FixtureRequest) -> str:
    """The REDIS_URL the processes share: one redis-server unless parametrized "cluster"."""
    kind = getattr(request, "param", "redis")
    return str(request.getfixturevalue("redis_url" if kind == "redis" else "redis_cluster_url"))


@pytest.fixture
async def processes(store_url: str) -> AsyncIterator[Callable[..., ServerProcess]]:
    """`await start()` a Frontdesk process on the shared Redis; all stopped by PID at the end."""
    started: list[ServerProcess] = []

    async def start(settings=SHORT, port: int | None = None, **env: str) -> ServerProcess:
        proc = ServerProcess(server_env(settings, REDIS_URL=store_url, **env), port=port)
        started.append(proc)
        await proc.wait_ready()
        return proc

    yield start  # type: ignore[misc]
    for proc in started:
        proc.stop()


def back_office(proc: ServerProcess) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=proc.http, timeout=10,
                             headers={"Authorization": f"Bearer {API_KEY}"})
