"""The queue estimate, when it is pushed again, and the queue limits (contract: An honest queue)."""

from __future__ import annotations

import pytest

from frontdesk.core.queue import (
    HISTORY_SIZE,
    QueueAssignment,
    estimated_wait,
    expiry_deadline,
    is_queue_full,
    mean_gap,
    remember_assignment,
    should_push,
)

NOW = 10_000.0


def history(*times: float, waited: float = 7.0) -> tuple[QueueAssignment, ...]:
    return tuple(QueueAssignment(at=t, waited=waited) for t in times)


@pytest.mark.parametrize(("items", "expected"), [
    ((), None),  # no assignment from the queue: null
    (history(NOW - 10, waited=42.0), 42.0),  # a single one: its wait
    (history(NOW - 30, NOW - 20, NOW - 10), 10.0),
    (history(NOW - 40, NOW - 35, NOW - 10), 15.0),  # the mean gap, not the last one
    (history(NOW - 4000, NOW - 3000, NOW - 10, waited=5.0), 2990.0),
    (history(NOW - 4000, NOW - 10, waited=5.0), 5.0),  # one left in the hour: its wait
    (history(NOW - 4000, NOW - 3700), None),  # nothing in the last hour
    (history(NOW - 3600), None),  # exactly an hour ago is out
    (history(NOW, NOW, NOW), 0.0),  # assigned together
])
def test_mean_gap(items: tuple[QueueAssignment, ...], expected: float | None) -> None:
    assert mean_gap(items, NOW) == expected


def test_only_the_last_twenty_count() -> None:
    times = [NOW - 1000 + 100 * i for i in range(5)] + [NOW - 100 + i for i in range(20)]
    kept: tuple[QueueAssignment, ...] = ()
    for t in times:
        kept = remember_assignment(kept, QueueAssignment(t, 1.0))
    assert len(kept) == HISTORY_SIZE
    assert mean_gap(kept, NOW) == 1.0


@pytest.mark.parametrize(("position", "gap", "expected"), [
    (3, None, None), (1, 10.0, 10), (3, 80.0, 240), (2, 0.25, 1), (1, 0.49, 0),
    (3, 1.5, 5),  # 4.5 rounds half up
    (1, 0.0, 0),
])
def test_estimate_is_whole_seconds(position: int, gap: float | None,
                                   expected: int | None) -> None:
    result = estimated_wait(position, gap)
    assert result == expected
    assert result is None or type(result) is int


@pytest.mark.parametrize(("last", "now", "pushed"), [
    ((None, None), (1, None), True),  # never pushed
    ((2, 30), (1, 30), True),  # the position changed
    ((2, 30), (2, 44), False),  # moved less than 15 s
    ((2, 30), (2, 45), True),  # 15 s or more
    ((2, 30), (2, 15), True),
    ((2, 30), (2, 16), False),
    ((2, None), (2, 0), True),  # null to a number
    ((2, 30), (2, None), True),  # a number to null
    ((2, None), (2, None), False),
])
def test_should_push(last: tuple[int | None, int | None], now: tuple[int, int | None],
                     pushed: bool) -> None:
    assert should_push(last[0], last[1], now[0], now[1]) is pushed


def test_small_drifts_are_measured_against_the_last_value_pushed() -> None:
    pushed = 30
    for estimate in (35, 40, 44):
        assert not should_push(2, pushed, 2, estimate)
    assert should_push(2, pushed, 2, 45)


@pytest.mark.parametrize(("length", "limit", "full"), [
    (0, 0, False), (100, 0, False), (0, 1, False), (1, 1, True), (2, 3, False), (3, 3, True),
    (4, 3, True),
])
def test_queue_full(length: int, limit: int, full: bool) -> None:
    assert is_queue_full(length, limit) is full


def test_expiry_deadline() -> None:
    assert expiry_deadline(100.0, 0) is None
    assert expiry_deadline(100.0, 2.5) == 102.5
