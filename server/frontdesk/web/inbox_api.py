"""Offline messages over HTTP (contract v2): the public route a widget posts to (origin-checked
like the socket, with CORS for the customer's site, rate-limited), and the back office's
listing and read mark. Parse, call the inbox use case, answer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from frontdesk.core.client_address import client_address
from frontdesk.core.model import to_wire_time
from frontdesk.inbox import OriginRefused, RateLimited, UnknownMessage, UnknownWidget
from frontdesk.web.auth import require_api_key
from frontdesk.web.errors import ApiError, error_response
from frontdesk.web.http_api import _id, _json_body, _node


def _cors(request: Request) -> dict[str, str]:
    """The customer's page posts cross-origin: let the browser read our answer."""
    origin = request.headers.get("origin")
    if not origin:
        return {}
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


async def leave_message(request: Request) -> Response:
    """Public: POST /api/v1/widgets/{widget}/messages `{"visitor"?, "email", "text"}`."""
    widget = _id(request, "widget")
    cors = _cors(request)
    if request.method == "OPTIONS":  # the CORS preflight of a JSON POST
        return Response(status_code=204, headers={
            **cors, "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "600"})
    node = _node(request)
    address = client_address(request.client.host if request.client else None,
                             request.headers.get("x-forwarded-for"),
                             node.settings.trusted_proxies)
    try:
        body = await _json_body(request)
        message = await node.inbox.leave(
            widget, body, origin=request.headers.get("origin"), address=address)
    except UnknownWidget:
        raise ApiError(404, "no such widget") from None
    except OriginRefused:
        return error_response(403, "this page's origin may not use the widget")
    except RateLimited as limited:
        return error_response(429, str(limited), "too_many_requests", headers={
            **cors, "Retry-After": str(limited.retry_after)})
    return JSONResponse({"message": message.id, "created": to_wire_time(message.created)},
                        status_code=201, headers=cors)


async def list_offline_messages(request: Request) -> Response:
    """GET /api/v1/accounts/{account}/offline-messages[?all=1]: unread (or all), newest first."""
    require_api_key(request)
    account = _id(request, "account")
    include_read = request.query_params.get("all", "") not in ("", "0", "false")
    return JSONResponse(await _node(request).inbox.listing(account, include_read=include_read))


async def mark_offline_message_read(request: Request) -> Response:
    """POST /api/v1/accounts/{account}/offline-messages/{message}/read."""
    require_api_key(request)
    account, message = _id(request, "account"), _id(request, "message")
    try:
        await _node(request).inbox.mark_read(account, message)
    except UnknownMessage:
        raise ApiError(404, "no such message") from None
    return JSONResponse({"message": message, "read": True})


ROUTES = [
    Route("/api/v1/widgets/{widget}/messages", leave_message, methods=["POST", "OPTIONS"]),
    Route("/api/v1/accounts/{account}/offline-messages", list_offline_messages, methods=["GET"]),
    Route("/api/v1/accounts/{account}/offline-messages/{message}/read",
          mark_offline_message_read, methods=["POST"]),
]
