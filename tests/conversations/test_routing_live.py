"""Conversations through a real server: routing modes, capacity, the fair queue, closing."""

from __future__ import annotations

import asyncio

import pytest

from tests.support import client as fd
from tests.support.server import agent_token, make_settings, running_server


async def _put(api, widget: str = "site", **settings) -> None:
    response = await api.put(f"/api/v1/widgets/{widget}", json={"account": "acme", **settings})
    assert response.status_code == 200, response.text


async def _agents(server, *ids: str, encoding: str = fd.JSON) -> dict[str, fd.Client]:
    clients = {}
    for agent_id in ids:
        clients[agent_id], _ = await fd.agent(server.ws, agent_token("acme", agent_id), encoding)
    return clients


async def _start(api, visitor: str, widget: str = "site") -> dict:
    response = await api.post(f"/api/v1/widgets/{widget}/conversations",
                              json={"visitor": visitor, "text": "hello"})
    assert response.status_code == 201, response.text
    return response.json()


async def test_done_when_round_robin_capacity_one(server, api, encoding):
    """Kevin online, Samantha busy, round robin, capacity 1 (the issue's "done when")."""
    await _put(api, routing="round_robin", max_conversations_per_agent=1)
    agents = await _agents(server, "kevin", "samantha", encoding=encoding)
    kevin, samantha = agents["kevin"], agents["samantha"]
    await samantha.send({"type": "status", "status": "busy"})
    await kevin.recv_type("agent.status", agent="samantha", status="busy")

    first, _ = await fd.widget(server.ws, "site", encoding, visitor="first")
    await first.send({"type": "conversation.start", "text": "hi"})
    joined = await first.recv_type("conversation.joined")
    assert joined["agents"] == [{"id": "kevin", "name": "Kevin"}]
    assert joined["widget"] == "site" and joined["visitor"] == "first"
    assert (await kevin.recv_type("conversation.joined"))["conversation"] == joined["conversation"]
    await samantha.no_frame(0.2, kind="conversation.joined")

    second, _ = await fd.widget(server.ws, "site", encoding, visitor="second")
    await second.send({"type": "conversation.start"})
    queued = await second.recv_type("conversation.queued")
    assert queued["position"] == 1

    await samantha.send({"type": "status", "status": "online"})
    taken = await second.recv_type("conversation.joined", timeout=1)
    assert taken["conversation"] == queued["conversation"]
    assert taken["agents"] == [{"id": "samantha", "name": "Samantha"}]
    assert (await samantha.recv_type("conversation.joined"))["conversation"] == taken["conversation"]

    await kevin.send({"type": "conversation.close", "conversation": joined["conversation"]})
    for side in (kevin, first):
        closed = await side.recv_type("conversation.closed")
        assert closed == {"type": "conversation.closed", "conversation": joined["conversation"],
                          "reason": "closed"}
    listing = {a["id"]: a["conversations"]
               for a in (await api.get("/api/v1/accounts/acme/agents")).json()}
    assert listing == {"kevin": 0, "samantha": 1}
    for c in (kevin, samantha, first, second):
        await c.close()


async def test_broadcast_adds_every_available_agent_under_capacity(server, api):
    await _put(api, routing="broadcast")
    agents = await _agents(server, "a1", "a2", "a3")
    await agents["a3"].send({"type": "status", "status": "busy"})
    await agents["a1"].recv_type("agent.status", agent="a3", status="busy")
    result = await _start(api, "v1")
    assert result["state"] == "assigned"
    assert [a["id"] for a in result["agents"]] == ["a1", "a2"]
    for agent_id in ("a1", "a2"):
        await agents[agent_id].recv_type("conversation.joined")
    await agents["a3"].no_frame(0.2, kind="conversation.joined")


async def test_round_robin_takes_turns_in_id_order(server, api):
    await _put(api, routing="round_robin")
    _online = await _agents(server, "carol", "alice", "bob")
    order = [(await _start(api, f"v{i}"))["agents"][0]["id"] for i in range(7)]
    assert order == ["alice", "bob", "carol", "alice", "bob", "carol", "alice"]


async def test_least_busy_then_longest_ago_then_lower_id(server, api):
    await _put(api, routing="least_busy")
    _online = await _agents(server, "bob", "alice")
    first = await _start(api, "v1")
    assert first["agents"][0]["id"] == "alice"  # tie, never assigned: lower id
    assert (await _start(api, "v2"))["agents"][0]["id"] == "bob"  # fewer open
    # both have one; alice was assigned longest ago
    assert (await _start(api, "v3"))["agents"][0]["id"] == "alice"
    await api.post(f"/api/v1/conversations/{first['conversation']}/close")
    # alice 1 (v3), bob 1 (v2): bob was assigned longer ago
    assert (await _start(api, "v4"))["agents"][0]["id"] == "bob"


