"""One log line per interval, saying how many it held back."""

from __future__ import annotations

import pytest

from frontdesk.core.throttle import Throttle


@pytest.mark.parametrize(("events", "expected"), [
    ([0.0], [0]),
    ([0.0, 0.5, 9.9], [0, None, None]),
    ([0.0, 0.5, 9.9, 10.0], [0, None, None, 2]),
    ([0.0, 10.0, 20.0], [0, 0, 0]),
    ([5.0, 6.0, 14.9, 15.0, 15.1, 30.0], [0, None, None, 2, None, 1]),
])
def test_one_event_per_interval(events: list[float], expected: list[int | None]) -> None:
    throttle = Throttle(10.0)
    assert [throttle.allow(now) for now in events] == expected
