"""A reader that stops reading is closed with 4002 and never delays anyone else."""

from __future__ import annotations

import asyncio
import socket
import time

from websockets.asyncio.client import connect

from tests.support import client as fd
from tests.support.server import make_settings, running_server


async def test_slow_reader_is_closed_4002_and_others_are_not_delayed():
    settings = make_settings(max_pending_bytes=32 * 1024, presence_ttl=30, heartbeat=10)
    async with running_server(settings) as server:
        async with server.api() as api:
            await api.put("/api/v1/widgets/site", json={"account": "acme"})
            # a reader with a tiny receive window that never reads
            raw = socket.socket()
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            raw.connect(("127.0.0.1", server.port))
            raw.setblocking(False)
            stuck = await connect(f"{server.ws}/ws/widget/site", sock=raw, max_queue=1,
                                  subprotocols=["frontdesk.v1.json"], ping_interval=None,  # type: ignore[list-item]
                                  max_size=None)
            await stuck.send('{"type":"hello"}')
            await asyncio.sleep(0.1)
            stuck.transport.pause_reading()  # and now it reads nothing at all
            # keep the kernel from hiding the problem: a small send buffer on the server side
            (server_side,) = server.node.hub.widget_sockets[("acme", "site")]
            server_side.transport.get_extra_info("socket").setsockopt(
                socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
            healthy, _ = await fd.widget(server.ws, "site")
            message = "x" * 900
            worst = 0.0
            for i in range(1000):
                if server.node.hub.counts()[1] == 1:
                    break  # the stuck socket is gone

                started = time.monotonic()
                await api.put("/api/v1/widgets/site", json={
                    "account": "acme", "online_message": f"{i} {message}"})
                frame = await healthy.recv_type("widget.status", timeout=2)
                worst = max(worst, time.monotonic() - started)
                assert frame["message"].startswith(f"{i} ")
            assert worst < 0.5, worst
            assert server.node.hub.counts()[1] == 1, "the stuck reader was never closed"
            assert i < 300, i  # 32 KiB queue + small kernel buffers
            stuck.transport.resume_reading()
            code = None
            try:
                async with asyncio.timeout(10):
                    while True:
                        await stuck.recv()
            except Exception:
                code = stuck.close_code
            assert code == 4002
            await healthy.close()
