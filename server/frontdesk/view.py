"""This process's view of each watched account: its widgets' settings and which agents are
available, so that a widget's handshake (the Origin check) and its welcome need no store
round trip in the common case.

An entry is one `account_snapshot` (the account's version, its widgets' settings, each
agent's availability), then kept by the account's events in the order they arrive:
- an `agent.status` push sets that agent's availability (every change of it is published:
  the store's compare-and-set publishes each changed payload, newest snapshot last);
- `SettingsChanged` (published by the store in the same step as a widget's PUT or DELETE)
  and `CloseWidget` drop the entry, and so does a PUT or DELETE on this process at once:
  the next reader reads the account again.

An entry is trusted (`current`) only while the store is healthy, the account's events have
reached this process without a gap since before the entry's read began
(`BusStore.listening_since`: a lost or remade subscription ends that), and it was read or
confirmed less than `recheck` seconds ago. Past that, the next reader sends the entry's
version (`account_snapshot(known_version)`): the store answers "unchanged" or the new
snapshot. That is one round trip per account per `recheck` however many hellos come, and it
bounds how long an event lost some other way (a process dying between its write and its
publish) can leave an entry wrong. A cold or doubtful account is read again by one reader
(single flight); an event of the account arriving while that read is on its way makes it
read again, since the snapshot may be older than the event.

A widget's status is computed from the entry and the clock, and kept per widget until its
next schedule boundary (contract: next_change), so a boundary is never crossed by a cache.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum

from frontdesk.core.errors import StoreUnavailable
from frontdesk.core.events import CloseWidget, Event, Push, SettingsChanged
from frontdesk.core.model import Mode
from frontdesk.core.settings import WidgetSettings
from frontdesk.core.widget_status import WidgetStatusView, compute_widget_status
from frontdesk.store.base import BusStore
from frontdesk.store.views import ViewStore

RECHECK = 1.0  # seconds an entry is trusted before its version is asked again
READS = 3  # reads of one account in a row that events overtook, before giving up for now
UNBOUNDED = timedelta(minutes=1)  # a schedule with no boundary within 366 days: recompute
NEVER = datetime.max.replace(tzinfo=UTC)


class Missing(Enum):
    """The view cannot say: read the store."""

    MISSING = "missing"


MISSING = Missing.MISSING


@dataclass(slots=True, eq=False)
class AccountEntry:
    version: int  # the account's version at the snapshot
    widgets: dict[str, WidgetSettings]
    available: dict[str, bool]  # agent -> available, as the snapshot then the events say
    read_from: float  # loop time the snapshot's read began
    checked_at: float  # loop time of the read (or version check) that last confirmed it
    # widget -> (settings, team available, valid until, the status computed from them)
    statuses: dict[str, tuple[WidgetSettings, bool, datetime, WidgetStatusView]] = field(
        default_factory=dict)

    @property
    def anyone_available(self) -> bool:
        return any(self.available.values())


class AccountViews:
    def __init__(self, snapshots: ViewStore, bus: BusStore, healthy: Callable[[], bool],
                 recheck: float = RECHECK) -> None:
        self._snapshots = snapshots
        self._bus = bus
        self._healthy = healthy
        self._recheck = recheck
        self._entries: dict[str, AccountEntry] = {}
        self._owners: dict[str, str] = {}  # widget -> its account (as an entry last said)
        self._owned: dict[str, set[str]] = {}  # account -> its widgets in _owners
        self._changes: dict[str, int] = {}  # account -> events seen (a read in flight redoes)
        self._reads: dict[str, asyncio.Task[AccountEntry | None]] = {}
        self.reads = 0  # snapshot reads made (full or version checks), for tests and metrics

    # --- reading ----------------------------------------------------------------------------
    def current(self, account: str) -> AccountEntry | None:
        """The account's entry if it can be trusted now, without any I/O."""
        entry = self._entries.get(account)
        if entry is None or not self._healthy():
            return None
        since = self._bus.listening_since(account)
        if since is None or since > entry.read_from:
            return None
        if asyncio.get_running_loop().time() - entry.checked_at >= self._recheck:
            return None
        return entry

    async def entry(self, account: str) -> AccountEntry | None:
        """The account's trusted entry, read or confirmed if need be; None when the view
        cannot be trusted for it now (not heard, store doubtful): read the store instead.
        Raises StoreUnavailable when the read fails."""
        entry = self.current(account)
        if entry is not None:
            return entry
        if not self._healthy() or self._bus.listening_since(account) is None:
            return None
        task = self._reads.get(account)
        if task is None:
            task = asyncio.get_running_loop().create_task(
                self._read(account), name=f"frontdesk view {account}")
            self._reads[account] = task
            task.add_done_callback(lambda done: self._read_done(account, done))
        return await asyncio.shield(task)

    async def settings(self, widget: str) -> WidgetSettings | Missing:
        """The widget's settings from its account's trusted entry, or MISSING (unknown to the
        view: a widget never seen here, deleted, or an account not heard)."""
        account = self._owners.get(widget)
        if account is None:
            return MISSING
        entry = await self.entry(account)
        found = None if entry is None else entry.widgets.get(widget)
        return MISSING if found is None else found

    def status(self, entry: AccountEntry, widget: str, settings: WidgetSettings,
               now: datetime) -> WidgetStatusView:
        """The widget's status now, from these settings and the entry's team."""
        available = entry.anyone_available
        cached = entry.statuses.get(widget)
        if cached is not None:
            was_settings, was_available, until, view = cached
            if was_settings is settings and was_available is available and now < until:
                return view
        view = compute_widget_status(widget, settings, available, now)
        until = view.next_change or (NEVER if settings.mode is Mode.MANUAL else now + UNBOUNDED)
        entry.statuses[widget] = (settings, available, until, view)
        return view

    async def _read(self, account: str) -> AccountEntry | None:
        loop = asyncio.get_running_loop()
        for _ in range(READS):
            since = self._bus.listening_since(account)
            if since is None or not self._healthy():
                return None
            changes = self._changes.get(account, 0)
            old = self._entries.get(account)
            known = old.version if old is not None and since <= old.read_from else None
            started = loop.time()
            self.reads += 1
            snapshot = await self._snapshots.account_snapshot(account, known)
            if (self._changes.get(account, 0) != changes
                    or self._bus.listening_since(account) != since):
                continue  # an event overtook the read, or the bus had a gap: read again
            if snapshot is None:
                if old is None or self._entries.get(account) is not old:
                    continue
                old.checked_at = started  # nothing changed since its snapshot
                return old
            entry = AccountEntry(snapshot.version, snapshot.widgets, snapshot.available,
                                 read_from=started, checked_at=started)
            self._put(account, entry)
            return entry
        return None

    def _read_done(self, account: str, task: asyncio.Task[AccountEntry | None]) -> None:
        if self._reads.get(account) is task:
            del self._reads[account]
        if not task.cancelled():
            with contextlib.suppress(StoreUnavailable):
                task.exception()  # retrieved: its waiters got it

    def _put(self, account: str, entry: AccountEntry) -> None:
        self._entries[account] = entry
        owned = self._owned.setdefault(account, set())
        for widget in owned - entry.widgets.keys():  # deleted since
            if self._owners.get(widget) == account:
                del self._owners[widget]
        owned.clear()
        owned.update(entry.widgets)
        for widget in owned:
            self._owners[widget] = account

    # --- keeping it current -----------------------------------------------------------------
    def receive(self, event: Event) -> None:
        """Every event this process hears (feed.receive hands them over first)."""
        if isinstance(event, Push):
            if event.kind != "agent.status":
                return
            account = event.account
            self._changes[account] = self._changes.get(account, 0) + 1
            entry = self._entries.get(account)
            agent, available = event.payload.get("agent"), event.payload.get("available")
            if entry is not None and isinstance(agent, str) and isinstance(available, bool):
                entry.available[agent] = available
        elif isinstance(event, SettingsChanged | CloseWidget):
            self.drop(event.account)

    def drop(self, account: str) -> None:
        """Forget the account's entry (its settings changed): the next reader reads it.
        Which widgets are its stays known: a widget never moves to another account while it
        exists, and one deleted (or made again elsewhere) is missing from the next read."""
        self._changes[account] = self._changes.get(account, 0) + 1
        self._entries.pop(account, None)

    def forget(self, account: str) -> None:
        """The account's watch ended: nothing of it is kept."""
        self.drop(account)
        for widget in self._owned.pop(account, ()):
            if self._owners.get(widget) == account:
                del self._owners[widget]
        if account not in self._reads:
            self._changes.pop(account, None)

    def clear(self) -> None:
        """After an outage: every account is read again."""
        for account in list(self._entries):
            self.drop(account)
