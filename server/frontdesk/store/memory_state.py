"""What the in-process store holds, shared by its concern mixins (memory*.py).

Every method of the mixins runs to completion without awaiting anything, so each is atomic
on the event loop, which is what the Store protocols ask.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from frontdesk.core.account_settings import AccountSettings
from frontdesk.core.model import AgentStatus, StatusReason
from frontdesk.core.queue import QueueAssignment
from frontdesk.core.settings import WidgetSettings
from frontdesk.store.base import Conversation, EventHandler


@dataclass(slots=True)
class _Agent:
    name: str
    status: AgentStatus = AgentStatus.ONLINE
    status_reason: StatusReason = StatusReason.AGENT
    connections: dict[str, float | None] = field(default_factory=dict)  # id -> grace end
    idle: dict[str, float] = field(default_factory=dict)  # live connection -> idle since
    open: set[str] = field(default_factory=set)
    last_assigned: float | None = None
    unavailable_since: float | None = None  # noted by review_account

    @property
    def is_available(self) -> bool:
        return self.status is AgentStatus.ONLINE and bool(self.connections)

    def live_connections(self) -> list[str]:
        """Connections not in their close grace."""
        return [c for c, until in self.connections.items() if until is None]


@dataclass(slots=True)
class _Account:
    version: int = 0
    agents: dict[str, _Agent] = field(default_factory=dict)
    widgets: set[str] = field(default_factory=set)
    queue: list[str] = field(default_factory=list)  # by start order (seq), head first
    round_robin_cursor: str | None = None
    assignments: int = 0  # orders "assigned longest ago" without trusting clocks
    starts: int = 0  # orders conversations by start
    queue_history: tuple[QueueAssignment, ...] = ()  # the last assignments from the queue


@dataclass(slots=True)
class _Track:
    """A conversation's times and what its visitor was last told while queued."""

    seq: int  # start order within the account
    started_at: float
    queued_at: float | None = None
    assigned_at: float | None = None
    last_position: int | None = None
    last_estimate: int | None = None


class MemoryState:
    def __init__(self) -> None:
        self._on_event: EventHandler | None = None
        self._accounts: dict[str, _Account] = {}
        self._widgets: dict[str, WidgetSettings] = {}
        self._conversations: dict[str, Conversation] = {}
        self._tracks: dict[str, _Track] = {}  # open conversations only
        self._open_by_visitor: dict[tuple[str, str, str], str] = {}
        self._closed_at: dict[str, float] = {}  # in closing order
        self._visitor_sockets: dict[tuple[str, str, str], int] = {}
        self._published: dict[tuple[str, str], tuple[tuple[int, float], dict[str, Any]]] = {}
        self._account_settings: dict[str, AccountSettings] = {}
        self._due: dict[str, float] = {}  # account -> when its next review is due

    def _account(self, account: str) -> _Account:
        acct = self._accounts.get(account)
        if acct is None:
            acct = self._accounts[account] = _Account()
        return acct
