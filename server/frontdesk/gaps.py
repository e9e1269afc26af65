"""Use case: the `coverage.gap` alert (issue 14): a widget offline while open for longer than
the account's `gap_alert_after` (seconds, default 60, 0 = off), and `coverage.gap_ended` when
it comes back; each once per gap across processes.

The history tells this module each widget change it recorded, on the one process that
recorded it. A gap's start arms a timer there; when it fires and the history still says the
same gap goes on, the alert is published through the feed (to every agent socket of the
account, and to webhooks, which subscribe to the feed). A gap's end is told to whichever
process recorded it: `gap_ended` goes out when the gap lasted at least the threshold, the
same rule the timer followed, so no process needs to know what another one sent. If the
process holding the timer dies during the gap, that gap's alert is lost, though its end is
still announced (README, "Coverage").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from frontdesk.core.coverage import GAP_ALERT_AFTER, gap_ended_payload, gap_payload
from frontdesk.core.events import Push
from frontdesk.feed import Feed
from frontdesk.history import GAP, History
from frontdesk.runtime import Runtime
from frontdesk.store.base import AccountStore, HistoryStore, Recorded
from frontdesk.widgets import widget_subject

log = logging.getLogger("frontdesk.gaps")

Threshold = Callable[[str], Awaitable[float]]
"""The account's `gap_alert_after` in seconds (0 = off)."""


async def default_threshold(account: str) -> float:
    return GAP_ALERT_AFTER


def account_threshold(accounts: AccountStore) -> Threshold:
    """The account setting `gap_alert_after` (its default when the account set none)."""
    async def read(account: str) -> float:
        return (await accounts.get_account_settings(account)).gap_alert_after
    return read


class GapAlerts:
    def __init__(self, runtime: Runtime, history: History, store: HistoryStore, feed: Feed,
                 threshold: Threshold = default_threshold) -> None:
        self._runtime = runtime
        self._store = store
        self._feed = feed
        self.threshold = threshold
        self._timers: dict[tuple[str, str], asyncio.TimerHandle] = {}
        history.follow_gaps(self._recorded)

    def stop(self) -> None:
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()

    def _recorded(self, account: str, widget: str, at: float, state: str,
                  recorded: Recorded) -> None:
        """History listener: a widget change this process recorded."""
        key = (account, widget)
        old = self._timers.pop(key, None)
        if old is not None:
            old.cancel()
        if state == GAP:
            self._runtime.tasks.spawn(self._arm(account, widget, at), f"gap {widget}")
        elif recorded.previous_state == GAP and recorded.previous_at is not None:
            self._runtime.tasks.spawn(
                self._ended(account, widget, recorded.previous_at, at), f"gap end {widget}")

    async def _arm(self, account: str, widget: str, since: float) -> None:
        threshold = await self.threshold(account)
        if threshold <= 0:
            return
        delay = max(0.0, since + threshold - self._runtime.now())
        key = (account, widget)
        self._timers[key] = asyncio.get_running_loop().call_later(
            delay, lambda: self._runtime.tasks.spawn(
                self._due(account, widget, since, threshold), f"gap alert {widget}"))

    async def _due(self, account: str, widget: str, since: float, threshold: float) -> None:
        self._timers.pop((account, widget), None)
        now = self._runtime.now()
        times, states = await self._store.state_history(account, widget_subject(widget), now, now)
        if not times or states[-1] != GAP or abs(times[-1] - since) > 0.001:
            return  # the gap ended (or another one began) meanwhile
        await self._feed.publish(Push(account, gap_payload(widget, since, threshold),
                                      all_agents=True, at=now))

    async def _ended(self, account: str, widget: str, since: float, until: float) -> None:
        threshold = await self.threshold(account)
        if threshold <= 0 or until - since < threshold:
            return
        await self._feed.publish(Push(account, gap_ended_payload(widget, since, until),
                                      all_agents=True, at=self._runtime.now()))
