"""Issue 16's server parts across processes on one Redis (and on the six-node cluster): a
message left on A reaches agents on B, its read mark too, limits count across processes, and
a conversation started on A shows its page to an agent on B."""

from __future__ import annotations

import httpx

from tests.cluster.conftest import BOTH_STORES, back_office
from tests.support import client as fd
from tests.support.server import agent_token

BEAT = 0.3


@BOTH_STORES
async def test_offline_messages_and_pages_across_processes(processes):
    a, b = await processes(), await processes()
    async with back_office(a) as api:
        assert (await api.put("/api/v1/widgets/site", json={"account": "acme"})).status_code == 200
    kevin_on_b, _ = await fd.agent(b.ws, agent_token("acme", "kevin"), beat=BEAT)
    async with httpx.AsyncClient(timeout=10) as public:
        def leave(proc, text):
            return public.post(f"{proc.http}/api/v1/widgets/site/messages",
                               json={"visitor": "v1", "email": "a@b.io", "text": text})
        sent = (await leave(a, "hi")).json()
        frame = await kevin_on_b.recv_type("offline_message.created")
        assert frame["message"] == sent["message"] and frame["visitor"] == "v1"
        for i in range(9):  # nine more on A and B alternately: ten in all for the visitor
            assert (await leave(a if i % 2 else b, "again")).status_code == 201
        over = await leave(b, "one too many")
        assert over.status_code == 429 and int(over.headers["retry-after"]) >= 1
    async with back_office(a) as api:
        read = await api.post(f"/api/v1/accounts/acme/offline-messages/{sent['message']}/read")
        assert read.status_code == 200
    marked = await kevin_on_b.recv_type("offline_message.read")
    assert marked["message"] == sent["message"]

    visitor_on_a = await fd.Client.open(f"{a.ws}/ws/widget/site")
    await visitor_on_a.send({"type": "hello", "visitor": "v2", "page": "https://acme.example/p"})
    assert (await visitor_on_a.recv())["type"] == "welcome"
    visitor_on_a.keep_alive(BEAT)
    await visitor_on_a.send({"type": "conversation.start", "text": "from A"})
    joined = await kevin_on_b.recv_type("conversation.joined")
    assert (joined["text"], joined["page"]) == ("from A", "https://acme.example/p")
    assert await visitor_on_a.recv_type("conversation.joined") == joined
    for client in (kevin_on_b, visitor_on_a):
        await client.close()
