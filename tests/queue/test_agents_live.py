"""Auto-away, status by API and reassignment through a real server and sockets, both stores,
with short times (a 1-2 s auto_away_after, a 1 s reassign_after)."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.support import client as fd
from tests.support.server import RunningServer, agent_token


async def put_widget(office: httpx.AsyncClient, **settings: object) -> None:
    response = await office.put("/api/v1/widgets/site", json={"account": "acme", **settings})
    assert response.status_code == 200, response.text


async def account_settings(office: httpx.AsyncClient, **settings: object) -> None:
    response = await office.put("/api/v1/accounts/acme/settings", json=settings)
    assert response.status_code == 200, response.text


async def test_status_reason_everywhere_and_status_by_api(live: RunningServer,
                                                          office: httpx.AsyncClient) -> None:
    kevin, welcome = await fd.agent(live.ws, agent_token("acme", "kevin"), beat=0.3)
    assert welcome["agent"]["status_reason"] == "agent"
    assert welcome["team"][0]["status_reason"] == "agent"
    response = await office.put("/api/v1/accounts/acme/agents/kevin/status",
                                json={"status": "busy"})
    assert response.status_code == 200
    assert response.json() == {"id": "kevin", "name": "Kevin", "status": "busy",
                               "status_reason": "api", "connected": True, "available": False,
                               "conversations": 0}
    pushed = await kevin.recv_type("agent.status", agent="kevin", status="busy")
    assert pushed["status_reason"] == "api"
    listing = (await office.get("/api/v1/accounts/acme/agents")).json()
    assert listing[0]["status_reason"] == "api"
    await kevin.send({"type": "status", "status": "busy"})  # the agent takes it over
    assert (await kevin.recv_type("agent.status", agent="kevin"))["status_reason"] == "agent"
    missing = await office.put("/api/v1/accounts/acme/agents/ghost/status",
                               json={"status": "online"})
    assert missing.status_code == 404
    bad = await office.put("/api/v1/accounts/acme/agents/kevin/status", json={"status": "away"})
    assert bad.status_code == 422 and set(bad.json()["fields"]) == {"status"}
    await kevin.close()


async def test_auto_away_across_two_tabs(live: RunningServer, office: httpx.AsyncClient) -> None:
    await account_settings(office, auto_away_after=1)
    token = agent_token("acme", "kevin")
    tab1, _ = await fd.agent(live.ws, token, beat=0.3)
    tab2, _ = await fd.agent(live.ws, token, beat=0.3)
    watcher, _ = await fd.agent(live.ws, agent_token("acme", "samantha"), beat=0.3)
    await tab1.send({"type": "activity", "idle": True})
    await tab2.send({"type": "activity", "idle": False})
    await watcher.no_frame(within=1.6, kind="agent.status")  # one tab active: no auto-away
    await tab2.send({"type": "activity", "idle": True})
    idle_at = time.monotonic()
    pushes = []
    for side in (tab1, tab2, watcher):
        pushes.append(await side.recv_type("agent.status", agent="kevin", timeout=3))
    took = time.monotonic() - idle_at
    assert all((p["status"], p["status_reason"]) == ("busy", "idle") for p in pushes)
    assert 0.9 <= took <= 2.0, took  # within 1 s of its deadline
    await watcher.no_frame(within=0.8, kind="agent.status")  # exactly one push
    # A tab that wakes up does not bring the agent back; its status frame does.
    await tab1.send({"type": "activity", "idle": False})
    await watcher.no_frame(within=0.5, kind="agent.status")
    await tab1.send({"type": "status", "status": "online"})
    back = await watcher.recv_type("agent.status", agent="kevin")
    assert (back["status"], back["status_reason"]) == ("online", "agent")
    for side in (tab1, tab2, watcher):
        await side.close()


async def test_reassignment_after_the_agent_went_busy(live: RunningServer,
                                                      office: httpx.AsyncClient) -> None:
    await account_settings(office, reassign_after=1)
    await put_widget(office, routing="round_robin")
    anna, _ = await fd.agent(live.ws, agent_token("acme", "anna"), beat=0.3)
    ben, _ = await fd.agent(live.ws, agent_token("acme", "ben"), beat=0.3)
    visitor, _ = await fd.widget(live.ws, "site", visitor="v1", beat=0.3)
    await visitor.send({"type": "conversation.start", "text": "hi"})
    joined = await visitor.recv_type("conversation.joined")
    assert [a["id"] for a in joined["agents"]] == ["anna"]
    await anna.recv_type("conversation.joined")
    await anna.send({"type": "status", "status": "busy"})
    busy_at = time.monotonic()
    revoked = await anna.recv_type("conversation.revoked", timeout=4)
    took = time.monotonic() - busy_at
    assert revoked == {"type": "conversation.revoked", "conversation": joined["conversation"],
                       "reason": "agent_unavailable"}
    assert 0.9 <= took <= 2.2, took
    again = await visitor.recv_type("conversation.joined")
    assert [a["id"] for a in again["agents"]] == ["ben"]
    assert (await ben.recv_type("conversation.joined"))["conversation"] == joined["conversation"]
    for side in (anna, ben, visitor):
        await side.close()


async def test_the_reassign_route(live: RunningServer, office: httpx.AsyncClient) -> None:
    await put_widget(office, routing="broadcast")
    anna, _ = await fd.agent(live.ws, agent_token("acme", "anna"), beat=0.3)
    ben, _ = await fd.agent(live.ws, agent_token("acme", "ben"), beat=0.3)
    started = await office.post("/api/v1/widgets/site/conversations", json={"visitor": "v1"})
    conversation = started.json()["conversation"]
    for side in (anna, ben):
        await side.recv_type("conversation.joined")
    cleo, _ = await fd.agent(live.ws, agent_token("acme", "cleo"), beat=0.3)
    moved = await office.post(f"/api/v1/conversations/{conversation}/reassign",
                              json={"to": "cleo"})
    assert moved.status_code == 200
    assert moved.json() == {"conversation": conversation, "state": "assigned",
                            "agents": [{"id": "cleo", "name": "Cleo"}]}
    for side in (anna, ben):
        revoked = await side.recv_type("conversation.revoked")
        assert revoked["reason"] == "reassigned"
    assert (await cleo.recv_type("conversation.joined"))["conversation"] == conversation
    # `to` one of its agents: the others are revoked, that agent gets no second joined.
    kept = await office.post(f"/api/v1/conversations/{conversation}/reassign",
                             json={"to": "cleo"})
    assert kept.status_code == 200
    await cleo.no_frame(within=0.3, kind="conversation.joined")
    assert (await office.post(f"/api/v1/conversations/{conversation}/reassign",
                              json={"to": "ghost"})).status_code == 409
    await office.put("/api/v1/accounts/acme/agents/ben/status", json={"status": "busy"})
    assert (await office.post(f"/api/v1/conversations/{conversation}/reassign",
                              json={"to": "ben"})).status_code == 409
    # Without `to`: by routing, without its current agents.
    routed = await office.post(f"/api/v1/conversations/{conversation}/reassign")
    assert routed.status_code == 200
    assert routed.json()["agents"] == [{"id": "anna", "name": "Anna"}]
    await office.post(f"/api/v1/conversations/{conversation}/close")
    closed = await office.post(f"/api/v1/conversations/{conversation}/reassign")
    assert closed.status_code == 409
    assert (await office.post("/api/v1/conversations/unknown/reassign")).status_code == 404
    for side in (anna, ben, cleo):
        await side.close()
    await asyncio.sleep(0)
