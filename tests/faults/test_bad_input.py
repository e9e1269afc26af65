"""Issue 10, item 7: input anyone can send neither floods the log nor gets stored, and a
widget that no longer exists has no open sockets.

A text frame that is not UTF-8 closes its socket with 1007 and is logged at most once per
10 s, at INFO, without a traceback. JSON's NaN and Infinity are not JSON: `bad_frame`.
After Redis restarts without persistence, a widget's open sockets are closed with 4404.
"""

from __future__ import annotations

import asyncio

from tests.faults.conftest import Starter, back_office
from tests.support import client as fd
from tests.support.redis_server import RedisServer
from tests.support.server import make_settings

FLOODERS = 100


async def not_utf8(url: str) -> int | None:
    client = await fd.Client.open(url)
    await client.conn.send(b'{"type":"hello","x":"\xff\xfe"}', text=True)
    return await client.closed_with(timeout=5)


async def test_invalid_utf8_is_closed_1007_and_logged_once(processes: Starter) -> None:
    proc = await processes()
    async with back_office(proc) as api:
        assert (await api.put("/api/v1/widgets/site", json={"account": "acme"})).status_code == 200
    healthy, _ = await fd.widget(proc.ws, "site")
    codes = await asyncio.gather(*(not_utf8(f"{proc.ws}/ws/widget/site") for _ in range(FLOODERS)))
    assert codes == [1007] * FLOODERS
    await healthy.send({"type": "ping"})
    assert (await healthy.recv())["type"] == "pong"  # the neighbour never noticed
    await healthy.close()
    output = proc.stop()
    lines = [line for line in output.splitlines() if "UTF-8" in line]
    print(f"\n{FLOODERS} invalid UTF-8 frames: {len(lines)} log lines, "
          f"{output.count('Traceback')} tracebacks, {len(output)} bytes of log")
    assert "Traceback" not in output
    assert len(lines) == 1, lines
    assert " INFO " in lines[0], lines[0]


async def test_nan_and_infinity_are_bad_frames(processes: Starter) -> None:
    proc = await processes()
    async with back_office(proc) as api:
        assert (await api.put("/api/v1/widgets/site", json={"account": "acme"})).status_code == 200
    client, _ = await fd.widget(proc.ws, "site")
    for constant in ("NaN", "Infinity", "-Infinity"):
        await client.send_raw('{"type":"ping","n":' + constant + '}')
        frame = await client.recv()
        assert frame["type"] == "error" and frame["code"] == "bad_frame", (constant, frame)
    await client.send_raw('{"type":"ping","n":1e308}')  # a big number is still a number
    assert (await client.recv())["type"] == "pong"
    await client.close()


async def test_sockets_of_a_widget_lost_with_redis_are_closed_4404(
        processes: Starter, own_redis: RedisServer) -> None:
    """Redis restarted without persistence forgets the widget: its open sockets hear 4404."""
    proc = await processes(make_settings(heartbeat=1.0, presence_ttl=3.0, close_grace=0.5))
    async with back_office(proc) as api:
        assert (await api.put("/api/v1/widgets/site", json={"account": "acme"})).status_code == 200
    visitor, _ = await fd.widget(proc.ws, "site", beat=0.3)
    own_redis.restart()  # no AOF: everything is gone
    code = await visitor.closed_with(timeout=8)
    print(f"\nwidget lost with Redis: its socket closed with {code}")
    assert code == 4404
