"""The in-process store's conversations: routing, the queue, reassignment (ConversationStore).

The queue is per account, in start order (a conversation queued again after a reassignment
takes its place by its start, contract: precise rules, Agents). After every step that moves
the queue, each queued conversation whose position or estimate changed enough
(core.queue.should_push) is reported once, and what was reported is remembered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from frontdesk.core.model import AgentRef, AgentState, CloseReason, ConversationState, Routing
from frontdesk.core.queue import (
    QueueAssignment,
    estimated_wait,
    is_queue_full,
    mean_gap,
    remember_assignment,
    should_push,
)
from frontdesk.core.routing import choose_agents
from frontdesk.core.settings import WidgetSettings
from frontdesk.store.base import (
    CLOSED_RETENTION,
    CloseResult,
    Conversation,
    QueueChange,
    Reassignment,
    Refusal,
    StartResult,
)
from frontdesk.store.memory_state import MemoryState, _Account, _Track

QUEUED, ASSIGNED, CLOSED = (ConversationState.QUEUED, ConversationState.ASSIGNED,
                            ConversationState.CLOSED)


def agent_states(acct: _Account, exclude: Iterable[str] = ()) -> list[AgentState]:
    """The routing snapshot: every agent of the account but `exclude`, in id order."""
    left_out = set(exclude)
    return [AgentState(id=agent_id, name=a.name, status=a.status,
                       connections=len(a.connections), conversations=len(a.open),
                       last_assigned=a.last_assigned, status_reason=a.status_reason)
            for agent_id, a in sorted(acct.agents.items()) if agent_id not in left_out]


class MemoryConversations(MemoryState):
    # --- routing ---------------------------------------------------------------------------
    def _route(self, acct: _Account, settings: WidgetSettings | None,
               exclude: Iterable[str] = ()) -> tuple[str, ...]:
        routing = settings.routing if settings else Routing.BROADCAST
        capacity = settings.max_conversations_per_agent if settings else 0
        return choose_agents(agent_states(acct, exclude), routing, capacity,
                             acct.round_robin_cursor)

    def _assign(self, acct: _Account, record: Conversation, chosen: tuple[str, ...],
                now: float, routing: Routing | None) -> Conversation:
        """Give it to `chosen` (over capacity if the caller says so); note a wait in the queue."""
        for agent_id in chosen:
            acct.assignments += 1
            agent = acct.agents[agent_id]
            agent.open.add(record.id)
            agent.last_assigned = float(acct.assignments)
        if routing is Routing.ROUND_ROBIN:
            acct.round_robin_cursor = chosen[0]
        track = self._tracks[record.id]
        if track.queued_at is not None:  # it waited in the queue: the estimate learns from it
            acct.queue_history = remember_assignment(
                acct.queue_history, QueueAssignment(at=now, waited=now - track.queued_at))
        track.queued_at = None
        track.assigned_at = now
        track.last_position = track.last_estimate = None
        refs = tuple(AgentRef(a, acct.agents[a].name) for a in chosen)
        assigned = replace(record, state=ASSIGNED, agents=refs, position=None,
                           estimated_wait=None, assigned_at=now, queued_at=None)
        self._conversations[record.id] = assigned
        return assigned

    def _try_assign(self, acct: _Account, record: Conversation, now: float,
                    exclude: Iterable[str] = ()) -> Conversation | None:
        settings = self._widgets.get(record.widget)
        chosen = self._route(acct, settings, exclude)
        if not chosen:
            return None
        return self._assign(acct, record, chosen, now,
                            settings.routing if settings else Routing.BROADCAST)

    # --- the queue -------------------------------------------------------------------------
    def _enqueue(self, acct: _Account, record: Conversation, now: float) -> Conversation:
        """Queue it by its start (ahead of any started later); its wait clock starts now."""
        track = self._tracks[record.id]
        index = len(acct.queue)
        while index > 0 and self._tracks[acct.queue[index - 1]].seq > track.seq:
            index -= 1
        acct.queue.insert(index, record.id)
        track.queued_at = now
        queued = replace(record, state=QUEUED, agents=(), queued_at=now)
        self._conversations[record.id] = queued
        return queued

    def _pushes(self, acct: _Account, now: float) -> tuple[Conversation, ...]:
        """Queued conversations whose frame must go out again; remembers what went out."""
        gap = mean_gap(acct.queue_history, now)
        pushes = []
        for index, conversation in enumerate(acct.queue):
            position = index + 1
            estimate = estimated_wait(position, gap)
            track = self._tracks[conversation]
            if not should_push(track.last_position, track.last_estimate, position, estimate):
                continue
            track.last_position, track.last_estimate = position, estimate
            pushes.append(self._view(conversation))
        return tuple(pushes)

    def _drain(self, acct: _Account, now: float) -> QueueChange:
        """Assign from the head while possible (nothing overtakes); then the queue's pushes."""
        assigned: list[Conversation] = []
        while acct.queue:
            result = self._try_assign(acct, self._conversations[acct.queue[0]], now)
            if result is None:
                break
            acct.queue.pop(0)
            assigned.append(result)
        return QueueChange(assigned=tuple(assigned), moved=self._pushes(acct, now))

    def _view(self, conversation: str) -> Conversation:
        """The record with its position and the estimate its visitor was last given."""
        record = self._conversations[conversation]
        if record.state is not QUEUED:
            return record
        track = self._tracks[conversation]
        queue = self._account(record.account).queue
        return replace(record, position=queue.index(conversation) + 1,
                       estimated_wait=track.last_estimate)

    # --- conversations ---------------------------------------------------------------------
    async def start_conversation(self, account: str, widget: str, conversation: str,
                                 visitor: str, text: str | None, now: float) -> StartResult | None:
        settings = self._widgets.get(widget)
        if settings is None or settings.account != account:
            return None
        existing = self._open_by_visitor.get((account, widget, visitor))
        if existing is not None:
            return StartResult(self._view(existing), existing=True)
        acct = self._account(account)
        record = Conversation(id=conversation, account=account, widget=widget, visitor=visitor,
                              state=QUEUED, text=text, started_at=now)
        # Queued behind max_queue others (nothing overtakes a queue): refused, nothing kept.
        if acct.queue and is_queue_full(len(acct.queue), settings.max_queue):
            return StartResult(replace(record, state=ConversationState.REJECTED), existing=False,
                               message=settings.offline_message)
        acct.starts += 1
        self._tracks[conversation] = _Track(seq=acct.starts, started_at=now)
        self._conversations[conversation] = record
        self._open_by_visitor[(account, widget, visitor)] = conversation
        acct.version += 1
        if not acct.queue:
            assigned = self._try_assign(acct, record, now)
            if assigned is not None:
                return StartResult(assigned, existing=False)
        self._enqueue(acct, record, now)
        self._pushes(acct, now)  # only the new one moved: it is told by the start's answer
        return StartResult(self._view(conversation), existing=False)

    def _close(self, record: Conversation, now: float, reason: CloseReason) -> Conversation:
        acct = self._account(record.account)
        if record.state is QUEUED:
            acct.queue.remove(record.id)
        for ref in record.agents:
            agent = acct.agents.get(ref.id)
            if agent is not None:
                agent.open.discard(record.id)
        self._open_by_visitor.pop((record.account, record.widget, record.visitor), None)
        self._tracks.pop(record.id, None)
        closed = replace(record, state=CLOSED, position=None, estimated_wait=None,
                         close_reason=reason)
        self._conversations[record.id] = closed
        self._closed_at[record.id] = now
        acct.version += 1
        return closed

    async def close_conversation(self, conversation: str, now: float,
                                 reason: CloseReason = CloseReason.CLOSED) -> CloseResult | None:
        record = self._conversations.get(conversation)
        if record is None:
            return None
        if record.state is CLOSED:
            return CloseResult(record, was_open=False, queue=QueueChange())
        closed = self._close(record, now, reason)
        self._prune_closed(now - CLOSED_RETENTION)
        return CloseResult(closed, was_open=True,
                           queue=self._drain(self._account(record.account), now))

    def _prune_closed(self, cutoff: float) -> None:
        for conversation, closed_at in list(self._closed_at.items()):
            if closed_at > cutoff:
                break
            del self._closed_at[conversation]
            del self._conversations[conversation]

    async def assign_queued(self, account: str, now: float) -> QueueChange:
        acct = self._accounts.get(account)
        if acct is None or not acct.queue:
            return QueueChange()
        return self._drain(acct, now)

    async def get_conversation(self, conversation: str) -> Conversation | None:
        return self._view(conversation) if conversation in self._conversations else None

    async def visitor_conversation(self, account: str, widget: str,
                                   visitor: str) -> Conversation | None:
        conversation = self._open_by_visitor.get((account, widget, visitor))
        return None if conversation is None else self._view(conversation)

    async def visitor_connected(self, account: str, widget: str, visitor: str) -> None:
        key = (account, widget, visitor)
        self._visitor_sockets[key] = self._visitor_sockets.get(key, 0) + 1

    async def visitor_arrival(self, account: str, widget: str,
                              visitor: str) -> Conversation | None:
        await self.visitor_connected(account, widget, visitor)
        return await self.visitor_conversation(account, widget, visitor)

    async def visitor_disconnected(self, account: str, widget: str, visitor: str) -> bool:
        key = (account, widget, visitor)
        left = self._visitor_sockets.get(key, 0) - 1
        if left > 0:
            self._visitor_sockets[key] = left
            return False
        self._visitor_sockets.pop(key, None)
        return True

    async def abandon_queued(self, account: str, widget: str, visitor: str,
                             now: float) -> CloseResult | None:
        if self._visitor_sockets.get((account, widget, visitor), 0) > 0:
            return None
        conversation = self._open_by_visitor.get((account, widget, visitor))
        if conversation is None or self._conversations[conversation].state is not QUEUED:
            return None
        return await self.close_conversation(conversation, now, CloseReason.ABANDONED)

    async def open_conversations(self, account: str) -> list[Conversation]:
        acct = self._accounts.get(account)
        if acct is None:
            return []
        assigned = sorted((c for c in self._tracks if self._conversations[c].account == account
                           and self._conversations[c].state is ASSIGNED),
                          key=lambda c: self._tracks[c].seq)
        return [self._view(c) for c in assigned] + [self._view(c) for c in acct.queue]

    # --- reassignment ----------------------------------------------------------------------
    def _take_back(self, acct: _Account, record: Conversation, now: float) -> Reassignment:
        """Take it from its agents; route it without them, or queue it by its start."""
        revoked = tuple(a.id for a in record.agents)
        for agent_id in revoked:
            acct.agents[agent_id].open.discard(record.id)
        bare = replace(record, agents=())
        assigned = self._try_assign(acct, bare, now, exclude=revoked)
        if assigned is not None:
            return Reassignment(assigned, revoked, tuple(a.id for a in assigned.agents))
        self._enqueue(acct, bare, now)
        return Reassignment(self._view(record.id), revoked, (),
                            QueueChange(moved=self._pushes(acct, now)))

    async def reassign_conversation(self, conversation: str, to: str | None,
                                    now: float) -> Reassignment | Refusal | None:
        record = self._conversations.get(conversation)
        if record is None:
            return None
        if record.state is CLOSED:
            return Refusal.CLOSED
        acct = self._account(record.account)
        current = tuple(a.id for a in record.agents)
        if to is None:
            if record.state is ASSIGNED:
                result = self._take_back(acct, record, now)
                if result.conversation.state is QUEUED:
                    return result
                return replace(result, queue=self._drain(acct, now))
            assigned = self._try_assign(acct, record, now)
            if assigned is None:
                return Reassignment(self._view(conversation), (), ())
            acct.queue.remove(conversation)
            return Reassignment(assigned, (), tuple(a.id for a in assigned.agents),
                                QueueChange(moved=self._pushes(acct, now)))
        target = acct.agents.get(to)
        if target is None or not target.is_available:
            return Refusal.UNAVAILABLE
        revoked = tuple(a for a in current if a != to)
        for agent_id in revoked:
            acct.agents[agent_id].open.discard(conversation)
        if to in current:  # the others are revoked; `to` keeps it and is told nothing new
            kept = replace(record, agents=tuple(a for a in record.agents if a.id == to),
                           assigned_at=now)
            self._conversations[conversation] = kept
            self._tracks[conversation].assigned_at = now
            return Reassignment(kept, revoked, (), self._drain(acct, now))
        was_queued = record.state is QUEUED
        if was_queued:
            acct.queue.remove(conversation)
        assigned = self._assign(acct, replace(record, agents=()), (to,), now, routing=None)
        return Reassignment(assigned, revoked, (to,), self._drain(acct, now))
