"""The Redis store's presence: agents, their connections, and each process's liveness.

Connections die with their process: each process is a node with one liveness entry, renewed
with one command however many connections it holds, and a node whose entry runs out has its
connections swept by whichever process notices first (each removal reported once).
"""

from __future__ import annotations

import logging
from typing import Any

from frontdesk.core.model import AgentState, AgentStatus, StatusReason
from frontdesk.store import keys
from frontdesk.store.base import (
    Team,
)
from frontdesk.store.redis_connection import (
    _REDIS_ERRORS,
    RedisBase,
    _clean_text,
    _pairs,
    _text,
    _translated,
)

log = logging.getLogger(__name__)


class RedisPresence(RedisBase):
    """Agents, connections and node liveness (PresenceStore)."""

    # --- agents -----------------------------------------------------------------------------
    @_translated
    async def see_agent(self, account: str, agent: str, name: str) -> bool:
        ak = keys.AccountKeys(account)
        return bool(await self._script("see_agent", [ak.agents, ak.meta],
                                       [agent, _clean_text(name)]))

    @_translated
    async def set_agent_status(self, account: str, agent: str, status: AgentStatus,
                               reason: StatusReason = StatusReason.AGENT) -> bool:
        ak = keys.AccountKeys(account)
        return bool(await self._script("set_agent_status",
                                       [ak.agents, ak.status, ak.meta, ak.reasons],
                                       [agent, status.value, reason.value]))

    @_translated
    async def team(self, account: str) -> Team:
        ak = keys.AccountKeys(account)
        version, names, statuses, connected, load, last, reasons = await self._script(
            "team", [ak.meta, ak.agents, ak.status, ak.connected, ak.load, ak.last_assigned,
                     ak.reasons])
        names_, statuses_, reasons_ = _pairs(names), _pairs(statuses), _pairs(reasons)
        connected_, load_, last_ = _pairs(connected), _pairs(load), _pairs(last)
        agents = tuple(
            AgentState(id=agent, name=names_[agent],
                       status=AgentStatus(statuses_.get(agent, AgentStatus.ONLINE.value)),
                       connections=int(connected_.get(agent, 0)),
                       conversations=int(load_.get(agent, 0)),
                       last_assigned=float(last_[agent]) if agent in last_ else None,
                       status_reason=StatusReason(reasons_.get(agent, StatusReason.AGENT.value)))
            for agent in sorted(names_))
        return Team(version=int(version), agents=agents)

    @_translated
    async def add_connection(self, account: str, agent: str, connection: str) -> None:
        node = self.node
        ak = keys.AccountKeys(account)
        try:
            if account not in self._node_accounts:
                # Before the connection itself: a crash in between leaves an account with
                # nothing to sweep, never a connection no sweeper can find.
                await self._redis.sadd(keys.node_accounts(node), account)
                self._node_accounts.add(account)
            revived = await self._script(
                "add_connection",
                [ak.agents, ak.connections, ak.connected, ak.live, ak.node(node), ak.grace,
                 ak.meta],
                [node, connection, agent])
        except _REDIS_ERRORS:
            # It may have been applied with the reply lost: undo it once Redis answers.
            self._pending_ends[(account, connection)] = agent
            raise
        self._pending_ends.pop((account, connection), None)
        if revived:
            await self._redis.zrem(keys.GRACES,
                                   *(keys.grace_member(account, _text(c)) for c in revived))

    @_translated
    async def end_connection(self, account: str, agent: str, connection: str,
                             grace_until: float | None) -> None:
        try:
            await self._end_connection(account, agent, connection, grace_until)
        except _REDIS_ERRORS:
            # Redis still counts it as live under this (living) node: end it when Redis is
            # back, or it would count until this process stops.
            self._pending_ends[(account, connection)] = agent
            raise
        self._pending_ends.pop((account, connection), None)

    async def _end_connection(self, account: str, agent: str, connection: str,
                              grace_until: float | None) -> bool:
        """End it in the account; keep the global grace index a superset of pending graces.

        A grace is indexed before the account's script runs and unindexed after, so a process
        dying in between leaves at worst a stale index entry (which `sweep` clears), never a
        grace that no other process would find.
        """
        node = self.node
        ak = keys.AccountKeys(account)
        member = keys.grace_member(account, connection)
        if grace_until is not None:
            await self._redis.zadd(keys.GRACES, {member: float(grace_until)})
        ended, had_grace = await self._script(
            "end_connection",
            [ak.connections, ak.connected, ak.live, ak.node(node), ak.grace, ak.meta],
            [connection, agent, node, "" if grace_until is None else repr(float(grace_until))])
        if (grace_until is not None and not ended) or had_grace:
            await self._redis.zrem(keys.GRACES, member)
        return bool(ended)

    @_translated
    async def sweep(self, account: str, now: float) -> bool:
        ak = keys.AccountKeys(account)
        removed = await self._script(
            "sweep", [ak.connections, ak.connected, ak.grace, ak.meta], [repr(float(now))])
        # Index entries of this account due by now are for graces the script just ended, or
        # stale (their process died between index and script): either way they go.
        members = {keys.grace_member(account, _text(c)) for c in removed}
        for raw in await self._redis.zrangebyscore(keys.GRACES, "-inf", repr(float(now))):
            member = _text(raw)
            if keys.split_grace_member(member)[0] == account:
                members.add(member)
        if members:
            await self._redis.zrem(keys.GRACES, *members)
        return bool(removed)

    @_translated
    async def renew_node(self, now: float, ttl: float) -> None:
        """One command: push this node's liveness entry to now + ttl.

        If the entry is gone, other processes declared this one dead (it stopped renewing for
        longer than the TTL, e.g. a stalled event loop) and dropped its connections: take a
        new incarnation and ask the node (on_reconnect) to register its connections again.
        """
        expiry = float(now + ttl)
        if not self._renewed:
            await self._redis.zadd(keys.NODES_ALIVE, {self.node: expiry})
            self._renewed = True
        elif not await self._redis.zadd(keys.NODES_ALIVE, {self.node: expiry},
                                        xx=True, gt=True, ch=True):
            if await self._redis.zscore(keys.NODES_ALIVE, self.node) is None:
                log.error("node %s was declared dead by another process; registering again",
                          self.node)
                self._generation += 1
                self._node_accounts.clear()
                await self._redis.zadd(keys.NODES_ALIVE, {self.node: expiry})
                self._resync.set()
        if self._pending_ends:
            await self._end_pending()

    async def _end_pending(self) -> None:
        """End the connections whose end (or failed add) Redis did not hear about."""
        ended = False
        for (account, connection), agent in list(self._pending_ends.items()):
            ended = await self._end_connection(account, agent, connection, None) or ended
            del self._pending_ends[(account, connection)]
        if ended:
            self._resync.set()

    @_translated
    async def sweep_nodes(self, now: float) -> list[str]:
        dead = await self._script("bury_nodes", [keys.NODES_ALIVE, keys.NODES_DEAD],
                                  [repr(float(now))])
        touched: set[str] = set()
        for raw in dead:
            node = _text(raw)
            touched.update(await self._sweep_node(node))
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(keys.node_accounts(node))
                pipe.srem(keys.NODES_DEAD, node)
                await pipe.execute()
        return sorted(touched)

    async def _sweep_node(self, node: str) -> set[str]:
        """Drop the node's live connections in every account it touched; the accounts changed."""
        touched = set()
        for raw in await self._redis.smembers(keys.node_accounts(node)):
            account = _text(raw)
            ak = keys.AccountKeys(account)
            removed = await self._script(
                "sweep_node", [ak.connections, ak.connected, ak.live, ak.node(node), ak.meta],
                [node])
            if removed:
                touched.add(account)
        return touched

    @_translated
    async def retire_node(self) -> list[str]:
        """Drop this node's live connections and its liveness entry.

        Connections in their close grace stay counted until the grace ends (a rolling
        restart closes with 1001 and a grace, and must flip nothing).
        """
        node = self.node
        touched = await self._sweep_node(node)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrem(keys.NODES_ALIVE, node)
            pipe.delete(keys.node_accounts(node))
            await pipe.execute()
        self._generation += 1
        self._renewed = False
        self._node_accounts.clear()
        return sorted(touched)

    @_translated
    async def accounts_in_grace(self) -> list[tuple[str, float]]:
        earliest: dict[str, float] = {}
        graces: list[Any] = await self._redis.zrange(
            keys.GRACES, 0, -1, withscores=True)
        for member, until in graces:
            account, _ = keys.split_grace_member(_text(member))
            earliest.setdefault(account, float(until))  # ascending scores: first is earliest
        return sorted(earliest.items())

