"""HTTP request latency by route: an ASGI wrapper around the Starlette app.

The route label is the matched route's template (`/api/v1/widgets/{widget}`), `static` for
the pages at the root (unknown paths included: the pages' mount takes every other path),
`unmatched` otherwise; the method is one of the few the API uses (else `other`)
and the status its class (`2xx`), so the number of series is fixed.
"""

from __future__ import annotations

import time

from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from frontdesk.metrics import Metrics

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def route_label(scope: Scope) -> str:
    route = scope.get("route")
    if isinstance(route, Mount):
        return "static"
    if isinstance(route, Route):
        return route.path
    return "unmatched"


async def timed(app: ASGIApp, metrics: Metrics, scope: Scope, receive: Receive,
                send: Send) -> None:
    started = time.perf_counter()
    status = 500

    async def sending(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        await send(message)

    try:
        await app(scope, receive, sending)
    finally:
        method = scope.get("method", "")
        metrics.http_latency.labels(
            route_label(scope), method if method in METHODS else "other",
            f"{status // 100}xx").observe(time.perf_counter() - started)
