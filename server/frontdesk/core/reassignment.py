"""Reassignment (contract: Agents: reassignment): when a conversation's agents lost it.

Pure: the store keeps when each agent became unavailable (busy, or not connected after the
close grace) and when each conversation was last assigned; the Redis store's reassign.lua
mirrors `reassign_deadline`.
"""

from __future__ import annotations

from collections.abc import Sequence


def reassign_deadline(unavailable_since: Sequence[float | None], assigned_at: float,
                      reassign_after: float) -> float | None:
    """When the conversation is taken from its agents, or None (never, as things stand).

    `unavailable_since` has one entry per agent of the conversation, None for an available
    one. Unavailability counts from when it began, but not before the latest assignment
    (contract: precise rules, Agents).
    """
    if reassign_after <= 0 or not unavailable_since:
        return None
    latest = assigned_at
    for since in unavailable_since:
        if since is None:
            return None
        latest = max(latest, since)
    return latest + reassign_after


def is_reassign_due(unavailable_since: Sequence[float | None], assigned_at: float,
                    reassign_after: float, now: float) -> bool:
    deadline = reassign_deadline(unavailable_since, assigned_at, reassign_after)
    return deadline is not None and deadline <= now
