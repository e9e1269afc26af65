"""The hello's view (view.py) through real processes on a real redis-server: a hello on a
warm process reads nothing of its own, and the Origin check always sees the settings of the
last PUT, wherever it was made."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from websockets.exceptions import InvalidStatus

from tests.cluster.conftest import back_office
from tests.support import client as fd

BEAT = 0.3
GOOD, BAD = "https://acme.example", "https://evil.example"


async def _put(proc, **settings) -> None:
    async with back_office(proc) as api:
        response = await api.put("/api/v1/widgets/site", json={"account": "acme", **settings})
        assert response.status_code == 200, response.text


@contextlib.asynccontextmanager
async def monitored(url: str) -> AsyncIterator[list[str]]:
    """Every command Redis runs meanwhile, as MONITOR prints it (scripts' inner ones too)."""
    seen: list[str] = []
    client = aioredis.Redis.from_url(url)
    monitor = client.monitor()
    await monitor.connect()
    await monitor.connection.send_command("MONITOR")
    assert (await monitor.connection.read_response()) in (b"OK", "OK")

    async def read() -> None:
        while True:
            seen.append(str((await monitor.next_command())["command"]))

    reader = asyncio.get_running_loop().create_task(read())
    try:
        yield seen
        await asyncio.sleep(0.2)
    finally:
        reader.cancel()
        with contextlib.suppress(BaseException):
            await reader
        await monitor.connection.disconnect()
        await client.aclose()


def of_the_hello(commands: list[str]) -> list[str]:
    """The commands that name the account or the widget (background loops name neither)."""
    return sorted(c.split()[0].upper() for c in commands
                  if "{acme}" in c or "widget:site" in c)


async def test_a_hello_on_a_warm_process_reads_nothing_from_redis(processes, store_url):
    a = await processes()
    await _put(a, allowed_origins=[GOOD])
    for _ in range(3):  # within the view's recheck age of the first hello
        started = asyncio.get_running_loop().time()
        first, _ = await fd.widget(a.ws, "site", origin=GOOD, beat=BEAT)
        await asyncio.sleep(0.2)  # its own catch-up (the account's first socket here) is done
        async with monitored(store_url) as commands:
            second, welcome = await fd.widget(a.ws, "site", origin=GOOD, beat=BEAT)
            took = asyncio.get_running_loop().time() - started
        await first.close()
        await second.close()
        if took < 0.8:
            break
    assert welcome["widget"]["status"] == "online"
    # only the visitor's own socket count and its conversation (one write, one read): no
    # settings, no team, no catch-up read
    assert of_the_hello(commands) == ["HGET", "HINCRBY"], commands


async def test_a_settings_change_on_b_is_seen_by_the_next_hello_on_a(processes):
    a, b = await processes(), await processes()
    await _put(b, allowed_origins=[GOOD])
    holder, _ = await fd.widget(a.ws, "site", beat=BEAT)  # a hears acme: its view is warm
    for allowed, refused in ((BAD, GOOD), (GOOD, BAD)) * 3:
        await _put(b, allowed_origins=[allowed])
        visitor, _ = await fd.widget(a.ws, "site", origin=allowed, beat=BEAT)
        await visitor.close()
        with pytest.raises(InvalidStatus) as answer:
            await fd.widget(a.ws, "site", origin=refused)
        assert answer.value.response.status_code == 403
    await holder.close()


async def test_a_change_missed_while_the_bus_was_cut_is_seen_by_the_next_hello(
        processes, store_url):
    a, b = await processes(), await processes()
    await _put(b, allowed_origins=[GOOD])
    holder, _ = await fd.widget(a.ws, "site", beat=BEAT)
    visitor, _ = await fd.widget(a.ws, "site", origin=GOOD)  # the view is warm
    await visitor.close()
    async with aioredis.Redis.from_url(store_url) as raw:
        await raw.client_kill_filter(_type="pubsub")  # every process's events are cut
    await _put(b, allowed_origins=[BAD])  # likely before a subscribes again: missed
    with pytest.raises(InvalidStatus) as answer:
        await fd.widget(a.ws, "site", origin=GOOD)
    assert answer.value.response.status_code == 403
    visitor, _ = await fd.widget(a.ws, "site", origin=BAD)
    await visitor.close()
    await holder.close()
