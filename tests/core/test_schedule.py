"""The schedule: intervals, 24:00, closed dates, touching intervals and daylight saving.

Every expected instant below is worked out by hand from the zone's rules and written in UTC.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.core.model import Mode
from frontdesk.core.schedule import HORIZON, bound_instant, is_open, next_boundary
from frontdesk.core.settings import DAYS, WeekHours, WidgetSettings, parse_settings

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
TICK = timedelta(microseconds=1)


def at(text: str) -> datetime:
    """A UTC instant written "2026-01-05T08:00:00Z" or "2026-01-05T08:00Z"."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def schedule(
    zone: str, hours: dict[str, list[tuple[str, str]]], closed: tuple[str, ...] = ()
) -> WidgetSettings:
    return parse_settings(
        {
            "account": "acme",
            "mode": "scheduled",
            "timezone": zone,
            "hours": {day: [list(pair) for pair in pairs] for day, pairs in hours.items()},
            "closed_dates": list(closed),
        }
    )


def every_day(*pairs: tuple[str, str]) -> dict[str, list[tuple[str, str]]]:
    return {day: list(pairs) for day in DAYS}


OFFICE = schedule("Europe/Berlin", {day: [("09:00", "17:30")] for day in WEEKDAYS})
ALWAYS = every_day(("00:00", "24:00"))

