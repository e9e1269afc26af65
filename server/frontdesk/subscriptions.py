"""Which accounts this process hears: those it holds a socket of, and for a while after.

The hub says when an account's first socket joins this process (`hold`) and when its last one
leaves (`release`). Holding watches the account on the store's bus at once; releasing
unwatches it only `linger` seconds later, and a socket of the account arriving meanwhile
keeps the subscription: a page reload (close, then reopen within a second or two) costs no
unsubscribe and subscribe, and a burst of reloads no storm. The node sets `linger` to the
presence TTL (at least the close grace plus a second), so the process that closed an
agent's last socket still hears the account while that connection's grace runs.

A new socket's welcome is read after `prepare(account)` has made the subscription: from then
on the bus delivers every event of the account, so neither the welcome's snapshot nor the
catch-up that follows it can miss one, and this process's record of what it delivered (which
resyncs compare against) is complete.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from frontdesk.core.errors import StoreUnavailable
from frontdesk.store.base import BusStore

log = logging.getLogger("frontdesk.subscriptions")


class AccountSubscriptions:
    def __init__(self, bus: BusStore, linger: float) -> None:
        self._bus = bus
        self._linger = linger
        self._holders: set[str] = set()  # accounts with a socket here now
        self._watching: dict[str, asyncio.Task[None]] = {}  # account -> its watch
        self._unwatching: dict[str, asyncio.Task[None]] = {}  # account -> its unwatch
        self._lingering: dict[str, asyncio.TimerHandle] = {}  # account -> its unwatch timer
        self._heard_from: dict[str, float] = {}  # account -> loop time its watch was made
        self._drop_followers: list[Callable[[str], None]] = []

    def follow_drops(self, listener: Callable[[str], None]) -> None:
        """Call `listener(account)` when this process stops hearing the account (what it
        kept of the account from its events can no longer be trusted: view.py)."""
        self._drop_followers.append(listener)

    def watched(self) -> set[str]:
        """Accounts subscribed (or being subscribed) now."""
        return set(self._watching)

    def hold(self, account: str) -> None:
        """The account's first socket joined this process: hear the account from now on."""
        self._holders.add(account)
        timer = self._lingering.pop(account, None)
        if timer is not None:
            timer.cancel()
        if account not in self._watching:
            task = asyncio.get_running_loop().create_task(
                self._watch(account), name=f"frontdesk watch {account}")
            task.add_done_callback(_retrieve)
            self._watching[account] = task

    def release(self, account: str) -> None:
        """The account's last socket left this process: stop hearing it after `linger`."""
        self._holders.discard(account)
        if account in self._watching and account not in self._lingering:
            self._lingering[account] = asyncio.get_running_loop().call_later(
                self._linger, self._drop, account)

    async def prepare(self, account: str) -> None:
        """Hear the account before a new socket's welcome is read, so that every change after
        that snapshot reaches this process (and its record of what it delivered). Not a hold:
        unless the socket joins the hub, the subscription ends after `linger`."""
        if account not in self._holders:
            self.hold(account)
            self.release(account)
        await self.ready(account)

    def heard_before(self, account: str, moment: float) -> bool:
        """Whether the account's subscription was made before `moment` (loop time) and not
        dropped since (a lost connection is the bus's: it resyncs every socket when back)."""
        since = self._heard_from.get(account)
        return since is not None and since < moment and account in self._watching

    async def ready(self, account: str) -> None:
        """Return once the account's subscription is made (at once if it failed: the bus
        makes it again when the store returns, and then resyncs every socket)."""
        task = self._watching.get(account)
        if task is None:
            return
        if task.done() and not task.cancelled():  # every hello asks: no await once made
            failure = task.exception()
            if failure is None or isinstance(failure, StoreUnavailable):
                return
            raise failure
        with contextlib.suppress(StoreUnavailable):
            await asyncio.shield(task)

    def stop(self) -> None:
        """Cancel the timers (the store's close drops the subscriptions themselves)."""
        for timer in self._lingering.values():
            timer.cancel()
        self._lingering.clear()

    async def _watch(self, account: str) -> None:
        unwatching = self._unwatching.get(account)
        if unwatching is not None:  # an unwatch still on its way must not land after us
            with contextlib.suppress(Exception):
                await asyncio.shield(unwatching)
        await self._bus.watch(account)
        if self._watching.get(account) is asyncio.current_task():
            self._heard_from[account] = asyncio.get_running_loop().time()

    def _drop(self, account: str) -> None:
        self._lingering.pop(account, None)
        if account in self._holders:
            return
        watching = self._watching.pop(account, None)
        self._heard_from.pop(account, None)
        for listener in self._drop_followers:
            listener(account)
        task = asyncio.get_running_loop().create_task(
            self._unwatch(account, watching), name=f"frontdesk unwatch {account}")
        task.add_done_callback(_retrieve)
        self._unwatching[account] = task

    async def _unwatch(self, account: str, watching: asyncio.Task[None] | None) -> None:
        try:
            if watching is not None:
                with contextlib.suppress(Exception):
                    await asyncio.shield(watching)
            await self._bus.unwatch(account)
        finally:
            if self._unwatching.get(account) is asyncio.current_task():
                del self._unwatching[account]


def _retrieve(task: asyncio.Task[None]) -> None:
    """Consume a finished task's failure: a lost watch is the bus's to repair and report."""
    if not task.cancelled() and task.exception() is not None:
        exc = task.exception()
        if not isinstance(exc, StoreUnavailable):
            log.error("subscription task %s failed", task.get_name(), exc_info=exc)