async def test_capacity_counts_over_all_widgets_and_queue_is_fifo(server, api):
    await _put(api, "w1", max_conversations_per_agent=1, routing="least_busy")
    await _put(api, "w2", max_conversations_per_agent=2, routing="least_busy")
    _online = await _agents(server, "kevin")
    assert (await _start(api, "v1", "w1"))["state"] == "assigned"
    assert (await _start(api, "v2", "w1"))["state"] == "queued"
    # w2 allows two, but nothing overtakes the queue
    third = await _start(api, "v3", "w2")
    assert (third["state"], third["position"]) == ("queued", 2)
    watcher, _ = await fd.widget(server.ws, "w2", visitor="v3")
    second = (await api.get("/api/v1/accounts/acme/agents")).json()
    assert second[0]["conversations"] == 1


async def test_queue_positions_move_and_close_pulls_forward(server, api, encoding):
    await _put(api, routing="round_robin", max_conversations_per_agent=1)
    agents = await _agents(server, "kevin", encoding=encoding)
    visitors = {}
    for name in ("v1", "v2", "v3", "v4"):
        visitors[name], _ = await fd.widget(server.ws, "site", encoding, visitor=name)
        await visitors[name].send({"type": "conversation.start"})
    c1 = await visitors["v1"].recv_type("conversation.joined")
    positions = {n: (await visitors[n].recv_type("conversation.queued"))["position"]
                 for n in ("v2", "v3", "v4")}
    assert positions == {"v2": 1, "v3": 2, "v4": 3}
    # a queued one closed by the back office: those behind it move up
    conv3 = (await _start(api, "v3"))["conversation"]  # the same open conversation comes back
    assert (await api.post(f"/api/v1/conversations/{conv3}/close")).status_code == 200
    assert (await visitors["v3"].recv_type("conversation.closed"))["conversation"] == conv3
    assert (await visitors["v4"].recv_type("conversation.queued"))["position"] == 2
    # closing kevin's conversation assigns the head of the queue to him at once
    await agents["kevin"].send({"type": "conversation.close", "conversation": c1["conversation"]})
    await visitors["v1"].recv_type("conversation.closed")
    assert (await visitors["v2"].recv_type("conversation.joined", timeout=1))["agents"][0]["id"] == "kevin"
    assert (await visitors["v4"].recv_type("conversation.queued"))["position"] == 1
    # closing twice: 200 again, and no new frames
    response = await api.post(f"/api/v1/conversations/{conv3}/close")
    assert response.status_code == 200
    assert (await api.post("/api/v1/conversations/nope/close")).status_code == 404


async def test_busy_agents_keep_theirs_and_get_no_new_ones(server, api):
    await _put(api, routing="broadcast")
    agents = await _agents(server, "kevin")
    first = await _start(api, "v1")
    await agents["kevin"].send({"type": "status", "status": "busy"})
    await agents["kevin"].recv_type("agent.status", status="busy")
    assert (await _start(api, "v2"))["state"] == "queued"
    listing = (await api.get("/api/v1/accounts/acme/agents")).json()
    assert listing[0]["conversations"] == 1
    await agents["kevin"].send({"type": "conversation.close", "conversation": first["conversation"]})
    await agents["kevin"].recv_type("conversation.closed")
    await agents["kevin"].no_frame(0.3, kind="conversation.joined")  # busy: the queue waits


async def test_other_accounts_conversation_is_forbidden(server, api):
    await _put(api)
    assert (await api.put("/api/v1/widgets/rival", json={"account": "rival"})).status_code == 200
    rival, _ = await fd.agent(server.ws, agent_token("rival", "eve"))
    _online = await _agents(server, "kevin")
    conversation = (await _start(api, "v1"))["conversation"]
    await rival.send({"type": "conversation.close", "conversation": conversation})
    error = await rival.recv_type("error")
    assert error["code"] == "forbidden"
    assert (await api.get("/api/v1/accounts/acme/agents")).json()[0]["conversations"] == 1


async def test_visitor_tabs_share_one_conversation(server, api):
    await _put(api)
    agents = await _agents(server, "kevin")
    tab1, _ = await fd.widget(server.ws, "site", visitor="vis")
    tab2, _ = await fd.widget(server.ws, "site", visitor="vis")
    await tab1.send({"type": "conversation.start"})
    first = await tab1.recv_type("conversation.joined")
    assert (await tab2.recv_type("conversation.joined"))["conversation"] == first["conversation"]
    await agents["kevin"].recv_type("conversation.joined")
    await tab2.send({"type": "conversation.start"})  # the open one comes back, not a new one
    again = await tab2.recv_type("conversation.joined")
    assert again["conversation"] == first["conversation"]
    await agents["kevin"].no_frame(0.3, kind="conversation.joined")


