"""`create_app`: builds everything, the node included, so apps can run side by side."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from frontdesk.config import Settings
from frontdesk.node import Clock, Node, system_clock
from frontdesk.store import open_store
from frontdesk.store.base import Store
from frontdesk.web import accounts_api, reassign_api
from frontdesk.web.admission import Admission
from frontdesk.web.coverage_api import ROUTES as COVERAGE_ROUTES
from frontdesk.web.endpoints import open_agent, open_widget
from frontdesk.web.errors import EXCEPTION_HANDLERS
from frontdesk.web.http_api import ROUTES
from frontdesk.web.http_metrics import timed
from frontdesk.web.inbox_api import ROUTES as INBOX_ROUTES
from frontdesk.web.lists_api import ROUTES as LIST_ROUTES
from frontdesk.web.openapi import ROUTES as OPENAPI_ROUTES
from frontdesk.web.protocol import FrontdeskWebSocketProtocol
from frontdesk.web.webhooks_api import ROUTES as WEBHOOK_ROUTES

STATIC_DIR = Path(__file__).resolve().parents[3] / "static"


class StaticPages(StaticFiles):
    """The pages and the bundled client; a missing file is the JSON 404 of every route.

    Scripts and styles may be loaded by any site (the widget embeds with one script tag, and
    browsers fetch module scripts in CORS mode), so they carry `Access-Control-Allow-Origin: *`.
    """

    async def get_response(self, path: str, scope):  # type: ignore[no-untyped-def]
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(404)  # this mount is the catch-all: an unknown path is a 404
        try:
            response = await super().get_response(path, scope)
        except HTTPException:
            raise
        except (OSError, RuntimeError):
            raise HTTPException(404) from None
        if path.endswith((".js", ".mjs", ".css", ".svg")):
            response.headers["Access-Control-Allow-Origin"] = "*"
        return response


def create_app(settings: Settings, store: Store | None = None, clock: Clock | None = None,
               static_dir: Path | None = None,
               on_start: Callable[[Node], Awaitable[None]] | None = None) -> FrontdeskApp:
    node_id = secrets.token_hex(8)
    if store is None:
        store = open_store(settings.redis_url, node_id=node_id)
    node = Node(settings, store, clock or system_clock, node_id=node_id)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await node.start()
        if on_start is not None:
            await on_start(node)
        try:
            yield
        finally:
            await node.stop()

    routes: list[BaseRoute] = [
        *ROUTES,
        *INBOX_ROUTES,
        *LIST_ROUTES,
        *COVERAGE_ROUTES,
        *accounts_api.ROUTES,
        *reassign_api.ROUTES,
        *WEBHOOK_ROUTES,
        *OPENAPI_ROUTES,
    ]
    pages = static_dir or STATIC_DIR
    if pages.is_dir():
        routes.append(Mount("/", StaticPages(directory=pages, html=True), name="static"))
    app = Starlette(routes=routes, exception_handlers=EXCEPTION_HANDLERS,
                    lifespan=lifespan)
    app.state.node = node
    # Fail hellos fast only once the store has failed for a deadline's length: one call
    # timing out under load is not an outage, and must not turn into a wave of 1013s.
    app.state.admission = Admission(
        lambda: node.health.down_for() < settings.store_deadline)
    return FrontdeskApp(app)


class FrontdeskApp:
    """The ASGI app for HTTP; WebSocket connections do not go through ASGI: our protocol
    (web/protocol.py) checks the handshake and calls `open_socket`, which starts the socket's
    session. No ASGI scope, Starlette WebSocket or uvicorn task per socket."""

    def __init__(self, starlette: Starlette) -> None:
        self.starlette = starlette
        self.state = starlette.state

    def open_socket(self, sock: FrontdeskWebSocketProtocol, path: str, subprotocols: list[str],
                    origin: str | None) -> bool:
        """Route a checked upgrade request to its session; False: no socket endpoint here
        (the client gets 403, as any other refused handshake)."""
        node: Node = self.state.node
        admission: Admission = self.state.admission
        if path == "/ws/agent":
            open_agent(node, admission, sock, subprotocols)
            return True
        widget = path.removeprefix("/ws/widget/")
        if widget != path and widget and "/" not in widget:
            open_widget(node, admission, sock, subprotocols, widget, origin)
            return True
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await timed(self.starlette, self.state.node.metrics, scope, receive, send)
            return
        await self.starlette(scope, receive, send)

