"""Use case: agents' connections and chosen status (contract: connected, available).

A connection counts from hello until it ends. Ended by the client (close frame, dropped TCP)
or by a server shutdown (1001), it keeps counting for the close grace, so a reload flips
nothing; ended by the server for any other reason, it stops counting at once. The grace end
is a timer armed for its exact instant on every process that learns of it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from frontdesk.core.events import Event
from frontdesk.core.model import AgentStatus
from frontdesk.core.tokens import AgentClaims

if TYPE_CHECKING:
    from frontdesk.node import Node

GRACE_TYPE = "presence.grace"  # the internal event; node.py reads the same word

log = logging.getLogger("frontdesk.presence")

TIMER_SLACK = 0.002


@dataclass(frozen=True, slots=True)
class LocalConnection:
    account: str
    agent: str
    name: str


class Presence:
    def __init__(self, node: Node) -> None:
        self.node = node
        self.local: dict[str, LocalConnection] = {}  # this process's agent connections
        self._grace_timers: dict[str, tuple[float, asyncio.TimerHandle]] = {}

    async def connect(self, claims: AgentClaims, connection: str) -> None:
        store = self.node.store
        await store.see_agent(claims.account, claims.agent, claims.name)
        await store.add_connection(claims.account, claims.agent, connection)
        self.local[connection] = LocalConnection(claims.account, claims.agent, claims.name)
        await self.node.widgets.refresh_account(claims.account)
        await self.node.conversations.assign_queued(claims.account)

    async def disconnect(self, account: str, agent: str, connection: str, graceful: bool) -> None:
        """The socket is gone; `graceful` when the client or a shutdown ended it."""
        if self.local.pop(connection, None) is None:
            return
        grace = self.node.settings.close_grace
        if graceful and grace > 0:
            until = self.node.clock().timestamp() + grace
            await self.node.store.end_connection(account, agent, connection, until)
            # Every process arms a timer for the grace's end, so it is kept to the 100 ms
            # even when this process is the one shutting down (a rolling restart).
            await self.node.store.publish(Event(account, {"type": GRACE_TYPE, "until": until}))
            return
        await self.node.store.end_connection(account, agent, connection, None)
        await self.node.widgets.refresh_account(account)

    async def set_status(self, account: str, agent: str, status: AgentStatus) -> None:
        if await self.node.store.set_agent_status(account, agent, status):
            await self.node.widgets.refresh_account(account)
            if status is AgentStatus.ONLINE:
                await self.node.conversations.assign_queued(account)

    async def reregister(self) -> None:
        """After a store outage: count this process's live connections again, and push."""
        store = self.node.store
        accounts = set()
        for connection, local in list(self.local.items()):
            await store.see_agent(local.account, local.agent, local.name)
            await store.add_connection(local.account, local.agent, connection)
            accounts.add(local.account)
        for account in accounts | self.node.hub.accounts():
            await self.node.widgets.refresh_account(account)
            await self.node.widgets.resync_local(account)
            await self.node.conversations.assign_queued(account)

    # --- grace ----------------------------------------------------------------------------------
    def arm_grace(self, account: str, until: float) -> None:
        current = self._grace_timers.get(account)
        if current is not None and current[0] <= until:
            return  # an earlier sweep is already armed; it re-arms for the rest
        if current is not None:
            current[1].cancel()
        delay = max(0.0, until - self.node.clock().timestamp()) + TIMER_SLACK
        handle = asyncio.get_running_loop().call_later(delay, self._grace_reached, account)
        self._grace_timers[account] = (until, handle)

    def _grace_reached(self, account: str) -> None:
        self._grace_timers.pop(account, None)
        self.node.spawn(self.sweep(account), f"grace {account}")

    async def sweep(self, account: str) -> None:
        """Drop ended connections whose grace is over; push if this call dropped any."""
        now = self.node.clock().timestamp()
        if await self.node.store.sweep(account, now):
            await self.node.widgets.refresh_account(account)
        for other, until in await self.node.store.accounts_in_grace():
            if other == account:
                self.arm_grace(account, until)

    def disarm_all(self) -> None:
        for _, handle in self._grace_timers.values():
            handle.cancel()
        self._grace_timers.clear()
