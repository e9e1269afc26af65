"""Store protocols behind the hello's fast path: one read of everything a widget's status is
computed from (what view.py keeps per account), and the visitor's sockets.

Kept apart from base.py so that the per-account view and the batched visitor calls have
their own small contract (the store contract suite holds both stores to it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from frontdesk.core.settings import WidgetSettings
from frontdesk.store.records import Conversation


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """The account at one instant: its version, its widgets' settings and, per agent it has
    seen, whether that agent is available (status online and connected)."""

    version: int
    widgets: dict[str, WidgetSettings]
    available: dict[str, bool]


class ViewStore(Protocol):
    async def account_snapshot(self, account: str,
                               known_version: int | None = None) -> AccountSnapshot | None:
        """One atomic read of the account's snapshot; None when the account's version is
        still `known_version` (nothing a status is computed from changed since the snapshot
        that had it). The version grows with every change of settings, agent status and
        connections (see Team)."""


class VisitorStore(Protocol):
    """Visitors' open sockets, counted across processes."""

    async def visitor_connected(self, account: str, widget: str, visitor: str) -> None:
        """Count one more open socket of the visitor on the widget (any process)."""

    async def visitor_arrival(self, account: str, widget: str,
                              visitor: str) -> Conversation | None:
        """`visitor_connected`, then the visitor's open conversation on the widget (as
        `visitor_conversation`): what a widget's hello needs, in one call."""

    async def visitor_disconnected(self, account: str, widget: str, visitor: str) -> bool:
        """Count one socket fewer; True when the visitor has no socket left anywhere.

        A process that dies leaves its sockets counted, so its visitors are never taken for
        gone: the safe direction (their queued conversations wait for an agent or a close).
        """
