"""A client worker: one process per server under test, holding that server's sockets.

One process cannot hold 4 x 10,000 sockets here (RLIMIT_NOFILE's hard limit is 20,000 and
cannot be raised), and the orchestrator wants every server up at once so that it can
interleave their pushes; so each server gets its own worker, forked by run.py, all on the
client core. The worker obeys commands from a pipe, one at a time, and answers each with
("ok", result) or ("error", text). Setup runs on asyncio; a measured push runs on the
worker's plain epoll `Fleet`, synchronously, from the trigger to the last frame.
"""

from __future__ import annotations

import asyncio
import os
import time
from multiprocessing.connection import Connection
from typing import Any

from client import Conn, Fleet, Tally, open_many
from targets import PING, Target

PUSH_TIMEOUT = 60.0


CLK_TCK = os.sysconf("SC_CLK_TCK")


def user_sys_seconds(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of the server process, in clock ticks' resolution."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK


def sched_seconds(pid: int) -> tuple[float, float]:
    """(seconds on a CPU, seconds runnable but waiting for a CPU) of the server process."""
    with open(f"/proc/{pid}/schedstat") as f:
        on_cpu, waiting, _ = f.read().split()
    return int(on_cpu) / 1e9, int(waiting) / 1e9


class Worker:
    def __init__(self, target: Target, port: int, pid: int) -> None:
        self.target = target
        self.target.port = port
        self.pid = pid
        self.listeners: list[Conn] = []
        self.fleet: Fleet | None = None
        self.tally = Tally()

    async def prepare(self) -> dict[str, Any]:
        await self.target.prepare(self.tally)
        return {}

    async def connect(self, n: int, batch: int) -> dict[str, Any]:
        t0 = time.perf_counter()
        self.listeners = await open_many(n, batch, lambda: self.target.open_listener(self.tally))
        await self.target.wait_registered(n)
        connect_s = time.perf_counter() - t0
        self.fleet = Fleet(self.listeners)
        return {"connect_s": connect_s}

    def push(self) -> dict[str, Any]:
        """One push: trigger, then read until every listener has its frame."""
        fleet = self.fleet
        assert fleet is not None
        n = len(self.listeners)
        frames0, bytes0 = fleet.frames, fleet.bytes
        (user0, sys0), (cpu0, wait0) = user_sys_seconds(self.pid), sched_seconds(self.pid)
        client0 = time.process_time()
        marks = [frames0 + -(-n * k // 100) for k in range(1, 101)]  # each 1 % of the frames
        t = time.perf_counter()
        self.target.trigger()
        done = fleet.wait(frames0 + n, PUSH_TIMEOUT, marks)
        client = time.process_time() - client0
        latencies = [round((m - t) * 1000, 3) for m in fleet.mark_times]
        cpu1, wait1 = sched_seconds(self.pid)
        user1, sys1 = user_sys_seconds(self.pid)
        return {"s": done - t, "server_cpu": cpu1 - cpu0, "server_wait": wait1 - wait0,
                "server_user": user1 - user0, "server_sys": sys1 - sys0,
                "client_cpu": client, "frames": fleet.frames - frames0,
                "bytes": fleet.bytes - bytes0, "latency_ms": latencies}

    def burst(self, k: int) -> dict[str, Any]:
        """K triggers in one write; from that write to the last of the N*K frames."""
        fleet = self.fleet
        assert fleet is not None
        target_frames = fleet.frames + len(self.listeners) * k
        (cpu0, _), t = sched_seconds(self.pid), time.perf_counter()
        self.target.trigger_many(k)
        done = fleet.wait(target_frames, PUSH_TIMEOUT)
        return {"s": done - t, "server_cpu": sched_seconds(self.pid)[0] - cpu0}

    def keepalive(self) -> dict[str, Any]:
        """A ping on every listener, and wait for the pongs (Frontdesk's presence TTL)."""
        fleet = self.fleet
        assert fleet is not None
        frames0 = fleet.frames
        for conn in self.listeners:
            conn.send(PING)
        fleet.wait(frames0 + len(self.listeners), PUSH_TIMEOUT)
        return {}

    def status(self) -> dict[str, Any]:
        fleet = self.fleet
        return {"closes": fleet.closes if fleet else 0, "dropped": fleet.dead if fleet else 0}

    def close(self) -> None:
        if self.fleet is not None:
            self.fleet.close()
        for conn in self.listeners:
            conn.abort()
        if self.target.control is not None:
            self.target.control.abort()


async def serve(pipe: Connection, worker: Worker) -> None:
    while True:
        command, *args = pipe.recv()  # blocking on purpose: nothing else runs meanwhile
        try:
            if command == "close":
                worker.close()
                await asyncio.sleep(0.05)
                pipe.send(("ok", {}))
                return
            if command == "prepare":
                result = await worker.prepare()
            elif command == "connect":
                result = await worker.connect(*args)
            elif command == "push":
                result = worker.push()
            elif command == "burst":
                result = worker.burst(*args)
            elif command == "keepalive":
                result = worker.keepalive()
            elif command == "status":
                result = worker.status()
            else:
                raise ValueError(f"unknown command {command!r}")
            pipe.send(("ok", result))
        except Exception as exc:
            pipe.send(("error", f"{type(exc).__name__}: {exc}"))
        await asyncio.sleep(0)  # let asyncio read the control socket (the agent's frames)
        worker.target.after_block()


def main(pipe: Connection, target: Target, port: int, pid: int) -> None:
    """Entry point of the forked worker process."""
    asyncio.run(serve(pipe, Worker(target, port, pid)))