# (settings, now, open at now, next flip); Berlin is UTC+1 in winter, UTC+2 in summer.
CASES = [
    pytest.param(OFFICE, "2026-01-05T07:59:59Z", False, "2026-01-05T08:00Z", id="before-open"),
    pytest.param(OFFICE, "2026-01-05T08:00Z", True, "2026-01-05T16:30Z", id="start-inclusive"),
    pytest.param(OFFICE, "2026-01-05T16:29:59Z", True, "2026-01-05T16:30Z", id="just-before-end"),
    pytest.param(OFFICE, "2026-01-05T16:30Z", False, "2026-01-06T08:00Z", id="end-exclusive"),
    pytest.param(OFFICE, "2026-01-09T17:00Z", False, "2026-01-12T08:00Z", id="friday-evening"),
    pytest.param(OFFICE, "2026-01-10T12:00Z", False, "2026-01-12T08:00Z", id="saturday"),
    pytest.param(OFFICE, "2026-07-06T07:00Z", True, "2026-07-06T15:30Z", id="summer-time"),
    pytest.param(OFFICE, "2026-03-27T18:00Z", False, "2026-03-30T07:00Z", id="over-dst-weekend"),
    pytest.param(
        OFFICE, "2026-01-05T08:00:00.5Z", True, "2026-01-05T16:30Z", id="fraction-of-a-second"
    ),
    # 24:00 ends the day; touching intervals join, also across midnight and across the week.
    pytest.param(
        schedule("Europe/Berlin", {"mon": [("22:00", "24:00")]}),
        "2026-01-05T22:59:59Z",
        True,
        "2026-01-05T23:00Z",
        id="24:00-ends-the-day",
    ),
    pytest.param(
        schedule("Europe/Berlin", {"mon": [("22:00", "24:00")]}),
        "2026-01-05T23:00Z",
        False,
        "2026-01-12T21:00Z",
        id="24:00-is-closed",
    ),
    pytest.param(
        schedule("Europe/Berlin", {"mon": [("22:00", "24:00")], "tue": [("00:00", "02:00")]}),
        "2026-01-05T21:30Z",
        True,
        "2026-01-06T01:00Z",
        id="touching-over-midnight",
    ),
    pytest.param(
        schedule("Europe/Berlin", {"mon": [("22:00", "24:00")], "tue": [("00:00", "02:00")]}),
        "2026-01-05T23:00Z",
        True,
        "2026-01-06T01:00Z",
        id="at-the-midnight-joint",
    ),
    pytest.param(
        schedule("Europe/Berlin", {"sun": [("22:00", "24:00")], "mon": [("00:00", "01:00")]}),
        "2026-01-11T21:30Z",
        True,
        "2026-01-12T00:00Z",
        id="touching-over-the-week",
    ),
    pytest.param(
        schedule("Europe/Berlin", {"mon": [("09:00", "12:00"), ("12:00", "17:00")]}),
        "2026-01-05T10:00Z",
        True,
        "2026-01-05T16:00Z",
        id="touching-at-noon",
    ),
    pytest.param(
        schedule("Europe/Berlin", {"mon": [("09:00", "12:00"), ("12:01", "17:00")]}),
        "2026-01-05T10:00Z",
        True,
        "2026-01-05T11:00Z",
        id="a-minute-apart",
    ),
    pytest.param(
        schedule("Europe/Berlin", ALWAYS), "2026-03-29T01:30Z", True, None, id="always-open"
    ),
    pytest.param(schedule("America/New_York", ALWAYS), "2026-11-01T06:30Z", True, None, id="ny"),
    pytest.param(schedule("UTC", {}), "2026-01-05T12:00Z", False, None, id="never-open"),
    pytest.param(
        schedule("UTC", {}, closed=("2026-01-05",)), "2026-01-05T12:00Z", False, None, id="empty"
    ),
    # closed dates
    pytest.param(
        schedule("Europe/Berlin", ALWAYS, closed=("2026-12-25",)),
        "2026-12-01T12:00Z",
        True,
        "2026-12-24T23:00Z",
        id="closed-date-ahead",
    ),
    pytest.param(
        schedule("Europe/Berlin", ALWAYS, closed=("2026-12-25",)),
        "2026-12-25T12:00Z",
        False,
        "2026-12-25T23:00Z",
        id="on-a-closed-date",
    ),
    pytest.param(
        schedule("Europe/Berlin", ALWAYS, closed=("2026-12-25", "2026-12-26")),
        "2026-12-25T12:00Z",
        False,
        "2026-12-26T23:00Z",
        id="two-closed-dates",
    ),
    pytest.param(
        schedule(
            "Europe/Berlin",
            {day: [("09:00", "17:30")] for day in WEEKDAYS},
            closed=("2026-01-05",),
        ),
        "2026-01-05T10:00Z",
        False,
        "2026-01-06T08:00Z",
        id="closed-monday",
    ),
    pytest.param(
        schedule(
            "Europe/Berlin",
            {"sun": [("22:00", "24:00")], "mon": [("00:00", "02:00")]},
            closed=("2026-01-12",),
        ),
        "2026-01-11T21:30Z",
        True,
        "2026-01-11T23:00Z",
        id="closed-date-cuts-a-joined-run",
    ),
    pytest.param(
        schedule(
            "Europe/Berlin",
            {"sun": [("22:00", "24:00")], "mon": [("00:00", "02:00")]},
            closed=("2026-01-11",),
        ),
        "2026-01-11T22:30Z",
        False,
        "2026-01-11T23:00Z",
        id="open-after-a-closed-date",
    ),
    # Europe/Berlin 2026-03-29: 02:00 CET -> 03:00 CEST at 01:00Z.
    pytest.param(
        schedule("Europe/Berlin", {"sun": [("02:30", "05:00")]}),
        "2026-03-29T00:00Z",
        False,
        "2026-03-29T01:00Z",
        id="berlin-start-in-gap",
    ),
    pytest.param(
        schedule("Europe/Berlin", {"sun": [("02:30", "05:00")]}),
        "2026-03-29T01:00Z",
        True,
        "2026-03-29T03:00Z",
        id="berlin-open-at-gap-end",
    ),
    pytest.param(
        schedule("Europe/Berlin", {"sun": [("01:00", "02:30")]}),
        "2026-03-29T00:30Z",
        True,
        "2026-03-29T01:00Z",
        id="berlin-end-in-gap",
    ),
    pytest.param(
        schedule("Europe/Berlin", {"sun": [("02:00", "02:30")]}),
        "2026-03-28T12:00Z",
        False,
        "2026-04-05T00:00Z",
        id="berlin-wholly-in-gap",
    ),
    pytest.param(
        schedule("Europe/Berlin", {"sun": [("02:15", "03:00")]}),
        "2026-03-28T12:00Z",
        False,
        "2026-04-05T00:15Z",
        id="berlin-gap-to-its-end",
    ),
    pytest.param(
        schedule("Europe/Berlin", {"sun": [("01:00", "02:15"), ("02:45", "04:00")]}),
        "2026-03-29T00:30Z",
        True,
        "2026-03-29T02:00Z",
        id="berlin-joined-over-gap",
    ),
    # Europe/Berlin 2026-10-25: 03:00 CEST -> 02:00 CET at 01:00Z; 02:00-03:00 happens twice.
    pytest.param(
        schedule("Europe/Berlin", {"sun": [("02:00", "02:30")]}),
        "2026-10-24T23:00Z",
        False,
        "2026-10-25T00:00Z",
        id="berlin-repeat-first",
    ),
    pytest.param(
        schedule("Europe/Berlin", {"sun": [("02:00", "02:30")]}),
        "2026-10-25T00:10Z",
        True,
        "2026-10-25T00:30Z",
        id="berlin-repeat-open-once",
    ),
    pytest.param(
        schedule("Europe/Berlin", {"sun": [("02:00", "02:30")]}),
        "2026-10-25T01:15Z",
        False,
        "2026-11-01T01:00Z",
        id="berlin-repeat-not-twice",
    ),
    pytest.param(
        schedule("Europe/Berlin", {"sun": [("02:30", "04:00")]}),
        "2026-10-25T01:15Z",
        True,
        "2026-10-25T03:00Z",
        id="berlin-repeat-stays-open",
    ),
    pytest.param(
        schedule("Europe/Berlin", {"sun": [("01:00", "02:30")]}),
        "2026-10-25T01:15Z",
        False,
        "2026-11-01T00:00Z",
        id="berlin-repeat-ended-at-first",
    ),
    # America/New_York 2026-03-08: 02:00 EST -> 03:00 EDT at 07:00Z.
    pytest.param(
        schedule("America/New_York", {"sun": [("02:30", "03:30")]}),
        "2026-03-08T06:00Z",
        False,
        "2026-03-08T07:00Z",
        id="ny-start-in-gap",
    ),
    pytest.param(
        schedule("America/New_York", {"sun": [("02:30", "03:30")]}),
        "2026-03-08T07:00Z",
        True,
        "2026-03-08T07:30Z",
        id="ny-half-hour-left",
    ),
    # America/New_York 2026-11-01: 02:00 EDT -> 01:00 EST at 06:00Z; 01:00-02:00 twice.
    pytest.param(
        schedule("America/New_York", {"sun": [("01:30", "02:00")]}),
        "2026-11-01T06:45Z",
        True,
        "2026-11-01T07:00Z",
        id="ny-repeat-open-through",
    ),
    pytest.param(
        schedule("America/New_York", {"sun": [("00:00", "01:30")]}),
        "2026-11-01T06:45Z",
        False,
        "2026-11-08T05:00Z",
        id="ny-repeat-ended-at-first",
    ),
    # Australia/Lord_Howe moves by 30 minutes: 2026-10-04 02:00 +10:30 -> 02:30 +11 at
    # 2026-10-03T15:30Z, and 2026-04-05 02:00 +11 -> 01:30 +10:30 at 2026-04-04T15:00Z.
    pytest.param(
        schedule("Australia/Lord_Howe", {"sun": [("02:10", "03:00")]}),
        "2026-10-03T15:00Z",
        False,
        "2026-10-03T15:30Z",
        id="lord-howe-gap",
    ),
    pytest.param(
        schedule("Australia/Lord_Howe", {"sun": [("02:10", "03:00")]}),
        "2026-10-03T15:30Z",
        True,
        "2026-10-03T16:00Z",
        id="lord-howe-after-gap",
    ),
    pytest.param(
        schedule("Australia/Lord_Howe", {"sun": [("01:45", "03:00")]}),
        "2026-04-04T14:00Z",
        False,
        "2026-04-04T14:45Z",
        id="lord-howe-repeat-first",
    ),
    pytest.param(
        schedule("Australia/Lord_Howe", {"sun": [("01:45", "03:00")]}),
        "2026-04-04T14:45Z",
        True,
        "2026-04-04T16:30Z",
        id="lord-howe-repeat-runs-on",
    ),
    pytest.param(
        schedule("Australia/Lord_Howe", {"sun": [("01:00", "01:45")]}),
        "2026-04-04T15:10Z",
        False,
        "2026-04-11T14:30Z",
        id="lord-howe-repeat-not-twice",
    ),
    # Pacific/Apia skipped Friday 2011-12-30: 23:59 -10 on Thursday, then 00:00 +14 Saturday.
    pytest.param(
        schedule("Pacific/Apia", {"thu": [("20:00", "24:00")], "sat": [("00:00", "02:00")]}),
        "2011-12-30T05:00Z",
        False,
        "2011-12-30T06:00Z",
        id="apia-before",
    ),
    pytest.param(
        schedule("Pacific/Apia", {"thu": [("20:00", "24:00")], "sat": [("00:00", "02:00")]}),
        "2011-12-30T06:00Z",
        True,
        "2011-12-30T12:00Z",
        id="apia-joined-over-a-lost-day",
    ),
    pytest.param(
        schedule("Pacific/Apia", {"fri": [("09:00", "17:00")]}),
        "2011-12-29T12:00Z",
        False,
        "2012-01-05T19:00Z",
        id="apia-no-friday",
    ),
    # Asia/Beirut 2026-10-24: 24:00 +03 -> 23:00 +02 at 21:00Z; 2026-03-29 00:00 +02 -> 01:00 +03.
    pytest.param(
        schedule("Asia/Beirut", {"sat": [("22:00", "24:00")], "sun": [("00:00", "01:00")]}),
        "2026-10-24T21:30Z",
        True,
        "2026-10-24T23:00Z",
        id="beirut-repeat-at-midnight",
    ),
    pytest.param(
        schedule("Asia/Beirut", {"sat": [("23:30", "24:00")]}),
        "2026-10-24T21:15Z",
        True,
        "2026-10-24T22:00Z",
        id="beirut-24:00-after-the-repeat",
    ),
    pytest.param(
        schedule("Asia/Beirut", {"sat": [("20:00", "24:00")], "sun": [("00:00", "08:00")]}),
        "2026-03-28T18:00Z",
        True,
        "2026-03-29T05:00Z",
        id="beirut-midnight-skipped",
    ),
    # America/St_Johns 2010-11-07: 00:01 NDT (-2:30) -> 23:01 NST (-3:30) of the day before, at
    # 02:31Z. In the second pass the local date is Saturday again, but Sunday has begun.
    pytest.param(
        schedule("America/St_Johns", {"sun": [("00:00", "00:30")]}),
        "2010-11-07T03:00Z",
        True,
        "2010-11-07T04:00Z",
        id="st-johns-sunday-begun-on-saturday",
    ),
    pytest.param(
        schedule("America/St_Johns", {"sat": [("23:00", "24:00")]}),
        "2010-11-07T03:00Z",
        False,
        "2010-11-14T02:30Z",
        id="st-johns-saturday-over-twice",
    ),
    # America/Santiago 2026-09-06: 00:00 -04 -> 01:00 -03 at 04:00Z.
    pytest.param(
        schedule("America/Santiago", {"sun": [("00:00", "00:30"), ("07:00", "08:00")]}),
        "2026-09-06T02:00Z",
        False,
        "2026-09-06T10:00Z",
        id="santiago-midnight-skipped",
    ),
]


