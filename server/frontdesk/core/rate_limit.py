"""Sliding-window rate limits (a log of hit times), decided here and stored by the store.

`decide` says whether one more hit fits `limit` hits within `window` seconds, and if not how
long until it would (the `Retry-After`). The Redis store runs the same rule in Lua
(store/lua/offline_message.lua) so that every process counts against one log.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limit:
    limit: int
    window: float  # seconds


def recent(hits: Sequence[float], now: float, window: float) -> list[float]:
    """The hits still inside the window ending at `now` (older ones no longer count)."""
    return [t for t in hits if t > now - window]


def retry_after(hits: Sequence[float], now: float, rule: Limit) -> int:
    """0 when one more hit is allowed now; else whole seconds (at least 1) until it is."""
    inside = sorted(recent(hits, now, rule.window))
    if len(inside) < rule.limit:
        return 0
    # The hit that must leave the window for one more to fit.
    frees_at = inside[len(inside) - rule.limit] + rule.window
    return max(1, math.ceil(frees_at - now))
