"""Each process hears only the accounts it holds sockets of (per-account channels)."""

from __future__ import annotations

import asyncio

import httpx

from tests.cluster.conftest import BOTH_STORES, SHORT, back_office
from tests.support import client as fd

BEAT = 0.3
METRIC = "frontdesk_bus_events_received_total"


async def heard(proc) -> float:
    """The events the process's bus subscription has handed it so far."""
    async with httpx.AsyncClient(timeout=5) as client:
        text = (await client.get(f"{proc.http}/metrics")).text
    return next(float(line.split()[1]) for line in text.splitlines()
                if line.startswith(METRIC + " "))


async def _put(proc, widget: str, account: str, status: str) -> None:
    async with back_office(proc) as api:
        response = await api.put(f"/api/v1/widgets/{widget}",
                                 json={"account": account, "manual_status": status})
        assert response.status_code == 200, response.text


@BOTH_STORES
async def test_a_process_without_sockets_of_an_account_hears_none_of_its_events(processes):
    a, b = await processes(), await processes()
    await _put(a, "acme-site", "acme", "online")
    await _put(a, "globex-site", "globex", "online")
    acme_on_a, _ = await fd.widget(a.ws, "acme-site", beat=BEAT)
    globex_on_b, _ = await fd.widget(b.ws, "globex-site", beat=BEAT)
    await asyncio.sleep(0.2)
    before_a, before_b = await heard(a), await heard(b)
    for status in ("offline", "online", "offline"):
        await _put(b, "acme-site", "acme", status)  # b publishes acme's change...
        await acme_on_a.recv_type("widget.status", status=status)  # ...a's socket gets it
    await globex_on_b.no_frame(0.2)
    assert await heard(a) - before_a == 3
    assert await heard(b) - before_b == 0  # b holds no acme socket: not one acme event

    # a keeps hearing acme for a while after its last acme socket closed (a reload costs
    # nothing), then stops.
    await acme_on_a.close()
    await asyncio.sleep(0.2)
    reloaded, welcome = await fd.widget(a.ws, "acme-site", beat=BEAT)
    assert welcome["widget"]["status"] == "offline"
    await _put(b, "acme-site", "acme", "online")
    await reloaded.recv_type("widget.status", status="online")
    await reloaded.close()
    linger = max(SHORT.presence_ttl, SHORT.close_grace + 1)
    await asyncio.sleep(linger + 0.5)
    quiet = await heard(a)
    await _put(b, "acme-site", "acme", "offline")
    await _put(b, "globex-site", "globex", "offline")
    await globex_on_b.recv_type("widget.status", status="offline")
    await asyncio.sleep(0.2)
    assert await heard(a) == quiet  # unsubscribed: nothing of acme or globex
