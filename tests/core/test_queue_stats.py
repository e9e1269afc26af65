"""Queue statistics: counts of starts in the range, nearest-rank waits, the deepest queue."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from frontdesk.core.coverage import Range
from frontdesk.core.queue_stats import ConversationMoment, Moment, nearest_rank, queue_stats

T0 = datetime(2026, 11, 25, tzinfo=UTC).timestamp()
S, SQ, Q, A, C, R = (Moment.STARTED, Moment.STARTED_QUEUED, Moment.QUEUED, Moment.ASSIGNED,
                     Moment.CLOSED, Moment.REJECTED)


def moments(*rows: tuple[float, str, Moment]) -> list[ConversationMoment]:
    return [ConversationMoment(T0 + t, c, m) for t, c, m in rows]


def stats(rows: list[ConversationMoment], start: float = 0, end: float = 1000) -> dict:
    return queue_stats(rows, Range(T0 + start, T0 + end))


@pytest.mark.parametrize(
    ("values", "percent", "expected"),
    [
        ([], 50, None),
        ([7.0], 50, 7.0),
        ([7.0], 90, 7.0),
        ([1.0, 2.0], 50, 1.0),
        ([1.0, 2.0], 90, 2.0),
        ([float(v) for v in range(1, 11)], 50, 5.0),
        ([float(v) for v in range(1, 11)], 90, 9.0),  # 0.9 * 10 is rank 9, exactly
        ([float(v) for v in range(1, 11)], 100, 10.0),
        ([float(v) for v in range(1, 21)], 90, 18.0),
        ([15.0, 20.0, 35.0, 40.0, 50.0], 30, 20.0),  # the textbook example
        ([15.0, 20.0, 35.0, 40.0, 50.0], 40, 20.0),
        ([15.0, 20.0, 35.0, 40.0, 50.0], 50, 35.0),
    ],
)
def test_nearest_rank(values: list[float], percent: int, expected: float | None) -> None:
    assert nearest_rank(values, percent) == expected


def test_nothing_happened() -> None:
    body = stats([])
    assert body["started"] == body["assigned"] == body["queued"] == 0
    assert body["closed_while_queued"] == 0 and body["max_depth"] == 0
    assert body["time_to_assign"] == {"p50": None, "p90": None, "max": None}


def test_counts_and_waits() -> None:
    rows = moments(
        (10, "a", S),                  # assigned at once: wait 0
        (20, "b", SQ), (50, "b", A),   # waited 30
        (30, "c", SQ), (40, "c", C),   # closed while queued
        (35, "d", SQ), (95, "d", A),   # waited 60
        (36, "e", R),                  # rejected: not started
        (37, "f", SQ), (99, "f", Q),   # still queued at the end (queued again: no matter)
    )
    body = stats(rows)
    assert body["started"] == 5
    assert body["queued"] == 4
    assert body["assigned"] == 3
    assert body["closed_while_queued"] == 1
    assert body["rejected"] == 1
    assert body["time_to_assign"] == {"p50": 30, "p90": 60, "max": 60}
    assert body["max_depth"] == 4  # b, c, d, f at 37


def test_only_conversations_started_in_the_range_count_but_their_fate_does_whenever() -> None:
    rows = moments(
        (5, "early", SQ), (15, "early", A),     # started before the range
        (20, "late", SQ), (500, "late", A),     # assigned after the range
        (30, "gone", SQ), (400, "gone", C),     # closed after the range
    )
    body = stats(rows, 10, 100)
    assert body["started"] == 2
    assert body["assigned"] == 1
    assert body["time_to_assign"]["max"] == 480
    assert body["closed_while_queued"] == 1
    assert body["from"] == "2026-11-25T00:00:10Z"


def test_max_depth_includes_the_depth_at_from() -> None:
    rows = moments(
        (1, "a", SQ), (2, "b", SQ), (3, "c", SQ),   # three waiting before the range
        (20, "a", A), (21, "b", A), (22, "d", SQ),  # in the range: never deeper than 3
        (200, "e", SQ), (201, "f", SQ),             # after the range: deeper, not counted
    )
    body = stats(rows, 10, 100)
    assert body["max_depth"] == 3
    assert body["started"] == 1


def test_max_depth_when_nothing_moves_in_the_range() -> None:
    rows = moments((1, "a", SQ), (2, "b", SQ), (500, "a", A))
    assert stats(rows, 10, 100)["max_depth"] == 2


def test_same_instant_start_and_assignment_order() -> None:
    # recorded in any order at one instant: start, then assignment; nothing waited
    rows = moments((10, "a", A), (10, "a", SQ), (10, "b", C), (10, "b", SQ))
    body = stats(rows)
    assert body["assigned"] == 1
    assert body["time_to_assign"]["max"] == 0
    assert body["closed_while_queued"] == 1


def test_requeued_conversation_counts_in_depth_and_first_wait_only() -> None:
    rows = moments((10, "a", S), (50, "a", Q), (80, "a", A))
    body = stats(rows)
    assert body["queued"] == 0
    assert body["max_depth"] == 1
    assert body["time_to_assign"]["max"] == 0


def test_events_without_a_recorded_start_do_not_break_the_count() -> None:
    rows = moments((10, "old", A), (11, "old2", C))  # their starts were trimmed away
    body = stats(rows)
    assert body["started"] == 0 and body["max_depth"] == 0


def test_one_leaving_as_another_arrives_is_not_counted_twice() -> None:
    rows = moments((10, "a", SQ), (50, "b", SQ), (50, "a", C), (60, "c", SQ), (60, "b", A))
    assert stats(rows)["max_depth"] == 1
