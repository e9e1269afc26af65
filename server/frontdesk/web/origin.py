"""A widget socket's Origin header (the rule that judges it: core.settings.origin_allowed)."""

from __future__ import annotations

from starlette.websockets import WebSocket


def origin_of(websocket: WebSocket) -> str | None:
    """The Origin header, read from the raw scope (no Headers object kept per socket)."""
    for name, value in websocket.scope.get("headers") or ():
        if name == b"origin":
            return bytes(value).decode("latin-1")
    return None
