"""A plain WebSocket client that speaks either encoding, for tests and load tests alike."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import msgpack
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

JSON = "frontdesk.v1.json"
MSGPACK = "frontdesk.v1.msgpack"


class Client:
    def __init__(self, conn: ClientConnection, encoding: str) -> None:
        self.conn = conn
        self.encoding = encoding
        self._beat: asyncio.Task[None] | None = None

    def keep_alive(self, every: float) -> Client:
        """Send a ping every `every` seconds (as a real client does); pongs are then skipped."""
        async def beat() -> None:
            while True:
                await asyncio.sleep(every)
                await self.send({"type": "ping"})

        self._beat = asyncio.get_running_loop().create_task(beat())
        return self

    @classmethod
    async def open(cls, url: str, encoding: str = JSON, *, offer: list[str] | None = None,
                   origin: str | None = None) -> Client:
        subprotocols = offer if offer is not None else [encoding]
        conn = await connect(url, subprotocols=subprotocols or None,  # type: ignore[arg-type]
                             origin=origin, max_size=None, ping_interval=None,  # type: ignore[arg-type]
                             open_timeout=10, close_timeout=2,
                             # never stop reading the transport: a test that stopped reading
                             # (pongs pile up) must still see the server's close frame at once
                             max_queue=None)
        return cls(conn, encoding)

    async def send(self, frame: dict[str, Any]) -> None:
        if self.encoding == JSON:
            await self.conn.send(json.dumps(frame))
        else:
            await self.conn.send(msgpack.packb(frame))

    async def send_raw(self, data: str | bytes) -> None:
        await self.conn.send(data)

    async def recv(self, timeout: float = 5) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                frame = self._decode(await self.conn.recv())
                if self._beat is None or frame != {"type": "pong"}:
                    return frame

    def _decode(self, data: str | bytes) -> dict[str, Any]:
        if self.encoding == JSON:
            assert isinstance(data, str), f"expected a text frame, got {data!r}"
            return json.loads(data)
        assert isinstance(data, bytes), f"expected a binary frame, got {data!r}"
        return msgpack.unpackb(data)

    async def recv_type(self, kind: str, timeout: float = 5, **match: Any) -> dict[str, Any]:
        """The next frame of this type (and these field values), skipping others."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            frame = await self.recv(max(0.001, deadline - loop.time()))
            if frame.get("type") == kind and all(frame.get(k) == v for k, v in match.items()):
                return frame

    async def no_frame(self, within: float = 0.3, kind: str | None = None) -> None:
        """Assert nothing (of this type) arrives within `within` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            left = deadline - loop.time()
            if left <= 0:
                return
            try:
                frame = await self.recv(left)
            except TimeoutError:
                return
            if kind is None or frame.get("type") == kind:
                raise AssertionError(f"unexpected frame {frame}")

    async def closed_with(self, timeout: float = 5) -> int | None:
        """Read until the server closes; the close code it sent."""
        if self._beat is not None:
            self._beat.cancel()
        try:
            async with asyncio.timeout(timeout):
                while True:
                    await self.conn.recv()
        except ConnectionClosed:
            pass
        return self.conn.close_code

    async def close(self) -> None:
        if self._beat is not None:
            self._beat.cancel()
        await self.conn.close()


async def agent(base_ws: str, token: str, encoding: str = JSON, *,
                beat: float | None = None) -> tuple[Client, dict[str, Any]]:
    """An agent socket past its welcome; `beat`: keep it alive with pings that often."""
    client = await Client.open(f"{base_ws}/ws/agent", encoding)
    await client.send({"type": "hello", "token": token})
    welcome = await client.recv()
    assert welcome["type"] == "welcome", welcome
    if beat is not None:
        client.keep_alive(beat)
    return client, welcome


async def widget(base_ws: str, widget_id: str, encoding: str = JSON,
                 visitor: str | None = None, origin: str | None = None, *,
                 beat: float | None = None) -> tuple[Client, dict[str, Any]]:
    client = await Client.open(f"{base_ws}/ws/widget/{widget_id}", encoding, origin=origin)
    hello: dict[str, Any] = {"type": "hello"}
    if visitor is not None:
        hello["visitor"] = visitor
    await client.send(hello)
    welcome = await client.recv()
    assert welcome["type"] == "welcome", welcome
    if beat is not None:
        client.keep_alive(beat)
    return client, welcome
