"""Runs the app on uvicorn with Frontdesk's WebSocket protocol (web/protocol.py)."""

from __future__ import annotations

import logging

import uvicorn

from frontdesk.config import Settings
from frontdesk.web.app import FrontdeskApp
from frontdesk.web.protocol import FrontdeskWebSocketProtocol


def uvicorn_config(app: FrontdeskApp, settings: Settings, host: str, port: int,
                   log_level: str = "warning") -> uvicorn.Config:
    FrontdeskWebSocketProtocol.max_pending_bytes = settings.max_pending_bytes
    return uvicorn.Config(
        app, host=host, port=port,
        ws=FrontdeskWebSocketProtocol,  # type: ignore[arg-type]
        ws_max_size=settings.max_frame,
        ws_ping_interval=None,  # presence uses data frames; control frames do not count
        ws_per_message_deflate=False,  # one encoded frame serves every socket
        lifespan="on", log_level=log_level, access_log=False,
        backlog=4096, timeout_graceful_shutdown=5,
        server_header=False,
        proxy_headers=False,  # client addresses are never used, so no per-socket scope copy
    )


def serve(app: FrontdeskApp, settings: Settings, host: str, port: int) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    uvicorn.Server(uvicorn_config(app, settings, host, port)).run()
