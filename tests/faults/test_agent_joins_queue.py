"""Issue 10, item 6: an agent whose hello assigns it waiting conversations is told of them.

The assignment a hello causes runs once the socket is registered for pushes, so the agent
gets `conversation.joined` for each conversation its own arrival assigned (and the visitor
gets it too), on one process and across two.
"""

from __future__ import annotations

import pytest

from tests.faults.conftest import Starter, back_office
from tests.support import client as fd
from tests.support.server import agent_token, make_settings

SETTINGS = make_settings(heartbeat=1.0, presence_ttl=3.0, close_grace=0.5)


@pytest.mark.parametrize("processes_count", [1, 2], ids=["one process", "two processes"])
async def test_an_arriving_agent_gets_joined_for_what_its_hello_assigned(
        processes: Starter, processes_count: int) -> None:
    procs = [await processes(SETTINGS) for _ in range(processes_count)]
    async with back_office(procs[0]) as api:
        assert (await api.put("/api/v1/widgets/site", json={"account": "acme"})).status_code == 200
    visitor, _ = await fd.widget(procs[0].ws, "site", beat=0.3)
    await visitor.send({"type": "conversation.start", "text": "hello?"})
    queued = await visitor.recv_type("conversation.queued")
    kevin, welcome = await fd.agent(procs[-1].ws, agent_token("acme", "kevin"), beat=0.3)
    joined = await kevin.recv_type("conversation.joined", timeout=3)
    assert joined["conversation"] == queued["conversation"]
    assert [a["id"] for a in joined["agents"]] == ["kevin"]
    seen = await visitor.recv_type("conversation.joined", timeout=3)
    assert seen["conversation"] == queued["conversation"]
    await kevin.no_frame(0.5, kind="conversation.joined")  # once
    await kevin.close()
    await visitor.close()
