"""Webhook delivery over two real processes on one Redis: throughput, latency, loss under SIGKILL.

    python bench/webhooks.py                      # 8 agents, 4 s of flips, then the kill run
    python bench/webhooks.py --agents 16 --seconds 10

Starts a redis-server, two `frontdesk serve` processes and a fast receiver (2xx at once, in
this process). One webhook for every event type. Agents, half on each process, flip their
status as fast as their socket allows (each flip waits for its own agent.status frame); each
flip is one event.

- throughput: events delivered per second, from the first to the last arrival;
- latency: at a paced rate (below saturation), for each flip, from sending the status frame to the event's arrival at the
  receiver (matched per agent in seq order, which is publishing order);
- loss: a second run where every agent sits on process two while process one is SIGKILLed
  halfway; every flip must still arrive (duplicates after the lease are allowed, and counted).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.support

import httpx  # noqa: E402
from tests.support import client as fd  # noqa: E402
from tests.support.receiver import running_receiver  # noqa: E402
from tests.support.redis_server import RedisServer  # noqa: E402
from tests.support.server import (  # noqa: E402
    API_KEY,
    ServerProcess,
    agent_token,
    make_settings,
    server_env,
)

SETTINGS = make_settings(heartbeat=2.0, presence_ttl=6.0, close_grace=0.5)
ENV = {"FRONTDESK_WEBHOOK_ALLOW_PRIVATE": "1", "FRONTDESK_WEBHOOK_LEASE": "10"}


async def flipper(proc: ServerProcess, name: str, until: float, sent: list[float],
                  pause: float) -> None:
    """Flip until `until`; a flip whose frame does not come back in 10 s ends the agent."""
    client, _ = await fd.agent(proc.ws, agent_token("acme", name), beat=1.0)
    n = 0
    try:
        while time.monotonic() < until:
            status = "busy" if n % 2 == 0 else "online"
            sent.append(time.time())
            await client.send({"type": "status", "status": status})
            await client.recv_type("agent.status", agent=name, status=status, timeout=10)
            n += 1
            await asyncio.sleep(pause)
    except TimeoutError:
        print(f"{name}: no frame back within 10 s; stopping this agent", file=sys.stderr)
    await client.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


async def run(agents: int, seconds: float, kill: bool, pause: float = 0.0,
              webhook: bool = True) -> dict[str, Any]:
    with RedisServer() as store:
        env = server_env(SETTINGS, REDIS_URL=store.url, **ENV)
        procs = [ServerProcess(env), ServerProcess(env)]
        try:
            for proc in procs:
                await proc.wait_ready()
            async with running_receiver() as receiver, httpx.AsyncClient(
                    base_url=procs[1].http, headers={"Authorization": f"Bearer {API_KEY}"}) as api:
                if webhook:
                    await api.post("/api/v1/accounts/acme/webhooks",
                                   json={"url": receiver.url(), "events": ["*"]})
                names = [f"agent{i}" for i in range(agents)]
                sent: dict[str, list[float]] = {n: [] for n in names}
                until = time.monotonic() + seconds
                where = [procs[1] if kill or i % 2 else procs[0] for i in range(agents)]
                tasks = [asyncio.create_task(flipper(p, n, until, sent[n], pause))
                         for p, n in zip(where, names, strict=True)]
                if kill:
                    await asyncio.sleep(seconds / 2)
                    procs[0].kill()
                await asyncio.gather(*tasks)
                flips = sum(len(v) for v in sent.values())
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    got = _by_agent(receiver.requests)
                    if sum(len(v) for v in got.values()) >= flips:
                        break
                    await asyncio.sleep(0.2)
                await asyncio.sleep(1.0)
                got = _by_agent(receiver.requests)
        finally:
            for proc in procs:
                proc.stop()
    arrivals = sorted(r.at for r in receiver.requests)
    ids = [r.json["id"] for r in receiver.requests]
    latencies = [arrived - sent[name][i] for name, events in got.items()
                 for i, arrived in enumerate(events) if i < len(sent[name])]
    delivered = sum(min(len(got.get(n, [])), len(sent[n])) for n in names)
    return {
        "flips": flips, "events_received": len(receiver.requests),
        "duplicates": len(ids) - len(set(ids)), "lost": flips - delivered,
        "events_per_s": round(len(arrivals) / max(1e-9, arrivals[-1] - arrivals[0]), 1),
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p99_ms": round(1000 * percentile(latencies, 0.99), 1),
    }


def _by_agent(requests: list[Any]) -> dict[str, list[float]]:
    """Each agent's flip events (not its connect or leave), by seq, as arrival times."""
    seen: dict[str, dict[str, tuple[int, float]]] = {}
    for r in requests:
        body = r.json
        data = body["data"]
        if body["type"] != "agent.status" or not data["connected"]:
            continue
        seen.setdefault(data["agent"], {}).setdefault(body["id"], (body["seq"], r.at))
    result = {}
    for agent, events in seen.items():
        ordered = sorted(events.values())[1:]  # the first is the agent connecting
        result[agent] = [at for _, at in ordered]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--agents", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()
    saturated = asyncio.run(run(args.agents, args.seconds, kill=False))
    print("as fast as the agents can flip, 2 processes:", saturated, flush=True)
    paced = asyncio.run(run(args.agents, args.seconds, kill=False, pause=0.1))
    print("each agent flipping every 0.1 s, 2 processes:", paced, flush=True)
    killed = asyncio.run(run(args.agents, args.seconds * 2, kill=True, pause=0.05))
    print("process one SIGKILLed halfway:", killed)


if __name__ == "__main__":
    main()