@pytest.mark.parametrize(("widget", "now", "open_now", "flip"), CASES)
def test_open_and_next_flip(
    widget: WidgetSettings, now: str, open_now: bool, flip: str | None
) -> None:
    assert is_open(widget, at(now)) is open_now
    expected = None if flip is None else at(flip)
    found = next_boundary(widget, at(now))
    assert found == expected
    if found is not None:
        assert found.tzinfo is UTC
        assert is_open(widget, found) is not open_now
        assert is_open(widget, found - TICK) is open_now


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("Europe/Berlin", "2026-03-29", 23),
        ("Europe/Berlin", "2026-10-25", 25),
        ("Europe/Berlin", "2026-06-14", 24),
        ("America/New_York", "2026-03-08", 23),
        ("America/New_York", "2026-11-01", 25),
        ("Australia/Lord_Howe", "2026-10-04", 23.5),
        ("Australia/Lord_Howe", "2026-04-05", 24.5),
        ("Pacific/Apia", "2011-12-30", 0),
        ("UTC", "2026-03-29", 24),
    ],
)
def test_a_whole_local_day_lasts_as_long_as_the_zone_says(
    zone: str, day: str, hours: float
) -> None:
    """Open only on `day`, all day: from the start of the opening to the next flip."""
    local_day = date.fromisoformat(day)
    widget = schedule(zone, {DAYS[local_day.weekday()]: [("00:00", "24:00")]})
    midnight = datetime.combine(local_day, datetime.min.time())
    the_day_before = bound_instant(ZoneInfo(zone), midnight) - timedelta(hours=1)
    opens = next_boundary(widget, the_day_before)
    assert opens is not None
    if hours == 0:  # the day never happened: the next opening is a week later
        assert opens - the_day_before > timedelta(days=6)
        return
    closes = next_boundary(widget, opens)
    assert closes is not None
    assert closes - opens == timedelta(hours=hours)


