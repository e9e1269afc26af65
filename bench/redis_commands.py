"""Redis commands per second that presence costs one process holding 5,000 connections.

    python bench/redis_commands.py                     # 5,000 connections, 50 agents, 10 s
    python bench/redis_commands.py --connections 20000 --seconds 20

Starts its own redis-server on a free loopback port, registers the connections through one
RedisStore (one process), then drives the store as the server does while idle: the brief's
schedule (renew_node once a second, sweep_nodes twice a second) and node.py's liveness loop
(renew_node, sweep_nodes and accounts_in_grace once a second). Each is measured on its own
with `INFO commandstats` deltas over the window: `calls` counts every command Redis ran,
commands run inside a script included; `round trips` counts what the client sent. The
`ping` line is the event subscription's own keep-alive (one every 5 s while idle).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.support

import redis.asyncio as aioredis  # noqa: E402
from tests.support.redis_server import RedisServer  # noqa: E402

from frontdesk.store.redis import RedisStore  # noqa: E402

ACCOUNT = "bench"
TTL = 30.0
IGNORED = {"info", "config|resetstat", "config"}  # the measurement's own commands


async def commandstats(client: aioredis.Redis) -> dict[str, int]:
    stats = await client.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()}


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {name: after[name] - before.get(name, 0) for name in after
            if name not in IGNORED and after[name] - before.get(name, 0) > 0}


def count_round_trips(store: RedisStore) -> list[int]:
    """Count the commands the store sends (a script is one EVALSHA) from now on."""
    client = store._redis  # a benchmark may look inside
    counter = [0]
    send = type(client).execute_command

    async def counted(*args: object, **options: object) -> object:
        counter[0] += 1
        return await send(client, *args, **options)

    client.execute_command = counted  # type: ignore[method-assign]
    return counter


async def every(period: float, action: Callable[[], Awaitable[object]], until: float) -> int:
    """Run action every `period` seconds until the deadline; how many times it ran."""
    runs = 0
    next_run = time.monotonic()
    while next_run < until:
        await action()
        runs += 1
        next_run += period
        await asyncio.sleep(max(0.0, next_run - time.monotonic()))
    return runs


async def measure(name: str, store: RedisStore, probe: aioredis.Redis, seconds: float,
                  schedule: list[tuple[float, Callable[[], Awaitable[object]]]]) -> float:
    trips = count_round_trips(store)
    before = await commandstats(probe)
    started = time.monotonic()
    until = started + seconds
    await asyncio.gather(*(every(period, action, until) for period, action in schedule))
    elapsed = time.monotonic() - started
    calls = delta(before, await commandstats(probe))
    total = sum(calls.values())
    print(f"\n{name}  ({elapsed:.1f} s)")
    for cmd, n in sorted(calls.items(), key=lambda item: -item[1]):
        print(f"  {cmd:<20} {n:6d}  {n / elapsed:7.2f}/s")
    print(f"  {'total':<20} {total:6d}  {total / elapsed:7.2f}/s   "
          f"(round trips from the client: {trips[0] / elapsed:.2f}/s)")
    return total / elapsed


async def run(connections: int, agents: int, seconds: float) -> None:
    with RedisServer() as server:
        store = RedisStore(server.url, node_id="bench-node")
        probe = aioredis.Redis.from_url(server.url)
        await store.open(lambda event: None)
        try:
            now = time.time()
            await store.renew_node(now, TTL)
            for agent in range(agents):
                await store.see_agent(ACCOUNT, f"agent{agent}", f"Agent {agent}")
            ids = [(f"agent{i % agents}", f"conn{i}") for i in range(connections)]
            for start in range(0, connections, 200):
                await asyncio.gather(*(store.add_connection(ACCOUNT, agent, conn)
                                       for agent, conn in ids[start:start + 200]))
            await store.sweep_nodes(time.time())  # load every script once, before measuring
            await store.accounts_in_grace()
            team = await store.team(ACCOUNT)
            print(f"{connections} connections of {len(team.agents)} agents registered by one "
                  f"RedisStore; redis-server {server.url}")

            def renew() -> Awaitable[None]:
                return store.renew_node(time.time(), TTL)

            def sweep_nodes() -> Awaitable[list[str]]:
                return store.sweep_nodes(time.time())

            async def liveness_loop() -> None:  # node.py's _liveness_loop body
                now = time.time()
                await store.renew_node(now, TTL)
                await store.sweep_nodes(now)
                await store.accounts_in_grace()

            brief = await measure("renew_node 1/s + sweep_nodes 2/s", store, probe, seconds,
                                  [(1.0, renew), (0.5, sweep_nodes)])
            node = await measure("node.py liveness loop 1/s (renew + sweep_nodes + "
                                 "accounts_in_grace)", store, probe, seconds,
                                 [(1.0, liveness_loop)])
            team = await store.team(ACCOUNT)
            assert sum(a.connections for a in team.agents) == connections
            print(f"\nRESULT: {brief:.1f} commands/s (brief's schedule), {node:.1f} commands/s "
                  f"(node.py's loop), for {connections} connections; independent of the count")
        finally:
            await store.close()
            await probe.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=5000)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    asyncio.run(run(args.connections, args.agents, args.seconds))


if __name__ == "__main__":
    main()
