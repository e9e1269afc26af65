"""The coverage routes through a real server, on both stores, with a clock the test moves.

A scripted day of flips (widget by hand and by the team, an agent online and busy, a queued
conversation) must give exactly the expected intervals and totals.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from frontdesk.store.memory import MemoryStore
from frontdesk.store.redis import RedisStore
from tests.support import client as fd
from tests.support.server import RunningServer, agent_token, running_server

H = 3600.0


class StepClock:
    """Time stands still until the test moves it, so every recorded time is exact."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, hours: float) -> None:
        self.now += timedelta(hours=hours)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def stepped(request: pytest.FixtureRequest) -> AsyncIterator[tuple[RunningServer,
                                                                          StepClock]]:
    clock = StepClock()
    if request.param == "memory":
        store: Any = MemoryStore()
    else:
        store = RedisStore(request.getfixturevalue("redis_url"), node_id="coverage-test")
    async with running_server(store=store, clock=clock) as server:
        yield server, clock


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


async def until(condition: Any, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def widget_is(server: RunningServer, status: str, reason: str) -> None:
    """Wait until the history holds the change: the clock must not move before it does (the
    status route would show it sooner, but a change at this very instant has no length yet
    for the coverage route to show)."""
    async def check() -> bool:
        _, states = await server.node.store.state_history("acme", "widget:site", 0, 1e12)
        return bool(states) and states[-1] == f"{status} {reason}"
    await until(check)


async def test_a_scripted_day_gives_exact_totals(stepped) -> None:
    server, clock = stepped
    t0 = clock.now
    async with server.api() as api:
        # t0: open by hand, but nobody is there: offline while open (team away)
        await api.put("/api/v1/widgets/site", json={
            "account": "acme", "offline_when_team_away": True})
        await widget_is(server, "offline", "team_away")
        clock.advance(1)  # +1 h: Kevin signs in
        kevin, _ = await fd.agent(server.ws, agent_token("acme", "kevin", ttl=7 * 86400), beat=0.5)
        await widget_is(server, "online", "manual")
        clock.advance(0.5)  # +1.5 h: a conversation, assigned at once
        first = (await api.post("/api/v1/widgets/site/conversations",
                                json={"visitor": "v1"})).json()
        assert first["state"] == "assigned"
        clock.advance(1.5)  # +3 h: Kevin goes busy: team away again
        await kevin.send({"type": "status", "status": "busy"})
        await widget_is(server, "offline", "team_away")
        clock.advance(0.2)  # +3.2 h: a visitor waits
        second = (await api.post("/api/v1/widgets/site/conversations",
                                 json={"visitor": "v2"})).json()
        assert second["state"] == "queued"
        clock.advance(0.3)  # +3.5 h: Kevin is back and takes it (waited 18 minutes)
        await kevin.send({"type": "status", "status": "online"})
        await widget_is(server, "online", "manual")
        await kevin.recv_type("conversation.joined", conversation=second["conversation"])
        clock.advance(1.5)  # +5 h: closed by hand
        await api.put("/api/v1/widgets/site", json={
            "account": "acme", "offline_when_team_away": True, "manual_status": "offline"})
        await widget_is(server, "offline", "manual")
        clock.advance(1)  # +6 h: the reports
        since = {"from": iso(t0 - timedelta(hours=1))}

        coverage = (await api.get("/api/v1/widgets/site/coverage", params=since)).json()
        assert coverage["widget"] == "site"
        assert coverage["from"] == iso(t0 - timedelta(hours=1))
        assert coverage["to"] == iso(clock.now)
        assert [(i["status"], i["reason"]) for i in coverage["intervals"]] == [
            ("offline", "team_away"), ("online", "manual"), ("offline", "team_away"),
            ("online", "manual"), ("offline", "manual")]
        assert coverage["intervals"][0]["from"] == iso(t0)  # first seen
        assert coverage["intervals"][-1]["to"] == iso(clock.now)
        assert coverage["totals"] == {
            "online": 3.5 * H, "offline": 2.5 * H, "open": 5 * H,
            "offline_while_open": 1.5 * H,
            "offline_while_open_by_reason": {"team_away": 1.5 * H},
            "offline_by_reason": {"manual": 1 * H, "schedule": 0, "team_away": 1.5 * H},
        }

        activity = (await api.get("/api/v1/accounts/acme/agents/kevin/activity",
                                  params=since)).json()
        assert activity["agent"] == "kevin"
        assert activity["totals"] == {"online": 4.5 * H, "busy": 0.5 * H,
                                      "connected": 5 * H, "available": 4.5 * H}
        assert [(i["status"], i["connected"]) for i in activity["intervals"]] == [
            ("online", True), ("busy", True), ("online", True)]

        stats = (await api.get("/api/v1/accounts/acme/queue/stats", params=since)).json()
        assert stats == {
            "from": iso(t0 - timedelta(hours=1)), "to": iso(clock.now),
            "started": 2, "assigned": 2, "queued": 1, "closed_while_queued": 0,
            "time_to_assign": {"p50": 0, "p90": 0.3 * H, "max": 0.3 * H}, "max_depth": 1,
            "rejected": 0,
        }

        # the last 24 hours by default, cut at first seen; a window inside the day
        default = (await api.get("/api/v1/widgets/site/coverage")).json()
        assert default["totals"]["online"] == 3.5 * H
        assert default["from"] == iso(clock.now - timedelta(hours=24))
        window = {"from": iso(t0 + timedelta(hours=2.5)), "to": iso(t0 + timedelta(hours=4))}
        inside = (await api.get("/api/v1/widgets/site/coverage", params=window)).json()
        assert inside["totals"]["online"] == 1 * H
        assert inside["totals"]["offline_while_open"] == 0.5 * H

        # the gap that ended is in the metric (once, counted by this process)
        metrics = (await api.get("/metrics")).text
        assert "frontdesk_widget_offline_while_open_seconds_total 5400.0" in metrics
        assert 'frontdesk_time_to_assign_seconds_count 2.0' in metrics
        await kevin.close()


async def test_range_rules_and_errors(server: RunningServer) -> None:
    async with server.api() as api:
        await api.put("/api/v1/widgets/site", json={"account": "acme"})
        await api.post("/api/v1/accounts/acme/agents/kevin/token", json={"name": "Kevin"})
        routes = ["/api/v1/widgets/site/coverage", "/api/v1/accounts/acme/agents/kevin/activity",
                  "/api/v1/accounts/acme/queue/stats"]
        now = datetime.now(UTC)
        for route in routes:
            for params in ({"from": "yesterday"}, {"to": "2026-02-30T00:00:00Z"},
                           {"from": iso(now - timedelta(hours=1)), "to": iso(now - timedelta(hours=2))},
                           {"from": iso(now - timedelta(days=36))},
                           {"from": iso(now), "to": iso(now)}):
                response = await api.get(route, params=params)
                assert response.status_code == 422, (route, params, response.text)
                assert response.json()["fields"]
            # a future `to` is cut at now; fractional seconds and offsets are fine
            body = (await api.get(route, params={
                "from": (now - timedelta(hours=2)).astimezone().isoformat(),
                "to": (now + timedelta(days=2)).isoformat(timespec="milliseconds")})).json()
            got_to = datetime.fromisoformat(body["to"].replace("Z", "+00:00"))
            assert abs((got_to - now).total_seconds()) < 5
            got_from = datetime.fromisoformat(body["from"].replace("Z", "+00:00"))
            assert abs((got_from - (now - timedelta(hours=2))).total_seconds()) < 0.01
            # exactly 35 days is allowed
            ok = await api.get(route, params={"from": iso(now - timedelta(days=35, seconds=-5))})
            assert ok.status_code == 200
            assert (await httpx.AsyncClient(base_url=server.http).get(route)).status_code == 401
        unknown = [("/api/v1/widgets/nope/coverage", 404),
                   ("/api/v1/accounts/acme/agents/nobody/activity", 404),
                   ("/api/v1/accounts/other/agents/kevin/activity", 404),
                   ("/api/v1/accounts/never-seen/queue/stats", 200)]
        for route, code in unknown:
            response = await api.get(route)
            assert response.status_code == code, (route, response.text)
        body = (await api.get("/api/v1/widgets/site/coverage")).json()
        assert body["totals"]["offline_while_open_by_reason"] == {"team_away": 0}
        assert body["totals"]["online"] > 0


async def test_the_console_reads_its_own_day_with_its_token(server: RunningServer) -> None:
    token = agent_token("acme", "kevin")
    kevin, _ = await fd.agent(server.ws, token)
    async with httpx.AsyncClient(base_url=server.http) as plain:
        own = await plain.get("/api/v1/agent/activity", headers={"Authorization": f"Bearer {token}"})
        assert own.status_code == 200 and own.json()["agent"] == "kevin"
        assert own.json()["intervals"][-1]["connected"] is True
        bad = await plain.get("/api/v1/agent/activity", headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401
        api_key = await plain.get("/api/v1/agent/activity",
                                  headers={"Authorization": f"Bearer {server.settings.api_key}"})
        assert api_key.status_code == 401
        # the agent token is not the back-office key
        other = await plain.get("/api/v1/accounts/acme/agents/kevin/activity",
                                headers={"Authorization": f"Bearer {token}"})
        assert other.status_code == 401
    await kevin.close()


async def test_a_widget_and_an_agent_older_than_the_history_start_at_the_first_report(
        stepped) -> None:
    server, clock = stepped
    async with server.api() as api:
        await api.put("/api/v1/widgets/site", json={"account": "acme"})
        await api.post("/api/v1/accounts/acme/agents/kevin/token", json={"name": "Kevin"})
        await server.node.history.drained()
        for subject in ("widget:site", "agent:kevin"):  # as if made before the history was
            await server.node.store.forget_history("acme", subject)
        first = (await api.get("/api/v1/widgets/site/coverage")).json()
        assert first["intervals"] == [] and first["totals"]["online"] == 0
        assert (await api.get("/api/v1/accounts/acme/agents/kevin/activity")).json()[
            "intervals"] == []
        clock.advance(1)
        later = (await api.get("/api/v1/widgets/site/coverage")).json()
        assert later["totals"]["online"] == H
        activity = (await api.get("/api/v1/accounts/acme/agents/kevin/activity")).json()
        assert activity["totals"] == {"online": H, "busy": 0, "connected": 0, "available": 0}


async def test_queue_stats_count_rejected_expired_and_closed_while_queued(stepped) -> None:
    server, clock = stepped
    async with server.api() as api:
        await api.put("/api/v1/widgets/site", json={
            "account": "acme", "max_queue": 1, "max_queue_wait": 0.3})
        first = (await api.post("/api/v1/widgets/site/conversations",
                                json={"visitor": "v1"})).json()
        assert first["state"] == "queued"  # nobody is there
        refused = (await api.post("/api/v1/widgets/site/conversations",
                                  json={"visitor": "v2"})).json()
        assert refused["state"] == "rejected"
        clock.advance(1 / 3600)  # past max_queue_wait: v1 expires (closed while queued)

        async def expired() -> bool:
            listing = (await api.get("/api/v1/accounts/acme/conversations")).json()
            return not listing
        await until(expired)
        third = (await api.post("/api/v1/widgets/site/conversations",
                                json={"visitor": "v3"})).json()
        assert third["state"] == "queued"
        await api.post(f"/api/v1/conversations/{third['conversation']}/close")
        await server.node.history.drained()
        clock.advance(1 / 3600)
        stats = (await api.get("/api/v1/accounts/acme/queue/stats")).json()
        assert {k: stats[k] for k in ("started", "queued", "assigned", "closed_while_queued",
                                      "rejected", "max_depth")} == {
            "started": 2, "queued": 2, "assigned": 0, "closed_while_queued": 2, "rejected": 1,
            "max_depth": 1}
        assert stats["time_to_assign"] == {"p50": None, "p90": None, "max": None}
