"""The in-process store's upkeep (UpkeepStore): idle connections, the review, the due index."""

from __future__ import annotations

from frontdesk.core.auto_away import away_deadline
from frontdesk.core.model import AgentStatus, CloseReason, StatusReason
from frontdesk.core.queue import HISTORY_WINDOW, expiry_deadline
from frontdesk.core.reassignment import reassign_deadline
from frontdesk.store.base import Conversation, QueueChange, Reassignment, Review
from frontdesk.store.memory_accounts import MemoryAccounts
from frontdesk.store.memory_conversations import ASSIGNED, MemoryConversations


class MemoryUpkeep(MemoryConversations, MemoryAccounts):
    async def set_connection_idle(self, account: str, agent: str, connection: str,
                                  since: float | None) -> None:
        record = self._account(account).agents.get(agent)
        if record is None or record.connections.get(connection, 0.0) is not None:
            return  # not a live connection of the agent (ended, or in its grace)
        if since is None:
            record.idle.pop(connection, None)
        else:
            record.idle.setdefault(connection, since)

    async def review_account(self, account: str, now: float) -> Review:
        acct = self._accounts.get(account)
        if acct is None:
            return Review()
        settings = self._settings_of(account)
        upcoming: list[float] = []
        # Unavailability, noted as it is first seen (every change of it is followed by a
        # review) while reassignment is on; auto-away; both skipped while both are off.
        away: list[str] = []
        agents = sorted(acct.agents.items()) if (
            settings.auto_away_after > 0 or settings.reassign_after > 0) else []
        if not agents:  # what was noted while reassignment was on no longer holds
            for agent in acct.agents.values():
                agent.unavailable_since = None
        for agent_id, agent in agents:
            for gone in [c for c in agent.idle if agent.connections.get(c, 0.0) is not None]:
                del agent.idle[gone]
            live = agent.live_connections()
            deadline = away_deadline(agent.status, [agent.idle.get(c) for c in live],
                                     settings.auto_away_after)
            if deadline is not None and deadline <= now:
                agent.status, agent.status_reason = AgentStatus.BUSY, StatusReason.IDLE
                acct.version += 1
                away.append(agent_id)
            elif deadline is not None:
                upcoming.append(deadline)
            if agent.is_available:
                agent.unavailable_since = None
            elif agent.unavailable_since is None and settings.reassign_after > 0:
                agent.unavailable_since = now
        # Conversations whose agents have all been unavailable long enough, in start order.
        reassigned: list[Reassignment] = []
        assigned = sorted((c for c, t in self._tracks.items()
                           if self._conversations[c].account == account
                           and self._conversations[c].state is ASSIGNED),
                          key=lambda c: self._tracks[c].seq)
        for conversation in assigned:
            record = self._conversations[conversation]
            since = [acct.agents[a.id].unavailable_since for a in record.agents]
            assigned_at = self._tracks[conversation].assigned_at or 0.0
            deadline = reassign_deadline(since, assigned_at, settings.reassign_after)
            if deadline is not None and deadline <= now:
                reassigned.append(self._take_back(acct, record, now))
            elif deadline is not None:
                upcoming.append(deadline)
        # Queued longer than the widget's max_queue_wait (its clock restarts when re-queued).
        expired: list[Conversation] = []
        for conversation in list(acct.queue):
            widget = self._widgets.get(self._conversations[conversation].widget)
            queued_at = self._tracks[conversation].queued_at
            deadline = None if widget is None or queued_at is None else expiry_deadline(
                queued_at, widget.max_queue_wait)
            if deadline is not None and deadline <= now:
                expired.append(self._close(self._conversations[conversation], now,
                                           CloseReason.EXPIRED))
            elif deadline is not None:
                upcoming.append(deadline)
        # The estimate ages: when the oldest recent assignment leaves the hour, look again.
        if acct.queue:
            recent = [a.at for a in acct.queue_history if a.at > now - HISTORY_WINDOW]
            if recent:
                upcoming.append(min(recent) + HISTORY_WINDOW)
        return Review(away=tuple(away), reassigned=tuple(reassigned), expired=tuple(expired),
                      queue=QueueChange(moved=self._pushes(acct, now)),
                      next_due=min(upcoming) if upcoming else None)

    # --- the due index ---------------------------------------------------------------------
    async def due_score(self, account: str) -> float | None:
        return self._due.get(account)

    async def schedule_review(self, account: str, at: float) -> None:
        current = self._due.get(account)
        if current is None or at < current:
            self._due[account] = at

    async def due_accounts(self, now: float) -> list[str]:
        return [account for account, at in self._due.items() if at <= now]

    async def settle_review(self, account: str, seen: float | None,
                            next_due: float | None) -> None:
        current = self._due.get(account)
        if current == seen:
            if next_due is None:
                self._due.pop(account, None)
            else:
                self._due[account] = next_due
        elif next_due is not None and (current is None or next_due < current):
            self._due[account] = next_due
