"""Every change of a widget's effective status is pushed once, promptly, to the right sockets."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from tests.support import client as fd
from tests.support.server import OffsetClock, agent_token, make_settings, running_server


async def _put(api, widget: str, **settings) -> None:
    response = await api.put(f"/api/v1/widgets/{widget}", json={"account": "acme", **settings})
    assert response.status_code == 200, response.text


async def test_settings_change_is_pushed_to_widget_and_agents_once(server, api, encoding):
    await _put(api, "site")
    other_widget_visitor = None
    await _put(api, "other")
    visitor, _ = await fd.widget(server.ws, "site", encoding)
    other_widget_visitor, _ = await fd.widget(server.ws, "other", encoding)
    agent, _ = await fd.agent(server.ws, agent_token("acme", "kevin"), encoding)
    started = time.monotonic()
    await _put(api, "site", manual_status="offline", offline_message="back at 9")
    frame = await visitor.recv_type("widget.status", timeout=1)
    assert time.monotonic() - started < 0.5
    assert (frame["status"], frame["reason"], frame["message"]) == ("offline", "manual", "back at 9")
    assert (await agent.recv_type("widget.status", widget="site"))["status"] == "offline"
    await other_widget_visitor.no_frame(0.3, kind="widget.status")  # another widget's sockets
    # the same settings again change nothing visible: nothing is pushed
    await _put(api, "site", manual_status="offline", offline_message="back at 9")
    await visitor.no_frame(0.3, kind="widget.status")
    # only the message changes: that is a change too
    await _put(api, "site", manual_status="offline", offline_message="back at 10")
    assert (await visitor.recv_type("widget.status"))["message"] == "back at 10"
    for c in (visitor, other_widget_visitor, agent):
        await c.close()


async def test_tenants_never_see_each_other(server, api):
    await _put(api, "site")
    response = await api.put("/api/v1/widgets/rival", json={"account": "rival"})
    assert response.status_code == 200
    ours, _ = await fd.agent(server.ws, agent_token("acme", "kevin"))
    theirs, welcome = await fd.agent(server.ws, agent_token("rival", "kevin"))
    assert [w["widget"] for w in welcome["widgets"]] == ["rival"]
    assert [a["agent"] for a in welcome["team"]] == ["kevin"]
    await _put(api, "site", manual_status="offline")
    await ours.send({"type": "status", "status": "busy"})
    await ours.recv_type("agent.status", status="busy")
    await theirs.no_frame(0.4)
    await ours.close()
    await theirs.close()


async def test_status_set_in_one_tab_reaches_every_tab(server, api, encoding):
    await _put(api, "site")
    token = agent_token("acme", "kevin")
    tab1, _ = await fd.agent(server.ws, token, encoding)
    tab2, _ = await fd.agent(server.ws, token, encoding)
    await tab1.send({"type": "status", "status": "busy"})
    for tab in (tab1, tab2):
        frame = await tab.recv_type("agent.status", status="busy")
        assert frame["agent"] == "kevin" and frame["available"] is False
    # a new tab sees the stored status; it survives reconnects
    await tab1.close()
    await tab2.close()
    tab3, welcome = await fd.agent(server.ws, token, encoding)
    assert welcome["agent"]["status"] == "busy"
    await tab3.close()


async def test_reload_inside_the_grace_flips_nothing():
    async with running_server(make_settings(close_grace=1.0)) as server:
        async with server.api() as api:
            await _put(api, "site", offline_when_team_away=True)
        visitor, _ = await fd.widget(server.ws, "site")
        token = agent_token("acme", "kevin")
        agent, _ = await fd.agent(server.ws, token)
        assert (await visitor.recv_type("widget.status"))["status"] == "online"
        await agent.close()  # a reload: close, then a new connection within the grace
        await asyncio.sleep(0.3)
        agent, _ = await fd.agent(server.ws, token)
        await visitor.no_frame(1.5, kind="widget.status")
        # a clean close without coming back flips once the grace ends, not before
        await agent.close()
        closed_at = time.monotonic()
        frame = await visitor.recv_type("widget.status", timeout=3)
        waited = time.monotonic() - closed_at
        assert frame["status"] == "offline" and frame["reason"] == "team_away"
        assert 0.9 < waited < 1.1 + 0.1, waited
        await visitor.close()


async def test_server_closed_connection_stops_counting_at_once():
    async with running_server(make_settings(close_grace=5.0, hello_timeout=10)) as server:
        async with server.api() as api:
            await _put(api, "site", offline_when_team_away=True)
        visitor, _ = await fd.widget(server.ws, "site")
        agent, _ = await fd.agent(server.ws, agent_token("acme", "kevin"))
        await visitor.recv_type("widget.status", status="online")
        for _ in range(1100):  # closed by the server with 4429: no grace
            await agent.send({"type": "ping"})
        started = time.monotonic()
        assert await agent.closed_with() == 4429
        frame = await visitor.recv_type("widget.status", timeout=1)
        assert frame["status"] == "offline" and time.monotonic() - started < 0.5
        await visitor.close()


async def test_schedule_boundary_is_pushed_by_a_timer():
    clock = OffsetClock()
    async with running_server(make_settings(), clock=clock) as server:
        # a Berlin schedule whose 17:30 close is 1.5 s away on the server's clock
        berlin_close = datetime(2026, 11, 25, 16, 30, tzinfo=UTC)  # 17:30 CET, a Wednesday
        clock.offset = berlin_close - timedelta(seconds=1.5) - datetime.now(UTC)
        async with server.api() as api:
            await _put(api, "site", mode="scheduled", timezone="Europe/Berlin",
                       hours={"wed": [["09:00", "17:30"]], "thu": [["09:00", "17:30"]]})
        visitor, welcome = await fd.widget(server.ws, "site")
        assert welcome["widget"]["status"] == "online"
        assert welcome["widget"]["reason"] == "schedule"
        assert welcome["widget"]["next_change"] == "2026-11-25T16:30:00Z"
        frame = await visitor.recv_type("widget.status", timeout=3)
        late = (clock() - berlin_close).total_seconds()
        assert frame["status"] == "offline" and frame["next_change"] == "2026-11-26T08:00:00Z"
        assert 0 <= late < 0.1, late
        await visitor.no_frame(0.3)
        await visitor.close()


async def test_creating_a_widget_pushes_its_first_status_to_agents(server, api):
    agent, welcome = await fd.agent(server.ws, agent_token("acme", "kevin"))
    assert welcome["widgets"] == []
    await _put(api, "fresh", manual_status="offline")
    frame = await agent.recv_type("widget.status", timeout=1)
    assert frame["widget"] == "fresh" and frame["status"] == "offline"
    await agent.close()
