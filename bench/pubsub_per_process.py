"""Pub/sub messages each Frontdesk process receives, with many accounts over a few processes.

    python bench/pubsub_per_process.py                       # 1,000 accounts, 4 processes
    python bench/pubsub_per_process.py --accounts 200 --processes 2 --toggles 2
    python bench/pubsub_per_process.py --cluster             # on a 3-master/3-replica cluster

Starts its own Redis (one redis-server, or with `--cluster` a real six-node cluster from
tests/support), then P real `frontdesk serve` processes on it. Account `a<i>` gets one widget,
and one widget socket held on process `i % P` only, so each process holds the sockets of
1/P of the accounts. Then every account's widget is switched offline and online again
(`--toggles` PUTs, each one `widget.status` event), round-robin over the processes' HTTP APIs,
and the run waits until every socket has every frame (so nothing is counted early).

Measured, per process: events its bus handed it during the toggles (the
`frontdesk_bus_events_received_total` counter of its /metrics, delta), next to the events it
needed (its own accounts' events). Per Redis: the commands the toggles cost (INFO
commandstats delta summed over the masters; `calls` counts commands run inside scripts too),
per toggle, and the publishes among them. With one subscription per process for every
account, each process receives every event; with per-account subscriptions, only its own.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.support

import httpx  # noqa: E402
import redis  # noqa: E402
from tests.support import client as fd  # noqa: E402
from tests.support.redis_cluster import RedisCluster  # noqa: E402
from tests.support.redis_server import RedisServer  # noqa: E402
from tests.support.server import API_KEY, ServerProcess, make_settings, server_env  # noqa: E402

METRIC = "frontdesk_bus_events_received_total"
IGNORED = {"info", "config|resetstat", "config", "cluster|nodes", "cluster|info"}


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def redis_ports(store: RedisServer | RedisCluster) -> list[int]:
    """The ports whose commandstats add up to the whole store's work (masters only)."""
    if isinstance(store, RedisCluster):
        return [node.port for node in store.masters()]
    return [store.port]


def commandstats(ports: list[int]) -> dict[str, int]:
    total: dict[str, int] = {}
    for port in ports:
        with redis.Redis(port=port) as client:
            for name, value in client.info("commandstats").items():
                name = name.removeprefix("cmdstat_")
                total[name] = total.get(name, 0) + int(value["calls"])
    return total


def redis_usec(ports: list[int]) -> float:
    """CPU microseconds the Redis processes have used so far (INFO cpu, user + system), over
    the masters: commands, scripts, networking and background work, all of it."""
    total = 0.0
    for port in ports:
        with redis.Redis(port=port) as client:
            cpu = client.info("cpu")
            total += (float(cpu["used_cpu_user"]) + float(cpu["used_cpu_sys"])) * 1e6
    return total


def used_memory(ports: list[int]) -> int:
    total = 0
    for port in ports:
        with redis.Redis(port=port) as client:
            total += int(client.info("memory")["used_memory"])
    return total


def reset_commandstats(ports: list[int]) -> None:
    for port in ports:
        with redis.Redis(port=port) as client:
            client.config_resetstat()


async def received(proc: ServerProcess) -> float | None:
    """The process's bus counter, or None when it has no such metric (older builds)."""
    async with httpx.AsyncClient(timeout=10) as client:
        text = (await client.get(f"{proc.http}/metrics")).text
    for line in text.splitlines():
        if line.startswith(METRIC + " ") or line.startswith(METRIC + "{"):
            return float(line.rsplit(" ", 1)[1])
    return None


async def gather_limited(limit: int, coros: list[Any]) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def one(coro: Any) -> Any:
        async with gate:
            return await coro

    return await asyncio.gather(*(one(c) for c in coros))


@contextlib.contextmanager
def started_store(cluster: bool) -> Iterator[tuple[str, RedisServer | RedisCluster]]:
    store: RedisServer | RedisCluster = RedisCluster() if cluster else RedisServer()
    store.start()
    try:
        yield store.url, store
    finally:
        store.cleanup()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    raise_fd_limit()
    settings = make_settings(heartbeat=30.0, presence_ttl=120.0, close_grace=0.5)
    with started_store(args.cluster) as (url, store):
        procs = [ServerProcess(server_env(settings, REDIS_URL=url), "--log-level", "warning")
                 for _ in range(args.processes)]
        try:
            await asyncio.gather(*(p.wait_ready(timeout=30) for p in procs))
            return await measure(args, store, procs)
        finally:
            for i, proc in enumerate(procs):
                output = proc.stop()
                if args.logs and output:
                    print(f"--- process {i} ---\n{output[-3000:]}")


