"""Redis commands and publishes that each kind of traffic costs, measured on a real server.

    python bench/redis_per_operation.py                    # one redis-server
    python bench/redis_per_operation.py --cluster          # a six-node cluster (3 masters)

One `frontdesk serve` process (real sockets, real HTTP) on its own Redis; per operation, N
repetitions between two `INFO commandstats` snapshots (summed over the masters; `calls`
counts the commands a script runs too, `evalsha` the script calls themselves). The idle line
is one process holding the sockets the run opened, doing nothing for `--idle` seconds (its
liveness renewal, sweeps and the bus's keep-alive PINGs). Redis CPU is the Redis processes'
own CPU time (INFO cpu) over the repetitions: commands, networking and background work, on
this shared machine (noisy: take it as an order of magnitude). Feeds docs/scaling.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.support
sys.path.insert(0, str(Path(__file__).resolve().parent))  # for pubsub_per_process

import httpx  # noqa: E402
from tests.support import client as fd  # noqa: E402
from tests.support.server import (  # noqa: E402
    API_KEY,
    ServerProcess,
    agent_token,
    make_settings,
    server_env,
)

from pubsub_per_process import (  # noqa: E402
    IGNORED,
    commandstats,
    raise_fd_limit,
    redis_ports,
    redis_usec,
    reset_commandstats,
    started_store,
)

ACCOUNT = "acme"


def process_cpu_us(pid: int) -> float:
    """CPU microseconds (user + system) the process has used, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1e6 / os.sysconf("SC_CLK_TCK")


async def measured(ports: list[int], n: int, step: Callable[[int], Awaitable[None]],
                   pid: int) -> dict[str, float]:
    """Per repetition of `step`: Redis commands, script calls, publishes, Redis CPU, and the
    Frontdesk process's CPU (both with the 0.3 s settle after the last repetition)."""
    await asyncio.sleep(0.3)
    reset_commandstats(ports)
    cpu_before = redis_usec(ports)
    frontdesk_before = process_cpu_us(pid)
    for i in range(n):
        await step(i)
    await asyncio.sleep(0.3)
    frontdesk = (process_cpu_us(pid) - frontdesk_before) / n
    stats = {k: v for k, v in commandstats(ports).items() if k not in IGNORED}
    publishes = sum(v for k, v in stats.items() if k in ("publish", "spublish"))
    return {"commands": sum(stats.values()) / n, "scripts": stats.get("evalsha", 0) / n,
            "publishes": publishes / n, "usec": (redis_usec(ports) - cpu_before) / n, "frontdesk": frontdesk}


