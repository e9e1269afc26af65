"""Reassignment across two processes on one Redis: 200 conversations whose deadlines fire
together are each moved once (issue 15: 0 lost, 0 doubled, 0 over capacity)."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from typing import Any

from tests.cluster.conftest import back_office
from tests.support import client as fd
from tests.support.server import agent_token, make_settings

BEAT = 0.3
CAPACITY = 10
FIRST, SECOND = 20, 15  # 20 agents hold 200 conversations; 15 can take 150 of them
# 235 sockets on a loaded machine: a presence TTL that a starved test loop cannot miss.
ROOMY = make_settings(heartbeat=1.0, presence_ttl=8.0, close_grace=0.5)


async def drain(client: fd.Client, into: list[dict[str, Any]], quiet: float) -> None:
    """Collect every frame until `quiet` seconds pass without one."""
    while True:
        try:
            into.append(await client.recv(timeout=quiet))
        except TimeoutError:
            return


async def test_two_processes_reassign_200_conversations_once(processes) -> None:
    one, two = await processes(ROOMY), await processes(ROOMY)
    procs = [one, two]
    async with back_office(one) as office:
        assert (await office.put("/api/v1/widgets/site", json={
            "account": "acme", "routing": "round_robin",
            "max_conversations_per_agent": CAPACITY})).status_code == 200
        assert (await office.put("/api/v1/accounts/acme/settings",
                                 json={"reassign_after": 1})).status_code == 200
    first = {}
    for i in range(FIRST):
        name = f"a{i:02d}"
        first[name], _ = await fd.agent(procs[i % 2].ws, agent_token("acme", name), beat=BEAT)
    visitors: dict[str, fd.Client] = {}
    owner: dict[str, str] = {}
    for i in range(FIRST * CAPACITY):
        visitor, _ = await fd.widget(procs[i % 2].ws, "site", visitor=f"v{i:03d}", beat=BEAT)
        await visitor.send({"type": "conversation.start"})
        joined = await visitor.recv_type("conversation.joined", timeout=15)
        visitors[joined["conversation"]] = visitor
        owner[joined["conversation"]] = joined["agents"][0]["id"]
    assert len(visitors) == 200 and set(owner.values()) == set(first)
    second = {}
    for i in range(SECOND):
        name = f"b{i:02d}"
        second[name], _ = await fd.agent(procs[i % 2].ws, agent_token("acme", name), beat=BEAT)
    for client in (*first.values(), *second.values(), *visitors.values()):
        await drain(client, [], 0.05)  # what the setup caused

    # Every first agent goes busy at once, half through each process: 200 deadlines together.
    async def busy(name: str, proc: Any) -> None:
        async with back_office(proc) as api:
            response = await api.put(f"/api/v1/accounts/acme/agents/{name}/status",
                                     json={"status": "busy"})
            assert response.status_code == 200
    started = time.monotonic()
    await asyncio.gather(*(busy(name, procs[i % 2]) for i, name in enumerate(first)))
    frames: dict[str, list[dict[str, Any]]] = defaultdict(list)
    await asyncio.gather(*(drain(c, frames[n], 4.0) for n, c in
                           [*first.items(), *second.items(), *visitors.items()]))  # 4 s quiet
    took = time.monotonic() - started

    revoked = [f["conversation"] for n in first for f in frames[n]
               if f["type"] == "conversation.revoked"]
    given: dict[str, list[str]] = defaultdict(list)  # conversation -> new agents told
    for name in second:
        for frame in frames[name]:
            if frame["type"] == "conversation.joined":
                given[frame["conversation"]].append(name)
    ends: dict[str, str] = {}  # conversation -> where its visitor was told it stands
    doubled = sum(1 for agents in given.values() if len(agents) > 1)
    for conversation in visitors:
        told = [f for f in frames[conversation] if f["type"] in (
            "conversation.joined", "conversation.queued")]
        if told and told[-1]["type"] == "conversation.joined":
            agents = [a["id"] for a in told[-1]["agents"]]
            doubled += len(agents) > 1
            ends[conversation] = agents[0]
        elif told:
            ends[conversation] = "queue"
    lost = len([c for c in visitors if c not in ends])
    async with back_office(two) as office:
        listing = (await office.get("/api/v1/accounts/acme/agents")).json()
    load = {a["id"]: a["conversations"] for a in listing}
    over = sum(1 for n in load.values() if n > CAPACITY)
    queued = sum(1 for where in ends.values() if where == "queue")
    print(f"reassignment, 2 processes, 200 conversations: lost {lost}, doubled {doubled}, "
          f"over capacity {over}; {len(given)} moved, {queued} queued, in {took:.1f} s")
    assert sorted(revoked) == sorted(visitors)  # each taken back once
    assert (lost, doubled, over) == (0, 0, 0)
    assert all(ends[c] == agents[0] for c, agents in given.items())
    assert len(given) == SECOND * CAPACITY and queued == 200 - SECOND * CAPACITY
    assert all(load[n] == 0 for n in first) and all(load[n] == CAPACITY for n in second)
    for client in (*first.values(), *second.values(), *visitors.values()):
        await client.close()
