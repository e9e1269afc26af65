"""The per-process coordinator: owns the store, the hub, the clock and every background task.

Started and stopped by the app's lifespan. Events from the store's bus (this process's own
included) come in through `on_event` and go out through the hub.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from frontdesk.config import Settings
from frontdesk.conversations import Conversations
from frontdesk.core.errors import StoreUnavailable
from frontdesk.core.events import Event
from frontdesk.hub import Hub
from frontdesk.metrics import Metrics
from frontdesk.presence import GRACE_TYPE, Presence
from frontdesk.store.base import Store
from frontdesk.widgets import Widgets

log = logging.getLogger("frontdesk.node")

Clock = Callable[[], datetime]
STATUS_TYPES = ("agent.status", "widget.status")


def _status_key(account: str, payload: dict[str, Any]) -> tuple[str, str, str]:
    kind = payload["type"]
    return (account, kind, payload["agent"] if kind == "agent.status" else payload["widget"])


def system_clock() -> datetime:
    return datetime.now(UTC)


class Node:
    def __init__(self, settings: Settings, store: Store, clock: Clock = system_clock,
                 node_id: str | None = None) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.id = node_id or secrets.token_hex(8)
        self.hub = Hub()
        self.metrics = Metrics(self.hub.counts)
        self.widgets = Widgets(self)
        self.presence = Presence(self)
        self.conversations = Conversations(self)
        self.store_ok = True
        self._delivered: dict[tuple[str, str, str], tuple[int, dict[str, Any]]] = {}
        self.delivery_seq = 0  # counts status payloads delivered by this process
        self._tasks: set[asyncio.Task[Any]] = set()
        self._stopping = False

    # --- life -------------------------------------------------------------------------------
    async def start(self) -> None:
        await self.store.open(self.on_event, on_reconnect=self._store_returned)
        self.spawn(self._liveness_loop(), "liveness")

    async def stop(self) -> None:
        self._stopping = True
        self.widgets.disarm_all()
        self.presence.disarm_all()
        self.conversations.stop_watching()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        try:
            for account in await self.store.retire_node():  # connections no session ended
                await self.widgets.refresh_account(account)
        except StoreUnavailable:
            log.warning("store unreachable at shutdown; other processes will sweep this one")
        await self.store.close()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        """Run a background task this node owns: cancelled at stop, failures logged."""
        if self._stopping:
            coro.close()
            return
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if isinstance(exc, StoreUnavailable):
            self.note_store_down(exc)
        elif exc is not None:
            log.error("background task %s failed", task.get_name(), exc_info=exc)

    # --- events -------------------------------------------------------------------------------
    def on_event(self, event: Event) -> None:
        written = self.hub.deliver(event)
        kind = event.payload.get("type", "")
        if kind in STATUS_TYPES:
            self.delivery_seq += 1
            self._delivered[_status_key(event.account, event.payload)] = (
                self.delivery_seq, event.payload)
        elif kind == GRACE_TYPE:
            self.presence.arm_grace(event.account, float(event.payload["until"]))
        if kind == "widget.status":
            self.widgets.arm_from_payload(event.account, event.payload)
        if written:
            self.metrics.frames_out.inc(written)
            self.metrics.pushes.labels(kind).inc()
            if event.at:
                self.metrics.push_latency.observe(max(0.0, self.clock().timestamp() - event.at))

    def last_delivered(self, account: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """The last agent.status or widget.status of the same subject this process delivered."""
        entry = self._delivered.get(_status_key(account, payload))
        return None if entry is None else entry[1]

    def delivered_since(self, seq: int, account: str, payload: dict[str, Any]) -> bool:
        """Whether exactly this payload was delivered here after `delivery_seq` was `seq`."""
        entry = self._delivered.get(_status_key(account, payload))
        return entry is not None and entry[0] > seq and entry[1] == payload

    # --- store health ---------------------------------------------------------------------------
    def note_store_down(self, exc: BaseException) -> None:
        """Log an outage once, not once per frame."""
        self.metrics.store_errors.inc()
        if self.store_ok:
            self.store_ok = False
            log.error("store unreachable: %s", exc)

    def note_store_up(self) -> None:
        if not self.store_ok:
            self.store_ok = True
            log.warning("store reachable again")
            self.spawn(self.presence.reregister(), "reregister")

    async def _store_returned(self) -> None:
        self.store_ok = False
        self.note_store_up()

    async def _liveness_loop(self) -> None:
        """Renew this process's liveness, sweep dead processes and ended graces."""
        ttl = self.settings.presence_ttl
        interval = min(1.0, ttl / 3)
        while True:
            try:
                now = self.clock().timestamp()
                await self.store.renew_node(now, ttl)
                for account in await self.store.sweep_nodes(now):
                    await self.widgets.refresh_account(account)
                for account, until in await self.store.accounts_in_grace():
                    self.presence.arm_grace(account, until)
                self.note_store_up()
            except StoreUnavailable as exc:
                self.note_store_down(exc)
            await asyncio.sleep(interval)
