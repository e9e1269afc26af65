"""A log line per interval, not per event: what anyone on the network can cause (a bad
frame, a stalled handshake) must not be able to flood the log."""

from __future__ import annotations


class Throttle:
    """Allows one event per `interval` seconds and counts the ones it held back."""

    __slots__ = ("interval", "_next", "_held")

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._next = float("-inf")
        self._held = 0

    def allow(self, now: float) -> int | None:
        """None when this event should stay quiet; otherwise how many were held back
        since the last one allowed (to say so in the line that goes out)."""
        if now < self._next:
            self._held += 1
            return None
        held, self._held = self._held, 0
        self._next = now + self.interval
        return held
