"""An honest queue (contract: An honest queue): the estimate, when to re-push it, the limits.

Pure; the Redis store's queue.lua mirrors `estimated_wait`, `should_push` and
`is_queue_full` (the store contract suite holds both stores to the same numbers).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

HISTORY_SIZE = 20
"""The estimate reads the account's last 20 assignments from the queue ..."""
HISTORY_WINDOW = 3600.0
""".. of the last hour."""
REPUSH_THRESHOLD = 15
"""Seconds the estimate must move (against the last value pushed) to be pushed again."""


@dataclass(frozen=True, slots=True)
class QueueAssignment:
    """One assignment of a conversation that waited in the queue: when, and how long it waited."""

    at: float
    waited: float


def remember_assignment(history: Sequence[QueueAssignment],
                        assignment: QueueAssignment) -> tuple[QueueAssignment, ...]:
    """The history with `assignment` added, keeping only the last HISTORY_SIZE, oldest first."""
    return (*history, assignment)[-HISTORY_SIZE:]


def mean_gap(history: Sequence[QueueAssignment], now: float) -> float | None:
    """Mean seconds between the recent assignments from the queue, or None when none is recent.

    Recent: among the last HISTORY_SIZE, those within HISTORY_WINDOW of `now`. With a single
    one, the gap is that conversation's wait (contract: precise rules, Queue).
    """
    recent = [a for a in history[-HISTORY_SIZE:] if a.at > now - HISTORY_WINDOW]
    if not recent:
        return None
    if len(recent) == 1:
        return recent[0].waited
    return (recent[-1].at - recent[0].at) / (len(recent) - 1)


def estimated_wait(position: int, gap: float | None) -> int | None:
    """Whole seconds (rounded half up): the position times the mean gap; None without a gap."""
    if gap is None:
        return None
    return math.floor(position * gap + 0.5)


def should_push(last_position: int | None, last_estimate: int | None, position: int,
                estimate: int | None) -> bool:
    """A queued frame goes out again on a new position, a move of 15 s or more against the
    last value pushed, or a change between null and a number."""
    if position != last_position:
        return True
    if last_estimate is None or estimate is None:
        return (last_estimate is None) != (estimate is None)
    return abs(estimate - last_estimate) >= REPUSH_THRESHOLD


def is_queue_full(queue_length: int, max_queue: int) -> bool:
    """A start that would be queued behind `max_queue` others is refused (0 = no limit)."""
    return max_queue > 0 and queue_length >= max_queue


def expiry_deadline(queued_at: float, max_queue_wait: float) -> float | None:
    """When a queued conversation is closed as expired; None without a limit."""
    return None if max_queue_wait <= 0 else queued_at + max_queue_wait
