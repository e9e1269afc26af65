"""Fault tests: real `frontdesk serve` processes on a redis-server of the test's own.

Each test gets its own redis-server (`own_redis`), so it may freeze it with SIGSTOP or stop
it without disturbing any other test; everything is stopped by PID at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.support.redis_server import RedisServer, start_or_skip
from tests.support.server import API_KEY, ServerProcess, make_settings, server_env

SHORT = make_settings(heartbeat=1.0, presence_ttl=3.0, close_grace=0.5)


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    server = start_or_skip()
    yield server
    if server.process is not None and server.process.poll() is None:
        os.kill(server.process.pid, signal.SIGCONT)  # a test that failed while it was frozen
    server.cleanup()


@pytest.fixture
def aof_redis() -> Iterator[RedisServer]:
    """A redis-server with the append-only file on, so a restart keeps the data."""
    server = start_or_skip(appendonly=True)
    yield server
    server.cleanup()


@pytest.fixture
async def processes(own_redis: RedisServer) -> AsyncIterator[Callable[..., ServerProcess]]:
    """`await start(settings, redis=None, **env)`: a Frontdesk process on the test's Redis
    (or on `redis`)."""
    started: list[ServerProcess] = []

    async def start(settings=SHORT, redis: RedisServer | None = None, **env: str) -> ServerProcess:
        proc = ServerProcess(server_env(settings, REDIS_URL=(redis or own_redis).url, **env))
        started.append(proc)
        await proc.wait_ready()
        return proc

    yield start  # type: ignore[misc]
    for proc in started:
        if proc.proc.poll() is None:
            os.kill(proc.proc.pid, signal.SIGCONT)
        proc.stop()


def back_office(proc: ServerProcess) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=proc.http, timeout=10,
                             headers={"Authorization": f"Bearer {API_KEY}"})


def freeze(redis: RedisServer) -> None:
    assert redis.process is not None
    os.kill(redis.process.pid, signal.SIGSTOP)


def thaw(redis: RedisServer) -> None:
    assert redis.process is not None
    os.kill(redis.process.pid, signal.SIGCONT)


def kernel_tcp_bytes() -> int:
    """TCP buffer memory of the whole network namespace (/proc/net/sockstat, in pages)."""
    with open("/proc/net/sockstat") as f:
        for line in f:
            if line.startswith("TCP:"):
                fields = line.split()
                return int(fields[fields.index("mem") + 1]) * os.sysconf("SC_PAGE_SIZE")
    raise RuntimeError("no TCP line in /proc/net/sockstat")


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


async def metric(proc: ServerProcess, name: str, **labels: str) -> float:
    """One sample from the process's /metrics (0 when it is not there yet)."""
    async with httpx.AsyncClient(timeout=5) as client:
        text = (await client.get(f"{proc.http}/metrics")).text
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    sample = f"{name}{{{want}}}" if want else name
    for line in text.splitlines():
        if line.startswith(sample + " "):
            return float(line.split()[-1])
    return 0.0


Starter = Callable[..., ServerProcess]


def server_socket_memory(port: int) -> tuple[int, int]:
    """(bytes queued in the kernel for sending, largest send buffer limit) summed over the
    server's sockets on `port`, from `ss -tm` (wmem_queued `w`, sndbuf `tb`)."""
    import re
    import subprocess

    out = subprocess.run(["ss", "-tmnH", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True, check=True).stdout
    queued = limit = 0
    for match in re.finditer(r"skmem:\(([^)]*)\)", out):
        fields = dict(re.match(r"([a-z]+)(\d+)", f).groups() for f in match.group(1).split(","))
        queued += int(fields["w"])
        limit = max(limit, int(fields["tb"]))
    return queued, limit


class Recorder:
    """A socket that pings every `beat` seconds and records every frame with its arrival
    time (loop clock), so a test can ask what arrived when, while the socket keeps going."""

    def __init__(self, client: Any, beat: float = 0.3) -> None:
        self.client = client
        self.frames: list[tuple[float, dict[str, Any]]] = []
        self.closed_at: float | None = None
        loop = asyncio.get_running_loop()
        self._reader = loop.create_task(self._read())
        self._beat = loop.create_task(self._ping(beat)) if beat else None

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                frame = self.client._decode(await self.client.conn.recv())
                self.frames.append((loop.time(), frame))
        except ConnectionClosed:
            self.closed_at = loop.time()

    async def _ping(self, beat: float) -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                await self.client.send({"type": "ping"})
                await asyncio.sleep(beat)

    @property
    def close_code(self) -> int | None:
        return self.client.conn.close_code if self.closed_at is not None else None

    def of(self, kind: str, since: float = 0.0, **match: Any) -> list[tuple[float, dict[str, Any]]]:
        return [(t, f) for t, f in self.frames if t >= since and f.get("type") == kind
                and all(f.get(k) == v for k, v in match.items())]

    async def wait_for(self, kind: str, since: float, timeout: float,
                       **match: Any) -> tuple[float, dict[str, Any]] | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            found = self.of(kind, since, **match)
            if found:
                return found[0]
            await asyncio.sleep(0.01)
        return None

    async def stop(self) -> None:
        for task in (self._reader, self._beat):
            if task is not None:
                task.cancel()
        with contextlib.suppress(Exception):
            await self.client.conn.close()


def stop_process(proc: ServerProcess) -> None:
    os.kill(proc.proc.pid, signal.SIGSTOP)


def resume_process(proc: ServerProcess) -> None:
    os.kill(proc.proc.pid, signal.SIGCONT)
