"""A widget socket's Origin, and whether the widget's settings allow it (contract: widgets'
`allowed_origins`)."""

from __future__ import annotations

from starlette.websockets import WebSocket

from frontdesk.core.settings import WidgetSettings, parse_origin


def origin_of(websocket: WebSocket) -> str | None:
    """The Origin header, read from the raw scope (no Headers object kept per socket)."""
    for name, value in websocket.scope.get("headers") or ():
        if name == b"origin":
            return bytes(value).decode("latin-1")
    return None


def origin_allowed(settings: WidgetSettings, origin: str | None) -> bool:
    """Contract: a socket without Origin (not a browser) is not refused for it."""
    if origin is None or not settings.allowed_origins:
        return True
    return parse_origin(origin) in settings.allowed_origins  # normalised as stored
