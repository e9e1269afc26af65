"""A webhook receiver on a free loopback port: records every request, answers as told.

Each path is its own receiver (`/hooks/<name>`), with its own plan: fail the next N requests
with a status, hang for some seconds, or answer a fixed status (410, 400, 302, ...).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from frontdesk.core.webhook_rules import verify
from tests.support.server import free_port


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.time() when the request arrived
    answered: int

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)

    def is_signed_with(self, secret: str, tolerance: float = 300) -> bool:
        return verify(secret, self.headers.get("frontdesk-signature", ""), self.body, time.time(),
                      tolerance)


@dataclass
class Plan:
    fail_times: int = 0
    fail_status: int = 500
    status: int = 200  # after the failures
    hang: float = 0.0  # seconds to wait before answering...
    hang_times: int | None = None  # ...the next this many requests (None: every one)


@dataclass
class Receiver:
    port: int
    plans: dict[str, Plan] = field(default_factory=lambda: defaultdict(Plan))
    requests: list[Received] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, name: str = "main") -> str:
        return f"http://127.0.0.1:{self.port}/hooks/{name}"

    def plan(self, name: str = "main", **changes: Any) -> Plan:
        plan = self.plans[f"/hooks/{name}"] = Plan(**changes)
        return plan

    def got(self, name: str = "main") -> list[Received]:
        return [r for r in self.requests if r.path == f"/hooks/{name}"]

    async def wait_for(self, count: int, name: str = "main", timeout: float = 10.0,
                       ok_only: bool = False) -> list[Received]:
        """Wait until `name` has received at least `count` requests (2xx ones if ok_only)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [r for r in self.got(name) if not ok_only or 200 <= r.answered < 300]
            if len(found) >= count:
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{name}: {len(found)} of {count} requests in {timeout} s")
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), min(left, 0.2))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        at = time.time()
        path = scope["path"]
        plan = self.plans[path]
        status = plan.status
        if plan.fail_times > 0:
            plan.fail_times -= 1
            status = plan.fail_status
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.requests.append(Received(path, headers, body, at, status))
        self.arrived.set()
        if plan.hang and (plan.hang_times is None or plan.hang_times > 0):
            if plan.hang_times is not None:
                plan.hang_times -= 1
            await asyncio.sleep(plan.hang)
        extra = [(b"location", b"http://127.0.0.1:1/elsewhere")] if 300 <= status < 400 else []
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/plain"), *extra]})
        await send({"type": "http.response.body", "body": b"ok"})


@contextlib.asynccontextmanager
async def running_receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver(free_port())
    config = uvicorn.Config(receiver, host="127.0.0.1", port=receiver.port, log_level="error",
                            lifespan="off", access_log=False, timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield receiver
    finally:
        server.should_exit = True
        server.force_exit = True
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, 5)