@pytest.mark.parametrize(
    ("zone", "wall", "instant"),
    [
        ("Europe/Berlin", "2026-01-05T09:00", "2026-01-05T08:00Z"),
        ("Europe/Berlin", "2026-03-29T01:59", "2026-03-29T00:59Z"),
        ("Europe/Berlin", "2026-03-29T02:00", "2026-03-29T01:00Z"),  # gap: where it ends
        ("Europe/Berlin", "2026-03-29T02:59", "2026-03-29T01:00Z"),
        ("Europe/Berlin", "2026-03-29T03:00", "2026-03-29T01:00Z"),
        ("Europe/Berlin", "2026-10-25T02:00", "2026-10-25T00:00Z"),  # repeat: the first one
        ("Europe/Berlin", "2026-10-25T02:59", "2026-10-25T00:59Z"),
        ("Europe/Berlin", "2026-10-25T03:00", "2026-10-25T02:00Z"),
        ("America/New_York", "2026-03-08T02:30", "2026-03-08T07:00Z"),
        ("America/New_York", "2026-11-01T01:30", "2026-11-01T05:30Z"),
        ("Australia/Lord_Howe", "2026-10-04T02:15", "2026-10-03T15:30Z"),
        ("Australia/Lord_Howe", "2026-04-05T01:45", "2026-04-04T14:45Z"),
        ("Pacific/Apia", "2011-12-30T00:00", "2011-12-30T10:00Z"),  # a whole day skipped
        ("Pacific/Apia", "2011-12-30T23:59", "2011-12-30T10:00Z"),
        ("America/Santiago", "2026-09-06T00:00", "2026-09-06T04:00Z"),
        ("UTC", "2026-01-01T00:00", "2026-01-01T00:00Z"),
    ],
)
def test_bound_instant(zone: str, wall: str, instant: str) -> None:
    assert bound_instant(ZoneInfo(zone), datetime.fromisoformat(wall)) == at(instant)


