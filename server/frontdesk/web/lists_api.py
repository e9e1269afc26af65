"""Routes a back end expects (contract v2): the account's widgets, its conversations by
state, and PATCH of a widget's settings (JSON merge patch, RFC 7396). Parse, call, answer."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from frontdesk.codec import is_encodable
from frontdesk.core.errors import Invalid
from frontdesk.core.listings import STATES
from frontdesk.core.settings import settings_to_json
from frontdesk.web.auth import require_api_key
from frontdesk.web.errors import ApiError
from frontdesk.web.http_api import MAX_BODY, _id, _node


async def list_widgets(request: Request) -> Response:
    """GET /api/v1/accounts/{account}/widgets: [{widget, settings, status}] by widget id."""
    require_api_key(request)
    account = _id(request, "account")
    return JSONResponse(await _node(request).widgets.listing(account))


async def list_conversations(request: Request) -> Response:
    """GET /api/v1/accounts/{account}/conversations[?state=open|queued]."""
    require_api_key(request)
    account = _id(request, "account")
    state = request.query_params.get("state")
    if state is not None and state not in STATES:
        raise Invalid({"state": "must be open or queued (or left out for both)"},
                      "unknown conversation state")
    wanted = None if state is None else STATES[state]
    return JSONResponse(await _node(request).conversations.listing(account, wanted))


async def patch_widget(request: Request) -> Response:
    """PATCH /api/v1/widgets/{widget}: merge the body into the stored settings, then validate
    and store the result like a PUT (null resets a field to its default)."""
    require_api_key(request)
    widget = _id(request, "widget")
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise Invalid({"body": f"must be at most {MAX_BODY} bytes"}, "body too large")
    try:
        patch = json.loads(raw)
    except (ValueError, RecursionError):
        raise Invalid({"body": "must be a JSON object"}, "the body is not valid JSON") from None
    if not is_encodable(patch):
        raise Invalid({"body": "must be valid UTF-8 (no lone surrogates)"}, "the body is not UTF-8")
    if not isinstance(patch, dict):
        raise Invalid({"body": "must be a JSON object (a merge patch)"},
                      "the body must be a JSON object")
    settings = await _node(request).widgets.patch(widget, patch)
    if settings is None:
        raise ApiError(404, "no such widget")
    return JSONResponse(settings_to_json(settings))


ROUTES = [
    Route("/api/v1/accounts/{account}/widgets", list_widgets, methods=["GET"]),
    Route("/api/v1/accounts/{account}/conversations", list_conversations, methods=["GET"]),
    Route("/api/v1/widgets/{widget}", patch_widget, methods=["PATCH"]),
]
