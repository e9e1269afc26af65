"""coverage.gap and coverage.gap_ended through a real server, on both stores, short real times."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from frontdesk.store.memory import MemoryStore
from frontdesk.store.redis import RedisStore
from tests.support import client as fd
from tests.support.receiver import running_receiver
from tests.support.server import RunningServer, agent_token, make_settings, running_server

THRESHOLD = 0.4


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def server(request: pytest.FixtureRequest) -> AsyncIterator[RunningServer]:
    if request.param == "memory":
        store: Any = MemoryStore()
    else:
        store = RedisStore(request.getfixturevalue("redis_url"), node_id="gap-test")
    async with running_server(store=store) as running:
        async with running.api() as api:  # the account setting, 0 = off
            for account, after in (("acme", THRESHOLD), ("calm", 0)):
                response = await api.put(f"/api/v1/accounts/{account}/settings",
                                         json={"gap_alert_after": after})
                assert response.json()["gap_alert_after"] == after
        yield running


async def test_a_long_gap_is_alerted_once_and_its_end_too(server: RunningServer) -> None:
    async with server.api() as api:
        await api.put("/api/v1/widgets/site", json={"account": "acme",
                                                    "offline_when_team_away": True})
    kevin, _ = await fd.agent(server.ws, agent_token("acme", "kevin"), beat=0.5)
    watcher, _ = await fd.agent(server.ws, agent_token("acme", "sam"), beat=0.5)
    await watcher.send({"type": "status", "status": "busy"})
    await kevin.send({"type": "status", "status": "busy"})  # the gap begins
    began = asyncio.get_running_loop().time()
    gap = await watcher.recv_type("coverage.gap", timeout=3)
    waited = asyncio.get_running_loop().time() - began
    assert THRESHOLD - 0.05 <= waited < THRESHOLD + 0.5, waited
    assert gap["widget"] == "site" and gap["reason"] == "team_away"
    assert gap["threshold"] == THRESHOLD and gap["since"].endswith("Z")
    await watcher.no_frame(0.5, kind="coverage.gap")  # once
    await kevin.send({"type": "status", "status": "online"})  # the gap ends
    ended = await watcher.recv_type("coverage.gap_ended", timeout=3)
    assert ended["widget"] == "site" and ended["since"] == gap["since"]
    assert ended["duration"] >= THRESHOLD
    await watcher.no_frame(0.3, kind="coverage.gap_ended")
    await kevin.close()
    await watcher.close()


async def test_a_short_gap_and_an_account_with_the_alert_off_say_nothing(
        server: RunningServer) -> None:
    async with server.api() as api:
        await api.put("/api/v1/widgets/site", json={"account": "acme",
                                                    "offline_when_team_away": True})
        await api.put("/api/v1/widgets/quiet", json={"account": "calm",
                                                     "offline_when_team_away": True})
    kevin, _ = await fd.agent(server.ws, agent_token("acme", "kevin"), beat=0.5)
    await kevin.send({"type": "status", "status": "busy"})
    await asyncio.sleep(THRESHOLD / 4)
    await kevin.send({"type": "status", "status": "online"})
    await kevin.no_frame(THRESHOLD + 0.4, kind="coverage.gap")
    calm, _ = await fd.agent(server.ws, agent_token("calm", "ann"), beat=0.5)
    await calm.send({"type": "status", "status": "busy"})  # calm: gap_alert_after 0 (off)
    await calm.no_frame(THRESHOLD + 0.4, kind="coverage.gap")
    await calm.send({"type": "status", "status": "online"})
    await calm.no_frame(0.3, kind="coverage.gap_ended")
    await kevin.close()
    await calm.close()


async def test_webhooks_get_the_gap_and_its_end() -> None:
    async with running_receiver() as receiver, running_server(
            make_settings(webhook_allow_private=True)) as server, server.api() as api:
        await api.put("/api/v1/accounts/acme/settings", json={"gap_alert_after": THRESHOLD})
        await api.put("/api/v1/widgets/site", json={"account": "acme",
                                                    "offline_when_team_away": True})
        made = await api.post("/api/v1/accounts/acme/webhooks", json={
            "url": receiver.url(), "events": ["coverage.gap", "coverage.gap_ended"]})
        assert made.status_code == 201, made.text
        kevin, _ = await fd.agent(server.ws, agent_token("acme", "kevin"), beat=0.5)
        await kevin.send({"type": "status", "status": "busy"})
        await kevin.recv_type("coverage.gap", timeout=3)
        await kevin.send({"type": "status", "status": "online"})
        frame = await kevin.recv_type("coverage.gap_ended", timeout=3)
        got = await receiver.wait_for(2, timeout=10)
        events = [r.json for r in got]
        assert [e["type"] for e in events] == ["coverage.gap", "coverage.gap_ended"]
        assert events[1]["data"] == frame  # the frame exactly as agents receive it
        assert events[0]["data"]["widget"] == "site" and events[0]["account"] == "acme"
        await kevin.close()
