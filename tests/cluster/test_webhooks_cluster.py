"""Webhooks across real processes on one redis-server: once per change, durable through SIGKILL."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.cluster.conftest import SHORT, back_office
from tests.support import client as fd
from tests.support.receiver import Receiver, running_receiver
from tests.support.server import ServerProcess, agent_token

pytestmark = pytest.mark.redis

WEBHOOK_ENV = {"FRONTDESK_WEBHOOK_ALLOW_PRIVATE": "1", "FRONTDESK_WEBHOOK_LEASE": "10"}


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with running_receiver() as running:
        yield running


async def start(processes, port: int | None = None) -> ServerProcess:
    return await processes(SHORT, port, **WEBHOOK_ENV)


async def register(proc: ServerProcess, url: str, events: list[str]) -> dict[str, Any]:
    async with back_office(proc) as api:
        response = await api.post("/api/v1/accounts/acme/webhooks",
                                  json={"url": url, "events": events})
        assert response.status_code == 201, response.text
        return response.json()


async def deliveries(proc: ServerProcess, hook: dict[str, Any]) -> list[dict[str, Any]]:
    async with back_office(proc) as api:
        response = await api.get(f"/api/v1/accounts/acme/webhooks/{hook['id']}/deliveries")
        assert response.status_code == 200, response.text
        return response.json()


async def collect(client: fd.Client, into: list[dict[str, Any]]) -> None:
    """Every frame the socket gets, until it is cancelled or closed."""
    while True:
        try:
            into.append(await client.recv(timeout=60))
        except (AssertionError, TimeoutError):
            continue


async def test_status_flips_over_two_processes_reach_three_webhooks_once_each(processes,
                                                                               receiver):
    one, two = await start(processes), await start(processes)
    hooks = {
        "all": await register(one, receiver.url("all"), ["*"]),
        "agents": await register(two, receiver.url("agents"), ["agent.status"]),
        "mixed": await register(one, receiver.url("mixed"), ["widget.status", "agent.status"]),
    }
    async with back_office(one) as api:
        await api.put("/api/v1/widgets/site", json={"account": "acme"})
    observer, _ = await fd.agent(one.ws, agent_token("acme", "olga"), beat=0.4)
    seen: list[dict[str, Any]] = []
    watching = asyncio.create_task(collect(observer, seen))
    kevin, _ = await fd.agent(one.ws, agent_token("acme", "kevin"), beat=0.4)
    sam, _ = await fd.agent(two.ws, agent_token("acme", "sam"), beat=0.4)
    flips = 150
    for n in range(flips):
        status = "busy" if n % 2 == 0 else "online"
        await kevin.send({"type": "status", "status": status})
        await sam.send({"type": "status", "status": status})
        await asyncio.sleep(0.02)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        expected = {a: [f for f in seen if f.get("type") == "agent.status" and f["agent"] == a]
                    for a in ("kevin", "sam")}
        flipped = [f for a in expected for f in expected[a] if f["status"] == "busy"]
        if len(flipped) >= flips and all(expected[a][-1]["status"] == "online" for a in expected):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)  # let the last events through, and any duplicate show itself
    watching.cancel()
    expected = {a: [f for f in seen if f.get("type") == "agent.status" and f["agent"] == a]
                for a in ("kevin", "sam")}
    for c in (observer, kevin, sam):
        await c.close()

    bodies = {name: [r.json for r in receiver.got(name)] for name in hooks}
    for name, hook in hooks.items():
        got = receiver.got(name)
        assert all(r.is_signed_with(hook["secret"]) for r in got), name
        ids = [b["id"] for b in bodies[name]]
        assert len(ids) == len(set(ids)), f"{name}: {len(ids) - len(set(ids))} duplicates"
    everything = bodies["all"]
    seqs = sorted(b["seq"] for b in everything)
    assert seqs == list(range(1, len(seqs) + 1)), "seq has gaps or repeats"
    by_id = {b["id"]: b for b in everything}
    for name in ("agents", "mixed"):  # the same id and seq for every webhook that gets it
        assert all(by_id[b["id"]] == b for b in bodies[name])
    assert {b["id"] for b in bodies["agents"]} == {
        b["id"] for b in everything if b["type"] == "agent.status"}
    for agent in ("kevin", "sam"):  # each frame the agents saw is exactly one event
        events = sorted((b for b in everything if b["type"] == "agent.status"
                         and b["data"]["agent"] == agent), key=lambda b: b["seq"])
        frames = expected[agent]
        live = [e["data"] for e in events if e["data"]["connected"]]  # not the leaving
        assert live == frames, agent
    counts = Counter(b["data"]["agent"] for b in everything if b["type"] == "agent.status")
    assert counts["kevin"] >= flips and counts["sam"] >= flips


async def test_sigkill_mid_retry_the_other_process_delivers(processes, receiver):
    one = await start(processes)
    hook = await register(one, receiver.url(), ["widget.status"])
    receiver.plan("main", fail_times=2, fail_status=503)
    async with back_office(one) as api:
        await api.put("/api/v1/widgets/site", json={"account": "acme"})  # the event, on one
    await receiver.wait_for(1)
    two = await start(processes)
    await receiver.wait_for(2)
    deadline = time.monotonic() + 5
    while (await deliveries(one, hook))[0]["attempts"] < 2:  # the 2nd failure is recorded
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    one.kill()  # SIGKILL while the delivery waits for its 2nd retry (2 s)
    killed = time.time()
    got = await receiver.wait_for(3, timeout=15)
    assert [r.answered for r in got] == [503, 503, 200]
    assert len({r.json["id"] for r in got}) == 1
    assert got[2].at > killed and got[2].is_signed_with(hook["secret"])
    gaps = [b.at - a.at for a, b in zip(got, got[1:], strict=False)]
    assert 0.8 <= gaps[0] and 1.6 <= gaps[1], gaps
    deadline = time.monotonic() + 5
    while (log := await deliveries(two, hook))[0]["status"] != "delivered":
        assert time.monotonic() < deadline, log
        await asyncio.sleep(0.1)
    assert (log[0]["attempts"], log[0]["last_code"]) == (3, 200)


async def test_sigkill_mid_attempt_is_taken_over_after_the_lease(processes, receiver):
    one = await start(processes)
    hook = await register(one, receiver.url(), ["widget.status"])
    receiver.plan("main", hang=30, hang_times=1)  # the first attempt hangs
    async with back_office(one) as api:
        await api.put("/api/v1/widgets/site", json={"account": "acme"})
    [first] = await receiver.wait_for(1)
    one.kill()  # mid-attempt: nothing recorded, the lease (10 s) still holds the delivery
    two = await start(processes)
    got = await receiver.wait_for(2, timeout=20)
    assert got[1].json["id"] == first.json["id"] and got[1].is_signed_with(hook["secret"])
    assert 9.0 <= got[1].at - first.at <= 14.0  # taken over when the lease ran out
    deadline = time.monotonic() + 5
    while (log := await deliveries(two, hook))[0]["status"] != "delivered":
        assert time.monotonic() < deadline, log
        await asyncio.sleep(0.1)
