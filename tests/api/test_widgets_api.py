"""The HTTP API through a real uvicorn: settings, status, auth, errors, tokens, operations."""

from __future__ import annotations

import httpx
import jwt

from frontdesk.store.memory import MemoryStore
from tests.support import client as fd
from tests.support.server import SECRET, RunningServer, agent_token, running_server


async def test_put_fills_defaults_and_get_returns_them(api):
    response = await api.put("/api/v1/widgets/site", json={"account": "acme"})
    assert response.status_code == 200
    body = response.json()
    assert body["account"] == "acme" and body["mode"] == "manual"
    assert body["manual_status"] == "online" and body["timezone"] == "UTC"
    assert body["hours"] == {d: [] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    assert body["closed_dates"] == [] and body["allowed_origins"] == []
    assert body["routing"] == "broadcast" and body["max_conversations_per_agent"] == 0
    assert body["offline_when_team_away"] is False
    assert body["online_message"] and body["offline_message"]
    assert (await api.get("/api/v1/widgets/site")).json() == body


async def test_invalid_settings_name_every_field_and_store_nothing(api):
    bad = {"account": "acme", "mode": "sometimes", "timezone": "Mars/Olympus",
           "hours": {"mon": [["17:00", "09:00"]], "tue": [["24:00", "24:00"]]},
           "closed_dates": ["2026-13-45"], "max_conversations_per_agent": -1}
    response = await api.put("/api/v1/widgets/site", json=bad)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] and body["message"]
    for name in ("mode", "timezone", "hours.mon", "hours.tue", "closed_dates",
                 "max_conversations_per_agent"):
        assert name in body["fields"], (name, body["fields"])
    assert (await api.get("/api/v1/widgets/site")).status_code == 404


async def test_malformed_bodies_are_422_with_fields(api):
    response = await api.put("/api/v1/widgets/site", content=b"{nope",
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and "body" in response.json()["fields"]
    response = await api.put("/api/v1/widgets/site", json=[1, 2])
    assert response.status_code == 422 and "body" in response.json()["fields"]
    response = await api.put("/api/v1/widgets/site", json={"mode": "manual"})
    assert response.status_code == 422 and "account" in response.json()["fields"]


async def test_a_widget_belongs_to_one_account_for_good(api):
    assert (await api.put("/api/v1/widgets/site", json={"account": "acme"})).status_code == 200
    response = await api.put("/api/v1/widgets/site",
                             json={"account": "other", "online_message": "stolen"})
    assert response.status_code == 422 and "account" in response.json()["fields"]
    assert (await api.get("/api/v1/widgets/site")).json()["account"] == "acme"


async def test_status_route_is_public_and_matches_the_frame(server: RunningServer, api):
    await api.put("/api/v1/widgets/site", json={"account": "acme", "manual_status": "offline",
                                                "offline_message": "closed today"})
    async with httpx.AsyncClient(base_url=server.http) as anonymous:
        response = await anonymous.get("/api/v1/widgets/site/status")
    assert response.status_code == 200
    assert response.json() == {"widget": "site", "status": "offline", "reason": "manual",
                               "message": "closed today", "next_change": None}
    _, welcome = await fd.widget(server.ws, "site")
    assert {k: v for k, v in welcome["widget"].items() if k != "type"} == response.json()


async def test_delete_closes_open_widget_sockets_with_4404(server: RunningServer, api):
    await api.put("/api/v1/widgets/site", json={"account": "acme"})
    visitor, _ = await fd.widget(server.ws, "site")
    assert (await api.delete("/api/v1/widgets/site")).status_code == 204
    assert await visitor.closed_with() == 4404
    assert (await api.get("/api/v1/widgets/site")).status_code == 404
    assert (await api.delete("/api/v1/widgets/site")).status_code == 404
    assert (await api.get("/api/v1/widgets/site/status")).status_code == 404


async def test_back_office_routes_need_the_key(server: RunningServer):
    async with httpx.AsyncClient(base_url=server.http) as anonymous:
        for method, path in [("GET", "/api/v1/widgets/site"), ("PUT", "/api/v1/widgets/site"),
                             ("DELETE", "/api/v1/widgets/site"),
                             ("GET", "/api/v1/accounts/acme/agents"),
                             ("POST", "/api/v1/accounts/acme/agents/kevin/token"),
                             ("POST", "/api/v1/widgets/site/conversations"),
                             ("POST", "/api/v1/conversations/c1/close")]:
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}):
                response = await anonymous.request(method, path, headers=headers)
                assert response.status_code == 401, (method, path, headers)
                body = response.json()
                assert body["error"] == "unauthorized" and "message" in body
                assert server.settings.api_key not in response.text


