"""What every use case may lean on: the settings, the store, the clock, background tasks, and
the store's health. Built once per process by the node (node.py) and handed to each use case
by name; nothing here knows a use case.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from frontdesk.config import Settings
from frontdesk.core.errors import StoreUnavailable
from frontdesk.metrics import Metrics
from frontdesk.store.base import Store

log = logging.getLogger("frontdesk.node")

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class StoreHealth:
    """Whether the store answered last time: an outage is logged once, not once per frame,
    and its end runs the recovery callbacks (registered by the node)."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self.ok = True
        self.down_since: float | None = None  # monotonic time of the failure that began it
        self._on_recovery: list[Callable[[], None]] = []

    def on_recovery(self, callback: Callable[[], None]) -> None:
        self._on_recovery.append(callback)

    def note_down(self, exc: BaseException) -> None:
        self._metrics.store_errors.inc()
        if self.ok:
            self.ok = False
            self.down_since = time.monotonic()
            log.error("store unreachable: %s", exc)

    def down_for(self) -> float:
        """Seconds the store has been failing (0 while it answers)."""
        return 0.0 if self.down_since is None else time.monotonic() - self.down_since

    def note_up(self) -> None:
        if not self.ok:
            self.ok = True
            self.down_since = None
            log.warning("store reachable again")
            for callback in self._on_recovery:
                callback()


class Tasks:
    """Owner of this process's background tasks: each is cancelled at stop, failures logged
    (a StoreUnavailable counts as an outage, not a bug)."""

    def __init__(self, health: StoreHealth) -> None:
        self._health = health
        self._tasks: set[asyncio.Task[Any]] = set()
        self._stopping = False

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        if self._stopping:
            coro.close()
            return
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    async def stop(self) -> None:
        """Refuse new tasks, cancel the running ones and wait for them."""
        self._stopping = True
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if isinstance(exc, StoreUnavailable):
            self._health.note_down(exc)
        elif exc is not None:
            log.error("background task %s failed", task.get_name(), exc_info=exc)


@dataclass(frozen=True, slots=True)
class Runtime:
    """The small shared context of one process (no use case, no hub, no sockets)."""

    settings: Settings
    store: Store
    clock: Clock
    tasks: Tasks
    health: StoreHealth
    metrics: Metrics

    def now(self) -> float:
        """Epoch seconds by the node's clock."""
        return self.clock().timestamp()
