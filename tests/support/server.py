"""A real Frontdesk on a free loopback port: uvicorn in the test's event loop, or a process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import httpx
import uvicorn

from frontdesk.config import Settings
from frontdesk.core.tokens import issue_token
from frontdesk.node import Clock, Node
from frontdesk.runner import uvicorn_config
from frontdesk.store.base import Store
from frontdesk.web.app import create_app

SECRET = "test-secret-0123456789abcdef0123456789"
API_KEY = "test-api-key-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_settings(**overrides: object) -> Settings:
    base = Settings(secret=SECRET, api_key=API_KEY, heartbeat=1.0, presence_ttl=3.0,
                    close_grace=0.5, max_frame=65536, hello_timeout=10.0)
    return replace(base, **overrides)  # type: ignore[arg-type]


def agent_token(account: str, agent: str, name: str | None = None, *, secret: str = SECRET,
                ttl: float = 3600) -> str:
    token, _ = issue_token(secret, account, agent, name or agent.title(),
                           datetime.now(UTC), timedelta(seconds=ttl))
    return token


class OffsetClock:
    """The real clock moved by an offset that a test can change (to reach a boundary soon)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class RunningServer:
    port: int
    node: Node
    settings: Settings

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def api(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.http, timeout=10,
                                 headers={"Authorization": f"Bearer {self.settings.api_key}"})


@contextlib.asynccontextmanager
async def running_server(settings: Settings | None = None, *, store: Store | None = None,
                         clock: Clock | None = None) -> AsyncIterator[RunningServer]:
    settings = settings or make_settings()
    port = free_port()
    app = create_app(settings, store=store, clock=clock)
    config = uvicorn_config(app, settings, "127.0.0.1", port, log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 10
    while not server.started:
        if task.done():
            task.result()
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        await asyncio.sleep(0.01)
    try:
        yield RunningServer(port, app.state.node, settings)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)


def server_env(settings: Settings | None = None, **extra: str) -> dict[str, str]:
    settings = settings or make_settings()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FRONTDESK_", "REDIS_URL"))}
    env.update({
        "FRONTDESK_SECRET": settings.secret, "FRONTDESK_API_KEY": settings.api_key,
        "FRONTDESK_HEARTBEAT": str(settings.heartbeat),
        "FRONTDESK_PRESENCE_TTL": str(settings.presence_ttl),
        "FRONTDESK_CLOSE_GRACE": str(settings.close_grace),
        "FRONTDESK_MAX_FRAME": str(settings.max_frame),
    })
    if settings.redis_url:
        env["REDIS_URL"] = settings.redis_url
    env.update(extra)
    return env


class ServerProcess:
    """`python -m frontdesk serve` as a child process, stopped by its PID."""

    def __init__(self, env: dict[str, str], *args: str, port: int | None = None) -> None:
        self.port = port or free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "frontdesk", "serve", "--host", "127.0.0.1",
             "--port", str(self.port), *args],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def wait_ready(self, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"server exited: {self.output()}")
                try:
                    if (await client.get(f"{self.http}/healthz", timeout=1)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.05)
        raise RuntimeError("server did not become healthy")

    def terminate(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)

    def stop(self) -> str:
        self.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        return self.output()

    def output(self) -> str:
        if self.proc.poll() is None or self.proc.stdout is None:
            return ""
        return self.proc.stdout.read()
