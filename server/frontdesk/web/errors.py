"""Every HTTP error is JSON: {"error": CODE, "message": TEXT} (422 adds "fields")."""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from frontdesk.core.errors import Invalid, StoreUnavailable

log = logging.getLogger("frontdesk.http")

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "invalid", 503: "unavailable"}


class ApiError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message


def error_response(status: int, message: str, code: str | None = None,
                   fields: dict[str, str] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": code or CODES.get(status, "error"), "message": message}
    if fields is not None:
        body["fields"] = fields
    return JSONResponse(body, status_code=status, headers=headers)


async def on_api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return error_response(exc.status, exc.message, exc.code, headers=headers)


async def on_invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Invalid)
    return error_response(422, exc.message, fields=exc.fields)


async def on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code)
    message = {404: "no such resource", 405: "method not allowed"}.get(exc.status_code,
                                                                        str(exc.detail))
    return error_response(exc.status_code, message)


async def on_store_unavailable(request: Request, exc: Exception) -> Response:
    node = request.app.state.node
    node.note_store_down(exc)
    return error_response(503, "the store cannot be reached; try again shortly")


async def on_unexpected(request: Request, exc: Exception) -> Response:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal error", "internal")


EXCEPTION_HANDLERS = {
    ApiError: on_api_error,
    Invalid: on_invalid,
    HTTPException: on_http_exception,
    StoreUnavailable: on_store_unavailable,
    Exception: on_unexpected,
}