def test_the_horizon_is_366_days_inclusive() -> None:
    widget = schedule("UTC", ALWAYS, closed=("2027-01-02",))
    now = at("2026-01-01T00:00Z")
    assert next_boundary(widget, now) == now + HORIZON == at("2027-01-02T00:00Z")
    assert next_boundary(widget, now - timedelta(seconds=1)) is None
    assert next_boundary(widget, now - TICK) is None


def test_a_flip_a_year_away_is_found_when_within_the_horizon() -> None:
    widget = schedule("Europe/Berlin", ALWAYS, closed=("2027-03-20",))
    assert next_boundary(widget, at("2026-03-27T18:00Z")) == at("2027-03-19T23:00Z")


def test_now_in_another_zone_means_the_same_instant() -> None:
    now = at("2026-01-05T08:00Z").astimezone(ZoneInfo("Asia/Tokyo"))
    assert is_open(OFFICE, now)
    assert next_boundary(OFFICE, now) == at("2026-01-05T16:30Z")


def test_mode_does_not_matter_to_the_schedule() -> None:
    manual = WidgetSettings(
        account="acme", mode=Mode.MANUAL, timezone="Europe/Berlin", hours=OFFICE.hours
    )
    assert is_open(manual, at("2026-01-05T08:00Z"))
    assert next_boundary(manual, at("2026-01-05T08:00Z")) == at("2026-01-05T16:30Z")


