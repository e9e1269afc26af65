"""Baseline "starlette await send": Starlette on uvicorn (default WebSocket implementation).

The fan-out is the naive one: `for ws in listeners: await ws.send_text(msg)`. Every
connection listens until it sends a text message; then it is the control: "go" sends the
next of BENCH_MESSAGES (JSON list, used in turn) to every listener, "count" answers the
number of listeners. Usage: python starlette_send.py PORT (started by bench/run.py).
"""

from __future__ import annotations

import json
import os
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

MESSAGES: list[str] = json.loads(os.environ.get("BENCH_MESSAGES", '["hello"]'))
WELCOME = os.environ.get("BENCH_WELCOME", '{"type":"welcome"}')
listeners: set[WebSocket] = set()
turn = 0


async def endpoint(ws: WebSocket) -> None:
    global turn
    await ws.accept()
    listeners.add(ws)
    try:
        while True:
            message = await ws.receive_text()
            if message.startswith("{"):
                await ws.send_text(WELCOME)
                continue
            listeners.discard(ws)
            if message == "go":
                msg = MESSAGES[turn % len(MESSAGES)]
                turn += 1
                for other in list(listeners):
                    await other.send_text(msg)
            elif message == "count":
                await ws.send_text(str(len(listeners)))
    except WebSocketDisconnect:
        pass
    finally:
        listeners.discard(ws)


app = Starlette(routes=[WebSocketRoute("/", endpoint)])

if __name__ == "__main__":
    port = int(sys.argv[1])
    print(f"listening on {port}", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                ws_ping_interval=None, ws_per_message_deflate=False, backlog=4096, lifespan="off")