async def measure(args: argparse.Namespace, store: RedisServer | RedisCluster,
                  procs: list[ServerProcess]) -> dict[str, Any]:
    accounts = [f"a{i}" for i in range(args.accounts)]
    home = {account: i % len(procs) for i, account in enumerate(accounts)}
    apis = [httpx.AsyncClient(base_url=p.http, timeout=30,
                              headers={"Authorization": f"Bearer {API_KEY}"}) for p in procs]

    async def put(i: int, account: str, status: str) -> None:
        api = apis[i % len(apis)]
        for attempt in range(3):  # a kept-alive connection the server just closed: PUT again
            try:
                response = await api.put(f"/api/v1/widgets/w-{account}",
                                         json={"account": account, "manual_status": status})
                break
            except httpx.TransportError:
                if attempt == 2:
                    raise
        response.raise_for_status()

    try:
        memory_before = used_memory(redis_ports(store))
        started = time.monotonic()
        await gather_limited(50, [put(i, a, "online") for i, a in enumerate(accounts)])
        setup_s = time.monotonic() - started
        sockets: dict[str, fd.Client] = {}

        async def open_one(account: str) -> None:
            client, welcome = await fd.widget(procs[home[account]].ws, f"w-{account}")
            assert welcome["widget"]["status"] == "online"
            sockets[account] = client

        started = time.monotonic()
        await gather_limited(100, [open_one(a) for a in accounts])
        connect_s = time.monotonic() - started
        await asyncio.sleep(1.0)  # let subscriptions and welcomes settle
        before = await asyncio.gather(*(received(p) for p in procs))
        ports = redis_ports(store)
        reset_commandstats(ports)
        cpu_before = redis_usec(ports)

        missed: list[tuple[str, int, str]] = []
        started = time.monotonic()
        for toggle in range(args.toggles):
            status = "offline" if toggle % 2 == 0 else "online"
            await gather_limited(50, [put(i, a, status) for i, a in enumerate(accounts)])

            async def seen(account: str, status: str = status) -> None:
                try:
                    await sockets[account].recv_type("widget.status", timeout=30, status=status)
                except TimeoutError:
                    missed.append((account, home[account], status))

            await gather_limited(200, [seen(a) for a in accounts])
        toggles_s = time.monotonic() - started
        if missed:
            raise RuntimeError(f"{len(missed)} sockets missed a frame: {missed[:10]}")
        await asyncio.sleep(0.5)
        after = await asyncio.gather(*(received(p) for p in procs))
        stats = {k: v for k, v in commandstats(ports).items() if k not in IGNORED}
        usec = redis_usec(ports) - cpu_before
        memory_per_account = (used_memory(ports) - memory_before) / len(accounts)
        for client in sockets.values():
            await client.close()
    finally:
        for api in apis:
            await api.aclose()

    events = args.accounts * args.toggles
    per_process = []
    for i, (b, a) in enumerate(zip(before, after, strict=True)):
        own = sum(1 for account in accounts if home[account] == i) * args.toggles
        got = None if a is None or b is None else int(a - b)
        per_process.append({"process": i, "received": got, "own_events": own})
    publishes = sum(v for k, v in stats.items() if k in ("publish", "spublish"))
    return {
        "store": "cluster (3 masters)" if args.cluster else "redis-server",
        "accounts": args.accounts, "processes": args.processes, "toggles": args.toggles,
        "events": events, "setup_s": round(setup_s, 2), "connect_s": round(connect_s, 2),
        "toggles_s": round(toggles_s, 2), "per_process": per_process,
        "redis_calls": sum(stats.values()), "redis_calls_per_event": round(
            sum(stats.values()) / events, 1),
        "publishes_per_event": round(publishes / events, 2),
        "redis_usec_per_event": round(usec / events, 1),
        "redis_bytes_per_account": round(memory_per_account),
        "commandstats": dict(sorted(stats.items(), key=lambda kv: -kv[1])),
    }


def report(result: dict[str, Any]) -> str:
    lines = [f"{result['accounts']} accounts over {result['processes']} processes on "
             f"{result['store']}: {result['events']} widget.status events "
             f"({result['toggles']} per account) in {result['toggles_s']} s",
             "", "| process | events received | events of its own accounts |",
             "| --- | --- | --- |"]
    for row in result["per_process"]:
        got = "n/a (no metric)" if row["received"] is None else f"{row['received']:,}"
        lines.append(f"| {row['process']} | {got} | {row['own_events']:,} |")
    lines += ["", f"Redis: {result['redis_calls']:,} commands run "
              f"({result['redis_calls_per_event']} per event, "
              f"{result['publishes_per_event']} publishes per event, "
              f"{result['redis_usec_per_event']} µs of Redis CPU per event; "
              f"{result['redis_bytes_per_account']:,} bytes of Redis memory per account); "
              "top: " + ", ".join(
                  f"{k} {v:,}" for k, v in list(result["commandstats"].items())[:8])]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--toggles", type=int, default=2, help="status changes per account")
    parser.add_argument("--cluster", action="store_true", help="run on a six-node cluster")
    parser.add_argument("--json", action="store_true", help="print the raw result too")
    parser.add_argument("--logs", action="store_true", help="print the processes' logs")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(report(result))
    if args.json:
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
