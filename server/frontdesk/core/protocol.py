"""The per-socket protocol rules that need no I/O: hello parsing, commands, the frame rate.

A session feeds frames in and gets commands or FrameErrors out; sockets, timers and the
store stay in web/session.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from frontdesk.core.errors import ErrorCode, FrameError
from frontdesk.core.model import AgentStatus, is_valid_id

MAX_TEXT = 4000
MAX_PAGE = 2000  # characters of the widget hello's `page` (contract v2)


class FrameRate:
    """Counts frames per fixed one-second window.

    A fixed window is one of "any one-second window", so a client that never sends more than
    100 in any window never reaches the limit; and a client that sends more than 1,000 within
    some window sends more than 500 in one of the (at most two) fixed windows it overlaps. So
    any limit from 100 to 500 keeps both promises of the contract; the default is 500.
    """

    __slots__ = ("limit", "window", "count")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.window = -1
        self.count = 0

    def allow(self, now: float) -> bool:
        window = int(now)
        if window != self.window:
            self.window, self.count = window, 0
        self.count += 1
        return self.count <= self.limit


@dataclass(frozen=True, slots=True)
class SetStatus:
    status: AgentStatus


@dataclass(frozen=True, slots=True)
class Activity:
    """`{"type": "activity", "idle": bool}` (contract: Agents: auto-away)."""

    idle: bool


@dataclass(frozen=True, slots=True)
class CloseConversation:
    conversation: str


@dataclass(frozen=True, slots=True)
class StartConversation:
    text: str | None


@dataclass(frozen=True, slots=True)
class Ping:
    pass


@dataclass(frozen=True, slots=True)
class MarkMessageRead:
    """Beyond the contract: the console marks an offline message read over its socket."""

    message: str


AGENT_TYPES = {"ping", "status", "conversation.close", "offline_message.read",
               "activity"}
WIDGET_TYPES = {"ping", "conversation.start"}


def parse_visitor(frame: dict[str, Any]) -> str | None:
    """A widget hello's visitor id, or None for the server to make one up."""
    visitor = frame.get("visitor")
    if visitor is None:
        return None
    if not is_valid_id(visitor):
        raise FrameError(ErrorCode.BAD_FIELD, "visitor must match [A-Za-z0-9_-]{1,64}")
    return visitor


def parse_page(frame: dict[str, Any]) -> str | None:
    """A widget hello's `page` (the URL the widget is on), or None when it has none."""
    if "page" not in frame:
        return None
    page = frame["page"]
    if not isinstance(page, str) or len(page) > MAX_PAGE:
        raise FrameError(ErrorCode.BAD_FIELD, f"page must be a string of at most {MAX_PAGE} characters")
    return page or None


def parse_agent_command(
        frame: dict[str, Any]) -> Ping | SetStatus | CloseConversation | MarkMessageRead | Activity:
    kind = frame["type"]
    if kind == "ping":
        return Ping()
    if kind == "activity":
        idle = frame.get("idle")
        if not isinstance(idle, bool):
            raise FrameError(ErrorCode.BAD_FIELD, "idle must be true or false")
        return Activity(idle)
    if kind == "status":
        try:
            return SetStatus(AgentStatus(str(frame.get("status"))))
        except ValueError:
            raise FrameError(ErrorCode.BAD_FIELD, "status must be 'online' or 'busy'") from None
    if kind == "conversation.close":
        conversation = frame.get("conversation")
        if not isinstance(conversation, str) or not is_valid_id(conversation):
            raise FrameError(ErrorCode.BAD_FIELD, "conversation must be a conversation id")
        return CloseConversation(conversation)
    if kind == "offline_message.read":
        message = frame.get("message")
        if not is_valid_id(message):
            raise FrameError(ErrorCode.BAD_FIELD, "message must be a message id")
        return MarkMessageRead(str(message))
    if kind == "hello":
        raise FrameError(ErrorCode.FORBIDDEN, "hello was already received")
    if kind in WIDGET_TYPES:
        raise FrameError(ErrorCode.FORBIDDEN, f"an agent may not send '{kind}'")
    raise FrameError(ErrorCode.UNKNOWN_TYPE, f"unknown frame type '{kind[:64]}'")


def parse_widget_command(frame: dict[str, Any]) -> Ping | StartConversation:
    kind = frame["type"]
    if kind == "ping":
        return Ping()
    if kind == "conversation.start":
        text = frame.get("text")
        if text is not None and (not isinstance(text, str) or len(text) > MAX_TEXT):
            raise FrameError(ErrorCode.BAD_FIELD, f"text must be a string of at most {MAX_TEXT} characters")
        return StartConversation(text)
    if kind == "hello":
        raise FrameError(ErrorCode.FORBIDDEN, "hello was already received")
    if kind in AGENT_TYPES:
        raise FrameError(ErrorCode.FORBIDDEN, f"a widget may not send '{kind}'")
    raise FrameError(ErrorCode.UNKNOWN_TYPE, f"unknown frame type '{kind[:64]}'")
