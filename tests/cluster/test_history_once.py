"""Two processes on one Redis record each change once, and answer the same reports."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
import redis.asyncio as aioredis

from frontdesk.store import keys
from tests.cluster.conftest import back_office
from tests.support import client as fd
from tests.support.server import ServerProcess, agent_token, make_settings

pytestmark = pytest.mark.redis

SETTINGS = make_settings(heartbeat=0.5, presence_ttl=1.5, close_grace=0.3)


def counter(text: str, name: str, kind: str) -> float:
    match = re.search(rf'^{name}_total{{kind="{kind}"}} (\S+)$', text, re.M)
    return float(match.group(1)) if match else 0.0


async def widget_is(proc: ServerProcess, status: str) -> None:
    async with httpx.AsyncClient(base_url=proc.http) as plain:
        for _ in range(250):
            if (await plain.get("/api/v1/widgets/site/status")).json()["status"] == status:
                return
            await asyncio.sleep(0.02)
    raise AssertionError(f"widget never {status}")


async def test_each_change_is_recorded_once_across_processes(processes, redis_url) -> None:
    a = await processes(SETTINGS)
    b = await processes(SETTINGS)
    async with back_office(a) as api:
        await api.put("/api/v1/widgets/site", json={"account": "acme",
                                                    "offline_when_team_away": True})
    # a socket of the account on each process: both follow the account, and every grace end
    # is armed on both, so both compute each change and race for it
    watchers = [await fd.agent(p.ws, agent_token("acme", f"watch-{i}"), beat=0.3)
                for i, p in enumerate((a, b))]
    for watcher, _ in watchers:
        await watcher.send({"type": "status", "status": "busy"})
    await asyncio.sleep(0.3)
    for round_ in range(3):
        proc = (a, b)[round_ % 2]
        kevin, _ = await fd.agent(proc.ws, agent_token("acme", "kevin"), beat=0.3)
        await widget_is(a, "online")
        await kevin.close()  # the grace ends on both processes at once
        await widget_is(b, "offline")
    await asyncio.sleep(0.5)

    texts = []
    for proc in (a, b):
        async with back_office(proc) as api:
            texts.append((await api.get("/metrics")).text)
    widget_records = sum(counter(t, "frontdesk_history_records", "widget") for t in texts)
    agent_records = sum(counter(t, "frontdesk_history_records", "agent") for t in texts)
    assert all(counter(t, "frontdesk_history_unchanged", "widget") == 0 for t in texts)
    assert all(counter(t, "frontdesk_history_unchanged", "agent") == 0 for t in texts)

    client = aioredis.Redis.from_url(redis_url)
    try:
        stored = await client.zcard(keys.AccountKeys("acme").history("widget:site"))
        stored_agents = 0
        for agent in ("kevin", "watch-0", "watch-1"):
            stored_agents += await client.zcard(keys.AccountKeys("acme").history(f"agent:{agent}"))
    finally:
        await client.aclose()
    # created (team away), online while the watchers were online, offline when they went
    # busy, then three times online and offline with Kevin
    assert widget_records == stored == 9
    assert agent_records == stored_agents

    bodies = []
    for proc in (a, b):
        async with back_office(proc) as api:
            bodies.append((await api.get("/api/v1/widgets/site/coverage")).json())
    assert [i["status"] for i in bodies[0]["intervals"]] == ["offline", "online"] * 4 + ["offline"]
    first, second = (body["intervals"] for body in bodies)
    assert first[:-1] == second[:-1]  # the same history read from either process
    assert first[-1]["from"] == second[-1]["from"]  # the open end runs to each one's now
    for watcher, _ in watchers:
        await watcher.close()


async def test_a_gap_is_alerted_once_across_processes(processes) -> None:
    a = await processes(SETTINGS)
    b = await processes(SETTINGS)
    async with back_office(a) as api:
        await api.put("/api/v1/widgets/site", json={"account": "acme",
                                                    "offline_when_team_away": True})
        await api.put("/api/v1/accounts/acme/settings", json={"gap_alert_after": 0.3})
    watchers = [(await fd.agent(p.ws, agent_token("acme", f"watch-{i}"), beat=0.3))[0]
                for i, p in enumerate((a, b))]
    for watcher in watchers:
        await watcher.send({"type": "status", "status": "busy"})
    kevin, _ = await fd.agent(b.ws, agent_token("acme", "kevin"), beat=0.3)
    await widget_is(a, "online")
    await kevin.send({"type": "status", "status": "busy"})
    for watcher in watchers:
        gap = await watcher.recv_type("coverage.gap", timeout=5)
        assert gap["widget"] == "site"
    await asyncio.sleep(0.5)  # time for a second alert, were another process to send one
    await kevin.send({"type": "status", "status": "online"})
    for watcher in watchers:
        seen = []
        while not seen or seen[-1]["type"] != "coverage.gap_ended":
            seen.append(await watcher.recv(timeout=5))
        assert [f for f in seen if f["type"].startswith("coverage.")] == [seen[-1]], seen
        await watcher.no_frame(0.5, kind="coverage.gap_ended")
    for client in (*watchers, kevin):
        await client.close()
