"""Routes a back end expects (contract v2): the account's widgets, its conversations by
state, and PATCH (RFC 7396 merge patch) of a widget's settings."""

from __future__ import annotations

import re

import httpx
import pytest

from frontdesk.core.settings import DEFAULT_OFFLINE_MESSAGE
from tests.support import client as fd
from tests.support.server import agent_token

ISO_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
ITEM_FIELDS = {"conversation", "widget", "visitor", "state", "agents", "position",
               "estimated_wait", "started_at", "queued_at", "assigned_at", "text", "page"}


async def test_widget_list_is_sorted_with_settings_and_status(server, api):
    for widget in ("zeta", "alpha", "mid"):
        await api.put(f"/api/v1/widgets/{widget}", json={"account": "acme",
                                                         "manual_status": "offline"})
    await api.put("/api/v1/widgets/elsewhere", json={"account": "other"})
    listed = (await api.get("/api/v1/accounts/acme/widgets")).json()
    assert [item["widget"] for item in listed] == ["alpha", "mid", "zeta"]
    async with httpx.AsyncClient(base_url=server.http) as anonymous:
        for item in listed:
            assert set(item) == {"widget", "settings", "status"}
            assert item["settings"] == (await api.get(f"/api/v1/widgets/{item['widget']}")).json()
            status = await anonymous.get(f"/api/v1/widgets/{item['widget']}/status")
            assert item["status"] == status.json()
    assert (await api.get("/api/v1/accounts/never/widgets")).json() == []
    async with httpx.AsyncClient(base_url=server.http) as anonymous:
        assert (await anonymous.get("/api/v1/accounts/acme/widgets")).status_code == 401


async def test_conversation_list_by_state(server, api):
    await api.put("/api/v1/widgets/site", json={"account": "acme",
                                                "max_conversations_per_agent": 1})
    agent, _ = await fd.agent(server.ws, agent_token("acme", "kevin"), beat=0.5)
    first = (await api.post("/api/v1/widgets/site/conversations",
                            json={"visitor": "v1", "text": "first"})).json()
    second = (await api.post("/api/v1/widgets/site/conversations",
                             json={"visitor": "v2"})).json()
    assert (first["state"], second["state"]) == ("assigned", "queued")

    everything = (await api.get("/api/v1/accounts/acme/conversations")).json()
    assert {c["conversation"] for c in everything} == {first["conversation"], second["conversation"]}
    for item in everything:
        assert set(item) == ITEM_FIELDS
    open_ = (await api.get("/api/v1/accounts/acme/conversations?state=open")).json()
    assert len(open_) == 1
    item = open_[0]
    assert item["conversation"] == first["conversation"] and item["state"] == "open"
    assert item["agents"] == [{"id": "kevin", "name": "Kevin"}] and item["position"] is None
    assert (item["widget"], item["visitor"], item["text"], item["page"]) == ("site", "v1", "first", None)
    assert item["queued_at"] is None and item["estimated_wait"] is None
    assert ISO_Z.fullmatch(item["started_at"]) and ISO_Z.fullmatch(item["assigned_at"])
    queued = (await api.get("/api/v1/accounts/acme/conversations?state=queued")).json()
    assert [c["conversation"] for c in queued] == [second["conversation"]]
    assert queued[0]["state"] == "queued" and queued[0]["position"] == 1
    assert queued[0]["agents"] == [] and queued[0]["assigned_at"] is None
    assert ISO_Z.fullmatch(queued[0]["started_at"]) and ISO_Z.fullmatch(queued[0]["queued_at"])
    wait = queued[0]["estimated_wait"]
    assert wait is None or (isinstance(wait, int) and wait >= 0)
    bad = await api.get("/api/v1/accounts/acme/conversations?state=closed")
    assert bad.status_code == 422 and "state" in bad.json()["fields"]
    assert (await api.get("/api/v1/accounts/never/conversations")).json() == []
    await agent.close()


async def test_patch_changes_only_what_it_names(server, api, encoding):
    await api.put("/api/v1/widgets/site", json={
        "account": "acme", "online_message": "Hi!", "offline_message": "Bye!",
        "mode": "scheduled", "timezone": "Europe/Berlin",
        "hours": {"mon": [["09:00", "17:00"]], "tue": [["09:00", "12:00"]]}})
    visitor, _ = await fd.widget(server.ws, "site", encoding)
    patched = await api.patch("/api/v1/widgets/site", json={"mode": "manual",
                                                             "hours": {"tue": None}})
    assert patched.status_code == 200
    body = patched.json()
    assert (body["mode"], body["online_message"], body["offline_message"]) == ("manual", "Hi!", "Bye!")
    assert body["hours"]["mon"] == [["09:00", "17:00"]] and body["hours"]["tue"] == []
    assert (await api.get("/api/v1/widgets/site")).json() == body
    status = await visitor.recv_type("widget.status")  # the change is live
    assert status["reason"] == "manual"
    reset = await api.patch("/api/v1/widgets/site", json={"offline_message": None},
                            headers={"Content-Type": "application/merge-patch+json"})
    assert reset.status_code == 200 and reset.json()["offline_message"] == DEFAULT_OFFLINE_MESSAGE
    await visitor.close()


@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"null", b"42", b"{bad json"])
async def test_patch_body_must_be_a_json_object(api, body):
    await api.put("/api/v1/widgets/site", json={"account": "acme"})
    response = await api.patch("/api/v1/widgets/site", content=body,
                               headers={"Content-Type": "application/merge-patch+json"})
    assert response.status_code == 422 and "body" in response.json()["fields"]


async def test_patch_validates_like_put_and_knows_unknown_widgets(server, api):
    await api.put("/api/v1/widgets/site", json={"account": "acme"})
    bad = await api.patch("/api/v1/widgets/site", json={"timezone": "Mars/Olympus",
                                                         "hours": {"mon": [["10:00", "09:00"]]}})
    assert bad.status_code == 422 and set(bad.json()["fields"]) == {"timezone", "hours.mon"}
    other = await api.patch("/api/v1/widgets/site", json={"account": "someone-else"})
    assert other.status_code == 422 and "account" in other.json()["fields"]
    assert (await api.patch("/api/v1/widgets/nope", json={"mode": "manual"})).status_code == 404
    async with httpx.AsyncClient(base_url=server.http) as anonymous:
        assert (await anonymous.patch("/api/v1/widgets/site", json={})).status_code == 401
