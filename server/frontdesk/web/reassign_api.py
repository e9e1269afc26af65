"""POST /api/v1/conversations/{conversation}/reassign (contract: Agents: reassignment)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from frontdesk.core.errors import Invalid
from frontdesk.core.model import is_valid_id
from frontdesk.store.base import Refusal
from frontdesk.web.auth import require_api_key
from frontdesk.web.errors import ApiError
from frontdesk.web.http_api import _id, _json_body, _node, start_answer


async def reassign_conversation(request: Request) -> Response:
    """200 like a start; 404 unknown; 409 closed, or `to` not available (never seen
    included)."""
    require_api_key(request)
    conversation = _id(request, "conversation")
    raw = await request.body()
    body = await _json_body(request) if raw.strip() else {}
    to = body.get("to")
    if to is not None and not is_valid_id(to):
        raise Invalid({"to": "must be an agent id matching [A-Za-z0-9_-]{1,64}"})
    result = await _node(request).conversations.reassign(conversation, to)
    if result is None:
        raise ApiError(404, "no such conversation")
    if result is Refusal.CLOSED:
        raise ApiError(409, "the conversation is closed")
    if result is Refusal.UNAVAILABLE:
        raise ApiError(409, f"agent {to} is not available")
    assert not isinstance(result, Refusal)
    return JSONResponse(start_answer(result.conversation))


ROUTES = [
    Route("/api/v1/conversations/{conversation}/reassign", reassign_conversation,
          methods=["POST"]),
]
