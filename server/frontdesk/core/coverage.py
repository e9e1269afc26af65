"""Coverage: recorded changes turned into intervals and totals over a range.

Contract: "Coverage: the history of availability" and its precise rules. Pure: every time is
epoch seconds passed in, the report range included; nothing here reads a clock.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Generic, TypeVar

from frontdesk.core.errors import Invalid
from frontdesk.core.model import AgentStatus, Reason, WidgetStatus

MAX_RANGE = timedelta(days=35)
DEFAULT_RANGE = timedelta(hours=24)

S = TypeVar("S")


# --- the range --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Range:
    """[start, end] in epoch seconds; a report counts only time inside it."""

    start: float
    end: float

    def to_wire(self) -> dict[str, str]:
        return {"from": wire_time(self.start), "to": wire_time(self.end)}


# An unencoded "+01:00" in a query string arrives as " 01:00": read it as the offset it was.
_SPACED_OFFSET = re.compile(r"^(.*\d) (\d\d(?::?\d\d)?)$")


def parse_time(raw: str) -> datetime:
    """ISO-8601 with fractional seconds and any offset; a time without one is UTC."""
    text = raw.strip()
    spaced = _SPACED_OFFSET.match(text)
    if spaced and ("T" in text or text.count(" ") > 1):
        text = f"{spaced.group(1)}+{spaced.group(2)}"
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)  # raises ValueError
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_range(raw_from: str | None, raw_to: str | None, now: datetime) -> Range:
    """Contract: `to` defaults to now and is cut at now, `from` to `to` minus 24 hours;
    `to` after `from`, at most 35 days apart (as asked, before the cut), else Invalid."""
    problems: dict[str, str] = {}
    start = end = None
    for name, raw in (("from", raw_from), ("to", raw_to)):
        if raw is None:
            continue
        try:
            moment = parse_time(raw)
        except (ValueError, OverflowError):
            problems[name] = "must be an ISO-8601 time, like 2026-11-25T17:30:00Z"
            continue
        if name == "from":
            start = moment
        else:
            end = moment
    if problems:
        raise Invalid(problems, "bad report range")
    end = end if end is not None else now
    start = start if start is not None else end - DEFAULT_RANGE
    if end <= start:
        raise Invalid({"to": "must be after from"}, "bad report range")
    if end - start > MAX_RANGE:
        why = "the range is at most 35 days"
        raise Invalid({"from": why, "to": why}, "bad report range")
    end = min(end, now)
    if end <= start:
        raise Invalid({"from": "must be before now"}, "bad report range")
    return Range(start.timestamp(), end.timestamp())


_DAY = 86400
_EPOCH_DAY = date(1970, 1, 1)
_day_text: dict[int, str] = {}  # days since 1970 -> "YYYY-MM-DD": a report spans <= 36 days
_HOUR_TEXT = [f"T{h:02d}:" for h in range(24)]
_CLOCK_TEXT = [f"{m:02d}:{s:02d}" for m in range(60) for s in range(60)]  # "MM:SS"
_MS_TEXT = [f".{ms:03d}Z" for ms in range(1000)]
_MS_TEXT[0] = "Z"


def wire_time(epoch: float) -> str:
    """ISO-8601 UTC with a `Z`; milliseconds only when the time has a fraction.

    Put together from small tables, each day's date cached: a 35-day report formats 10,000
    bounds or more, and `strftime` alone took longer than the whole 50 ms budget.
    """
    whole, ms = divmod(round(epoch * 1000), 1000)
    day, second = divmod(whole, _DAY)
    text = _day_text.get(day)
    if text is None:
        text = (_EPOCH_DAY + timedelta(days=day)).isoformat()
        if len(_day_text) < 4096:
            _day_text[day] = text
    hour, second = divmod(second, 3600)
    return text + _HOUR_TEXT[hour] + _CLOCK_TEXT[second] + _MS_TEXT[ms]


def seconds(value: float) -> float | int:
    """Totals to the millisecond; whole seconds as integers."""
    value = round(value, 3)
    return int(value) if value.is_integer() else value


# --- intervals ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Stretches(Generic[S]):
    """Back-to-back intervals: the k-th runs from bounds[k] to bounds[k + 1] in states[k]."""

    bounds: list[float]
    states: list[S]

    def time_in_each(self) -> dict[S, float]:
        """Seconds spent in each state (a handful of states, however many intervals)."""
        bounds, totals = self.bounds, dict.fromkeys(self.states, 0.0)
        for k, state in enumerate(self.states):
            totals[state] += bounds[k + 1] - bounds[k]
        return totals

    def wire(self, names: tuple[str, str],
             values: Callable[[S], tuple[Any, Any]]) -> list[dict[str, Any]]:
        """The `intervals` of a report: {"from", "to", names[0], names[1]}, each bound
        formatted once and each state's two values computed once."""
        times = [wire_time(b) for b in self.bounds]
        known = {state: values(state) for state in set(self.states)}
        first, second = names
        result = []
        for k, state in enumerate(self.states):
            a, b = known[state]
            result.append({"from": times[k], "to": times[k + 1], first: a, second: b})
        return result


