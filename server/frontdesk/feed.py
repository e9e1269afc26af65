"""The push path, in one place: "something changed: publish once, deliver locally, remember
what was delivered, catch up a new socket".

Publishing. Use cases hand the feed what they computed:
- `publish_changed`: status payloads (agent.status, widget.status) that every process may
  compute at once; the store's compare-and-set (`publish_if_changed`) lets exactly one call
  publish each change, and tells that caller which subjects it won;
- `publish`: frames of a step only one process performed (a conversation started, assigned,
  queued or closed; a widget deleted), and the internal grace notice.

Subscribing. `subscribe(listener)` is for consumers that must see each change once across the
cluster (webhooks, a history): the listener is called, on the process that published it, with
every `Change` that process published: status pushes it won the compare-and-set for, and the
frames of the steps it performed. Processes that merely receive the event do not call it, and
a local resync never does. A status push is told with the number the store gave it as it
published it (`Push.order`, the webhook `seq`), since replies from the store may overtake each
other. Listeners run inline on the push path: they must not block (spawn or queue their work)
and their failures are logged, never passed on.

Receiving. `receive` is the store's event handler: every event of every process (this one's
included) about an account this process watches (`subscriptions.py`: the accounts it holds
sockets of) comes in here, is dispatched by type (exhaustively), delivered to this process's
sockets through the hub and recorded, so that a new socket's catch-up sends only what it has
not already been given.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any, assert_never

from frontdesk.core.errors import StoreUnavailable
from frontdesk.core.events import CloseWidget, Event, GraceStarted, Push, SettingsChanged
from frontdesk.hub import Hub
from frontdesk.metrics import Metrics
from frontdesk.runtime import Clock
from frontdesk.store.base import BusStore
from frontdesk.subscriptions import AccountSubscriptions

log = logging.getLogger("frontdesk.feed")

Change = Push | CloseWidget
"""What a subscriber is told about: a frame that went out, or a widget's sockets closed."""

ChangeListener = Callable[[Change], None]
EventListener = Callable[[Event], None]
GraceListener = Callable[[str, float], None]  # (account, until)
StatusListener = Callable[[str, dict[str, Any]], None]  # (account, widget.status payload)

STATUS_TYPES = ("agent.status", "widget.status")


def _status_key(account: str, payload: dict[str, Any]) -> tuple[str, str, str]:
    kind = payload["type"]
    return (account, kind, payload["agent"] if kind == "agent.status" else payload["widget"])


