"""The coverage routes (contract: Coverage): parse the range and ids, ask the history, answer.

Beyond the contract, `GET /api/v1/agent/activity` answers an agent's own activity to its own
token (`Authorization: Bearer <agent JWT>`), for the console's "your day": the console has no
API key, and the back-office route's key check stays exactly as the contract says.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from frontdesk.core.model import is_valid_id
from frontdesk.core.tokens import BadToken, verify_token
from frontdesk.history import History
from frontdesk.web.auth import require_api_key
from frontdesk.web.errors import ApiError
from frontdesk.web.http_api import _deadline


def _history(request: Request) -> History:
    history: History = request.app.state.node.history
    return history


def _id(request: Request, name: str) -> str:
    value = request.path_params[name]
    if not is_valid_id(value):
        raise ApiError(404, f"no such {name}")
    return value


def _range(request: Request) -> tuple[str | None, str | None]:
    return request.query_params.get("from"), request.query_params.get("to")


def _answer(body: dict[str, object]) -> Response:
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


async def widget_coverage(request: Request) -> Response:
    require_api_key(request)
    widget = _id(request, "widget")
    body = await _history(request).widget_coverage(widget, *_range(request))
    if body is None:
        raise ApiError(404, "no such widget")
    return _answer(body)


async def agent_activity(request: Request) -> Response:
    require_api_key(request)
    account, agent = _id(request, "account"), _id(request, "agent")
    body = await _history(request).agent_activity(account, agent, *_range(request))
    if body is None:
        raise ApiError(404, "no such agent")
    return _answer(body)


async def queue_stats(request: Request) -> Response:
    require_api_key(request)
    account = _id(request, "account")
    return _answer(await _history(request).queue_stats(account, *_range(request)))


async def own_activity(request: Request) -> Response:
    """The bearer agent's own activity (its JWT, not the API key)."""
    node = request.app.state.node
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    try:
        if scheme.lower() != "bearer":
            raise BadToken("no bearer token")
        claims = verify_token(token.strip(), node.settings.secret, node.clock())
    except BadToken:
        raise ApiError(401, "a valid agent token is required (Authorization: Bearer ...)") from None
    body = await _history(request).agent_activity(claims.account, claims.agent, *_range(request))
    if body is None:
        raise ApiError(404, "no such agent")
    return _answer(body)


# Reads under the same deadline as every other route (http_api: 503 when the store hangs).
ROUTES = [
    Route("/api/v1/widgets/{widget}/coverage", _deadline(widget_coverage), methods=["GET"]),
    Route("/api/v1/accounts/{account}/agents/{agent}/activity", _deadline(agent_activity),
          methods=["GET"]),
    Route("/api/v1/accounts/{account}/queue/stats", _deadline(queue_stats), methods=["GET"]),
    Route("/api/v1/agent/activity", _deadline(own_activity), methods=["GET"]),
]
