"""Account settings routes (contract: Account settings) on both stores."""

from __future__ import annotations

import httpx
import pytest

from tests.support.server import RunningServer

DEFAULTS = {"auto_away_after": 0, "reassign_after": 0, "gap_alert_after": 60}


async def test_an_account_never_seen_answers_the_defaults(office: httpx.AsyncClient) -> None:
    response = await office.get("/api/v1/accounts/nobody/settings")
    assert response.status_code == 200
    assert response.json() == DEFAULTS


async def test_put_replaces_the_whole_document(office: httpx.AsyncClient) -> None:
    put = await office.put("/api/v1/accounts/acme/settings",
                           json={"auto_away_after": 90, "reassign_after": 1.5, "extra": "ignored"})
    assert put.status_code == 200
    assert put.json() == {"auto_away_after": 90, "reassign_after": 1.5, "gap_alert_after": 60}
    assert (await office.get("/api/v1/accounts/acme/settings")).json() == put.json()
    # A missing field takes its default again.
    again = await office.put("/api/v1/accounts/acme/settings", json={"reassign_after": 30})
    assert again.json() == {"auto_away_after": 0, "reassign_after": 30, "gap_alert_after": 60}
    assert (await office.get("/api/v1/accounts/acme/settings")).json() == again.json()
    assert (await office.get("/api/v1/accounts/other/settings")).json() == DEFAULTS


@pytest.mark.parametrize(("body", "fields"), [
    ({"auto_away_after": -1}, {"auto_away_after"}),
    ({"auto_away_after": "5", "reassign_after": None}, {"auto_away_after", "reassign_after"}),
    ({"reassign_after": True}, {"reassign_after"}),
    ([], {"body"}),
])
async def test_bad_documents_are_422_by_field_and_store_nothing(
        office: httpx.AsyncClient, body: object, fields: set[str]) -> None:
    response = await office.put("/api/v1/accounts/acme/settings", json=body)
    assert response.status_code == 422
    answer = response.json()
    assert answer["error"] == "invalid" and set(answer["fields"]) == fields
    assert (await office.get("/api/v1/accounts/acme/settings")).json() == DEFAULTS


async def test_undecodable_body_and_key(live: RunningServer, office: httpx.AsyncClient) -> None:
    response = await office.put("/api/v1/accounts/acme/settings", content=b"{nope")
    assert response.status_code == 422 and set(response.json()["fields"]) == {"body"}
    async with httpx.AsyncClient(base_url=live.http) as anonymous:
        assert (await anonymous.get("/api/v1/accounts/acme/settings")).status_code == 401
        assert (await anonymous.put("/api/v1/accounts/acme/settings", json={})).status_code == 401
    assert (await office.get("/api/v1/accounts/bad%20id/settings")).status_code == 404