@pytest.mark.parametrize("function", [is_open, next_boundary])
def test_now_must_know_its_zone(function: object) -> None:
    with pytest.raises(ValueError):
        function(OFFICE, datetime(2026, 1, 5, 8, 0))  # type: ignore[operator]


def test_next_boundary_is_fast() -> None:
    """It runs on every status computation: the worst cases still take a few ms at most."""
    worst = [
        schedule("Europe/Berlin", ALWAYS),  # walks the whole year to find nothing
        schedule("Europe/Berlin", ALWAYS, closed=("2027-03-01",)),
        schedule(
            "Australia/Lord_Howe", every_day(*[(f"{h:02d}:00", f"{h:02d}:30") for h in range(24)])
        ),
        OFFICE,
    ]
    now = at("2026-03-27T18:00Z")
    for widget in worst:
        start = time.perf_counter()
        for minute in range(100):
            next_boundary(widget, now + timedelta(minutes=7 * minute))
        assert (time.perf_counter() - start) / 100 < 0.005


# -- properties ----------------------------------------------------------------------------

ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Beirut",
    "America/Santiago",
    "America/Havana",
    "Asia/Kolkata",
]
# Where those zones change their clocks in 2026 and 2027, so that `now` often lands near one.
TRANSITIONS = [
    at(text)
    for text in (
        "2026-03-29T01:00Z",
        "2026-10-25T01:00Z",
        "2027-03-28T01:00Z",
        "2027-10-31T01:00Z",
        "2026-03-08T07:00Z",
        "2026-11-01T06:00Z",
        "2027-03-14T07:00Z",
        "2027-11-07T06:00Z",
        "2026-04-04T15:00Z",
        "2026-10-03T15:30Z",
        "2027-04-03T15:00Z",
        "2027-10-02T15:30Z",
        "2026-03-28T22:00Z",
        "2026-10-24T21:00Z",
        "2027-03-27T22:00Z",
        "2027-10-30T21:00Z",
        "2026-04-05T03:00Z",
        "2026-09-06T04:00Z",
        "2027-04-04T03:00Z",
        "2027-09-05T04:00Z",
        "2026-03-08T05:00Z",
        "2026-11-01T05:00Z",
        "2027-03-14T05:00Z",
        "2027-11-07T05:00Z",
    )
]
# Bounds near the usual change times turn up often, so they fall into gaps and repeats.
NEAR_CHANGES = [0, 30, 60, 90, 105, 120, 135, 150, 165, 180, 210, 1320, 1350, 1380, 1410, 1440]


def random_day(rng: random.Random) -> tuple[tuple[int, int], ...]:
    """Sorted, non-overlapping pieces between a few points; neighbouring pieces touch."""
    points = sorted(
        {
            rng.choice(NEAR_CHANGES) if rng.random() < 0.5 else rng.randint(0, 1440)
            for _ in range(rng.randint(1, 7))
        }
    )
    return tuple(piece for piece in zip(points, points[1:], strict=False) if rng.random() < 0.6)


# Days to draw from (one draw per day keeps generation cheap): simple ones first, so that
# failures shrink towards them, then ones built to meet gaps and repeats, then random ones.
DAY_PATTERNS: list[tuple[tuple[int, int], ...]] = [
    (),
    ((0, 1440),),
    ((540, 1050),),
    ((0, 60),),
    ((1320, 1440),),
    ((0, 120), (1380, 1440)),
    ((540, 720), (720, 1020)),
    ((60, 135), (165, 240)),
    ((120, 150),),
    ((135, 180),),
    ((90, 150), (150, 210)),
    ((0, 30), (420, 480)),
    ((1410, 1440),),
    *(random_day(random.Random(seed)) for seed in range(300)),
]


