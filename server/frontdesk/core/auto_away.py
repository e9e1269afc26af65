"""Auto-away (contract: Agents: auto-away): when an idle agent is due to be set busy.

Pure: the store keeps, per live connection, when it went idle (or nothing: active), and
asks these functions. The Redis store's auto_away.lua mirrors `away_deadline`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from frontdesk.core.model import AgentStatus


def idle_since_after(current: float | None, frame: dict[str, Any], now: float) -> float | None:
    """A connection's idle start after it sent `frame` (contract: precise rules, Agents).

    The first `activity` with `idle: true` starts it (repeating it does not restart it); a
    `ping` leaves it as it is; any other frame ends it (None: active).
    """
    kind = frame.get("type")
    if kind == "ping":
        return current
    if kind == "activity" and frame.get("idle") is True:
        return now if current is None else current
    return None


def away_deadline(status: AgentStatus, idle_since: Iterable[float | None],
                  auto_away_after: float) -> float | None:
    """When the agent is to be set busy: the last live connection's idle start plus the delay.

    `idle_since` has one entry per live connection (not those in their close grace), None for
    an active one. None (never) when auto-away is off, the agent is not online, has no live
    connection, or any live connection is active.
    """
    if auto_away_after <= 0 or status is not AgentStatus.ONLINE:
        return None
    latest: float | None = None
    for since in idle_since:
        if since is None:
            return None
        latest = since if latest is None else max(latest, since)
    return None if latest is None else latest + auto_away_after


def is_away_due(status: AgentStatus, idle_since: Iterable[float | None],
                auto_away_after: float, now: float) -> bool:
    deadline = away_deadline(status, idle_since, auto_away_after)
    return deadline is not None and deadline <= now
