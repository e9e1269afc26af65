"""Baseline "bare websockets": `websockets.asyncio.server.broadcast` on "go".

Every connection listens until it sends a text message; then it is the control: "go" sends
the next of BENCH_MESSAGES (a JSON list, used in turn) to every listener, "count" answers the
number of listeners. Usage: python websockets_broadcast.py PORT (started by bench/run.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys

from websockets.asyncio.server import ServerConnection, broadcast, serve


async def main(port: int) -> None:
    messages: list[str] = json.loads(os.environ.get("BENCH_MESSAGES", '["hello"]'))
    welcome = os.environ.get("BENCH_WELCOME", '{"type":"welcome"}')
    listeners: set[ServerConnection] = set()
    turn = 0

    async def handler(ws: ServerConnection) -> None:
        nonlocal turn
        listeners.add(ws)
        try:
            async for message in ws:
                if isinstance(message, str) and message.startswith("{"):
                    await ws.send(welcome)
                    continue
                listeners.discard(ws)
                if message == "go":
                    broadcast(listeners, messages[turn % len(messages)])
                    turn += 1
                elif message == "count":
                    await ws.send(str(len(listeners)))
        finally:
            listeners.discard(ws)

    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    async with serve(handler, "127.0.0.1", port, compression=None, ping_interval=None,
                     max_queue=None, backlog=4096):
        print(f"listening on {port}", flush=True)
        await stop


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
