"""The in-process store: one process, nothing survives a restart.

Every method runs to completion without awaiting anything, so each is atomic on the event
loop, which is what the Store protocol asks of it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from frontdesk.core.errors import WrongAccount
from frontdesk.core.events import Event, Push
from frontdesk.core.model import (
    AgentRef,
    AgentState,
    AgentStatus,
    ConversationState,
    Routing,
)
from frontdesk.core.routing import choose_agents
from frontdesk.core.settings import WidgetSettings
from frontdesk.store.base import (
    CLOSED_RETENTION,
    CloseResult,
    Conversation,
    EventHandler,
    QueueChange,
    StartResult,
    Team,
)
from frontdesk.store.memory_history import MemoryHistory
from frontdesk.store.memory_messages import MemoryMessages


@dataclass(slots=True)
class _Agent:
    name: str
    status: AgentStatus = AgentStatus.ONLINE
    connections: dict[str, float | None] = field(default_factory=dict)  # id -> grace end
    open: set[str] = field(default_factory=set)
    last_assigned: float | None = None


@dataclass(slots=True)
class _Account:
    version: int = 0
    agents: dict[str, _Agent] = field(default_factory=dict)
    widgets: set[str] = field(default_factory=set)
    queue: list[str] = field(default_factory=list)
    round_robin_cursor: str | None = None
    assignments: int = 0  # orders "assigned longest ago" without trusting clocks


class MemoryStore(MemoryMessages, MemoryHistory):
    def __init__(self) -> None:
        MemoryMessages.__init__(self)
        MemoryHistory.__init__(self)
        self._on_event: EventHandler | None = None
        self._accounts: dict[str, _Account] = {}
        self._widgets: dict[str, WidgetSettings] = {}
        self._conversations: dict[str, Conversation] = {}
        self._open_by_visitor: dict[tuple[str, str, str], str] = {}
        self._closed_at: dict[str, float] = {}  # in closing order
        self._visitor_sockets: dict[tuple[str, str, str], int] = {}
        self._published: dict[tuple[str, str], tuple[tuple[int, float], dict[str, Any]]] = {}

    def _account(self, account: str) -> _Account:
        acct = self._accounts.get(account)
        if acct is None:
            acct = self._accounts[account] = _Account()
        return acct

    # --- life ---------------------------------------------------------------------------
    async def open(self, on_event: EventHandler,
                   on_reconnect: Callable[[], Awaitable[None]] | None = None) -> None:
        self._on_event = on_event

    async def close(self) -> None:
        self._on_event = None

    async def ping(self) -> None:
        return None

    async def watch(self, account: str) -> None:
        """One process holds every socket: it hears every account anyway."""

    async def unwatch(self, account: str) -> None:
        return None

    # --- widgets ----------------------------------------------------------------------------
    async def put_widget(self, widget: str, settings: WidgetSettings) -> bool:
        old = self._widgets.get(widget)
        if old is not None and old.account != settings.account:
            raise WrongAccount(widget)
        self._widgets[widget] = settings
        acct = self._account(settings.account)
        acct.widgets.add(widget)
        acct.version += 1
        return old is None

    async def get_widget(self, widget: str) -> WidgetSettings | None:
        return self._widgets.get(widget)

    async def delete_widget(self, widget: str) -> WidgetSettings | None:
        old = self._widgets.pop(widget, None)
        if old is not None:
            acct = self._account(old.account)
            acct.widgets.discard(widget)
            acct.version += 1
        return old

    async def list_widgets(self, account: str) -> dict[str, WidgetSettings]:
        acct = self._accounts.get(account)
        if acct is None:
            return {}
        return {w: self._widgets[w] for w in sorted(acct.widgets)}

    # --- agents -------------------------------------------------------------------------------
    async def see_agent(self, account: str, agent: str, name: str) -> bool:
        acct = self._account(account)
        known = acct.agents.get(agent)
        if known is None:
            acct.agents[agent] = _Agent(name=name)
            acct.version += 1
            return True
        if known.name != name:
            known.name = name
            acct.version += 1
        return False

    async def set_agent_status(self, account: str, agent: str, status: AgentStatus) -> bool:
        acct = self._account(account)
        record = acct.agents.setdefault(agent, _Agent(name=agent))
        if record.status is status:
            return False
        record.status = status
        acct.version += 1
        return True

    async def team(self, account: str) -> Team:
        acct = self._accounts.get(account)
        if acct is None:
            return Team(version=0, agents=())
        return Team(version=acct.version, agents=tuple(self._agent_states(acct)))

    @staticmethod
    def _agent_states(acct: _Account) -> list[AgentState]:
        return [AgentState(id=agent_id, name=a.name, status=a.status,
                           connections=len(a.connections), conversations=len(a.open),
                           last_assigned=a.last_assigned)
                for agent_id, a in sorted(acct.agents.items())]

    async def add_connection(self, account: str, agent: str, connection: str) -> None:
        acct = self._account(account)
        record = acct.agents.setdefault(agent, _Agent(name=agent))
        record.connections[connection] = None
        acct.version += 1

    async def end_connection(self, account: str, agent: str, connection: str,
                             grace_until: float | None) -> None:
        acct = self._account(account)
        record = acct.agents.get(agent)
        if record is None or connection not in record.connections:
            return
        if grace_until is None:
            del record.connections[connection]
        else:
            record.connections[connection] = grace_until
        acct.version += 1

    async def sweep(self, account: str, now: float) -> bool:
        acct = self._accounts.get(account)
        if acct is None:
            return False
        dropped = False
        for record in acct.agents.values():
            ended = [c for c, until in record.connections.items()
                     if until is not None and until <= now]
            for connection in ended:
                del record.connections[connection]
                dropped = True
        if dropped:
            acct.version += 1
        return dropped

    async def renew_node(self, now: float, ttl: float) -> None:
        return None  # one process: its connections live exactly as long as it does

    async def sweep_nodes(self, now: float) -> list[str]:
        return []

    async def retire_node(self) -> list[str]:
        touched = []
        for account, acct in self._accounts.items():
            for record in acct.agents.values():
                if record.connections:
                    record.connections.clear()
                    touched.append(account)
        return sorted(set(touched))

    async def accounts_in_grace(self) -> list[tuple[str, float]]:
        result = []
        for account, acct in self._accounts.items():
            ends = [until for a in acct.agents.values() for until in a.connections.values()
                    if until is not None]
            if ends:
                result.append((account, min(ends)))
        return result

    # --- publishing -----------------------------------------------------------------------------
    async def publish(self, event: Event) -> None:
        if self._on_event is not None:
            self._on_event(event)

    async def publish_if_changed(self, account: str, stamp: tuple[int, float],
                                 items: Sequence[tuple[str, Push]]) -> list[str]:
        sent: list[str] = []
        for subject, event in items:
            key = (account, subject)
            last = self._published.get(key)
            if last is not None:
                last_stamp, last_payload = last
                if stamp <= last_stamp:
                    continue
                if last_payload == event.payload:
                    self._published[key] = (stamp, last_payload)
                    continue
            self._published[key] = (stamp, event.payload)
            await self.publish(event)
            sent.append(subject)
        return sent

    async def forget_subject(self, account: str, subject: str) -> None:
        self._published.pop((account, subject), None)

    # --- conversations ----------------------------------------------------------------------------
    async def start_conversation(self, account: str, widget: str, conversation: str,
                                 visitor: str, text: str | None, now: float) -> StartResult | None:
        settings = self._widgets.get(widget)
        if settings is None or settings.account != account:
            return None
        existing = self._open_by_visitor.get((account, widget, visitor))
        if existing is not None:
            return StartResult(self._with_position(self._conversations[existing]), existing=True)
        acct = self._account(account)
        record = Conversation(id=conversation, account=account, widget=widget, visitor=visitor,
                              state=ConversationState.QUEUED, text=text)
        self._open_by_visitor[(account, widget, visitor)] = conversation
        if not acct.queue:
            assigned = self._try_assign(acct, record, settings)
            if assigned is not None:
                self._conversations[conversation] = assigned
                return StartResult(assigned, existing=False)
        acct.queue.append(conversation)
        queued = replace(record, position=len(acct.queue))
        self._conversations[conversation] = queued
        return StartResult(queued, existing=False)

    def _try_assign(self, acct: _Account, record: Conversation,
                    settings: WidgetSettings | None) -> Conversation | None:
        routing = settings.routing if settings else Routing.BROADCAST
        capacity = settings.max_conversations_per_agent if settings else 0
        chosen = choose_agents(self._agent_states(acct), routing, capacity,
                               acct.round_robin_cursor)
        if not chosen:
            return None
        for agent_id in chosen:
            acct.assignments += 1
            agent = acct.agents[agent_id]
            agent.open.add(record.id)
            agent.last_assigned = float(acct.assignments)
        if routing is Routing.ROUND_ROBIN:
            acct.round_robin_cursor = chosen[0]
        refs = tuple(AgentRef(a, acct.agents[a].name) for a in chosen)
        return replace(record, state=ConversationState.ASSIGNED, agents=refs, position=None)

    def _with_position(self, record: Conversation) -> Conversation:
        if record.state is not ConversationState.QUEUED:
            return record
        queue = self._account(record.account).queue
        return replace(record, position=queue.index(record.id) + 1)

    def _drain(self, acct: _Account, moved_from: int) -> QueueChange:
        """Assign from the head while possible; report everyone behind `moved_from` as moved."""
        assigned: list[Conversation] = []
        while acct.queue:
            head = self._conversations[acct.queue[0]]
            result = self._try_assign(acct, head, self._widgets.get(head.widget))
            if result is None:
                break
            acct.queue.pop(0)
            self._conversations[result.id] = result
            assigned.append(result)
        start = 0 if assigned else moved_from
        moved = []
        for index in range(start, len(acct.queue)):
            record = replace(self._conversations[acct.queue[index]], position=index + 1)
            self._conversations[record.id] = record
            moved.append(record)
        return QueueChange(assigned=tuple(assigned), moved=tuple(moved))

    async def close_conversation(self, conversation: str, now: float) -> CloseResult | None:
        record = self._conversations.get(conversation)
        if record is None:
            return None
        if record.state is ConversationState.CLOSED:
            return CloseResult(record, was_open=False, queue=QueueChange())
        acct = self._account(record.account)
        moved_from = len(acct.queue)
        if record.state is ConversationState.QUEUED:
            moved_from = acct.queue.index(conversation)
            acct.queue.remove(conversation)
        for ref in record.agents:
            agent = acct.agents.get(ref.id)
            if agent is not None:
                agent.open.discard(conversation)
        self._open_by_visitor.pop((record.account, record.widget, record.visitor), None)
        closed = replace(record, state=ConversationState.CLOSED, position=None)
        self._conversations[conversation] = closed
        self._closed_at[conversation] = now
        self._prune_closed(now - CLOSED_RETENTION)
        return CloseResult(closed, was_open=True, queue=self._drain(acct, moved_from))

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
        return self._drain(acct, len(acct.queue))

    async def visitor_conversation(self, account: str, widget: str,
                                   visitor: str) -> Conversation | None:
        conversation = self._open_by_visitor.get((account, widget, visitor))
        return None if conversation is None else await self.get_conversation(conversation)

    async def visitor_connected(self, account: str, widget: str, visitor: str) -> None:
        key = (account, widget, visitor)
        self._visitor_sockets[key] = self._visitor_sockets.get(key, 0) + 1

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
        if conversation is None:
            return None
        if self._conversations[conversation].state is not ConversationState.QUEUED:
            return None
        return await self.close_conversation(conversation, now)

    async def get_conversation(self, conversation: str) -> Conversation | None:
        record = self._conversations.get(conversation)
        return None if record is None else self._with_position(record)

    async def open_conversations(self, account: str) -> list[Conversation]:
        return [self._with_position(c) for c in self._conversations.values()
                if c.account == account and c.state is not ConversationState.CLOSED]
