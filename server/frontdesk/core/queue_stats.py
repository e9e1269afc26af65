"""Queue statistics from the recorded moments of conversations (contract: Coverage).

Pure: the moments and the range are passed in. A conversation counts when it started inside
the range; what happened to it afterwards (assignment, closing) counts whenever it happened,
so a report on last week still says how long last week's visitors waited.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from frontdesk.core.coverage import Range, seconds


class Moment(StrEnum):
    """What happened to a conversation; the history records one of these with its time."""

    STARTED = "started"  # started and assigned at once
    STARTED_QUEUED = "started_queued"  # started and queued
    REJECTED = "rejected"  # a start refused (queue full): never a conversation
    QUEUED = "queued"  # queued again (taken from its agents, nobody could take it)
    ASSIGNED = "assigned"  # given to agents after a start (from the queue, or reassigned)
    CLOSED = "closed"


# Within one instant: conversations that were there before leave first (so one leaving as
# another arrives never counts both in the queue), then starts, queueing again, and the
# assignment and close of a conversation that started in that very instant.
_LEAVING_FIRST = 0
_ORDER = {Moment.STARTED: 1, Moment.STARTED_QUEUED: 1, Moment.REJECTED: 1, Moment.QUEUED: 2,
          Moment.ASSIGNED: 3, Moment.CLOSED: 4}
_LEAVING = (Moment.ASSIGNED, Moment.CLOSED)


@dataclass(frozen=True, slots=True)
class ConversationMoment:
    at: float
    conversation: str
    moment: Moment


@dataclass(slots=True)
class _Life:
    started: float | None = None
    queued_at_start: bool = False
    first_assigned: float | None = None
    closed_while_queued: bool = False
    in_queue: bool = False
    closed: bool = False


def nearest_rank(sorted_values: Sequence[float], percent: int) -> float | None:
    """The nearest-rank percentile: the smallest value with `percent` % at or below it.

    Whole-number arithmetic, so 90 % of 10 values is rank 9, not 10 by a float's rounding.
    """
    if not sorted_values:
        return None
    rank = max(1, -(-percent * len(sorted_values) // 100))
    return sorted_values[rank - 1]


def _rounded(value: float | None) -> float | int | None:
    return None if value is None else seconds(value)


def queue_stats(moments: Iterable[ConversationMoment], span: Range) -> dict[str, Any]:
    """The body of GET /api/v1/accounts/{account}/queue/stats.

    Contract: `started` counts starts not rejected; `queued` those queued at their start;
    `assigned` those ever assigned; `closed_while_queued` those closed while queued, for any
    reason; `time_to_assign` from start to first assignment (nearest rank); `max_depth` the
    deepest the queue was in the range, its depth at `from` included. Beyond the contract:
    `rejected`, the starts refused in the range.
    """
    lives: dict[str, _Life] = {}
    queue: set[str] = set()
    depth_at_start: int | None = None
    max_depth = 0
    rejected = 0
    moments = list(moments)
    started_at: dict[str, float] = {}
    for m in moments:
        if m.moment in (Moment.STARTED, Moment.STARTED_QUEUED):
            started_at.setdefault(m.conversation, m.at)

    def order(m: ConversationMoment) -> tuple[float, int]:
        if m.moment in _LEAVING and started_at.get(m.conversation, m.at) < m.at:
            return (m.at, _LEAVING_FIRST)
        return (m.at, _ORDER[m.moment])

    for m in sorted(moments, key=order):
        if depth_at_start is None and m.at > span.start:
            depth_at_start = max_depth = len(queue)
        if m.moment is Moment.REJECTED:
            rejected += span.start <= m.at <= span.end
            continue
        life = lives.setdefault(m.conversation, _Life())
        if life.closed:
            continue
        if m.moment in (Moment.STARTED, Moment.STARTED_QUEUED):
            life.started = m.at
            life.queued_at_start = m.moment is Moment.STARTED_QUEUED
            if life.queued_at_start:
                queue.add(m.conversation)
            elif life.first_assigned is None:
                life.first_assigned = m.at
        elif m.moment is Moment.QUEUED:
            queue.add(m.conversation)
        elif m.moment is Moment.ASSIGNED:
            queue.discard(m.conversation)
            if life.first_assigned is None:
                life.first_assigned = m.at
        elif m.moment is Moment.CLOSED:
            life.closed = True
            life.closed_while_queued = m.conversation in queue
            queue.discard(m.conversation)
        if depth_at_start is not None and m.at <= span.end:
            max_depth = max(max_depth, len(queue))
    if depth_at_start is None:  # nothing happened after `from`
        max_depth = len(queue)
    started = [life for life in lives.values()
               if life.started is not None and span.start <= life.started <= span.end]
    waits = sorted(life.first_assigned - life.started for life in started
                   if life.first_assigned is not None and life.started is not None)
    return {
        **span.to_wire(),
        "started": len(started),
        "assigned": len(waits),
        "queued": sum(life.queued_at_start for life in started),
        "closed_while_queued": sum(life.closed_while_queued for life in started),
        "time_to_assign": {
            "p50": _rounded(nearest_rank(waits, 50)),
            "p90": _rounded(nearest_rank(waits, 90)),
            "max": _rounded(waits[-1] if waits else None),
        },
        "max_depth": max_depth,
        "rejected": rejected,
    }