class Feed:
    def __init__(self, bus: BusStore, hub: Hub, clock: Clock, metrics: Metrics,
                 subscriptions: AccountSubscriptions | None = None) -> None:
        self._bus = bus
        self._subscriptions = subscriptions
        self._hub = hub
        self._clock = clock
        self._metrics = metrics
        self._subscribers: list[ChangeListener] = []
        self._grace_followers: list[GraceListener] = []
        self._status_followers: list[StatusListener] = []
        self._event_followers: list[EventListener] = []
        self._delivered: dict[tuple[str, str, str], tuple[int, dict[str, Any]]] = {}
        self.delivery_seq = 0  # counts status payloads delivered by this process
        self._account_seq: dict[str, int] = {}  # account -> delivery_seq of its last status

    # --- who is told -------------------------------------------------------------------------
    def subscribe(self, listener: ChangeListener) -> None:
        """Call `listener` with each change once across the cluster (see the module doc)."""
        self._subscribers.append(listener)

    def follow_graces(self, listener: GraceListener) -> None:
        """Call `listener` on this process for every grace any process started."""
        self._grace_followers.append(listener)

    def follow_widget_statuses(self, listener: StatusListener) -> None:
        """Call `listener` on this process for every widget.status it delivers."""
        self._status_followers.append(listener)

    def follow_events(self, listener: EventListener) -> None:
        """Call `listener` on this process with every event it hears, before it is delivered
        (the per-account view, view.py, keeps itself current with them)."""
        self._event_followers.append(listener)

    # --- publishing ----------------------------------------------------------------------------
    async def publish(self, event: Event) -> None:
        """Publish the outcome of a step this process performed (so it is told once)."""
        await self._bus.publish(event)
        if isinstance(event, Push | CloseWidget):
            self._tell(event)

    async def publish_changed(self, account: str, stamp: tuple[int, float],
                              items: Sequence[tuple[str, Push]]) -> int:
        """Publish each (subject, push) whose payload changed; returns how many went out."""
        won = await self._bus.publish_if_changed(account, stamp, items)
        if won and self._subscribers:
            for subject, push in items:
                if subject in won:
                    self._tell(replace(push, order=won[subject]))
        return len(won)

    async def forget(self, account: str, subject: str) -> None:
        """Forget a subject's last payload (a deleted widget), so a new one is published."""
        await self._bus.forget_subject(account, subject)

    def _tell(self, change: Change) -> None:
        for listener in self._subscribers:
            try:
                listener(change)
            except Exception:
                log.exception("feed subscriber failed")

    # --- receiving -----------------------------------------------------------------------------
    def receive(self, event: Event) -> None:
        """The store's handler: every process's events, this one's included."""
        for follower in self._event_followers:
            follower(event)
        if not isinstance(event, SettingsChanged):  # a notice to the view, not a socket event
            self._metrics.bus_events.inc()
        match event:
            case Push():
                self.deliver_locally(event)
            case CloseWidget():
                self._hub.close_widget(event.account, event.widget, event.code)
            case GraceStarted():
                for grace_listener in self._grace_followers:
                    grace_listener(event.account, event.until)
            case SettingsChanged():
                pass  # for the event followers only (the status change comes as a push)
            case _:
                assert_never(event)

    def deliver_locally(self, push: Push) -> None:
        """Write the push to this process's sockets and record it (no other process hears)."""
        written = self._hub.deliver(push)
        kind = push.kind
        if kind in STATUS_TYPES:
            self.delivery_seq += 1
            self._account_seq[push.account] = self.delivery_seq
            self._delivered[_status_key(push.account, push.payload)] = (
                self.delivery_seq, push.payload)
            if kind == "widget.status":
                for status_listener in self._status_followers:
                    status_listener(push.account, push.payload)
        if written:
            self._metrics.frames_out.inc(written)
            self._metrics.pushes.labels(kind).inc()
            if push.at:
                self._metrics.push_latency.observe(
                    max(0.0, self._clock().timestamp() - push.at))

    # --- the record of what was delivered --------------------------------------------------
    def last_delivered(self, account: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """The last agent.status or widget.status of the same subject this process delivered."""
        entry = self._delivered.get(_status_key(account, payload))
        return None if entry is None else entry[1]

    def delivered_since(self, seq: int, account: str, payload: dict[str, Any]) -> bool:
        """Whether exactly this payload was delivered here after `delivery_seq` was `seq`."""
        entry = self._delivered.get(_status_key(account, payload))
        return entry is not None and entry[0] > seq and entry[1] == payload

    def resync_locally(self, account: str, payloads: Sequence[dict[str, Any]]) -> None:
        """After an outage: deliver here each current status payload that differs from what
        this process last delivered (what it missed while the bus was down). Local only: the
        compare-and-set already holds these payloads, and their publisher told subscribers."""
        for payload in payloads:
            if self.last_delivered(account, payload) != payload:
                self.deliver_locally(Push(account, payload, widget=payload.get("widget"),
                                          all_agents=True))

    # --- catching up a new socket -------------------------------------------------------------
    async def prepare(self, account: str) -> None:
        """Before a new socket's welcome is read: make sure this process hears the account."""
        if self._subscriptions is not None:
            await self._subscriptions.prepare(account)

    def mark(self) -> tuple[int, float]:
        """Where the record stands now: taken before a welcome's first read (`quiet_since`)."""
        return self.delivery_seq, asyncio.get_running_loop().time()

    def quiet_since(self, account: str, mark: tuple[int, float]) -> bool:
        """Whether nothing of the account can have changed unseen since `mark`: this process
        heard the account from before the mark, and delivered no status of it since. Then a
        welcome read after the mark is current, and its catch-up needs no read: any change
        after the mark comes as an event, and reaches the socket through the hub once it has
        joined, or was recorded here before (and then this is False)."""
        seq, moment = mark
        if self._subscriptions is None or not self._subscriptions.heard_before(account, moment):
            return False
        return self._account_seq.get(account, 0) <= seq

    async def catch_up(self, account: str, sent: Sequence[dict[str, Any]],
                       read_now: Callable[[], Awaitable[list[dict[str, Any]]]],
                       ) -> list[dict[str, Any]]:
        """What a socket that just joined the hub must still be sent, once.

        `sent` is what its welcome held; `read_now` reads the current payloads. The socket is
        in the hub already, so whatever the hub delivers from here on reaches it: a payload
        delivered while we read is not sent again. A store outage here sends nothing more.
        """
        if self._subscriptions is not None:
            await self._subscriptions.ready(account)  # from here on, no event of it is missed
        seq = self.delivery_seq
        try:
            now = await read_now()
        except StoreUnavailable:
            return []
        missing = [payload for payload in now
                   if payload not in sent and not self.delivered_since(seq, account, payload)]
        self._note_welcomed(account, [*sent, *missing])
        return missing

    def _note_welcomed(self, account: str, payloads: Sequence[dict[str, Any]]) -> None:
        """A subject this process never delivered is, for its sockets, what their welcome
        said: record that, so a resync after an outage does not send it again."""
        for payload in payloads:
            if payload.get("type") in STATUS_TYPES:
                self._delivered.setdefault(_status_key(account, payload),
                                           (self.delivery_seq, payload))
