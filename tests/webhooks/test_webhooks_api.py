"""The webhook routes through a real uvicorn, with a real receiver and real agent sockets."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support import client as fd
from tests.support.receiver import Receiver, running_receiver
from tests.support.server import RunningServer, agent_token, make_settings, running_server


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with running_receiver() as running:
        yield running


@pytest.fixture
async def open_server() -> AsyncIterator[RunningServer]:
    """A server that may deliver to loopback (FRONTDESK_WEBHOOK_ALLOW_PRIVATE=1)."""
    async with running_server(make_settings(webhook_allow_private=True)) as running:
        yield running


@pytest.fixture
async def open_api(open_server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with open_server.api() as client:
        yield client


async def register(api: httpx.AsyncClient, url: str, events=("*",), **extra) -> dict:
    response = await api.post("/api/v1/accounts/acme/webhooks",
                              json={"url": url, "events": list(events), **extra})
    assert response.status_code == 201, response.text
    return response.json()


async def test_register_list_delete(open_api):
    made = await register(open_api, "https://hooks.example/in", ["widget.status"])
    assert set(made) == {"id", "url", "events", "secret", "created"}
    assert made["events"] == ["widget.status"] and made["url"] == "https://hooks.example/in"
    assert len(made["secret"]) >= 43 and made["created"].endswith("Z")  # 32 random bytes
    chosen = await register(open_api, "https://hooks.example/two", secret="my-secret")
    assert chosen["secret"] == "my-secret"
    listed = (await open_api.get("/api/v1/accounts/acme/webhooks")).json()
    assert [w["id"] for w in listed] == [made["id"], chosen["id"]]
    assert all(set(w) == {"id", "url", "events", "created"} for w in listed)  # no secret
    assert (await open_api.get("/api/v1/accounts/other/webhooks")).json() == []
    assert (await open_api.delete(f"/api/v1/accounts/acme/webhooks/{made['id']}")).status_code == 204
    gone = await open_api.delete(f"/api/v1/accounts/acme/webhooks/{made['id']}")
    assert gone.status_code == 404 and gone.json()["error"] == "not_found"
    elsewhere = await open_api.delete(f"/api/v1/accounts/other/webhooks/{chosen['id']}")
    assert elsewhere.status_code == 404


async def test_back_office_key_required(open_server):
    async with httpx.AsyncClient(base_url=open_server.http) as anonymous:
        for method, path in (("POST", "/api/v1/accounts/acme/webhooks"),
                             ("GET", "/api/v1/accounts/acme/webhooks"),
                             ("DELETE", "/api/v1/accounts/acme/webhooks/wh_x"),
                             ("GET", "/api/v1/accounts/acme/webhooks/wh_x/deliveries"),
                             ("POST", "/api/v1/accounts/acme/webhooks/wh_x/deliveries/e/redeliver")):
            response = await anonymous.request(method, path, json={})
            assert response.status_code == 401, (method, path)


@pytest.mark.parametrize("body,field", [
    ({"url": "https://a.example/", "events": ["widget.gone"]}, "events"),
    ({"url": "https://a.example/", "events": []}, "events"),
    ({"url": "mailto:x@a.example", "events": ["*"]}, "url"),
    ({"url": "https://a.example/", "events": ["*"], "secret": ""}, "secret"),
])
async def test_bad_registrations_are_422(open_api, body, field):
    response = await open_api.post("/api/v1/accounts/acme/webhooks", json=body)
    assert response.status_code == 422 and field in response.json()["fields"]


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/x", "http://localhost/x", "http://[::1]/x", "http://10.0.0.8/x",
    "http://169.254.169.254/latest", "http://[::ffff:127.0.0.1]/x", "http://0.0.0.0/x",
    "http://2130706433/x",  # 127.0.0.1 as one number: resolved, then refused
])
async def test_private_targets_are_refused_unless_allowed(api, url):
    response = await api.post("/api/v1/accounts/acme/webhooks", json={"url": url, "events": ["*"]})
    assert response.status_code == 422, response.text
    assert "url" in response.json()["fields"]


async def test_a_name_that_does_not_resolve_is_accepted(api):
    await register(api, "https://no-such-host.invalid/in")


async def test_changes_become_signed_events_with_the_frame_agents_get(open_server, open_api,
                                                                       receiver):
    hook = await register(open_api, receiver.url())
    put = await open_api.put("/api/v1/widgets/site", json={"account": "acme"})
    assert put.status_code == 200
    agent, _ = await fd.agent(open_server.ws, agent_token("acme", "kevin"))
    await agent.send({"type": "status", "status": "busy"})
    busy = await agent.recv_type("agent.status", status="busy")
    got = await receiver.wait_for(3)  # widget created, kevin connected, kevin busy
    await asyncio.sleep(0.3)
    await agent.close()
    events = [r.json for r in receiver.got()]
    assert sorted(e["seq"] for e in events) == list(range(1, len(events) + 1))  # no gaps
    assert all(r.is_signed_with(hook["secret"]) for r in got)
    assert all(r.headers["frontdesk-event-id"] == r.json["id"] for r in got)
    assert len({e["id"] for e in events}) == len(events)
    assert events[0]["type"] == "widget.status" and events[0]["data"]["widget"] == "site"
    assert {"type": "agent.status", "data": busy} in [
        {"type": e["type"], "data": e["data"]} for e in events]
    assert all(e["account"] == "acme" and e["occurred_at"].endswith("Z") for e in events)


async def test_deliveries_log_filter_and_redeliver(open_api, receiver):
    hook = await register(open_api, receiver.url(), ["widget.status"])
    receiver.plan("main", status=410)
    await open_api.put("/api/v1/widgets/site", json={"account": "acme"})
    await receiver.wait_for(1)
    base = f"/api/v1/accounts/acme/webhooks/{hook['id']}/deliveries"
    deadline = time.monotonic() + 5
    while (log := (await open_api.get(base)).json())[0]["status"] == "pending":
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    [entry] = log
    assert entry == {"event": entry["event"], "type": "widget.status", "status": "failed",
                     "attempts": 1, "last_code": 410, "last_error": entry["last_error"],
                     "next_attempt": None}
    assert (await open_api.get(base, params={"status": "failed"})).json() == [entry]
    assert (await open_api.get(base, params={"status": "delivered"})).json() == []
    bad = await open_api.get(base, params={"status": "lost"})
    assert bad.status_code == 422 and "status" in bad.json()["fields"]
    unknown = await open_api.get("/api/v1/accounts/acme/webhooks/wh_none/deliveries")
    assert unknown.status_code == 404
    receiver.plan("main", status=200)
    again = await open_api.post(f"{base}/{entry['event']}/redeliver")
    assert again.status_code == 202
    [first, second] = await receiver.wait_for(2)
    assert first.json["id"] == second.json["id"] == entry["event"]
    deadline = time.monotonic() + 5
    while (log := (await open_api.get(base)).json())[0]["status"] != "delivered":
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    assert (log[0]["attempts"], log[0]["last_code"]) == (2, 200)
    missing = await open_api.post(f"{base}/evt_nope/redeliver")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


async def test_a_deleted_webhook_gets_nothing_more(open_api, receiver):
    hook = await register(open_api, receiver.url(), ["widget.status"])
    await open_api.put("/api/v1/widgets/site", json={"account": "acme"})
    await receiver.wait_for(1)
    await open_api.delete(f"/api/v1/accounts/acme/webhooks/{hook['id']}")
    await open_api.put("/api/v1/widgets/site", json={"account": "acme", "manual_status": "offline"})
    await asyncio.sleep(0.5)
    assert len(receiver.got()) == 1
