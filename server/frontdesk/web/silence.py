"""Every socket's silence deadline (contract: 4000 after the presence TTL) on one loop timer.

A timer per socket costs ~0.5 KiB with uvloop (its handle, the libuv timer, the bound
callback) and a libuv call per connection. Here sockets wait in buckets of TICK seconds,
keyed by when they are due; one timer fires at the earliest bucket and asks each of its
sockets to look again (`Watched.silence_due`: close, or come back in a later bucket). A
deadline is thus kept at most TICK late, and a socket costs one set entry.
"""

from __future__ import annotations

import logging
import math
from typing import Any, Protocol

log = logging.getLogger("frontdesk.ws")

TICK = 0.1


class Watched(Protocol):
    def silence_due(self) -> None:
        """The deadline this socket was added for has come (it may have moved since)."""


class SilenceWatch:
    __slots__ = ("loop", "buckets", "timer", "timer_key")

    def __init__(self, loop: Any) -> None:
        self.loop = loop
        self.buckets: dict[int, set[Watched]] = {}
        self.timer: Any = None
        self.timer_key = 0

    def add(self, watched: Watched, due: float) -> int:
        """Watch until `due` (loop time); returns the key that `discard` takes."""
        key = math.ceil(due / TICK)
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = set()
        bucket.add(watched)
        if self.timer is None or key < self.timer_key:
            self._schedule(key)
        return key

    def discard(self, watched: Watched, key: int) -> None:
        bucket = self.buckets.get(key)
        if bucket is not None:
            bucket.discard(watched)
            if not bucket:
                del self.buckets[key]

    def _schedule(self, key: int) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.timer_key = key
        self.timer = self.loop.call_at(key * TICK, self._fire)

    def _fire(self) -> None:
        self.timer, self.timer_key = FIRING, -1  # `add` schedules nothing meanwhile
        # a timer may run a little before its time: what is due within 1 ms counts as due
        now = math.floor((self.loop.time() + 0.001) / TICK)
        try:
            for key in sorted(key for key in self.buckets if key <= now):
                for watched in self.buckets.pop(key, ()):
                    try:
                        watched.silence_due()
                    except Exception:  # one socket's failure must not spare the others
                        log.exception("watching a socket's silence failed")
        finally:
            self.timer = None
            if self.buckets:
                self._schedule(max(min(self.buckets), now + 1))


class _Firing:
    def cancel(self) -> None:
        pass


FIRING = _Firing()
