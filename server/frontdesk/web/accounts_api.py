"""Back-office routes of issue 15 about accounts and agents: the account settings and an
agent's status set over HTTP. Routes parse, call a use case and answer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from frontdesk.core import frames
from frontdesk.core.account_settings import account_settings_to_json, parse_account_settings
from frontdesk.core.errors import Invalid
from frontdesk.core.model import AgentStatus, StatusReason
from frontdesk.web.auth import require_api_key
from frontdesk.web.errors import ApiError
from frontdesk.web.http_api import _id, _json_body, _node


async def get_account_settings(request: Request) -> Response:
    require_api_key(request)
    account = _id(request, "account")
    settings = await _node(request).accounts.settings(account)
    return JSONResponse(account_settings_to_json(settings))


async def put_account_settings(request: Request) -> Response:
    require_api_key(request)
    account = _id(request, "account")
    settings = parse_account_settings(await _json_body(request))
    await _node(request).accounts.put(account, settings)
    return JSONResponse(account_settings_to_json(settings))


async def put_agent_status(request: Request) -> Response:
    """Contract: 200 the agent's entry of the agents list (status_reason "api"); 404 for an
    agent never seen."""
    require_api_key(request)
    account, agent = _id(request, "account"), _id(request, "agent")
    body = await _json_body(request)
    try:
        status = AgentStatus(str(body.get("status")))
    except ValueError:
        raise Invalid({"status": 'must be "online" or "busy"'}) from None
    state = await _node(request).presence.set_status(account, agent, status,
                                                     StatusReason.API, known_only=True)
    if state is None:
        raise ApiError(404, "no such agent")
    return JSONResponse(frames.agent_listing(state))


ROUTES = [
    Route("/api/v1/accounts/{account}/settings", get_account_settings, methods=["GET"]),
    Route("/api/v1/accounts/{account}/settings", put_account_settings, methods=["PUT"]),
    Route("/api/v1/accounts/{account}/agents/{agent}/status", put_agent_status, methods=["PUT"]),
]