async def run(args: argparse.Namespace) -> list[tuple[str, dict[str, float]]]:
    raise_fd_limit()
    settings = make_settings(heartbeat=30.0, presence_ttl=120.0, close_grace=0.0)
    rows: list[tuple[str, dict[str, float]]] = []
    with started_store(args.cluster) as (url, store):
        proc = ServerProcess(server_env(settings, REDIS_URL=url), "--log-level", "warning")
        try:
            await proc.wait_ready(timeout=30)
            ports = redis_ports(store)
            pid = proc.proc.pid
            api = httpx.AsyncClient(base_url=proc.http, timeout=30,
                                    headers={"Authorization": f"Bearer {API_KEY}"})
            keep: list[fd.Client] = []
            try:
                (await api.put("/api/v1/widgets/site", json={
                    "account": ACCOUNT, "routing": "round_robin",
                    "offline_when_team_away": True})).raise_for_status()
                # a team that is there: two agents online (the widget online)
                for name in ("ann", "bob"):
                    client, _ = await fd.agent(proc.ws, agent_token(ACCOUNT, name))
                    keep.append(client)

                async def visitor(i: int) -> None:
                    client, _ = await fd.widget(proc.ws, "site", visitor=f"v{i}")
                    keep.append(client)

                rows.append(("widget socket: hello to welcome",
                             await measured(ports, args.n, visitor, pid)))
                visitors = keep[2:]

                async def visitor_leaves(i: int) -> None:
                    await visitors[i].close()

                rows.append(("widget socket: close",
                             await measured(ports, args.n, visitor_leaves, pid)))
                del keep[2:]

                async def agent_session(i: int) -> None:
                    client, _ = await fd.agent(proc.ws, agent_token(ACCOUNT, f"a{i}"))
                    await client.close()

                rows.append(("agent socket: hello to welcome, then close",
                             await measured(ports, max(10, args.n // 4), agent_session, pid)))

                flipper = keep[0]

                async def flip(i: int) -> None:
                    status = "busy" if i % 2 == 0 else "online"
                    await flipper.send({"type": "status", "status": status})
                    await flipper.recv_type("agent.status", agent="ann", status=status)

                pinger = keep[1]

                async def ping(i: int) -> None:
                    await pinger.send({"type": "ping"})
                    await pinger.recv_type("pong")

                rows.append(("heartbeat (ping, pong)", await measured(ports, args.n * 5, ping,
                                                                      pid)))

                rows.append(("agent status change (pushes agent.status)",
                             await measured(ports, args.n, flip, pid)))
                await keep[1].send({"type": "status", "status": "busy"})
                await asyncio.sleep(0.2)

                async def flip_widget(i: int) -> None:
                    status = "busy" if i % 2 == 0 else "online"
                    await flipper.send({"type": "status", "status": status})
                    await flipper.recv_type("agent.status", agent="ann", status=status)

                rows.append(("agent status change that flips the widget",
                             await measured(ports, args.n, flip_widget, pid)))
                await flipper.send({"type": "status", "status": "online"})
                await asyncio.sleep(0.2)
                started: list[str] = []

                async def start(i: int) -> None:
                    response = await api.post("/api/v1/widgets/site/conversations",
                                              json={"visitor": f"c{i}"})
                    started.append(response.json()["conversation"])

                rows.append(("conversation start (assigned)",
                             await measured(ports, args.n, start, pid)))

                async def close(i: int) -> None:
                    await api.post(f"/api/v1/conversations/{started[i]}/close")

                rows.append(("conversation close", await measured(ports, args.n, close, pid)))

                for i in range(args.idle_sockets):
                    client, _ = await fd.widget(proc.ws, "site", visitor=f"idle{i}")
                    keep.append(client)
                await asyncio.sleep(1)
                reset_commandstats(ports)
                cpu_before = redis_usec(ports)
                frontdesk_before = process_cpu_us(pid)
                began = time.monotonic()
                await asyncio.sleep(args.idle)
                stats = {k: v for k, v in commandstats(ports).items() if k not in IGNORED}
                usec = redis_usec(ports) - cpu_before
                spent = time.monotonic() - began
                rows.append((f"idle process, {len(keep)} sockets: per second",
                             {"commands": sum(stats.values()) / spent,
                              "scripts": stats.get("evalsha", 0) / spent,
                              "publishes": 0.0, "usec": usec / spent,
                              "frontdesk": (process_cpu_us(pid) - frontdesk_before) / spent}))
            finally:
                for client in keep:
                    await client.close()
                await api.aclose()
        finally:
            proc.stop()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100, help="repetitions per operation")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle measured")
    parser.add_argument("--idle-sockets", type=int, default=500)
    parser.add_argument("--cluster", action="store_true")
    args = parser.parse_args()
    rows = asyncio.run(run(args))
    print(f"Redis work per operation ({'cluster, 3 masters' if args.cluster else 'redis-server'}"
          f", n={args.n})\n\n| operation | commands run | of which script calls | publishes "
          "| Redis CPU µs | Frontdesk CPU µs |\n| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, row in rows:
        print(f"| {name} | {row['commands']:.1f} | {row['scripts']:.1f} | "
              f"{row['publishes']:.2f} | {row['usec']:.0f} | {row['frontdesk']:.0f} |")


if __name__ == "__main__":
    main()
