"""The HTTP API of the contract. Routes parse, call a use case and answer; no rules live here."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from frontdesk.codec import is_encodable, loads_json
from frontdesk.core import frames
from frontdesk.core.errors import Invalid, StoreUnavailable
from frontdesk.core.model import ConversationState, is_valid_id, to_wire_time
from frontdesk.core.protocol import MAX_TEXT
from frontdesk.core.settings import parse_settings, settings_to_json
from frontdesk.core.tokens import MAX_NAME, issue_token
from frontdesk.metrics import CONTENT_TYPE_LATEST
from frontdesk.node import Node
from frontdesk.store.base import Conversation
from frontdesk.web.auth import require_api_key
from frontdesk.web.errors import ApiError, error_response

MAX_BODY = 256 * 1024
DEFAULT_TOKEN_TTL = 12 * 3600
MAX_TOKEN_TTL = 30 * 24 * 3600


def _node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


def _id(request: Request, name: str) -> str:
    value = request.path_params[name]
    if not is_valid_id(value):
        raise ApiError(404, f"no such {name}")
    return value


async def _json_body(request: Request) -> dict[str, Any]:
    """A JSON object, or a 422 naming `body`."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise Invalid({"body": f"must be at most {MAX_BODY} bytes"}, "body too large")
    try:
        body = loads_json(raw)  # NaN and Infinity are not JSON
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise Invalid({"body": "must be a JSON object"}, "the body is not valid JSON") from None
    if not is_encodable(body):
        raise Invalid({"body": "must be valid UTF-8 (no lone surrogates)"}, "the body is not UTF-8")
    if not isinstance(body, dict):
        raise Invalid({"body": "must be a JSON object"}, "the body must be a JSON object")
    return body


# --- widgets ---------------------------------------------------------------------------------
async def put_widget(request: Request) -> Response:
    require_api_key(request)
    widget = _id(request, "widget")
    settings = parse_settings(await _json_body(request))
    await _node(request).widgets.put(widget, settings)
    return JSONResponse(settings_to_json(settings))


async def get_widget(request: Request) -> Response:
    require_api_key(request)
    widget = _id(request, "widget")
    settings = await _node(request).widgets.get(widget, fresh=True)  # 503 while unreachable
    if settings is None:
        raise ApiError(404, "no such widget")
    return JSONResponse(settings_to_json(settings))


async def delete_widget(request: Request) -> Response:
    require_api_key(request)
    widget = _id(request, "widget")
    if await _node(request).widgets.delete(widget) is None:
        raise ApiError(404, "no such widget")
    return Response(status_code=204)


async def widget_status(request: Request) -> Response:
    """Public: the widget.status payload without its `type`."""
    widget = _id(request, "widget")
    view = await _node(request).widgets.status(widget, fresh=True)  # 503 while unreachable
    if view is None:
        raise ApiError(404, "no such widget")
    payload = view.to_payload()
    del payload["type"]
    return JSONResponse(payload, headers={"Cache-Control": "no-store"})


# --- agents ----------------------------------------------------------------------------------
async def list_agents(request: Request) -> Response:
    require_api_key(request)
    account = _id(request, "account")
    team = await _node(request).presence.team(account)
    return JSONResponse([frames.agent_listing(a) for a in team.agents])


async def issue_agent_token(request: Request) -> Response:
    require_api_key(request)
    account, agent = _id(request, "account"), _id(request, "agent")
    body = await _json_body(request)
    fields: dict[str, str] = {}
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        fields["name"] = f"required: a non-empty string of at most {MAX_NAME} characters"
    ttl = body.get("ttl", DEFAULT_TOKEN_TTL)
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not 1 <= ttl <= MAX_TOKEN_TTL:
        fields["ttl"] = f"must be a number of seconds from 1 to {MAX_TOKEN_TTL}"
    if fields:
        raise Invalid(fields)
    assert isinstance(name, str)
    node = _node(request)
    token, expires = issue_token(node.settings.secret, account, agent, name, node.clock(),
                                 timedelta(seconds=float(ttl)))
    await node.presence.see_agent(account, agent, name)  # a new agent is announced
    return JSONResponse({"token": token, "expires": to_wire_time(expires)}, status_code=201)


