"""What each server under test is: how to start it, open its sockets and trigger one push.

Each target is used twice: by the orchestrator (run.py) to start the server process, and by
the client worker (worker.py) that holds the server's sockets and triggers its pushes.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from client import Conn, Tally, client_frame, open_socket, wait_frames
from scenarios import frontdesk_push as fd

BENCH = Path(__file__).resolve().parent
GO = client_frame(b"go")
COUNT_QUERY = client_frame(b"count")
PING = client_frame(b'{"type":"ping"}')


class Target:
    """How to start one kind of server, open its sockets and trigger one push."""

    name = ""
    health_path: str | None = None
    needs_keepalive = False

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        self.port = 0  # set once the server listens
        self.control: Conn | None = None
        self.turn = 0

    def argv(self) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["BENCH_MESSAGES"] = json.dumps(self.messages)
        return env

    async def prepare(self, tally: Tally) -> None:
        """After the server listens, before the listeners connect: open the control socket."""
        self.control = await open_socket(tally, self.port, "/", count=False)

    async def open_listener(self, tally: Tally) -> Conn:
        return await open_socket(tally, self.port, "/")

    async def wait_registered(self, n: int, timeout: float = 30.0) -> None:
        """Until the server counts n listeners (the 101 may go out before it registers one)."""
        assert self.control is not None
        deadline = time.perf_counter() + timeout
        seen = -1
        while time.perf_counter() < deadline:
            self.control.send(COUNT_QUERY)
            (_, payload), = await wait_frames(self.control, 1, 10.0)
            seen = int(payload)
            if seen >= n:
                return
            await asyncio.sleep(0.1)
        raise TimeoutError(f"{self.name}: {seen} of {n} listeners registered")

    def trigger(self) -> None:
        assert self.control is not None
        self.control.send(GO)
        self.turn += 1

    def trigger_many(self, k: int) -> None:
        assert self.control is not None
        self.control.send(GO * k)
        self.turn += k

    def after_block(self) -> None:
        if self.control is not None:
            self.control.frames.clear()


class FrontdeskTarget(Target):
    name = "frontdesk"
    health_path = "/healthz"
    needs_keepalive = True

    def __init__(self, messages: list[str]) -> None:
        super().__init__(messages)
        self._env, self.secret, self.api_key = fd.make_env(dict(os.environ))
        self.hello = client_frame(fd.widget_hello())

    def argv(self) -> list[str]:
        return fd.command(0)[:-1] + ["{port}"]

    def env(self) -> dict[str, str]:
        return dict(self._env)

    async def prepare(self, tally: Tally) -> None:
        fd.create_widget(self.port, self.api_key)
        self.control = await open_socket(
            tally, self.port, "/ws/agent", subprotocol=fd.SUBPROTOCOL,
            hello=client_frame(fd.agent_hello(self.secret)), expect_frames=1, count=False)

    async def open_listener(self, tally: Tally) -> Conn:
        return await open_socket(tally, self.port, f"/ws/widget/{fd.WIDGET}",
                                 subprotocol=fd.SUBPROTOCOL, hello=self.hello, expect_frames=1)

    async def wait_registered(self, n: int, timeout: float = 30.0) -> None:
        return  # a widget socket joins the hub before its welcome is sent

    def trigger(self) -> None:
        assert self.control is not None
        self.control.send(client_frame(fd.status_frame(self.turn)))
        self.turn += 1

    def trigger_many(self, k: int) -> None:
        assert self.control is not None
        frames = [client_frame(fd.status_frame(self.turn + i)) for i in range(k)]
        self.control.send(b"".join(frames))
        self.turn += k


class WebsocketsTarget(Target):
    name = "websockets"

    def argv(self) -> list[str]:
        return [sys.executable, str(BENCH / "scenarios" / "websockets_broadcast.py"), "{port}"]


class StarletteTarget(Target):
    name = "starlette"

    def argv(self) -> list[str]:
        return [sys.executable, str(BENCH / "scenarios" / "starlette_send.py"), "{port}"]


class NodeTarget(Target):
    name = "node"

    def argv(self) -> list[str]:
        return [shutil.which("node") or "node", str(BENCH / "node" / "broadcast.mjs"), "{port}"]


TARGETS: dict[str, Callable[[list[str]], Target]] = {
    "frontdesk": FrontdeskTarget, "websockets": WebsocketsTarget,
    "starlette": StarletteTarget, "node": NodeTarget,
}
