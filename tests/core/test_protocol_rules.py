"""The per-socket protocol rules (core/protocol.py): each frame to its command or error."""

from __future__ import annotations

from typing import Any

import pytest

from frontdesk.core.errors import ErrorCode, FrameError
from frontdesk.core.model import AgentStatus
from frontdesk.core.protocol import (
    MAX_TEXT,
    CloseConversation,
    FrameRate,
    Ping,
    SetStatus,
    StartConversation,
    parse_agent_command,
    parse_visitor,
    parse_widget_command,
)

AGENT_OK: list[tuple[dict[str, Any], object]] = [
    ({"type": "ping"}, Ping()),
    ({"type": "status", "status": "online"}, SetStatus(AgentStatus.ONLINE)),
    ({"type": "status", "status": "busy"}, SetStatus(AgentStatus.BUSY)),
    ({"type": "conversation.close", "conversation": "c-1_A"}, CloseConversation("c-1_A")),
]
AGENT_BAD: list[tuple[dict[str, Any], ErrorCode]] = [
    ({"type": "status"}, ErrorCode.BAD_FIELD),
    ({"type": "status", "status": "away"}, ErrorCode.BAD_FIELD),
    ({"type": "status", "status": "ONLINE"}, ErrorCode.BAD_FIELD),
    ({"type": "conversation.close"}, ErrorCode.BAD_FIELD),
    ({"type": "conversation.close", "conversation": 7}, ErrorCode.BAD_FIELD),
    ({"type": "conversation.close", "conversation": "no spaces"}, ErrorCode.BAD_FIELD),
    ({"type": "conversation.close", "conversation": "x" * 65}, ErrorCode.BAD_FIELD),
    ({"type": "hello"}, ErrorCode.FORBIDDEN),
    ({"type": "conversation.start"}, ErrorCode.FORBIDDEN),
    ({"type": "dance"}, ErrorCode.UNKNOWN_TYPE),
]
WIDGET_OK: list[tuple[dict[str, Any], object]] = [
    ({"type": "ping"}, Ping()),
    ({"type": "conversation.start"}, StartConversation(None)),
    ({"type": "conversation.start", "text": "hi"}, StartConversation("hi")),
    ({"type": "conversation.start", "text": "x" * MAX_TEXT}, StartConversation("x" * MAX_TEXT)),
]
WIDGET_BAD: list[tuple[dict[str, Any], ErrorCode]] = [
    ({"type": "conversation.start", "text": "x" * (MAX_TEXT + 1)}, ErrorCode.BAD_FIELD),
    ({"type": "conversation.start", "text": 5}, ErrorCode.BAD_FIELD),
    ({"type": "hello"}, ErrorCode.FORBIDDEN),
    ({"type": "status", "status": "online"}, ErrorCode.FORBIDDEN),
    ({"type": "conversation.close", "conversation": "c1"}, ErrorCode.FORBIDDEN),
    ({"type": "dance"}, ErrorCode.UNKNOWN_TYPE),
]


@pytest.mark.parametrize(("frame", "command"), AGENT_OK)
def test_agent_commands(frame: dict[str, Any], command: object) -> None:
    assert parse_agent_command(frame) == command


@pytest.mark.parametrize(("frame", "code"), AGENT_BAD)
def test_agent_frames_refused(frame: dict[str, Any], code: ErrorCode) -> None:
    with pytest.raises(FrameError) as caught:
        parse_agent_command(frame)
    assert caught.value.code is code


@pytest.mark.parametrize(("frame", "command"), WIDGET_OK)
def test_widget_commands(frame: dict[str, Any], command: object) -> None:
    assert parse_widget_command(frame) == command


@pytest.mark.parametrize(("frame", "code"), WIDGET_BAD)
def test_widget_frames_refused(frame: dict[str, Any], code: ErrorCode) -> None:
    with pytest.raises(FrameError) as caught:
        parse_widget_command(frame)
    assert caught.value.code is code


def test_unknown_type_is_cut_short_in_the_message() -> None:
    with pytest.raises(FrameError) as caught:
        parse_widget_command({"type": "y" * 500})
    assert len(caught.value.message) < 120


@pytest.mark.parametrize(("frame", "visitor"), [
    ({}, None), ({"visitor": None}, None), ({"visitor": "v-1_A"}, "v-1_A"),
    ({"visitor": "v" * 64}, "v" * 64),
])
def test_visitor_ids(frame: dict[str, Any], visitor: str | None) -> None:
    assert parse_visitor(frame) == visitor


@pytest.mark.parametrize("bad", ["", "a b", "v" * 65, 12, "é"])
def test_bad_visitor_ids(bad: object) -> None:
    with pytest.raises(FrameError) as caught:
        parse_visitor({"visitor": bad})
    assert caught.value.code is ErrorCode.BAD_FIELD


def test_frame_rate_counts_per_fixed_second() -> None:
    rate = FrameRate(3)
    assert [rate.allow(10.0 + i * 0.1) for i in range(4)] == [True, True, True, False]
    assert rate.allow(10.99) is False  # the same window
    assert rate.allow(11.0) is True  # a new window starts the count again
    assert [rate.allow(11.5) for _ in range(3)] == [True, True, False]


def test_frame_rate_never_trips_at_the_limit_across_windows() -> None:
    rate = FrameRate(500)
    # 500 at the end of one window and 500 at the start of the next: all allowed
    assert all(rate.allow(20.9) for _ in range(500))
    assert all(rate.allow(21.0) for _ in range(500))
    assert rate.allow(21.5) is False
