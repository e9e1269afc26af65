"""The per-process composition root: builds the runtime, the hub, the feed and the use cases,
hands each the peers it needs by name, and owns their life (started and stopped by the app's
lifespan). Only web/ and demo.py import this module: a use case never sees the node.

    web/ -> use cases (widgets, presence, conversations, welcome) -> feed -> store / hub -> core

Events from the store's bus (this process's own included) come in through `feed.receive`.
"""

from __future__ import annotations

import logging
import secrets
import time

from frontdesk.account_metrics import AccountMetrics
from frontdesk.accounts import Accounts
from frontdesk.config import Settings
from frontdesk.conversations import Conversations
from frontdesk.core.errors import StoreUnavailable
from frontdesk.core.throttle import Throttle
from frontdesk.feed import Feed
from frontdesk.gaps import GapAlerts, account_threshold
from frontdesk.history import History
from frontdesk.hub import Hub
from frontdesk.inbox import Inbox
from frontdesk.metrics import Metrics
from frontdesk.presence import Presence
from frontdesk.reviews import Reviews
from frontdesk.runtime import Clock, Runtime, StoreHealth, Tasks, system_clock
from frontdesk.store.base import Store
from frontdesk.subscriptions import AccountSubscriptions
from frontdesk.view import AccountViews
from frontdesk.webhooks import Webhooks
from frontdesk.welcome import Welcome
from frontdesk.widgets import Widgets

log = logging.getLogger("frontdesk.node")

__all__ = ["Clock", "Node", "system_clock"]


class Node:
    def __init__(self, settings: Settings, store: Store, clock: Clock = system_clock,
                 node_id: str | None = None) -> None:
        self.id = node_id or secrets.token_hex(8)
        self.hub = Hub()
        self.metrics = Metrics(self.hub.counts)
        self.health = StoreHealth(self.metrics)
        self._probe_log = Throttle(10.0)  # /readyz is public: its failures log once per 10 s
        self.tasks = Tasks(self.health)
        self.runtime = Runtime(settings=settings, store=store, clock=clock, tasks=self.tasks,
                               health=self.health, metrics=self.metrics)
        # The bus carries only the accounts this process holds sockets of (and, for `linger`
        # after the last one closed, so reloads and close graces keep hearing them).
        self.subscriptions = AccountSubscriptions(
            store, linger=max(settings.presence_ttl, settings.close_grace + 1.0))
        self.hub.follow_accounts(self.subscriptions.hold, self.subscriptions.release)
        self.feed = Feed(store, self.hub, clock, self.metrics, self.subscriptions)
        # Settings and team of the accounts this process hears, kept by their events.
        self.views = AccountViews(snapshots=store, bus=store, healthy=lambda: self.health.ok)
        self.feed.follow_events(self.views.receive)
        self.subscriptions.follow_drops(self.views.forget)
        self.health.on_recovery(self.views.clear)
        self.widgets = Widgets(self.runtime, widgets=store, agents=store, feed=self.feed,
                               hub=self.hub, view=self.views)
        self.history = History(self.runtime, history=store, widgets=store, agents=store,
                               feed=self.feed)
        self.gaps = GapAlerts(self.runtime, self.history, store=store, feed=self.feed,
                              threshold=account_threshold(store))
        self.conversations = Conversations(self.runtime, conversations=store, upkeep=store,
                                           feed=self.feed, pages=store,
                                           moments=self.history.note)
        self.account_metrics = AccountMetrics(self.metrics.registry, self.hub, agents=store,
                                              conversations=store)
        self.inbox = Inbox(self.runtime, messages=store, widgets=store, feed=self.feed)
        self.presence = Presence(self.runtime, agents=store, feed=self.feed, hub=self.hub,
                                 widgets=self.widgets, conversations=self.conversations)
        self.reviews = Reviews(self.runtime, upkeep=store, widgets=self.widgets,
                               conversations=self.conversations)
        self.accounts = Accounts(accounts=store, reviews=self.reviews)
        self.webhooks = Webhooks(self.runtime, webhooks=store, feed=self.feed)
        self.welcome = Welcome(self.runtime, presence=self.presence, widgets=self.widgets,
                               conversations=self.conversations, feed=self.feed,
                               inbox=self.inbox)
        # What this process does when other processes' events arrive, or the store returns.
        self.feed.follow_graces(self.presence.arm_grace)
        self.feed.follow_widget_statuses(self.widgets.arm_from_payload)
        # Deadlines of issue 15 move with presence, statuses, settings and the queue.
        self.widgets.follow_refreshes(self.reviews.poke)
        self.conversations.follow_queueing(self.reviews.poke)
        self.health.on_recovery(
            lambda: self.tasks.spawn(self.presence.reregister(), "reregister"))

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @property
    def store(self) -> Store:
        return self.runtime.store

    @property
    def clock(self) -> Clock:
        return self.runtime.clock

    # --- life -------------------------------------------------------------------------------
    async def start(self) -> None:
        await self.store.open(self.feed.receive, on_reconnect=self._store_returned)
        self.history.start()
        self.tasks.spawn(self.presence.keep_alive(), "liveness")
        self.tasks.spawn(self.reviews.keep_watch(), "deadlines")
        await self.webhooks.start()

    async def stop(self) -> None:
        self.widgets.disarm_all()
        self.presence.disarm_all()
        self.conversations.stop_watching()
        self.gaps.stop()
        self.subscriptions.stop()
        self.reviews.disarm_all()
        await self.tasks.stop()
        await self.webhooks.stop()  # after the tasks: their last changes still become events
        try:
            await self.presence.retire()
        except StoreUnavailable:
            log.warning("store unreachable at shutdown; other processes will sweep this one")
        await self.history.flush()
        await self.store.close()

    # --- store health -----------------------------------------------------------------------
    def note_store_down(self, exc: BaseException) -> None:
        """Log an outage once, not once per frame."""
        self.health.note_down(exc)

    def note_store_up(self) -> None:
        self.health.note_up()

    async def is_ready(self) -> bool:
        """Whether the store answers now (the readiness probe)."""
        try:
            await self.store.ping()
        except StoreUnavailable as exc:
            self.health.note_down(exc)
            return False
        except Exception as exc:  # the probe answers 200 or 503; a surprise is "not ready"
            held = self._probe_log.allow(time.monotonic())
            if held is not None:
                log.warning("readiness probe failed (%d more held back): %r", held, exc)
            return False
        self.health.note_up()
        return True

    async def _store_returned(self) -> None:
        """The bus came back (events in the gap are lost): count again and push."""
        self.health.ok = False
        self.health.note_up()