# --- conversations -------------------------------------------------------------------------------
async def start_conversation(request: Request) -> Response:
    require_api_key(request)
    widget = _id(request, "widget")
    body = await _json_body(request)
    fields: dict[str, str] = {}
    visitor, text = body.get("visitor"), body.get("text")
    if not is_valid_id(visitor):
        fields["visitor"] = "required: an id matching [A-Za-z0-9_-]{1,64}"
    if text is not None and (not isinstance(text, str) or len(text) > MAX_TEXT):
        fields["text"] = f"must be a string of at most {MAX_TEXT} characters"
    node = _node(request)
    settings = await node.widgets.get(widget)
    if settings is None:
        raise ApiError(404, "no such widget")
    if fields:
        raise Invalid(fields)
    assert isinstance(visitor, str)
    result = await node.conversations.start(settings.account, widget, visitor, text)
    if result is None:
        raise ApiError(404, "no such widget")
    if result.conversation.state is ConversationState.REJECTED:  # contract: max_queue
        return JSONResponse({"conversation": None, "state": "rejected", "reason": "queue_full",
                             "message": result.message or ""}, status_code=201)
    return JSONResponse(start_answer(result.conversation), status_code=201)


def start_answer(conversation: Conversation) -> dict[str, Any]:
    """The body of a start (and of a reassignment): where the conversation stands."""
    answer: dict[str, Any] = {
        "conversation": conversation.id, "state": conversation.state.value,
        "agents": [a.to_wire() for a in conversation.agents],
    }
    if conversation.position is not None:
        answer["position"] = conversation.position
        answer["estimated_wait"] = conversation.estimated_wait
    return answer


async def close_conversation(request: Request) -> Response:
    require_api_key(request)
    conversation = _id(request, "conversation")
    result = await _node(request).conversations.close(conversation)
    if result is None:
        raise ApiError(404, "no such conversation")
    return JSONResponse({"conversation": conversation, "state": "closed"})


# --- operations ------------------------------------------------------------------------------------
async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    if not await _node(request).is_ready():
        return error_response(503, "the store cannot be reached", "unavailable")
    return JSONResponse({"status": "ready"})


async def metrics(request: Request) -> Response:
    node = _node(request)
    await node.account_metrics.refresh()  # per-account gauges, read now
    return Response(node.metrics.render(), media_type=CONTENT_TYPE_LATEST)


Endpoint = Callable[[Request], Awaitable[Response]]


def _deadline(endpoint: Endpoint) -> Endpoint:
    """At most `store_deadline` (2 s) for a read and `api_deadline` (10 s) for a write, then
    503 `unavailable`. The body is read first: a slow upload is the request deadline's
    business (web/http_protocol.py)."""

    @functools.wraps(endpoint)
    async def bounded(request: Request) -> Response:
        await request.body()  # kept by the request for the endpoint
        settings = _node(request).settings
        # A read is one or two store calls: a store that does not answer it in store_deadline
        # is down. A write may do more (a close reassigns the queue): it gets api_deadline.
        seconds = settings.store_deadline if request.method == "GET" else settings.api_deadline
        try:
            async with asyncio.timeout(seconds):
                return await endpoint(request)
        except TimeoutError:
            raise StoreUnavailable("the store did not answer in time") from None

    return bounded


ROUTES = [
    Route("/api/v1/widgets/{widget}", _deadline(put_widget), methods=["PUT"]),
    Route("/api/v1/widgets/{widget}", _deadline(get_widget), methods=["GET"]),
    Route("/api/v1/widgets/{widget}", _deadline(delete_widget), methods=["DELETE"]),
    Route("/api/v1/widgets/{widget}/status", _deadline(widget_status), methods=["GET"]),
    Route("/api/v1/widgets/{widget}/conversations", _deadline(start_conversation),
          methods=["POST"]),
    Route("/api/v1/accounts/{account}/agents", _deadline(list_agents), methods=["GET"]),
    Route("/api/v1/accounts/{account}/agents/{agent}/token", _deadline(issue_agent_token),
          methods=["POST"]),
    Route("/api/v1/conversations/{conversation}/close", _deadline(close_conversation),
          methods=["POST"]),
    Route("/healthz", healthz, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
    Route("/metrics", metrics, methods=["GET"]),
]
