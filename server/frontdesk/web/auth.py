"""The back-office key check: `Authorization: Bearer <FRONTDESK_API_KEY>`, in constant time."""

from __future__ import annotations

import hmac

from starlette.requests import Request

from frontdesk.web.errors import ApiError


def require_api_key(request: Request) -> None:
    expected = request.app.state.node.settings.api_key.encode()
    header = request.headers.get("authorization", "")
    scheme, _, presented = header.partition(" ")
    ok = scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), expected)
    if not ok:
        raise ApiError(401, "a valid API key is required (Authorization: Bearer ...)")