async def test_unknown_widget_conversation_is_404(api):
    response = await api.post("/api/v1/widgets/ghost/conversations", json={"visitor": "v"})
    assert response.status_code == 404
    await _put(api)
    response = await api.post("/api/v1/widgets/site/conversations", json={"visitor": "bad id"})
    assert response.status_code == 422 and "visitor" in response.json()["fields"]


@pytest.mark.parametrize("routing", ["round_robin", "least_busy", "broadcast"])
async def test_hundreds_of_concurrent_starts_and_closes_keep_the_invariants(routing):
    # agents stay silent here, so the presence TTL must outlast the test
    async with running_server(make_settings(heartbeat=30, presence_ttl=60)) as server:
        async with server.api() as api:
            await _hundreds_of_starts_and_closes(server, api, routing)


async def _hundreds_of_starts_and_closes(server, api, routing: str) -> None:
    capacity = 3
    await _put(api, routing=routing, max_conversations_per_agent=capacity)
    agent_ids = [f"agent{i}" for i in range(5)]
    agents = await _agents(server, *agent_ids)  # keep them connected
    starts = 300
    results = await asyncio.gather(*(_start(api, f"visitor{i}") for i in range(starts)))
    ids = [r["conversation"] for r in results]
    assert len(set(ids)) == starts  # every start recorded exactly once
    assigned = [r for r in results if r["state"] == "assigned"]
    queued = [r for r in results if r["state"] == "queued"]
    assert len(assigned) + len(queued) == starts
    per_agent: dict[str, int] = {}
    for r in assigned:
        for a in r["agents"]:
            per_agent[a["id"]] = per_agent.get(a["id"], 0) + 1
    assert all(n <= capacity for n in per_agent.values()), per_agent
    if routing != "broadcast":
        assert len(assigned) == len(agent_ids) * capacity
        assert max(per_agent.values()) - min(per_agent.values()) <= 1  # fair within one
    assert sorted(r["position"] for r in queued) == list(range(1, len(queued) + 1))
    # close everything concurrently: the queue drains through, never past capacity
    closed = 0
    pending = [r["conversation"] for r in assigned]
    while pending:
        responses = await asyncio.gather(*(api.post(f"/api/v1/conversations/{c}/close")
                                           for c in pending))
        assert all(r.status_code == 200 for r in responses)
        closed += len(pending)
        listing = (await api.get("/api/v1/accounts/acme/agents")).json()
        assert all(a["conversations"] <= capacity for a in listing), listing
        pending = [c.id for c in await server.node.store.open_conversations("acme")
                   if c.state.value == "assigned"]
    assert closed == starts
    assert await server.node.store.open_conversations("acme") == []
    assert all(not a.conn.close_code for a in agents.values())


async def test_a_queued_visitor_gone_for_the_ttl_leaves_the_queue():
    async with running_server(make_settings(heartbeat=0.3, presence_ttl=1.0)) as server:
        async with server.api() as api:
            await _put(api)  # nobody online: everything queues
            first, _ = await fd.widget(server.ws, "site", visitor="first", beat=0.2)
            await first.send({"type": "conversation.start"})
            queued = await first.recv_type("conversation.queued")
            second, _ = await fd.widget(server.ws, "site", visitor="second", beat=0.2)
            await second.send({"type": "conversation.start"})
            assert (await second.recv_type("conversation.queued"))["position"] == 2
            # a reload inside the TTL keeps the place
            await first.close()
            first, _ = await fd.widget(server.ws, "site", visitor="first", beat=0.2)
            await second.no_frame(1.5, kind="conversation.queued")
            # gone for good: after the TTL the conversation is closed, and the queue moves up
            await first.close()
            moved = await second.recv_type("conversation.queued", timeout=2.5)
            assert moved["position"] == 1
            record = await server.node.store.get_conversation(queued["conversation"])
            assert record is not None and record.state.value == "closed"
            await second.close()


async def test_welcomes_carry_open_conversations_so_reloads_lose_nothing(server, api):
    await _put(api, routing="round_robin", max_conversations_per_agent=1)
    _online = await _agents(server, "kevin")
    visitor, welcome = await fd.widget(server.ws, "site", visitor="vis")
    await visitor.send({"type": "conversation.start"})
    joined = await visitor.recv_type("conversation.joined")
    waiting, _ = await fd.widget(server.ws, "site", visitor="later")
    await waiting.send({"type": "conversation.start"})
    await waiting.recv_type("conversation.queued")
    # reloads: each new socket's welcome says where its conversation stands
    _, again = await fd.widget(server.ws, "site", visitor="vis")
    assert again["conversation"] == joined
    _, later = await fd.widget(server.ws, "site", visitor="later")
    assert later["conversation"]["type"] == "conversation.queued"
    assert later["conversation"]["position"] == 1
    _, console = await fd.agent(server.ws, agent_token("acme", "kevin"))
    assert console["conversations"] == [joined]
