"""The reassignment decision (contract: Agents: reassignment, and the precise rules)."""

from __future__ import annotations

import pytest

from frontdesk.core.reassignment import is_reassign_due, reassign_deadline


@pytest.mark.parametrize(("since", "assigned_at", "after", "expected"), [
    ([100.0], 50.0, 10, 110.0),  # from when unavailability began
    ([40.0], 50.0, 10, 60.0),  # but not before the latest assignment
    ([100.0, 120.0], 50.0, 10, 130.0),  # every agent: the last to leave decides
    ([100.0, None], 50.0, 10, None),  # one agent still available: never
    ([100.0], 50.0, 0, None),  # off
    ([], 50.0, 10, None),  # nobody to take it from
    ([100.0], 50.0, 0.5, 100.5),
])
def test_deadline(since: list[float | None], assigned_at: float, after: float,
                  expected: float | None) -> None:
    assert reassign_deadline(since, assigned_at, after) == expected


@pytest.mark.parametrize(("now", "due"), [(109.9, False), (110.0, True)])
def test_due(now: float, due: bool) -> None:
    assert is_reassign_due([100.0], 50.0, 10, now) is due
