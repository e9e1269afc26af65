"""The WebSocket protocol of the contract, through a real uvicorn and real clients."""

from __future__ import annotations

import asyncio
import json
import time

import jwt
import msgpack
import pytest
from websockets.exceptions import InvalidStatus

from tests.support import client as fd
from tests.support.client import JSON, MSGPACK, Client
from tests.support.server import SECRET, agent_token, make_settings, running_server


@pytest.fixture
async def site(api):
    await api.put("/api/v1/widgets/site", json={"account": "acme",
                                                "allowed_origins": ["https://acme.example"]})
    return "site"


async def test_subprotocol_first_offered_wins(server, site):
    both = await Client.open(f"{server.ws}/ws/widget/site", MSGPACK, offer=[MSGPACK, JSON])
    assert both.conn.subprotocol == MSGPACK
    await both.send({"type": "hello"})
    assert (await both.recv())["type"] == "welcome"
    other = await Client.open(f"{server.ws}/ws/widget/site", JSON, offer=["x", JSON, MSGPACK])
    assert other.conn.subprotocol == JSON
    await both.close()
    await other.close()


@pytest.mark.parametrize("encoding", [JSON, MSGPACK])
async def test_no_subprotocol_answers_in_the_hellos_encoding(server, site, encoding):
    client = await Client.open(f"{server.ws}/ws/widget/site", encoding, offer=[])
    assert client.conn.subprotocol is None
    await client.send({"type": "hello", "visitor": "v1"})
    welcome = await client.recv()  # asserts the frame kind matches the encoding
    assert welcome["type"] == "welcome" and welcome["visitor"] == "v1"
    await client.send({"type": "ping"})
    assert await client.recv() == {"type": "pong"}
    await client.close()


async def test_welcome_payloads(server, api, site, encoding):
    visitor, welcome = await fd.widget(server.ws, "site", encoding, visitor="visitor-1")
    assert set(welcome) == {"type", "session", "heartbeat", "visitor", "widget", "conversation",
                            "timezone"}
    assert welcome["timezone"] == "UTC"
    assert welcome["conversation"] is None
    assert welcome["heartbeat"] == server.settings.heartbeat
    assert welcome["widget"]["type"] == "widget.status" and welcome["widget"]["widget"] == "site"
    agent, agent_welcome = await fd.agent(server.ws, agent_token("acme", "kevin"), encoding)
    assert set(agent_welcome) == {"type", "session", "heartbeat", "agent", "team", "widgets",
                                  "conversations", "offline_messages"}
    assert agent_welcome["conversations"] == []
    assert agent_welcome["team"] == [{"type": "agent.status", "agent": "kevin", "name": "Kevin",
                                      "status": "online", "status_reason": "agent",
                                      "connected": True, "available": True}]
    assert [w["widget"] for w in agent_welcome["widgets"]] == ["site"]
    assert agent_welcome["widgets"][0]["type"] == "widget.status"
    await agent.close()
    await visitor.close()


async def test_frame_errors_leave_the_socket_open(server, site, encoding):
    visitor, _ = await fd.widget(server.ws, "site", encoding)
    await visitor.send({"type": "warp"})
    assert (await visitor.recv())["code"] == "unknown_type"
    await visitor.send({"type": "status", "status": "busy"})
    assert (await visitor.recv())["code"] == "forbidden"
    await visitor.send({"nottype": 1})
    assert (await visitor.recv())["code"] == "bad_frame"
    await visitor.send_raw(b"\xc1" if encoding == MSGPACK else "{not json")
    assert (await visitor.recv())["code"] == "bad_frame"
    await visitor.send_raw("[1,2]" if encoding == JSON else msgpack.packb([1, 2]))
    assert (await visitor.recv())["code"] == "bad_frame"
    # a frame in the other encoding than the socket's
    await visitor.send_raw(msgpack.packb({"type": "ping"}) if encoding == JSON
                           else json.dumps({"type": "ping"}))
    error = await visitor.recv()
    assert error["type"] == "error" and error["code"] == "bad_frame" and error["message"]
    await visitor.send({"type": "conversation.start", "text": 5})
    assert (await visitor.recv())["code"] == "bad_field"
    await visitor.send({"type": "ping"})
    assert await visitor.recv() == {"type": "pong"}

    agent, _ = await fd.agent(server.ws, agent_token("acme", "kevin"), encoding)
    await agent.send({"type": "status", "status": "asleep"})
    assert (await agent.recv_type("error"))["code"] == "bad_field"
    await agent.send({"type": "conversation.start"})
    assert (await agent.recv_type("error"))["code"] == "forbidden"
    await agent.send({"type": "conversation.close", "conversation": "nope"})
    assert (await agent.recv_type("error"))["code"] == "bad_field"
    await agent.send({"type": "ping"})
    assert await agent.recv_type("pong")
    await agent.close()
    await visitor.close()


