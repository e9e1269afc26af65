"""Redis stopped and started again under a running Frontdesk (contract: /readyz, 1013, unavailable)."""

from __future__ import annotations

import asyncio

import httpx

from tests.cluster.conftest import back_office
from tests.support import client as fd
from tests.support.redis_server import start_or_skip
from tests.support.server import ServerProcess, agent_token, make_settings, server_env

BEAT = 0.3


async def test_redis_outage_keeps_sockets_open_and_recovers():
    redis = start_or_skip(appendonly=True)  # settings and statuses survive the restart
    settings = make_settings(heartbeat=0.5, presence_ttl=3, close_grace=0.5)
    proc = ServerProcess(server_env(settings, REDIS_URL=redis.url))
    try:
        await proc.wait_ready()
        async with back_office(proc) as api, httpx.AsyncClient(base_url=proc.http) as anonymous:
            assert (await api.put("/api/v1/widgets/site", json={
                "account": "acme", "offline_when_team_away": True})).status_code == 200
            kevin, _ = await fd.agent(proc.ws, agent_token("acme", "kevin"), beat=BEAT)
            visitor, _ = await fd.widget(proc.ws, "site", beat=BEAT)

            redis.stop()
            ready = await anonymous.get("/readyz")
            assert ready.status_code == 503 and ready.json()["error"] == "unavailable"
            assert (await anonymous.get("/api/v1/widgets/site/status")).status_code == 503
            assert (await api.get("/api/v1/widgets/site")).status_code == 503
            assert (await anonymous.get("/api/v1/widgets/site")).status_code == 401  # key first
            assert (await anonymous.get("/healthz")).status_code == 200

            await kevin.send({"type": "status", "status": "busy"})
            error = await kevin.recv_type("error", timeout=5)
            assert error["code"] == "unavailable"
            newcomer = await fd.Client.open(f"{proc.ws}/ws/widget/site")  # accepted...
            await newcomer.send({"type": "hello"})
            assert await newcomer.closed_with() == 1013  # ...and told to come back later
            await asyncio.sleep(1.0)  # several heartbeats of silence from the store
            assert kevin.conn.close_code is None and visitor.conn.close_code is None

            redis.start()
            for _ in range(100):
                if (await anonymous.get("/readyz")).status_code == 200:
                    break
                await asyncio.sleep(0.1)
            assert (await anonymous.get("/readyz")).status_code == 200
            await kevin.send({"type": "status", "status": "busy"})
            # the event subscription comes back within its backoff (at most 2 s)
            frame = await visitor.recv_type("widget.status", status="offline", timeout=5)
            assert frame["reason"] == "team_away"
            await kevin.send({"type": "status", "status": "online"})
            await visitor.recv_type("widget.status", status="online", timeout=3)
            listing = (await api.get("/api/v1/accounts/acme/agents")).json()
            assert listing[0]["connected"] is True  # presence was registered again
            await kevin.close()
            await visitor.close()
    finally:
        output = proc.stop()
        redis.cleanup()
    assert output.count("store unreachable") == 1, output  # logged once, not once per frame
