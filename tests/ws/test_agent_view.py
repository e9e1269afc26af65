"""What agents see: the visitor's page (from the widget hello) and first text in
`conversation.joined`, to the agents and to the visitor alike (contract v2)."""

from __future__ import annotations

import pytest

from tests.support import client as fd
from tests.support.client import Client
from tests.support.server import agent_token

PAGE = "https://acme.example/bikes/roadster?size=m#reviews"


@pytest.fixture
async def site(api):
    await api.put("/api/v1/widgets/site", json={"account": "acme"})
    return "site"


async def visitor_with_page(server, page, encoding, visitor="v-1") -> tuple[Client, dict]:
    client = await Client.open(f"{server.ws}/ws/widget/site", encoding)
    await client.send({"type": "hello", "visitor": visitor, "page": page})
    welcome = await client.recv()
    assert welcome["type"] == "welcome", welcome
    return client, welcome


async def test_joined_carries_text_and_page_to_agents_and_the_visitor(server, site, encoding):
    agent, _ = await fd.agent(server.ws, agent_token("acme", "kevin"), encoding)
    visitor, _ = await visitor_with_page(server, PAGE, encoding)
    await visitor.send({"type": "conversation.start", "text": "Is the Roadster in stock?"})
    to_agent = await agent.recv_type("conversation.joined")
    to_visitor = await visitor.recv_type("conversation.joined")
    assert to_agent == to_visitor  # the same frame to all
    assert to_agent["text"] == "Is the Roadster in stock?" and to_agent["page"] == PAGE
    assert to_agent["agents"] == [{"id": "kevin", "name": "Kevin"}]
    # A reconnecting agent's welcome and a new visitor tab carry them too.
    _, again = await fd.agent(server.ws, agent_token("acme", "kevin"), encoding)
    assert again["conversations"][0]["text"] == "Is the Roadster in stock?"
    assert again["conversations"][0]["page"] == PAGE
    _, tab = await visitor_with_page(server, "https://acme.example/other", encoding)
    assert tab["conversation"]["page"] == PAGE  # the page it started on


async def test_no_text_and_no_page_are_null(server, site):
    agent, _ = await fd.agent(server.ws, agent_token("acme", "kevin"))
    visitor, _ = await fd.widget(server.ws, "site", visitor="v-2")
    await visitor.send({"type": "conversation.start"})
    joined = await agent.recv_type("conversation.joined")
    assert joined["text"] is None and joined["page"] is None


async def test_a_queued_conversation_keeps_its_text_and_page_until_assigned(server, site):
    visitor, _ = await visitor_with_page(server, PAGE, "frontdesk.v1.json", visitor="v-3")
    visitor.keep_alive(0.5)
    await visitor.send({"type": "conversation.start", "text": "anyone?"})
    assert (await visitor.recv_type("conversation.queued"))["position"] == 1
    agent, welcome = await fd.agent(server.ws, agent_token("acme", "kevin"))
    joined = await visitor.recv_type("conversation.joined")
    assert (joined["text"], joined["page"]) == ("anyone?", PAGE)
    # The agent's arrival assigned it: the agent's welcome (or a frame right after) has it.
    mine = welcome["conversations"] or [await agent.recv_type("conversation.joined")]
    assert mine == [joined]
    await agent.close()


async def test_http_start_has_text_and_no_page(server, api, site):
    agent, _ = await fd.agent(server.ws, agent_token("acme", "kevin"))
    started = await api.post("/api/v1/widgets/site/conversations",
                             json={"visitor": "v-4", "text": "from the back end"})
    assert started.status_code == 201
    joined = await agent.recv_type("conversation.joined")
    assert (joined["text"], joined["page"]) == ("from the back end", None)


@pytest.mark.parametrize("page", ["x" * 2001, 42, ["https://a.example"], None])
async def test_a_bad_page_is_bad_field_and_the_socket_waits(server, site, page):
    client = await Client.open(f"{server.ws}/ws/widget/site")
    await client.send({"type": "hello", "page": page})
    error = await client.recv()
    assert error["type"] == "error" and error["code"] == "bad_field" and "page" in error["message"]
    await client.send({"type": "hello", "page": "é" * 2000})  # 2,000 characters is fine
    welcome = await client.recv()
    assert welcome["type"] == "welcome"
    await client.close()