def _forge(claims: dict, *, alg: str = "HS256", key: str = SECRET) -> str:
    return jwt.encode(claims, key if alg != "none" else None, algorithm=alg)  # type: ignore[arg-type]


@pytest.mark.parametrize("token", [
    None, 42, "", "not-a-jwt",
    _forge({"sub": "kevin", "account": "acme", "name": "K", "exp": time.time() + 600}, key="wrong-secret-wrong-secret-wrong-secret"),
    _forge({"sub": "kevin", "account": "acme", "name": "K", "exp": time.time() - 10}),
    _forge({"sub": "kevin", "account": "acme", "exp": time.time() + 600}),
    _forge({"account": "acme", "name": "K", "exp": time.time() + 600}),
    _forge({"sub": "kevin", "account": "acme", "name": "K"}),
    _forge({"sub": "kevin", "account": "acme", "name": "K", "exp": time.time() + 600}, alg="none"),
    _forge({"sub": "bad id!", "account": "acme", "name": "K", "exp": time.time() + 600}),
], ids=["missing", "number", "empty", "garbage", "bad-signature", "expired", "no-name", "no-sub",
        "no-exp", "alg-none", "bad-sub"])
async def test_bad_agent_tokens_close_4401(server, token):
    client = await Client.open(f"{server.ws}/ws/agent")
    hello = {"type": "hello"} if token is None else {"type": "hello", "token": token}
    await client.send(hello)
    assert await client.closed_with() == 4401


@pytest.mark.parametrize("first", [{"type": "ping"}, {"hello": 1}, "raw:{broken"])
async def test_first_frame_must_be_hello(server, site, first):
    client = await Client.open(f"{server.ws}/ws/widget/site")
    if isinstance(first, str):
        await client.send_raw(first[4:])
    else:
        await client.send(first)
    assert await client.closed_with() == 4401


async def test_bad_visitor_gets_bad_field_then_a_good_hello_works(server, site):
    client = await Client.open(f"{server.ws}/ws/widget/site")
    await client.send({"type": "hello", "visitor": "no spaces!"})
    error = await client.recv()
    assert error["type"] == "error" and error["code"] == "bad_field"
    await client.send({"type": "hello", "visitor": "ok-visitor"})
    welcome = await client.recv()
    assert welcome["type"] == "welcome" and welcome["visitor"] == "ok-visitor"
    await client.close()


async def test_unknown_widget_closes_4404(server):
    client = await Client.open(f"{server.ws}/ws/widget/ghost")
    await client.send({"type": "hello"})
    assert await client.closed_with() == 4404


async def test_origin_not_allowed_is_refused_with_403(server, site):
    with pytest.raises(InvalidStatus) as refused:
        await Client.open(f"{server.ws}/ws/widget/site", origin="https://evil.example")
    assert refused.value.response.status_code == 403
    ok, _ = await fd.widget(server.ws, "site", origin="https://acme.example")
    no_origin, _ = await fd.widget(server.ws, "site")
    await ok.close()
    await no_origin.close()


async def test_no_hello_in_time_closes_4408():
    async with running_server(make_settings(hello_timeout=0.5)) as server:
        client = await Client.open(f"{server.ws}/ws/agent")
        started = time.monotonic()
        assert await client.closed_with() == 4408
        assert 0.4 < time.monotonic() - started < 2


async def test_hello_timeout_never_restarts():
    async with running_server(make_settings(hello_timeout=0.8)) as server:
        async with server.api() as api:
            await api.put("/api/v1/widgets/site", json={"account": "acme"})
        client = await Client.open(f"{server.ws}/ws/widget/site")
        started = time.monotonic()
        for _ in range(4):  # bad hellos keep the socket, but not the clock
            await client.send({"type": "hello", "visitor": "bad visitor"})
            await client.recv()
            await asyncio.sleep(0.15)
        assert await client.closed_with() == 4408
        assert time.monotonic() - started < 1.5


async def test_silence_for_the_ttl_closes_4000_and_heartbeats_keep_it_open():
    async with running_server(make_settings(heartbeat=0.3, presence_ttl=1.0)) as server:
        async with server.api() as api:
            await api.put("/api/v1/widgets/site", json={"account": "acme"})
        chatty, _ = await fd.widget(server.ws, "site")
        silent, _ = await fd.widget(server.ws, "site")
        started = time.monotonic()
        for _ in range(6):
            await chatty.send({"type": "ping"})
            await chatty.recv_type("pong")
            await asyncio.sleep(0.3)
        assert await silent.closed_with(timeout=0.1) == 4000
        assert 0.9 < time.monotonic() - started < 2.5
        await chatty.send({"type": "ping"})
        assert await chatty.recv_type("pong")
        await chatty.close()