async def test_unknown_paths_and_bad_ids_are_json_404(server: RunningServer, api):
    for path in ("/nope", "/api/v1/nothing", "/api/v1/widgets/bad%20id/status",
                 "/api/v1/widgets/" + "x" * 65 + "/status"):
        response = await api.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"] == "not_found"
    response = await api.get("/api/v1/widgets/bad!id")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


async def test_agents_listing_and_token_route(server: RunningServer, api):
    assert (await api.get("/api/v1/accounts/nobody/agents")).json() == []
    watcher, _ = await fd.agent(server.ws, agent_token("acme", "kevin"))
    response = await api.post("/api/v1/accounts/acme/agents/samantha/token",
                              json={"name": "Samantha", "ttl": 600})
    assert response.status_code == 201
    body = response.json()
    claims = jwt.decode(body["token"], SECRET, algorithms=["HS256"])
    assert (claims["sub"], claims["account"], claims["name"]) == ("samantha", "acme", "Samantha")
    assert body["expires"].endswith("Z")
    announced = await watcher.recv_type("agent.status", agent="samantha")
    assert announced["connected"] is False and announced["status"] == "online"
    agents = (await api.get("/api/v1/accounts/acme/agents")).json()
    assert agents == [
        {"id": "kevin", "name": "Kevin", "status": "online", "status_reason": "agent",
         "connected": True, "available": True, "conversations": 0},
        {"id": "samantha", "name": "Samantha", "status": "online", "status_reason": "agent",
         "connected": False, "available": False, "conversations": 0},
    ]
    response = await api.post("/api/v1/accounts/acme/agents/samantha/token", json={"ttl": "x"})
    assert response.status_code == 422 and set(response.json()["fields"]) == {"name", "ttl"}
    # the issued token works
    samantha, welcome = await fd.agent(server.ws, body["token"])
    assert welcome["agent"]["name"] == "Samantha"
    await samantha.close()
    await watcher.close()


async def test_health_ready_and_metrics(server: RunningServer, api):
    async with httpx.AsyncClient(base_url=server.http) as anonymous:
        assert (await anonymous.get("/healthz")).status_code == 200
        assert (await anonymous.get("/readyz")).status_code == 200
        await api.put("/api/v1/widgets/site", json={"account": "acme"})
        visitor, _ = await fd.widget(server.ws, "site")
        text = (await anonymous.get("/metrics")).text
    assert 'frontdesk_open_connections{kind="widget"} 1.0' in text
    assert "frontdesk_push_latency_seconds_bucket" in text
    assert "frontdesk_frames_in_total" in text
    await visitor.close()



async def test_unknown_paths_are_404_whatever_the_method(api):
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        for path in ("/nope", "/api/v1/foo", "/api/v1/widgets/site/foo"):
            response = await api.request(method, path)
            assert response.status_code == 404, (method, path, response.status_code)
            assert response.json()["error"] == "not_found"


async def test_readyz_answers_503_when_the_probe_fails_in_an_unforeseen_way():
    """A probe that breaks in a way the store did not translate (seen once during a cluster
    failover) still answers 503 with a JSON body, never 500; it answers 200 again after."""
    class FlakyProbeStore(MemoryStore):
        broken = True

        async def ping(self) -> None:
            if self.broken:
                raise IndexError("no node to ask")

    store = FlakyProbeStore()
    async with running_server(store=store) as server, httpx.AsyncClient(
            base_url=server.http) as client:
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["error"] == "unavailable"
        store.broken = False
        assert (await client.get("/readyz")).status_code == 200
