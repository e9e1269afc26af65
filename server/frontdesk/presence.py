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

from frontdesk.conversations import Conversations
from frontdesk.core.errors import StoreUnavailable
from frontdesk.core.events import GraceStarted
from frontdesk.core.model import AgentState, AgentStatus, StatusReason
from frontdesk.core.tokens import AgentClaims
from frontdesk.feed import Feed
from frontdesk.hub import Hub
from frontdesk.runtime import Runtime
from frontdesk.store.base import PresenceStore, Team
from frontdesk.widgets import Widgets

log = logging.getLogger("frontdesk.presence")

TIMER_SLACK = 0.002


def verdict_hold(interval: float, call_deadline: float = 2.0) -> float:
    """How long after a gap in renewals a process waits before judging others dead: their
    next renewal comes within an interval, or a call's deadline if one was hanging."""
    return call_deadline + 2 * interval


@dataclass(frozen=True, slots=True)
class LocalConnection:
    account: str
    agent: str
    name: str


class Presence:
    def __init__(self, runtime: Runtime, agents: PresenceStore, feed: Feed, hub: Hub,
                 widgets: Widgets, conversations: Conversations) -> None:
        self._runtime = runtime
        self._clock = runtime.clock
        self._store = agents
        self._feed = feed
        self._hub = hub
        self._widgets = widgets
        self._conversations = conversations
        self.local: dict[str, LocalConnection] = {}  # this process's agent connections
        self._grace_timers: dict[str, tuple[float, asyncio.TimerHandle]] = {}

    async def connect(self, claims: AgentClaims, connection: str) -> None:
        """Count the connection and push what that changed. The queue is not pulled here:
        the socket is not registered for pushes yet (see `joined`)."""
        store = self._store
        await store.see_agent(claims.account, claims.agent, claims.name)
        await store.add_connection(claims.account, claims.agent, connection)
        self.local[connection] = LocalConnection(claims.account, claims.agent, claims.name)
        await self._widgets.refresh_account(claims.account)

    async def joined(self, account: str) -> None:
        """The new connection's socket now gets pushes: assign what waits for an agent, so
        that it hears `conversation.joined` for whatever its own arrival assigned it."""
        await self._conversations.assign_queued(account)

    async def disconnect(self, account: str, agent: str, connection: str, graceful: bool) -> None:
        """The socket is gone; `graceful` when the client or a shutdown ended it."""
        if self.local.pop(connection, None) is None:
            return
        grace = self._runtime.settings.close_grace
        if graceful and grace > 0:
            until = self._clock().timestamp() + grace
            await self._store.end_connection(account, agent, connection, until)
            # Every process arms a timer for the grace's end, so it is kept to the 100 ms
            # even when this process is the one shutting down (a rolling restart).
            await self._feed.publish(GraceStarted(account, until))
            return
        await self._store.end_connection(account, agent, connection, None)
        await self._widgets.refresh_account(account)

    async def set_status(self, account: str, agent: str, status: AgentStatus,
                         reason: StatusReason = StatusReason.AGENT, *,
                         known_only: bool = False) -> AgentState | None:
        """Set the agent's status (by the agent, or by the API); the agent as it is then.

        `known_only`: an agent the account never saw is left alone (None): the API's 404.
        """
        if known_only and not any(a.id == agent for a in (await self._store.team(account)).agents):
            return None
        if await self._store.set_agent_status(account, agent, status, reason):
            await self._widgets.refresh_account(account)
            if status is AgentStatus.ONLINE:
                await self._conversations.assign_queued(account)
        team = await self._store.team(account)
        return next((a for a in team.agents if a.id == agent), None)

    async def see_agent(self, account: str, agent: str, name: str) -> None:
        """Record the agent (a token was issued for it); announce it if it is new."""
        if await self._store.see_agent(account, agent, name):
            await self._widgets.refresh_account(account)

    async def team(self, account: str) -> Team:
        """The account's agents now."""
        return await self._store.team(account)

    async def reregister(self) -> None:
        """After a store outage: count this process's live connections again, and push."""
        store = self._store
        accounts = set()
        for connection, local in list(self.local.items()):
            await store.see_agent(local.account, local.agent, local.name)
            await store.add_connection(local.account, local.agent, connection)
            accounts.add(local.account)
        for account in accounts | self._hub.accounts():
            await self._widgets.refresh_account(account)
            await self._widgets.resync_local(account)
            await self._conversations.assign_queued(account)

    # --- this process's liveness -----------------------------------------------------------
    async def keep_alive(self) -> None:
        """Renew this process's liveness, sweep dead processes and ended graces (a task the
        node owns for its whole life).

        After a gap in its own renewals (the store was unreachable, or this process was
        stalled), a process takes no liveness verdict on others until they too have had
        time to renew (`verdict_hold`): when Redis comes back, every entry looks expired
        to whichever process gets there first.
        """
        ttl = self._runtime.settings.presence_ttl
        interval = min(1.0, ttl / 3)
        hold = verdict_hold(interval)
        health = self._runtime.health
        loop = asyncio.get_running_loop()
        renewed_at = loop.time()
        judge_from = 0.0
        while True:
            try:
                now = self._clock().timestamp()
                await self._store.renew_node(now, ttl)
                at = loop.time()
                if at - renewed_at > 2 * interval:  # a gap: hold verdicts for a while
                    judge_from = at + hold
                renewed_at = at
                if at >= judge_from:
                    for account in await self._store.sweep_nodes(now):
                        await self._widgets.refresh_account(account)
                for account, until in await self._store.accounts_in_grace():
                    self.arm_grace(account, until)
                health.note_up()
            except StoreUnavailable as exc:
                health.note_down(exc)
            await asyncio.sleep(interval)

    async def retire(self) -> None:
        """This process stops: connections no session ended stop counting now; push that."""
        for account in await self._store.retire_node():
            await self._widgets.refresh_account(account)

    # --- grace ----------------------------------------------------------------------------------
    def arm_grace(self, account: str, until: float) -> None:
        current = self._grace_timers.get(account)
        if current is not None and current[0] <= until:
            return  # an earlier sweep is already armed; it re-arms for the rest
        if current is not None:
            current[1].cancel()
        delay = max(0.0, until - self._clock().timestamp()) + TIMER_SLACK
        handle = asyncio.get_running_loop().call_later(delay, self._grace_reached, account)
        self._grace_timers[account] = (until, handle)

    def _grace_reached(self, account: str) -> None:
        self._grace_timers.pop(account, None)
        self._runtime.tasks.spawn(self.sweep(account), f"grace {account}")

    async def sweep(self, account: str) -> None:
        """Drop ended connections whose grace is over; push if this call dropped any."""
        now = self._clock().timestamp()
        if await self._store.sweep(account, now):
            await self._widgets.refresh_account(account)
        for other, until in await self._store.accounts_in_grace():
            if other == account:
                self.arm_grace(account, until)

    def disarm_all(self) -> None:
        for _, handle in self._grace_timers.values():
            handle.cancel()
        self._grace_timers.clear()
