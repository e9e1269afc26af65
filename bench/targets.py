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
from dataclasses import dataclass
from pathlib import Path

from client import Conn, Tally, client_frame, open_socket, wait_frames
from scenarios import frontdesk_push as fd

BENCH = Path(__file__).resolve().parent
GO = client_frame(b"go")
COUNT_QUERY = client_frame(b"count")
PING = client_frame(b'{"type":"ping"}')
SERVER_CORE, CLIENT_CORE = 0, 1


@dataclass
class Sidecar:
    """A process a target needs besides the server under test (redis-server, a 2nd node)."""

    name: str
    argv: list[str]  # "{port}" is replaced by its port
    env: dict[str, str]
    core: int
    health_path: str | None = None


class Target:
    """How to start one kind of server, open its sockets and trigger one push."""

    name = ""
    health_path: str | None = None
    needs_keepalive = False
    sidecar_names: tuple[str, ...] = ()  # ports are chosen for these before argv()/env()
    redis_sidecar: str | None = None  # which sidecar is a redis-server (commands/s measured)

    def __init__(self, messages: list[str], welcome: str = '{"type":"welcome"}') -> None:
        self.messages = messages
        self.welcome = welcome
        self.hello = client_frame(fd.widget_hello())
        self.port = 0  # set once the server listens
        self.ports: dict[str, int] = {}  # sidecars' ports, by name
        self.control: Conn | None = None
        self.turn = 0

    def argv(self) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["BENCH_MESSAGES"] = json.dumps(self.messages)
        env["BENCH_WELCOME"] = self.welcome
        return env

    def sidecars(self) -> list[Sidecar]:
        return []

    async def prepare(self, tally: Tally) -> None:
        """After the server listens, before the listeners connect: open the control socket."""
        self.control = await open_socket(tally, self.port, "/", count=False)

    async def open_listener(self, tally: Tally) -> Conn:
        """Connect, upgrade, hello, welcome: the same steps as a Frontdesk widget."""
        return await open_socket(tally, self.port, "/", hello=self.hello, expect_frames=1)

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
    """`frontdesk serve` with the in-process store."""

    name = "frontdesk"
    health_path = "/healthz"
    needs_keepalive = True
    loop = ""  # FRONTDESK_EVENT_LOOP; "" = the server's default
    before_tree = ""  # set by run.py --before: PYTHONPATH of an older tree (see before_tree())

    def __init__(self, messages: list[str], welcome: str = "") -> None:
        super().__init__(messages, welcome)
        self._env, self.secret, self.api_key = fd.make_env(dict(os.environ))

    def argv(self) -> list[str]:
        return fd.command(0)[:-1] + ["{port}"]

    def env(self) -> dict[str, str]:
        env = dict(self._env)
        if self.before_tree:
            env["PYTHONPATH"] = self.before_tree
        if self.loop:
            env["FRONTDESK_EVENT_LOOP"] = self.loop
        if "redis" in self.ports:
            env["REDIS_URL"] = f"redis://127.0.0.1:{self.ports['redis']}/0"
        return env

    @property
    def trigger_port(self) -> int:
        """Where the agent (the cause of every push) connects."""
        return self.ports.get("trigger", self.port)

    def sidecars(self) -> list[Sidecar]:
        cars = []
        if "redis" in self.sidecar_names:  # on the server's core, as the issue measures it
            cars.append(Sidecar("redis", [
                shutil.which("redis-server") or "redis-server", "--port", "{port}",
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--maxclients", "1000"], dict(os.environ), SERVER_CORE))
        if "trigger" in self.sidecar_names:  # a second node: the cause is on another process
            cars.append(Sidecar("trigger", fd.command(0)[:-1] + ["{port}"], self.env(),
                                CLIENT_CORE, self.health_path))
        return cars

    async def prepare(self, tally: Tally) -> None:
        fd.create_widget(self.port, self.api_key)
        self.control = await open_socket(
            tally, self.trigger_port, "/ws/agent", subprotocol=fd.SUBPROTOCOL,
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


class FrontdeskRedisTarget(FrontdeskTarget):
    """`frontdesk serve` with REDIS_URL; redis-server pinned to the server's core."""

    name = "frontdesk-redis"
    sidecar_names = ("redis",)
    redis_sidecar = "redis"


class FrontdeskRedis2Target(FrontdeskRedisTarget):
    """As frontdesk-redis, but the agent is on a second node: every push crosses Redis."""

    name = "frontdesk-redis2"
    sidecar_names = ("redis", "trigger")


class FrontdeskAsyncioTarget(FrontdeskTarget):
    """`frontdesk serve` on the standard library's asyncio loop (to compare with uvloop)."""

    name = "frontdesk-asyncio"
    loop = "asyncio"


def before_tree(commit: str, results: Path) -> str:
    """PYTHONPATH for `frontdesk` as of `commit`, without uvloop and httptools.

    The older server is measured as it ran then: uvicorn's "auto" loop and HTTP parser fall
    back to asyncio and h11 when these two do not import (stub modules that raise).
    """
    import subprocess

    root = results / f"before-{commit}"
    if not (root / "server" / "frontdesk").is_dir():
        root.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(BENCH.parent), "archive", commit, "server"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
        for name in ("uvloop", "httptools"):
            (root / "stubs").mkdir(exist_ok=True)
            (root / "stubs" / f"{name}.py").write_text(
                f"raise ImportError('{name} hidden by bench --before')\n")
    return f"{root / 'stubs'}{os.pathsep}{root / 'server'}"


class FrontdeskBeforeTarget(FrontdeskTarget):
    name = "frontdesk-before"


class FrontdeskRedisBeforeTarget(FrontdeskRedisTarget):
    name = "frontdesk-redis-before"


class FrontdeskGcTarget(FrontdeskTarget):
    """`frontdesk serve` with the GC thresholds in $BENCH_GC (scenarios/gc_frontdesk.py)."""

    name = "frontdesk-gc"

    def argv(self) -> list[str]:
        return [sys.executable, str(BENCH / "scenarios" / "gc_frontdesk.py"), "--host",
                "127.0.0.1", "--port", "{port}"]

    def env(self) -> dict[str, str]:
        return super().env() | {"BENCH_GC": os.environ.get("BENCH_GC", "700,10,10")}


class FloorTarget(Target):
    name = "floor"

    def argv(self) -> list[str]:
        return [sys.executable, str(BENCH / "scenarios" / "floor.py"), "{port}"]


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


TARGETS: dict[str, Callable[[list[str], str], Target]] = {
    "floor": FloorTarget, "frontdesk": FrontdeskTarget, "frontdesk-asyncio": FrontdeskAsyncioTarget,
    "frontdesk-redis": FrontdeskRedisTarget, "frontdesk-redis2": FrontdeskRedis2Target,
    "frontdesk-gc": FrontdeskGcTarget, "frontdesk-before": FrontdeskBeforeTarget, "frontdesk-redis-before": FrontdeskRedisBeforeTarget,
    "websockets": WebsocketsTarget, "starlette": StarletteTarget, "node": NodeTarget,
}

