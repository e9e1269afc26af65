"""The auto-away decision and a connection's idle start (contract: Agents)."""

from __future__ import annotations

from typing import Any

import pytest

from frontdesk.core.auto_away import away_deadline, idle_since_after, is_away_due
from frontdesk.core.model import AgentStatus

ONLINE, BUSY = AgentStatus.ONLINE, AgentStatus.BUSY


@pytest.mark.parametrize(("current", "frame", "expected"), [
    (None, {"type": "activity", "idle": True}, 100.0),  # the first idle starts it
    (50.0, {"type": "activity", "idle": True}, 50.0),  # repeating it does not restart it
    (50.0, {"type": "ping"}, 50.0),  # a ping leaves it
    (None, {"type": "ping"}, None),
    (50.0, {"type": "activity", "idle": False}, None),  # input ends it
    (50.0, {"type": "status", "status": "online"}, None),  # any other frame ends it
    (50.0, {"type": "conversation.close", "conversation": "c"}, None),
    (50.0, {"type": "activity", "idle": "yes"}, None),  # not a real idle: ends it
    (50.0, {"type": "nonsense"}, None),
])
def test_idle_start(current: float | None, frame: dict[str, Any],
                    expected: float | None) -> None:
    assert idle_since_after(current, frame, 100.0) == expected


@pytest.mark.parametrize(("status", "idle", "after", "expected"), [
    (ONLINE, [10.0], 5, 15.0),
    (ONLINE, [10.0, 12.0], 5, 17.0),  # the last connection to go idle decides
    (ONLINE, [10.0, None], 5, None),  # one active connection: never
    (ONLINE, [], 5, None),  # no live connection: never set away
    (ONLINE, [10.0], 0, None),  # off
    (BUSY, [10.0], 5, None),  # already busy
    (ONLINE, [10.0], 1.5, 11.5),
])
def test_away_deadline(status: AgentStatus, idle: list[float | None], after: float,
                       expected: float | None) -> None:
    assert away_deadline(status, idle, after) == expected


@pytest.mark.parametrize(("now", "due"), [(14.99, False), (15.0, True), (99.0, True)])
def test_due_from_the_deadline_on(now: float, due: bool) -> None:
    assert is_away_due(ONLINE, [10.0], 5, now) is due
