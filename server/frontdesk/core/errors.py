"""Error codes, close codes and the exceptions that carry their own answer.

The literal close-code numbers live here and in client_js/src/close_codes.js only.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class ErrorCode(StrEnum):
    """Codes of the `error` frame (contract: WebSocket, server to client)."""

    BAD_FRAME = "bad_frame"
    UNKNOWN_TYPE = "unknown_type"
    BAD_FIELD = "bad_field"
    FORBIDDEN = "forbidden"
    UNAVAILABLE = "unavailable"


class CloseCode(IntEnum):
    """WebSocket close codes of the contract."""

    NORMAL = 1000
    GOING_AWAY = 1001  # server shutting down; clients reconnect
    INVALID_DATA = 1007  # a text frame that is not UTF-8 (RFC 6455)
    TOO_BIG = 1009  # frame larger than FRONTDESK_MAX_FRAME
    INTERNAL_ERROR = 1011  # the server failed; clients reconnect
    TRY_AGAIN_LATER = 1013  # store unreachable at hello
    SILENT = 4000  # no data frame for the presence TTL
    SLOW_READER = 4002  # too many bytes waiting for a reader
    UNAUTHORIZED = 4401
    FORBIDDEN = 4403
    UNKNOWN_WIDGET = 4404
    NO_HELLO = 4408
    TOO_MANY_FRAMES = 4429


class Invalid(Exception):
    """Bad input: becomes a 422 whose `fields` maps each bad field to what is wrong."""

    def __init__(self, fields: dict[str, str], message: str = "invalid input") -> None:
        super().__init__(message)
        self.fields = fields
        self.message = message


class FrameError(Exception):
    """A client frame that is not understood: becomes an `error` frame; the socket stays."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class StoreUnavailable(Exception):
    """The store cannot be reached: 503 over HTTP, `unavailable` or 1013 on sockets."""


class WrongAccount(Exception):
    """A widget belongs to one account for good; a PUT naming another is a 422."""
