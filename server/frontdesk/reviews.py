"""Use case: act on the deadlines of issue 15 (auto-away, reassignment, queue expiry).

Everything a deadline depends on lives in the store, and so does an index of when each
account is next due. An account is reviewed (one atomic store step, `review_account`):
- soon after anything that may move its deadlines: a presence or status change (every one
  goes through the widgets' refresh, which pokes this), an `activity` frame, a start that
  queued, new account or widget settings;
- at its next deadline, by a timer this process arms for that instant;
- when the shared index says it is due, by a poll every POLL_INTERVAL on every process, so a
  deadline armed by a process that died or restarted is kept (within 1 s).
Two processes reviewing the same account at once act once: the store step decides.
"""

from __future__ import annotations

import asyncio
import logging

from frontdesk.conversations import Conversations
from frontdesk.core.errors import StoreUnavailable
from frontdesk.core.model import RevokeReason
from frontdesk.runtime import Runtime
from frontdesk.store.base import Review, UpkeepStore
from frontdesk.widgets import Widgets

log = logging.getLogger("frontdesk.reviews")

POLL_INTERVAL = 0.5  # seconds between looks at the shared index (deadlines kept within 1 s)
TIMER_SLACK = 0.002  # fire just after the deadline, never just before it


class Reviews:
    def __init__(self, runtime: Runtime, upkeep: UpkeepStore, widgets: Widgets,
                 conversations: Conversations) -> None:
        self._runtime = runtime
        self._store = upkeep
        self._widgets = widgets
        self._conversations = conversations
        self._running: set[str] = set()  # accounts with a review task on this process
        self._again: set[str] = set()  # ... poked again while it ran
        self._timers: dict[str, tuple[float, asyncio.TimerHandle]] = {}

    # --- what starts a review ------------------------------------------------------------------
    def poke(self, account: str) -> None:
        """Something in the account changed: review it soon (coalesced per account)."""
        if account in self._running:
            self._again.add(account)
            return
        self._running.add(account)
        self._runtime.tasks.spawn(self._review_until_quiet(account), f"review {account}")

    async def note_activity(self, account: str, agent: str, connection: str,
                            idle_since: float | None) -> None:
        """A connection went idle (its idle start) or active again (None)."""
        await self._store.set_connection_idle(account, agent, connection, idle_since)
        self.poke(account)

    async def keep_watch(self) -> None:
        """Review every account the shared index says is due (a task the node owns)."""
        health = self._runtime.health
        while True:
            try:
                for account in await self._store.due_accounts(self._runtime.now()):
                    self.poke(account)
                health.note_up()
            except StoreUnavailable as exc:
                health.note_down(exc)
            await asyncio.sleep(POLL_INTERVAL)

    # --- the review ------------------------------------------------------------------------------
    async def _review_until_quiet(self, account: str) -> None:
        try:
            while True:
                self._again.discard(account)
                await self.review(account)
                if account not in self._again:
                    return
        finally:
            self._running.discard(account)
            self._again.discard(account)

    async def review(self, account: str) -> Review:
        """Act on what is due now, announce it, and keep the account's next deadline."""
        seen = await self._store.due_score(account)
        review = await self._store.review_account(account, self._runtime.now())
        await self._announce(account, review)
        if seen is not None or review.next_due is not None:  # else nothing to keep
            await self._store.settle_review(account, seen, review.next_due)
        if review.next_due is not None:
            self._arm(account, review.next_due)
        return review

    async def _announce(self, account: str, review: Review) -> None:
        if review.away:
            await self._widgets.refresh_account(account)  # agent.status, reason idle
        for reassignment in review.reassigned:
            await self._conversations.announce_reassignment(
                reassignment, RevokeReason.AGENT_UNAVAILABLE)
        for conversation in review.expired:
            await self._conversations.announce_expired(conversation)
        await self._conversations.announce_queue(account, review.queue)

    # --- this process's timers ---------------------------------------------------------------
    def _arm(self, account: str, at: float) -> None:
        current = self._timers.get(account)
        if current is not None and current[0] <= at:
            return
        if current is not None:
            current[1].cancel()
        delay = max(0.0, at - self._runtime.now()) + TIMER_SLACK
        handle = asyncio.get_running_loop().call_later(delay, self._deadline_reached, account)
        self._timers[account] = (at, handle)

    def _deadline_reached(self, account: str) -> None:
        self._timers.pop(account, None)
        self.poke(account)

    def disarm_all(self) -> None:
        for _, handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
