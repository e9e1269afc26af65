"""When a scheduled widget is open: its weekly local hours, its closed dates, and the zone's DST.

Contract: The widget's effective status, steps 1 and 5. One definition carries both steps, so
the status and its `next_change` never disagree:

    A bound (local date d, minute m) takes effect at I(d, m), the earliest instant whose local
    wall time is at or after d + m. An interval [s, e) listed under d's weekday covers the
    instants [I(d, s), I(d, e)), unless d is a closed date.

So a bound in a skipped local hour takes effect where the gap ends, one in a repeated hour at
its first occurrence, and "24:00" of d is 00:00 of d + 1. Intervals that touch, also across
midnight or across a skipped hour, join: nothing flips at the joint.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache

from frontdesk.core.settings import MINUTES_PER_DAY, WidgetSettings

HORIZON = timedelta(days=366)
"""Contract: next_change is null when base never flips within 366 days."""

_ONE_MINUTE = timedelta(minutes=1)


def is_open(settings: WidgetSettings, now: datetime) -> bool:
    """The scheduled base status at `now`: inside some interval of a date not closed."""
    _require_aware(now)
    zone = settings.zone
    # The local day whose intervals may hold `now` is its local date or, right after clocks
    # went back over midnight, the next one: I(today, 0) <= now always.
    today = now.astimezone(zone).toordinal()
    for wall_start, wall_end in _day_intervals(settings, today, today + 1):
        if _instant(zone, wall_start) > now:
            return False  # intervals come in time order: none later holds `now`
        if now < _instant(zone, wall_end):
            return True
    return False


def next_boundary(settings: WidgetSettings, now: datetime) -> datetime | None:
    """The first instant after `now` at which `is_open` flips, in UTC; None if none in 366 days."""
    _require_aware(now)
    if not any(settings.hours):
        return None  # never open
    zone = settings.zone
    horizon = now + HORIZON
    local_now = now.astimezone(zone)
    first_day = local_now.toordinal()
    # A bound not after the wall time of `now` takes effect by `now` (now itself is a witness).
    passed = first_day * MINUTES_PER_DAY + local_now.hour * 60 + local_now.minute
    # Runs are cut at the ends of this window. The cut at its start, I(first_day, 0), is not
    # after `now`, and the one at its end is after the horizon: neither is ever answered.
    last_day = horizon.astimezone(zone).toordinal() + 2
    run: tuple[datetime, datetime] | None = None  # the current joined run, in UTC
    for wall_start, wall_end in _wall_runs(settings, first_day, last_day):
        if wall_end <= passed:
            continue  # over by `now`: neither bound is a flip after it
        start, end = _instant(zone, wall_start), _instant(zone, wall_end)
        if start == end:
            continue  # wholly inside a skipped local hour: never open
        if run is not None and start == run[1]:
            run = (run[0], end)  # touching once the gap is skipped: one run
            continue
        if run is not None and (flip := _flip_after(run, now)) is not None:
            return flip if flip <= horizon else None
        run = (start, end)
        if start > horizon:
            return None
    if run is not None and (flip := _flip_after(run, now)) is not None:
        return flip if flip <= horizon else None
    return None


def bound_instant(zone: tzinfo, wall: datetime) -> datetime:
    """I(wall): the earliest UTC instant whose wall time in `zone` is at or after naive `wall`."""
    offset_first = wall.replace(tzinfo=zone, fold=0).utcoffset()
    offset_second = wall.replace(tzinfo=zone, fold=1).utcoffset()
    if offset_first is None or offset_second is None:
        raise ValueError("zone gives no UTC offset")
    if offset_first >= offset_second:
        # The wall time happens once, or twice when clocks go back: fold 0 is the first time.
        return (wall - offset_first).replace(tzinfo=UTC)
    # Clocks jumped over `wall`. The jump lies in (wall - after, wall - before]; find it.
    low = (wall - offset_second).replace(tzinfo=UTC)  # still before the jump
    lo_seconds, hi_seconds = 0, int((offset_second - offset_first).total_seconds())
    while hi_seconds - lo_seconds > 1:
        middle = (lo_seconds + hi_seconds) // 2
        moment = low + timedelta(seconds=middle)
        if moment.astimezone(zone).utcoffset() == offset_second:
            hi_seconds = middle
        else:
            lo_seconds = middle
    return low + timedelta(seconds=hi_seconds)


@lru_cache(maxsize=16384)
def _instant(zone: tzinfo, wall_minutes: int) -> datetime:
    """bound_instant, remembered: the same few bounds come back on every status computation."""
    return bound_instant(zone, _wall_time(wall_minutes))


def _flip_after(run: tuple[datetime, datetime], now: datetime) -> datetime | None:
    start, end = run
    if start > now:
        return start
    if end > now:
        return end
    return None


def _day_intervals(
    settings: WidgetSettings, first_day: int, last_day: int
) -> Iterator[tuple[int, int]]:
    """Each open interval of the local days first_day..last_day (ordinals), in time order.

    Bounds are local wall minutes since 0001-01-01, so 24:00 of one day is 00:00 of the next.
    """
    hours = settings.hours
    for ordinal in range(first_day, last_day + 1):
        day = date.fromordinal(ordinal)
        if settings.is_closed_on(day):
            continue
        base = ordinal * MINUTES_PER_DAY
        for start, end in hours[day.weekday()]:
            yield base + start, base + end


def _wall_runs(
    settings: WidgetSettings, first_day: int, last_day: int
) -> Iterator[tuple[int, int]]:
    """The intervals of those days with touching ones joined (on the wall clock)."""
    run_start = run_end = -1
    for start, end in _day_intervals(settings, first_day, last_day):
        if start == run_end:
            run_end = end
            continue
        if run_end >= 0:
            yield run_start, run_end
        run_start, run_end = start, end
    if run_end >= 0:
        yield run_start, run_end


def _wall_time(wall_minutes: int) -> datetime:
    day, minute = divmod(wall_minutes, MINUTES_PER_DAY)
    return datetime.fromordinal(day) + minute * _ONE_MINUTE


def _require_aware(now: datetime) -> None:
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
