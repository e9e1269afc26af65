"""The issue's "done when": team-away toggle, an agent going busy and back, both encodings."""

from __future__ import annotations

from tests.support import client as fd
from tests.support.server import RunningServer, agent_token


async def put_widget(api, widget: str, **settings) -> dict:
    body = {"account": "acme", **settings}
    response = await api.put(f"/api/v1/widgets/{widget}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def test_busy_agent_turns_team_away_widget_offline(server: RunningServer, api, encoding):
    await put_widget(api, "site", offline_when_team_away=True, offline_message="gone fishing")
    visitor, welcome = await fd.widget(server.ws, "site", encoding)
    assert welcome["widget"]["status"] == "offline"
    assert welcome["widget"]["reason"] == "team_away"
    assert len(welcome["visitor"]) >= 22

    agent, agent_welcome = await fd.agent(server.ws, agent_token("acme", "kevin"), encoding)
    assert agent_welcome["agent"] == {"id": "kevin", "name": "Kevin", "status": "online",
                                      "status_reason": "agent"}
    online = await visitor.recv_type("widget.status")
    assert online["status"] == "online" and online["reason"] == "manual"

    await agent.send({"type": "status", "status": "busy"})
    offline = await visitor.recv_type("widget.status", timeout=1)
    assert (offline["status"], offline["reason"], offline["message"]) == (
        "offline", "team_away", "gone fishing")
    mine = await agent.recv_type("agent.status", agent="kevin", status="busy")
    assert mine["available"] is False and mine["connected"] is True

    await agent.send({"type": "status", "status": "online"})
    back = await visitor.recv_type("widget.status", timeout=1)
    assert back["status"] == "online"
    await visitor.no_frame(0.3)  # pushed once, not twice
    await agent.close()
    await visitor.close()
