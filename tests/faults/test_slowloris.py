"""Issue 10, item 5: connections that trickle a request head are closed at a deadline, and
only so many connections may wait for a request at once.

Here the deadline is 2 s (FRONTDESK_REQUEST_TIMEOUT) and the cap 40 connections
(FRONTDESK_MAX_HTTP_CONNECTIONS); 50 clients send one header byte every 0.25 s.
"""

from __future__ import annotations

import asyncio

import httpx

from frontdesk.config import load_settings
from tests.faults.conftest import Starter, back_office
from tests.support import client as fd
from tests.support.server import SECRET, make_settings

TRICKLERS = 50
CAP = 40
DEADLINE = 2.0
EVERY = 0.25


async def trickle(port: int, budget: float) -> tuple[float | None, bytes]:
    """Send a request head one byte at a time: (seconds until the server closed the
    connection, or None if it never did within `budget`; what it answered)."""
    loop = asyncio.get_running_loop()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = loop.time()
    head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 10_000
    answer = asyncio.create_task(reader.read())  # everything until the server closes
    try:
        for i in range(len(head)):
            if loop.time() - started > budget:
                return None, b""
            try:
                writer.write(head[i:i + 1])
            except (ConnectionError, RuntimeError):
                pass
            await asyncio.wait([answer], timeout=EVERY)
            if answer.done():
                try:
                    data = answer.result()
                except ConnectionError:
                    data = b""
                return loop.time() - started, data
        return None, b""
    finally:
        answer.cancel()
        writer.close()


async def test_trickled_heads_are_closed_at_the_deadline_and_capped(processes: Starter) -> None:
    settings = make_settings(heartbeat=0.5, presence_ttl=1.5)
    proc = await processes(settings, FRONTDESK_REQUEST_TIMEOUT=str(DEADLINE),
                           FRONTDESK_MAX_HTTP_CONNECTIONS=str(CAP))
    async with back_office(proc) as api:
        assert (await api.put("/api/v1/widgets/site", json={"account": "acme"})).status_code == 200
    # an upgraded socket leaves the count and the deadline behind
    socket, _ = await fd.widget(proc.ws, "site", beat=0.3)
    tricklers = [asyncio.create_task(trickle(proc.port, DEADLINE + 3)) for _ in range(TRICKLERS)]
    await asyncio.sleep(DEADLINE / 2 + 0.5)
    # the cap is full of tricklers that have waited over a second: a newcomer still gets in
    async with httpx.AsyncClient(base_url=proc.http, timeout=5) as newcomer:
        assert (await newcomer.get("/healthz")).status_code == 200
    results = await asyncio.gather(*tricklers)
    assert socket.conn.close_code is None  # open well past the deadline
    await socket.close()
    closed_at = sorted(t for t, _ in results if t is not None)
    refused = sum(1 for _, answer in results if answer.startswith(b"HTTP/1.1 503"))
    timed_out = sum(1 for _, answer in results if answer.startswith(b"HTTP/1.1 408"))
    still_open = TRICKLERS - len(closed_at)
    print(f"\n{TRICKLERS} tricklers: {still_open} still open after {DEADLINE + 3:.0f} s, "
          f"{refused} refused (503), {timed_out} timed out (408), "
          f"{TRICKLERS - refused - timed_out - still_open} closed otherwise; "
          f"closed after {closed_at[0] if closed_at else 0:.2f}-"
          f"{closed_at[-1] if closed_at else 0:.2f} s")
    assert still_open == 0
    assert closed_at[-1] < DEADLINE + 0.5
    assert refused == TRICKLERS - CAP  # at once: the cap was full of young connections
    output = proc.stop()
    assert output.count("did not arrive within") == 1, output  # logged once per 10 s


def test_the_limits_default_to_10_s_and_4096_and_can_be_set() -> None:
    env = {"FRONTDESK_SECRET": SECRET, "FRONTDESK_API_KEY": "k"}
    defaults = load_settings(env)
    assert (defaults.request_timeout, defaults.max_http_connections) == (10.0, 4096)
    chosen = load_settings({**env, "FRONTDESK_REQUEST_TIMEOUT": "2.5",
                            "FRONTDESK_MAX_HTTP_CONNECTIONS": "100"})
    assert (chosen.request_timeout, chosen.max_http_connections) == (2.5, 100)
