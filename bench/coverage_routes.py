"""The three coverage routes end to end over 35 days of 10,000 recorded changes, and the size
of that history in memory and in Redis.

    python bench/coverage_routes.py                          # in-process store
    python bench/coverage_routes.py --redis redis://127.0.0.1:6379/15   # a scratch Redis db:
                                                                         # it is FLUSHED first

A real uvicorn on a free loopback port serves the app (the same `create_app` as `serve`); the
history is filled through the store's own calls (10,000 widget changes, 10,000 agent changes
and 10,000 conversation moments, spread over the last 35 days), then each route is asked for
the whole 35 days, `--rounds` times, over HTTP with httpx. Sizes: `MEMORY USAGE` of the keys
in Redis; tracemalloc's count of what the in-process store allocated while filling.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import time
import tracemalloc
from datetime import UTC, datetime, timedelta

import httpx
import redis.asyncio as aioredis
import uvicorn

from frontdesk.config import Settings
from frontdesk.core.settings import parse_settings
from frontdesk.runner import uvicorn_config
from frontdesk.store import keys
from frontdesk.store.memory import MemoryStore
from frontdesk.store.redis import RedisStore
from frontdesk.web.app import create_app

KEY = "bench-key-0123456789"
WIDGET_STATES = ["online schedule", "offline team_away", "online schedule", "offline schedule"]
AGENT_STATES = ["online 1", "busy 1", "busy 0", "online 0"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def fill(store: object, changes: int, now: float) -> None:
    """`changes` of each kind over the 35 days before `now`, in time order, as recorded."""
    rng = random.Random(14)
    start = now - timedelta(days=35).total_seconds() + 60
    horizon = now - timedelta(days=35).total_seconds() - 3600
    times = sorted(rng.uniform(start, now - 60) for _ in range(changes))
    for i, at in enumerate(times):
        await store.record_state("bench", "widget:bench", at, WIDGET_STATES[i % 4], horizon)  # type: ignore[attr-defined]
        await store.record_state("bench", "agent:kevin", at, AGENT_STATES[i % 4], horizon)  # type: ignore[attr-defined]
    for i in range(changes // 3):
        at = times[i * 3]
        for offset, moment in ((0, "started_queued"), (rng.uniform(0, 300), "assigned"),
                               (600, "closed")):
            await store.record_moment("bench", at + offset, f"c{i}", moment, horizon)  # type: ignore[attr-defined]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--redis", default=None, help="a scratch Redis URL (FLUSHDB first)")
    args = parser.parse_args()
    now = datetime.now(UTC).timestamp()
    if args.redis:
        client = aioredis.Redis.from_url(args.redis)
        await client.flushdb()
        store: object = RedisStore(args.redis, node_id="bench")
    else:
        store = MemoryStore()
    settings = Settings(secret="b" * 40, api_key=KEY, redis_url=args.redis)
    app = create_app(settings, store=store)  # type: ignore[arg-type]
    port = free_port()
    server = uvicorn.Server(uvicorn_config(app, settings, "127.0.0.1", port))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.01)
    node = app.state.node
    await node.widgets.put("bench", parse_settings({"account": "bench"}))
    await node.presence.see_agent("bench", "kevin", "Kevin")
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    began = time.perf_counter()
    await fill(store, args.changes, now)
    filled = time.perf_counter() - began
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    print(f"{'redis' if args.redis else 'memory'} store: {args.changes:,} changes of each kind "
          f"over 35 days, filled in {filled:.1f} s (load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores)")
    if args.redis:
        ak = keys.AccountKeys("bench")
        for name, key in (("widget history", ak.history("widget:bench")),
                          ("agent history", ak.history("agent:kevin")),
                          ("moments", ak.moments)):
            size = await client.memory_usage(key)
            count = await client.zcard(key)
            print(f"  {name:15} {count:6,} records  {size / 1024:8.1f} KiB in Redis "
                  f"({size / count:.0f} B each)")
        await client.aclose()
    else:
        print(f"  in-process store grew by {grown / 1024:.1f} KiB for all three "
              f"({grown / (3 * args.changes):.0f} B a record)")
    since = datetime.now(UTC) - timedelta(days=35) + timedelta(seconds=30)
    params = {"from": since.isoformat()}  # the whole 35 days (within the next 30 s)
    routes = [("widget coverage", "/api/v1/widgets/bench/coverage"),
              ("agent activity", "/api/v1/accounts/bench/agents/kevin/activity"),
              ("queue stats", "/api/v1/accounts/bench/queue/stats")]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30,
                                 headers={"Authorization": f"Bearer {KEY}"}) as http:
        for name, path in routes:
            took = []
            body = None
            for _ in range(args.rounds):
                began = time.perf_counter()
                response = await http.get(path, params=params)
                took.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200, response.text
                body = response.json()
            assert body is not None
            size = len(body.get("intervals", ()))
            took.sort()
            print(f"  {name:16} best {took[0]:6.1f} ms  median {statistics.median(took):6.1f} ms"
                  f"  p90 {took[int(len(took) * 0.9) - 1]:6.1f} ms"
                  + (f"  ({size:,} intervals)" if size else ""))
    server.should_exit = True
    await task


if __name__ == "__main__":
    asyncio.run(main())
