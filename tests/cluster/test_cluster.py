"""The contract's multi-process promises: processes on one Redis act as one server."""

from __future__ import annotations

import asyncio
import time

from tests.cluster.conftest import BOTH_STORES, SHORT, back_office
from tests.support import client as fd
from tests.support.server import agent_token, make_settings

BEAT = 0.3  # every socket here heartbeats, as real clients do


async def _put(proc, widget: str = "site", **settings) -> None:
    async with back_office(proc) as api:
        response = await api.put(f"/api/v1/widgets/{widget}", json={"account": "acme", **settings})
        assert response.status_code == 200, response.text


@BOTH_STORES
async def test_a_status_change_on_a_reaches_sockets_on_b_within_100ms(processes):
    a, b = await processes(), await processes()
    await _put(a, offline_when_team_away=True)
    kevin, _ = await fd.agent(a.ws, agent_token("acme", "kevin"), beat=BEAT)
    visitor_on_b, welcome = await fd.widget(b.ws, "site", fd.MSGPACK, beat=BEAT)
    assert welcome["widget"]["status"] == "online"
    samantha_on_b, _ = await fd.agent(b.ws, agent_token("acme", "samantha"), beat=BEAT)
    await kevin.recv_type("agent.status", agent="samantha", connected=True)
    await samantha_on_b.send({"type": "status", "status": "busy"})
    await kevin.recv_type("agent.status", agent="samantha", status="busy")

    delays = []
    for status, expected in (("busy", "offline"), ("online", "online")) * 3:
        started = time.monotonic()
        await kevin.send({"type": "status", "status": status})
        frame = await visitor_on_b.recv_type("widget.status", timeout=1)
        delays.append(time.monotonic() - started)
        assert frame["status"] == expected
        seen = await samantha_on_b.recv_type("agent.status", agent="kevin", status=status)
        assert seen["available"] is (status == "online")
    assert max(delays) < 0.1, delays
    await visitor_on_b.no_frame(0.3, kind="widget.status")  # each change pushed once
    print(f"cross-process propagation: max {max(delays) * 1000:.1f} ms, "
          f"median {sorted(delays)[len(delays) // 2] * 1000:.1f} ms")


@BOTH_STORES
async def test_sigkill_of_the_agents_process_makes_it_unavailable_everywhere(processes):
    a, b = await processes(), await processes()
    await _put(a, offline_when_team_away=True)
    watcher_on_b, _ = await fd.agent(b.ws, agent_token("acme", "watcher"), beat=BEAT)
    await watcher_on_b.send({"type": "status", "status": "busy"})
    await watcher_on_b.recv_type("agent.status", agent="watcher", status="busy")
    visitor_on_b, welcome = await fd.widget(b.ws, "site", beat=BEAT)
    assert welcome["widget"]["status"] == "offline"
    kevin_on_a, _ = await fd.agent(a.ws, agent_token("acme", "kevin"), beat=BEAT)
    await visitor_on_b.recv_type("widget.status", status="online")
    killed_at = time.monotonic()
    a.kill()
    frame = await visitor_on_b.recv_type("widget.status", timeout=SHORT.presence_ttl + 3)
    waited = time.monotonic() - killed_at
    assert frame["status"] == "offline" and frame["reason"] == "team_away"
    gone = await watcher_on_b.recv_type("agent.status", agent="kevin", connected=False,
                                        timeout=1)
    assert gone["connected"] is False and gone["available"] is False
    assert waited < SHORT.presence_ttl + 2, waited
    print(f"SIGKILL to offline on the other process: {waited:.2f} s "
          f"(TTL {SHORT.presence_ttl} s)")
    assert not visitor_on_b.conn.close_code  # b's own sockets are untouched


async def test_agent_status_and_settings_survive_a_restart_of_every_process(processes):
    a = await processes()
    await _put(a, manual_status="offline", offline_message="closed")
    kevin, _ = await fd.agent(a.ws, agent_token("acme", "kevin"), beat=BEAT)
    await kevin.send({"type": "status", "status": "busy"})
    await kevin.recv_type("agent.status", status="busy")
    a.stop()
    b = await processes()
    _, welcome = await fd.agent(b.ws, agent_token("acme", "kevin"), beat=BEAT)
    assert welcome["agent"]["status"] == "busy"
    assert welcome["widgets"][0]["message"] == "closed"


