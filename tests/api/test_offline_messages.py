"""Offline messages through a real server: the public route, its checks and limits, the
frames to agents, the welcome's unread list, the listing and the read mark (contract v2)."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.support import client as fd
from tests.support.server import RunningServer, agent_token

ISO_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@pytest.fixture
async def site(api):
    await api.put("/api/v1/widgets/site", json={
        "account": "acme", "manual_status": "offline",
        "allowed_origins": ["https://acme.example"]})
    return "site"


@pytest.fixture
async def public(server: RunningServer):
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as client:
        yield client


def leave(public, body, origin="https://acme.example", widget="site", **headers):
    if origin:
        headers["Origin"] = origin
    return public.post(f"/api/v1/widgets/{widget}/messages", json=body, headers=headers)


async def test_a_message_reaches_the_agents_and_the_lists(server, api, public, site, encoding):
    agent, welcome = await fd.agent(server.ws, agent_token("acme", "kevin"), encoding)
    assert welcome["offline_messages"] == []
    response = await leave(public, {"visitor": "v-1", "email": "ada@example.com",
                                    "text": "  Do you ship to Oslo?  "})
    assert response.status_code == 201, response.text
    answer = response.json()
    assert set(answer) == {"message", "created"} and ISO_Z.fullmatch(answer["created"])
    frame = await agent.recv_type("offline_message.created")
    assert frame == {"type": "offline_message.created", "message": answer["message"],
                     "widget": "site", "visitor": "v-1", "email": "ada@example.com",
                     "text": "  Do you ship to Oslo?  ", "created": answer["created"]}
    second = (await leave(public, {"email": "bob@example.org", "text": "hi"})).json()
    anonymous = await agent.recv_type("offline_message.created")
    assert anonymous["visitor"] is None and anonymous["message"] == second["message"]

    # A new agent finds both unread in its welcome, newest first.
    _, later = await fd.agent(server.ws, agent_token("acme", "samantha"), encoding)
    assert [m["message"] for m in later["offline_messages"]] == [second["message"],
                                                                 answer["message"]]
    assert later["offline_messages"][1] == frame
    listed = (await api.get("/api/v1/accounts/acme/offline-messages")).json()
    assert [m["message"] for m in listed] == [second["message"], answer["message"]]

    # Marking one read tells the agents, and the unread list drops it.
    read = await api.post(f"/api/v1/accounts/acme/offline-messages/{answer['message']}/read")
    assert read.status_code == 200
    assert await agent.recv_type("offline_message.read") == {
        "type": "offline_message.read", "message": answer["message"]}
    again = await api.post(f"/api/v1/accounts/acme/offline-messages/{answer['message']}/read")
    assert again.status_code == 200
    await agent.no_frame(0.3, "offline_message.read")  # already read: told once
    unread = (await api.get("/api/v1/accounts/acme/offline-messages")).json()
    assert [m["message"] for m in unread] == [second["message"]]
    every = (await api.get("/api/v1/accounts/acme/offline-messages?all=1")).json()
    assert [(m["message"], m["read"]) for m in every] == [(second["message"], False),
                                                         (answer["message"], True)]
    _, third = await fd.agent(server.ws, agent_token("acme", "oscar"), encoding)
    assert [m["message"] for m in third["offline_messages"]] == [second["message"]]
    await agent.close()


async def test_the_console_marks_a_message_read_over_its_socket(server, public, site):
    agent, _ = await fd.agent(server.ws, agent_token("acme", "kevin"))
    other, _ = await fd.agent(server.ws, agent_token("acme", "samantha"))
    sent = (await leave(public, {"email": "ada@example.com", "text": "hi"})).json()
    await agent.send({"type": "offline_message.read", "message": sent["message"]})
    assert (await other.recv_type("offline_message.read"))["message"] == sent["message"]
    await agent.send({"type": "offline_message.read", "message": "unknown-id"})
    error = await agent.recv_type("error")
    assert error["code"] == "bad_field"
    visitor, _ = await fd.widget(server.ws, "site", origin="https://acme.example")
    await visitor.send({"type": "offline_message.read", "message": sent["message"]})
    assert (await visitor.recv_type("error"))["code"] == "forbidden"


async def test_accepted_whatever_the_status(api, public, site):
    await api.put("/api/v1/widgets/site", json={"account": "acme", "manual_status": "online"})
    assert (await leave(public, {"email": "a@b.io", "text": "x"})).status_code == 201


@pytest.mark.parametrize("body,fields", [
    ({"email": "not-an-email", "text": "hi"}, {"email"}),
    ({"email": "a@b.io", "text": "   "}, {"text"}),
    ({"email": "a@b.io", "text": ""}, {"text"}),
    ({"email": "a@b.io", "text": "x" * 4001}, {"text"}),
    ({"email": "a@b.io"}, {"text"}),
    ({"text": "hi"}, {"email"}),
    ({"email": "a@b.io", "text": "hi", "visitor": "no spaces allowed"}, {"visitor"}),
])
async def test_bad_bodies_are_422(public, site, body, fields):
    response = await leave(public, body)
    assert response.status_code == 422
    assert set(response.json()["fields"]) == fields and response.json()["error"] == "invalid"


async def test_longest_text_and_malformed_body(public, site):
    assert (await leave(public, {"email": "a@b.io", "text": "x" * 4000})).status_code == 201
    raw = await public.post("/api/v1/widgets/site/messages", content=b"{nope",
                            headers={"Origin": "https://acme.example"})
    assert raw.status_code == 422 and "body" in raw.json()["fields"]


async def test_origin_is_checked_like_the_socket(public, site):
    refused = await leave(public, {"email": "a@b.io", "text": "hi"}, origin="https://evil.example")
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    assert (await leave(public, {"email": "a@b.io", "text": "hi"}, origin=None)).status_code == 201
    preflight = await public.options("/api/v1/widgets/site/messages", headers={
        "Origin": "https://acme.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "https://acme.example"
    ok = await leave(public, {"email": "a@b.io", "text": "hi"})
    assert ok.headers["access-control-allow-origin"] == "https://acme.example"


async def test_unknown_widget_is_404(public):
    response = await leave(public, {"email": "a@b.io", "text": "hi"}, widget="nope")
    assert response.status_code == 404


async def test_rate_limits_per_visitor_and_per_address(public, site):
    for _ in range(10):
        assert (await leave(public, {"visitor": "v1", "email": "a@b.io", "text": "hi"})).status_code == 201
    over = await leave(public, {"visitor": "v1", "email": "a@b.io", "text": "hi"})
    assert over.status_code == 429 and over.json()["error"] == "too_many_requests"
    assert 1 <= int(over.headers["retry-after"]) <= 60
    # Another visitor from the same address goes on until the address has sent 30.
    for i in range(20):
        assert (await leave(public, {"visitor": f"w{i}", "email": "a@b.io", "text": "hi"})).status_code == 201
    over = await leave(public, {"visitor": "fresh", "email": "a@b.io", "text": "hi"})
    assert over.status_code == 429 and int(over.headers["retry-after"]) >= 1


async def test_back_office_routes_need_the_key(server, public, site):
    assert (await public.get("/api/v1/accounts/acme/offline-messages")).status_code == 401
    assert (await public.post("/api/v1/accounts/acme/offline-messages/x/read")).status_code == 401


async def test_unknown_message_is_404(api, site):
    response = await api.post("/api/v1/accounts/acme/offline-messages/nope/read")
    assert response.status_code == 404
    assert (await api.get("/api/v1/accounts/never/offline-messages")).json() == []


async def test_behind_a_trusted_proxy_the_forwarded_address_is_counted():
    from tests.support.server import make_settings, running_server

    async with running_server(make_settings(trusted_proxies=("127.0.0.1",))) as server:
        async with server.api() as api:
            await api.put("/api/v1/widgets/site", json={"account": "acme"})
        async with httpx.AsyncClient(base_url=server.http) as public:
            def post(address: str):
                return leave(public, {"email": "a@b.io", "text": "hi"}, origin=None,
                             **{"X-Forwarded-For": f"6.6.6.6, {address}"})
            for _ in range(30):
                assert (await post("198.51.100.1")).status_code == 201
            assert (await post("198.51.100.1")).status_code == 429
            assert (await post("198.51.100.2")).status_code == 201  # another visitor's address


async def test_without_a_trusted_proxy_the_header_is_ignored(public, site):
    for i in range(30):
        response = await leave(public, {"email": "a@b.io", "text": "hi"},
                               **{"X-Forwarded-For": f"198.51.100.{i}"})
        assert response.status_code == 201
    over = await leave(public, {"email": "a@b.io", "text": "hi"},
                       **{"X-Forwarded-For": "198.51.100.200"})
    assert over.status_code == 429


async def test_a_message_is_a_webhook_event_with_the_agents_frame():
    """offline_message.created goes through the feed: a webhook gets the very frame agents get."""
    from tests.support.receiver import running_receiver
    from tests.support.server import make_settings, running_server

    async with running_receiver() as receiver, \
            running_server(make_settings(webhook_allow_private=True)) as server:
        async with server.api() as api:
            await api.put("/api/v1/widgets/site", json={"account": "acme"})
            hook = await api.post("/api/v1/accounts/acme/webhooks", json={
                "url": receiver.url("main"), "events": ["offline_message.created"]})
            assert hook.status_code == 201, hook.text
        agent, _ = await fd.agent(server.ws, agent_token("acme", "kevin"))
        async with httpx.AsyncClient(base_url=server.http) as public:
            sent = await leave(public, {"email": "ada@example.com", "text": "hook me"}, origin=None)
        frame = await agent.recv_type("offline_message.created")
        [delivery] = await receiver.wait_for(1)
        event = delivery.json
        assert event["type"] == "offline_message.created" and event["data"] == frame
        assert frame["message"] == sent.json()["message"]
        await agent.close()
