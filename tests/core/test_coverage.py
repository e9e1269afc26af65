"""Coverage arithmetic: ranges cutting intervals, first seen, open ends, totals, range rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from frontdesk.core.coverage import (
    AgentActivity,
    Range,
    WidgetState,
    agent_activity,
    intervals,
    parse_range,
    parse_time,
    widget_coverage,
    wire_time,
)
from frontdesk.core.errors import Invalid
from frontdesk.core.model import AgentStatus, Reason, WidgetStatus

H = 3600.0
T0 = datetime(2026, 11, 25, 0, 0, tzinfo=UTC).timestamp()  # a Wednesday, midnight UTC

ON = WidgetState(WidgetStatus.ONLINE, Reason.MANUAL)
OFF = WidgetState(WidgetStatus.OFFLINE, Reason.MANUAL)
SCHED_ON = WidgetState(WidgetStatus.ONLINE, Reason.SCHEDULE)
SCHED_OFF = WidgetState(WidgetStatus.OFFLINE, Reason.SCHEDULE)
AWAY = WidgetState(WidgetStatus.OFFLINE, Reason.TEAM_AWAY)


def span(start_h: float, end_h: float) -> Range:
    return Range(T0 + start_h * H, T0 + end_h * H)


def at(*hours: float) -> list[float]:
    return [T0 + h * H for h in hours]


@pytest.mark.parametrize(
    ("changes", "window", "expected"),
    [
        # nothing recorded: nothing to count
        ([], (0, 24), []),
        # one change before the range covers it all: an open interval runs to the end
        ([(-5, "a")], (0, 24), [(0, 24, "a")]),
        # the range cuts the interval on both sides
        ([(-5, "a"), (2, "b"), (30, "a")], (1, 24), [(1, 2, "a"), (2, 24, "b")]),
        # first seen mid-range: nothing before it counts
        ([(6, "a"), (8, "b")], (0, 24), [(6, 8, "a"), (8, 24, "b")]),
        # first seen after the range: nothing
        ([(30, "a")], (0, 24), []),
        # a change exactly at the range start
        ([(0, "a"), (12, "b")], (0, 24), [(0, 12, "a"), (12, 24, "b")]),
        # a change exactly at the range end is outside it
        ([(0, "a"), (24, "b")], (0, 24), [(0, 24, "a")]),
        # the same state recorded twice (a restart, a retried write) is one interval
        ([(0, "a"), (3, "a"), (5, "b")], (0, 24), [(0, 5, "a"), (5, 24, "b")]),
        # two changes at one instant: the later wins, no empty interval
        ([(0, "a"), (4, "b"), (4, "c")], (0, 8), [(0, 4, "a"), (4, 8, "c")]),
        # three changes at one instant, ending where it began: one interval
        ([(0, "a"), (4, "b"), (4, "c"), (4, "a"), (6, "b")], (0, 8), [(0, 6, "a"), (6, 8, "b")]),
        # everything before the range: only the last state counts
        ([(-9, "a"), (-8, "b"), (-7, "c")], (0, 1), [(0, 1, "c")]),
    ],
)
def test_intervals(changes: list[tuple[float, str]], window: tuple[float, float],
                   expected: list[tuple[float, float, str]]) -> None:
    times = [T0 + h * H for h, _ in changes]
    states = [s for _, s in changes]
    got = intervals(times, states, span(*window))
    hours = [(b - T0) / H for b in got.bounds]
    assert list(zip(hours, hours[1:], got.states, strict=False)) == expected
    assert len(got.bounds) == (len(got.states) + 1 if got.states else 0)


def test_widget_totals_split_online_offline_open_and_the_gap() -> None:
    # 0-9 closed by schedule, 9-12 online, 12-13 team away, 13-17 online, 17-24 closed
    times = at(-10, 9, 12, 13, 17)
    states = [SCHED_OFF, SCHED_ON, AWAY, SCHED_ON, SCHED_OFF]
    body = widget_coverage("w", times, states, span(0, 24))
    assert body["totals"] == {
        "online": 7 * H, "offline": 17 * H, "open": 8 * H, "offline_while_open": 1 * H,
        "offline_while_open_by_reason": {"team_away": 1 * H},
        "offline_by_reason": {"manual": 0, "schedule": 16 * H, "team_away": 1 * H},
    }
    assert body["from"] == "2026-11-25T00:00:00Z" and body["to"] == "2026-11-26T00:00:00Z"
    assert body["intervals"][0] == {"from": "2026-11-25T00:00:00Z", "to": "2026-11-25T09:00:00Z",
                                    "status": "offline", "reason": "schedule"}
    assert len(body["intervals"]) == 5


def test_widget_team_away_always_present_and_created_mid_range() -> None:
    body = widget_coverage("w", at(20), [ON], span(0, 24))
    assert body["totals"]["online"] == 4 * H
    assert body["totals"]["offline"] == 0
    assert body["totals"]["offline_while_open_by_reason"] == {"team_away": 0}
    assert body["intervals"] == [{"from": "2026-11-25T20:00:00Z", "to": "2026-11-26T00:00:00Z",
                                  "status": "online", "reason": "manual"}]


def test_widget_never_seen_in_range_has_zero_totals() -> None:
    body = widget_coverage("w", [], [], span(0, 24))
    assert body["intervals"] == []
    assert body["totals"]["online"] == 0 and body["totals"]["offline_while_open"] == 0


def test_manual_offline_is_not_open_but_team_away_is() -> None:
    body = widget_coverage("w", at(0, 1, 2), [OFF, AWAY, ON], span(0, 3))
    assert body["totals"]["open"] == 2 * H
    assert body["totals"]["offline"] == 2 * H
    assert body["totals"]["offline_while_open"] == 1 * H


def test_a_range_over_a_daylight_saving_change_counts_real_seconds() -> None:
    # Europe/Berlin moves from 03:00 to 02:00 on 2026-10-25 (01:00 UTC): the local day has
    # 25 hours, but a UTC range counts what passed, every second once.
    start = datetime(2026, 10, 24, 22, 0, tzinfo=UTC).timestamp()  # local midnight, +02:00
    end = datetime(2026, 10, 25, 23, 0, tzinfo=UTC).timestamp()  # next local midnight, +01:00
    flip = datetime(2026, 10, 25, 1, 30, tzinfo=UTC).timestamp()  # just after the shift
    body = widget_coverage("w", [start - 60, flip], [ON, AWAY], Range(start, end))
    assert body["totals"]["online"] + body["totals"]["offline"] == 25 * H
    assert body["totals"]["online"] == 3.5 * H
    assert body["totals"]["offline_while_open"] == 21.5 * H


def test_fractional_times_go_out_with_milliseconds() -> None:
    body = widget_coverage("w", [T0 + 0.25], [ON], Range(T0, T0 + 10.5))
    assert body["totals"]["online"] == 10.25
    assert body["intervals"][0]["from"] == "2026-11-25T00:00:00.250Z"
    assert body["to"] == "2026-11-25T00:00:10.500Z"
    assert wire_time(T0) == "2026-11-25T00:00:00Z"


AG_ON = AgentActivity(AgentStatus.ONLINE, True)
AG_ON_GONE = AgentActivity(AgentStatus.ONLINE, False)
AG_BUSY = AgentActivity(AgentStatus.BUSY, True)
AG_BUSY_GONE = AgentActivity(AgentStatus.BUSY, False)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ([(0, AG_ON)], {"online": 24, "busy": 0, "connected": 24, "available": 24}),
        ([(0, AG_ON_GONE)], {"online": 24, "busy": 0, "connected": 0, "available": 0}),
        ([(0, AG_ON), (8, AG_BUSY), (10, AG_BUSY_GONE), (12, AG_ON_GONE), (20, AG_ON)],
         {"online": 20, "busy": 4, "connected": 14, "available": 12}),
        ([(18, AG_BUSY)], {"online": 0, "busy": 6, "connected": 6, "available": 0}),
    ],
)
def test_agent_totals(changes: list[tuple[float, AgentActivity]],
                      expected: dict[str, float]) -> None:
    body = agent_activity("kevin", [T0 + h * H for h, _ in changes], [s for _, s in changes],
                          span(0, 24))
    assert body["totals"] == {k: v * H for k, v in expected.items()}
    assert body["agent"] == "kevin"
    assert sum((datetime.fromisoformat(i["to"]) - datetime.fromisoformat(i["from"])).total_seconds()
               for i in body["intervals"]) == expected["online"] * H + expected["busy"] * H


NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw_from", "raw_to", "expected"),
    [
        (None, None, (NOW - timedelta(hours=24), NOW)),
        (None, "2026-11-20T00:00:00Z",
         (datetime(2026, 11, 19, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC))),
        ("2026-11-25T10:00:00Z", None, (datetime(2026, 11, 25, 10, tzinfo=UTC), NOW)),
        # a future `to` is cut at now
        ("2026-11-25T10:00:00Z", "2026-11-26T00:00:00Z",
         (datetime(2026, 11, 25, 10, tzinfo=UTC), NOW)),
        # fractional seconds and any offset
        ("2026-11-25T11:30:00.250+01:00", "2026-11-25T11:00:00.5Z",
         (datetime(2026, 11, 25, 10, 30, 0, 250000, tzinfo=UTC),
          datetime(2026, 11, 25, 11, 0, 0, 500000, tzinfo=UTC))),
        # an unencoded "+" in a query string arrives as a space
        ("2026-11-25T11:30:00 01:00", None, (datetime(2026, 11, 25, 10, 30, tzinfo=UTC), NOW)),
        ("2026-11-25T05:00:00-05:00", None, (datetime(2026, 11, 25, 10, tzinfo=UTC), NOW)),
        # exactly 35 days is allowed
        ("2026-10-21T12:00:00Z", None, (NOW - timedelta(days=35), NOW)),
    ],
)
def test_parse_range(raw_from: str | None, raw_to: str | None,
                     expected: tuple[datetime, datetime]) -> None:
    got = parse_range(raw_from, raw_to, NOW)
    assert (got.start, got.end) == (expected[0].timestamp(), expected[1].timestamp())


@pytest.mark.parametrize(
    ("raw_from", "raw_to", "field"),
    [
        ("yesterday", None, "from"),
        (None, "2026-13-01T00:00:00Z", "to"),
        ("2026-11-25T10:00:00Z", "2026-11-25T10:00:00Z", "to"),  # not after from
        ("2026-11-25T11:00:00Z", "2026-11-25T10:00:00Z", "to"),
        ("2026-10-21T11:59:59Z", None, "from"),  # 35 days and a second
        ("2026-11-25T13:00:00Z", "2026-11-25T14:00:00Z", "from"),  # all in the future
        ("", None, "from"),
    ],
)
def test_parse_range_refuses(raw_from: str | None, raw_to: str | None, field: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_range(raw_from, raw_to, NOW)
    assert field in caught.value.fields


def test_parse_time_without_offset_is_utc() -> None:
    assert parse_time("2026-11-25T10:00:00") == datetime(2026, 11, 25, 10, tzinfo=UTC)
