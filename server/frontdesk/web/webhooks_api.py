"""The webhook routes (contract: Availability events ... (webhooks)): parse, call, answer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from frontdesk.core.errors import Invalid
from frontdesk.core.webhook_model import DeliveryStatus
from frontdesk.web.auth import require_api_key
from frontdesk.web.errors import ApiError
from frontdesk.web.http_api import _id, _json_body
from frontdesk.webhooks import Webhooks

BASE = "/api/v1/accounts/{account}/webhooks"


def _webhooks(request: Request) -> Webhooks:
    webhooks: Webhooks = request.app.state.node.webhooks
    return webhooks


async def create_webhook(request: Request) -> Response:
    require_api_key(request)
    account = _id(request, "account")
    webhook = await _webhooks(request).register(account, await _json_body(request))
    return JSONResponse(webhook.to_created(), status_code=201)


async def list_webhooks(request: Request) -> Response:
    require_api_key(request)
    account = _id(request, "account")
    return JSONResponse([w.to_listing() for w in await _webhooks(request).of_account(account)])


async def delete_webhook(request: Request) -> Response:
    require_api_key(request)
    account, webhook = _id(request, "account"), _id(request, "webhook")
    if not await _webhooks(request).delete(account, webhook):
        raise ApiError(404, "no such webhook")
    return Response(status_code=204)


async def list_deliveries(request: Request) -> Response:
    require_api_key(request)
    account, webhook = _id(request, "account"), _id(request, "webhook")
    raw = request.query_params.get("status")
    status: DeliveryStatus | None = None
    if raw is not None:
        try:
            status = DeliveryStatus(raw)
        except ValueError:
            raise Invalid({"status": "must be pending, delivered or failed"},
                          "unknown delivery status") from None
    found = await _webhooks(request).deliveries(account, webhook, status)
    if found is None:
        raise ApiError(404, "no such webhook")
    return JSONResponse([d.to_wire() for d in found])


async def redeliver(request: Request) -> Response:
    require_api_key(request)
    account, webhook = _id(request, "account"), _id(request, "webhook")
    event = _id(request, "event")
    marked = await _webhooks(request).redeliver(account, webhook, event)
    if marked is None:
        raise ApiError(404, "no such event for this webhook")
    return JSONResponse(marked.to_wire(), status_code=202)


ROUTES = [
    Route(BASE, create_webhook, methods=["POST"]),
    Route(BASE, list_webhooks, methods=["GET"]),
    Route(BASE + "/{webhook}", delete_webhook, methods=["DELETE"]),
    Route(BASE + "/{webhook}/deliveries", list_deliveries, methods=["GET"]),
    Route(BASE + "/{webhook}/deliveries/{event}/redeliver", redeliver, methods=["POST"]),
]