def intervals(times: Sequence[float], states: Sequence[S], span: Range) -> Stretches[S]:
    """Each state's stretch inside the span, from the first change (first seen) on.

    `times` ascending, `states[i]` holding from `times[i]` until the next change; the last
    runs to the span's end (a subject keeps its last recorded state, across restarts too).
    Neighbours in the same state are one interval (a change recorded twice is one); of two
    changes at one instant the later wins.
    """
    first = max(bisect_right(times, span.start) - 1, 0)
    last = bisect_left(times, span.end)
    bounds: list[float] = []
    kept: list[S] = []
    for i in range(first, last):
        at = times[i] if times[i] > span.start else span.start
        state = states[i]
        if kept and bounds[-1] == at:
            kept[-1] = state
            if len(kept) > 1 and kept[-2] == state:
                kept.pop()
                bounds.pop()
        elif not kept or kept[-1] != state:
            bounds.append(at)
            kept.append(state)
    if kept:
        bounds.append(span.end)
    return Stretches(bounds, kept)


# --- widgets ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class WidgetState:
    """What the history keeps of a widget: its effective status and the reason for it."""

    status: WidgetStatus
    reason: Reason

    @property
    def is_open(self) -> bool:
        """Contract: the base status was open when online, or when team_away forced it off."""
        return self.status is WidgetStatus.ONLINE or self.reason is Reason.TEAM_AWAY

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> WidgetState:
        return cls(WidgetStatus(payload["status"]), Reason(payload["reason"]))


def widget_coverage(widget: str, times: Sequence[float], states: Sequence[WidgetState],
                    span: Range) -> dict[str, Any]:
    """The body of GET /api/v1/widgets/{widget}/coverage.

    Beyond the contract, `totals.offline_by_reason` splits all offline time by its reason
    (manual, schedule, team_away), which the timeline's legend shows.
    """
    stretches = intervals(times, states, span)
    online = offline = open_ = 0.0
    by_reason = {reason.value: 0.0 for reason in Reason}
    for state, length in stretches.time_in_each().items():
        if state.status is WidgetStatus.ONLINE:
            online += length
        else:
            offline += length
            by_reason[state.reason.value] += length
        if state.is_open:
            open_ += length
    gap = by_reason[Reason.TEAM_AWAY.value]
    return {
        "widget": widget, **span.to_wire(),
        "intervals": stretches.wire(("status", "reason"),
                                    lambda s: (s.status.value, s.reason.value)),
        "totals": {
            "online": seconds(online), "offline": seconds(offline), "open": seconds(open_),
            "offline_while_open": seconds(gap),
            "offline_while_open_by_reason": {Reason.TEAM_AWAY.value: seconds(gap)},
            "offline_by_reason": {k: seconds(v) for k, v in by_reason.items()},
        },
    }


# --- agents ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AgentActivity:
    """What the history keeps of an agent: the status it chose, and whether it is connected."""

    status: AgentStatus
    connected: bool

    @property
    def is_available(self) -> bool:
        """Contract (Words): available = status online and connected."""
        return self.connected and self.status is AgentStatus.ONLINE

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> AgentActivity:
        return cls(AgentStatus(payload["status"]), bool(payload["connected"]))


def agent_activity(agent: str, times: Sequence[float], states: Sequence[AgentActivity],
                   span: Range) -> dict[str, Any]:
    """The body of GET /api/v1/accounts/{account}/agents/{agent}/activity.

    Contract: `online` and `busy` are time in that status, connected or not.
    """
    stretches = intervals(times, states, span)
    totals = {"online": 0.0, "busy": 0.0, "connected": 0.0, "available": 0.0}
    for state, length in stretches.time_in_each().items():
        totals[state.status.value] += length
        if state.connected:
            totals["connected"] += length
        if state.is_available:
            totals["available"] += length
    return {
        "agent": agent, **span.to_wire(),
        "intervals": stretches.wire(("status", "connected"),
                                    lambda s: (s.status.value, s.connected)),
        "totals": {k: seconds(v) for k, v in totals.items()},
    }


# --- the gap alert -------------------------------------------------------------------------
GAP_ALERT_AFTER = 60.0  # seconds: the default of the account setting `gap_alert_after`


def gap_payload(widget: str, since: float, threshold: float) -> dict[str, Any]:
    """`coverage.gap`: the widget has been offline while open for `threshold` seconds."""
    return {"type": "coverage.gap", "widget": widget, "reason": Reason.TEAM_AWAY.value,
            "since": wire_time(since), "threshold": seconds(threshold)}


def gap_ended_payload(widget: str, since: float, until: float) -> dict[str, Any]:
    """`coverage.gap_ended`: the gap that was alerted is over."""
    return {"type": "coverage.gap_ended", "widget": widget, "reason": Reason.TEAM_AWAY.value,
            "since": wire_time(since), "until": wire_time(until),
            "duration": seconds(until - since)}