async def test_too_many_frames_closes_4429_but_100_per_second_is_fine(server, site):
    steady, _ = await fd.widget(server.ws, "site")
    for _ in range(3):
        for _ in range(100):
            await steady.send({"type": "ping"})
        for _ in range(100):
            await steady.recv_type("pong")
        await asyncio.sleep(1.0)
    flood, _ = await fd.widget(server.ws, "site")
    for _ in range(1100):
        await flood.send({"type": "ping"})
    assert await flood.closed_with() == 4429
    await steady.send({"type": "ping"})
    assert await steady.recv_type("pong")
    await steady.close()


async def test_frame_over_max_frame_closes_1009():
    async with running_server(make_settings(max_frame=2048)) as server:
        async with server.api() as api:
            await api.put("/api/v1/widgets/site", json={"account": "acme"})
        client, _ = await fd.widget(server.ws, "site")
        await client.send({"type": "conversation.start", "text": "x" * 1000})
        await client.send({"type": "ping", "pad": "x" * 4000})
        assert await client.closed_with() == 1009


async def test_lone_surrogates_and_deep_nesting_are_refused_not_stored(server, api, site):
    """JSON escapes can smuggle in text that is not UTF-8, or nest past the recursion limit."""
    response = await api.put("/api/v1/widgets/site", content=b'{"account":"acme","online_message":"\\ud800"}',
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and "body" in response.json()["fields"]
    response = await api.put("/api/v1/widgets/site", content=b"[" * 100_000)
    assert response.status_code == 422 and "body" in response.json()["fields"]
    response = await api.post("/api/v1/accounts/acme/agents/eve/token",
                              content=b'{"name":"\\udc00"}')
    assert response.status_code == 422
    assert (await api.get("/api/v1/widgets/site/status")).status_code == 200  # nothing stored
    assert (await api.get("/api/v1/accounts/acme/agents")).json() == []

    visitor, _ = await fd.widget(server.ws, "site")
    await visitor.send_raw('{"type":"conversation.start","text":"\\ud800"}')
    assert (await visitor.recv())["code"] == "bad_frame"
    await visitor.send_raw("[" * 60_000)
    assert (await visitor.recv())["code"] == "bad_frame"
    await visitor.send({"type": "ping"})
    assert await visitor.recv() == {"type": "pong"}  # and the socket goes on

    deep = await Client.open(f"{server.ws}/ws/agent")
    await deep.send_raw("[" * 60_000)
    assert await deep.closed_with() == 4401
    surrogate_name = _forge({"sub": "eve", "account": "acme", "name": "\udc00",
                             "exp": time.time() + 600})
    liar = await Client.open(f"{server.ws}/ws/agent")
    await liar.send({"type": "hello", "token": surrogate_name})
    assert await liar.closed_with() == 4401


async def test_a_session_that_fails_closes_1011_and_stops_counting_at_once():
    async with running_server(make_settings(close_grace=5.0)) as server:
        async with server.api() as api:
            await api.put("/api/v1/widgets/site", json={"account": "acme",
                                                        "offline_when_team_away": True})
        watcher, _ = await fd.widget(server.ws, "site")
        agent, _ = await fd.agent(server.ws, agent_token("acme", "kevin"))
        await watcher.recv_type("widget.status", status="online")

        async def broken(*args: object) -> None:
            raise RuntimeError("a bug")

        server.node.presence.set_status = broken  # type: ignore[method-assign]
        await agent.send({"type": "status", "status": "busy"})
        assert await agent.closed_with() == 1011
        frame = await watcher.recv_type("widget.status", timeout=1)  # no 5 s grace for a crash
        assert frame["status"] == "offline"
        await watcher.close()


async def test_heartbeat_is_sent_as_written(server, site):
    _, welcome = await fd.widget(server.ws, "site")
    assert welcome["heartbeat"] == 1 and isinstance(welcome["heartbeat"], int)
    async with running_server(make_settings(heartbeat=0.5, presence_ttl=2)) as fractional:
        async with fractional.api() as api:
            await api.put("/api/v1/widgets/site", json={"account": "acme"})
        _, welcome = await fd.widget(fractional.ws, "site")
        assert welcome["heartbeat"] == 0.5