async def test_rolling_restart_inside_the_grace_flips_nothing(processes):
    settings = make_settings(heartbeat=0.5, presence_ttl=3, close_grace=2.0)
    a, b = await processes(settings), await processes(settings)
    await _put(a, offline_when_team_away=True)
    visitor_on_b, _ = await fd.widget(b.ws, "site", beat=BEAT)
    token = agent_token("acme", "kevin")
    kevin, _ = await fd.agent(a.ws, token, beat=BEAT)
    await visitor_on_b.recv_type("widget.status", status="online")
    a.terminate()  # SIGTERM: 1001 to every socket, then the console reconnects elsewhere
    assert await kevin.closed_with() == 1001
    kevin, _ = await fd.agent(b.ws, token, beat=BEAT)
    await visitor_on_b.no_frame(3.0, kind="widget.status")
    await kevin.close()


async def test_concurrent_starts_across_processes_keep_routing_invariants(processes):
    settings = make_settings(heartbeat=30, presence_ttl=60)
    procs = [await processes(settings) for _ in range(3)]
    capacity = 4
    await _put(procs[0], routing="round_robin", max_conversations_per_agent=capacity)
    agents = [(await fd.agent(procs[i % 3].ws, agent_token("acme", f"agent{i}"), beat=BEAT))[0]
              for i in range(5)]
    clients = [back_office(p) for p in procs]
    try:
        starts = 300
        responses = await asyncio.gather(*(
            clients[i % 3].post("/api/v1/widgets/site/conversations", json={"visitor": f"v{i}"})
            for i in range(starts)))
        results = [r.json() for r in responses]
        assert all(r.status_code == 201 for r in responses)
        assert len({r["conversation"] for r in results}) == starts
        assigned = [r for r in results if r["state"] == "assigned"]
        queued = [r for r in results if r["state"] == "queued"]
        per_agent: dict[str, int] = {}
        for r in assigned:
            assert len(r["agents"]) == 1
            per_agent[r["agents"][0]["id"]] = per_agent.get(r["agents"][0]["id"], 0) + 1
        assert len(assigned) == 5 * capacity and len(queued) == starts - 5 * capacity
        assert set(per_agent.values()) == {capacity}
        assert sorted(r["position"] for r in queued) == list(range(1, len(queued) + 1))
        # close concurrently from every process; the queue drains, never past capacity
        open_ids = [r["conversation"] for r in assigned]
        closed = 0
        while open_ids:
            closes = await asyncio.gather(*(
                clients[i % 3].post(f"/api/v1/conversations/{c}/close")
                for i, c in enumerate(open_ids)))
            assert all(r.status_code == 200 for r in closes), [(r.status_code, r.text) for r in closes if r.status_code != 200]
            closed += len(open_ids)
            listing = (await clients[1].get("/api/v1/accounts/acme/agents")).json()
            assert all(a["conversations"] <= capacity for a in listing), listing
            open_ids = []
            for agent in agents:  # what each agent was given since, from its own frames
                while True:
                    try:
                        frame = await agent.recv_type("conversation.joined", timeout=0.05)
                    except TimeoutError:
                        break
                    open_ids.append(frame["conversation"])
            open_ids = [c for c in set(open_ids)]
            if closed >= starts:
                break
        print(f"cross-process concurrency: {starts} starts, {closed} closes, "
              f"violations 0")
        assert closed == starts
    finally:
        for c in clients:
            await c.aclose()


async def test_grace_of_a_process_shutting_down_ends_on_time_elsewhere(processes):
    """The closing process may be gone when the grace ends: every process arms the timer."""
    grace = 0.4
    settings = make_settings(heartbeat=0.5, presence_ttl=3, close_grace=grace)
    a, b = await processes(settings), await processes(settings)
    await _put(a, offline_when_team_away=True)
    visitor_on_b, _ = await fd.widget(b.ws, "site", beat=BEAT)
    kevin, _ = await fd.agent(a.ws, agent_token("acme", "kevin"), beat=BEAT)
    await visitor_on_b.recv_type("widget.status", status="online")
    a.terminate()
    assert await kevin.closed_with() == 1001
    closed_at = time.monotonic()
    frame = await visitor_on_b.recv_type("widget.status", timeout=3)
    waited = time.monotonic() - closed_at
    assert frame["status"] == "offline"
    assert waited < grace + 0.1, waited