week_hours: st.SearchStrategy[WeekHours] = st.tuples(*[st.sampled_from(DAY_PATTERNS)] * 7)

near_dst_days = st.sampled_from(TRANSITIONS).map(lambda moment: moment.date())
closed_dates = st.lists(
    near_dst_days | st.dates(date(2025, 12, 20), date(2029, 1, 10)), max_size=5, unique=True
).map(tuple)

scheduled = st.builds(
    lambda zone, hours, closed: WidgetSettings(
        account="acme", mode=Mode.SCHEDULED, timezone=zone, hours=hours, closed_dates=closed
    ),
    st.sampled_from(ZONES),
    week_hours,
    closed_dates,
)

nows = st.one_of(
    st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC)),
    st.builds(
        lambda moment, minutes: moment + timedelta(minutes=minutes),
        st.sampled_from(TRANSITIONS),
        st.integers(-3 * 1440, 3 * 1440),
    ),
    st.builds(
        lambda moment, seconds: moment + timedelta(seconds=seconds),
        st.sampled_from(TRANSITIONS),
        st.integers(-7200, 7200),
    ),
)


def change_candidates(widget: WidgetSettings, start: datetime, end: datetime) -> set[datetime]:
    """Every instant in (start, end) where the wall-clock reading of the schedule could flip:
    each bound read with either fold, and each clock change. Found without `bound_instant`."""
    zone = widget.zone
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    found = {moment for moment in TRANSITIONS if start < moment < end}
    day = first
    while day <= last:
        for bound in {minute for pair in widget.hours[day.weekday()] for minute in pair}:
            wall = datetime.combine(day, datetime.min.time()) + timedelta(minutes=bound)
            for fold in (0, 1):
                moment = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)
                if start < moment < end:
                    found.add(moment)
        day += timedelta(days=1)
    return found


def assert_reads_the_wall_clock(widget: WidgetSettings, moment: datetime) -> None:
    """Where a wall time happens once (or for the first time), the naive reading is the rule;
    in the second pass of a repeated hour, bounds there took effect the first time."""
    if moment.astimezone(widget.zone).fold == 0:
        assert is_open(widget, moment) is reads_open_on_the_wall_clock(widget, moment)


def reads_open_on_the_wall_clock(widget: WidgetSettings, moment: datetime) -> bool:
    """The contract read naively: the local wall time lies in an interval of its local date."""
    local = moment.astimezone(widget.zone)
    if local.date() in widget.closed_dates:
        return False
    since_midnight = local - local.replace(hour=0, minute=0, second=0, microsecond=0)
    minute = since_midnight.total_seconds() / 60
    return any(start <= minute < end for start, end in widget.hours[local.weekday()])


@settings(max_examples=200, deadline=None)
@given(scheduled, nows, st.lists(st.floats(0, 1, exclude_max=True), min_size=5, max_size=5))
def test_next_boundary_is_the_first_flip(
    widget: WidgetSettings, now: datetime, fractions: list[float]
) -> None:
    open_now = is_open(widget, now)
    assert_reads_the_wall_clock(widget, now)
    flip = next_boundary(widget, now)
    if flip is None:
        end = now + HORIZON
    else:
        assert now < flip <= now + HORIZON
        assert flip.tzinfo is UTC and flip.microsecond == 0
        assert is_open(widget, flip) is not open_now
        assert is_open(widget, flip - TICK) is open_now
        assert_reads_the_wall_clock(widget, flip)
        assert_reads_the_wall_clock(widget, flip - TICK)
        assert is_open(widget, flip - timedelta(seconds=1)) is open_now or (
            flip - timedelta(seconds=1) < now
        )
        end = flip
    for fraction in fractions:
        moment = max(now, min(now + (end - now) * fraction, end - TICK))  # float rounding
        assert is_open(widget, moment) is open_now
        assert_reads_the_wall_clock(widget, moment)
    # Close to `now`, look at every instant where anything could change.
    for moment in change_candidates(widget, now, min(end, now + timedelta(days=9))):
        assert is_open(widget, moment) is open_now
        assert_reads_the_wall_clock(widget, moment)
        assert is_open(widget, moment - TICK) is open_now or moment - TICK < now
