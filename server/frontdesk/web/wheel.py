"""Many deadlines on one loop timer: every socket's silence (contract: 4000 after the
presence TTL; web/session.py) and every hello's store step (web/admission.py).

A loop timer per deadline costs ~0.5 KiB with uvloop (its handle, the libuv timer, the bound
callback) and two libuv calls. Here deadlines wait in buckets of TICK seconds, keyed by when
they are due; one timer fires at the earliest bucket and calls `on_due` of each of its
items (a socket looks again: it closes, or comes back in a later bucket). A deadline is
thus kept at most TICK late, and costs one set entry.
"""

from __future__ import annotations

import asyncio
import logging
import math
from typing import Any, Protocol

log = logging.getLogger("frontdesk.ws")

TICK = 0.1


class Watched(Protocol):
    def on_due(self) -> None:
        """The deadline this item was added for has come (it may have moved since)."""


class Wheel:
    __slots__ = ("loop", "buckets", "timer", "timer_key")

    def __init__(self, loop: Any = None) -> None:
        self.loop = loop  # None: the running loop, at the first deadline
        self.buckets: dict[int, set[Watched]] = {}
        self.timer: Any = None
        self.timer_key = 0

    def time(self) -> float:
        if self.loop is None:
            self.loop = asyncio.get_running_loop()
        return float(self.loop.time())

    def add(self, watched: Watched, due: float) -> int:
        """Watch until `due` (loop time); returns the key that `discard` takes."""
        if self.loop is None:
            self.loop = asyncio.get_running_loop()
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
                        watched.on_due()
                    except Exception:  # one socket's failure must not spare the others
                        log.exception("a deadline's callback failed")
        finally:
            self.timer = None
            if self.buckets:
                self._schedule(max(min(self.buckets), now + 1))


class _Firing:
    def cancel(self) -> None:
        pass


FIRING = _Firing()
