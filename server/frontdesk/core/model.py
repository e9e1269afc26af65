"""Wire words and the value types the rest of Frontdesk passes around.

Every enum's values are the contract's own words (../shared/CONTRACT.md), so an enum
member can be written to a frame or a JSON body as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum  # values are the contract's words
from typing import TypeGuard

ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def is_valid_id(value: object) -> TypeGuard[str]:
    """Account, agent, widget, visitor and conversation ids share one pattern (contract: Words)."""
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


class AgentStatus(StrEnum):
    ONLINE = "online"
    BUSY = "busy"


class StatusReason(StrEnum):
    """Who set an agent's status (contract: Agents): the agent, auto-away, or the API."""

    AGENT = "agent"
    IDLE = "idle"
    API = "api"


class CloseReason(StrEnum):
    """Why a conversation closed (contract: An honest queue, `conversation.closed`)."""

    CLOSED = "closed"  # by an agent or the API
    EXPIRED = "expired"  # waited in the queue longer than max_queue_wait
    ABANDONED = "abandoned"  # the visitor left while queued


class RevokeReason(StrEnum):
    """Why a conversation was taken from an agent (`conversation.revoked`)."""

    AGENT_UNAVAILABLE = "agent_unavailable"  # reassign_after ran out
    REASSIGNED = "reassigned"  # the reassign route


class WidgetStatus(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"


class Mode(StrEnum):
    MANUAL = "manual"
    SCHEDULED = "scheduled"


class Reason(StrEnum):
    MANUAL = "manual"
    SCHEDULE = "schedule"
    TEAM_AWAY = "team_away"


class Routing(StrEnum):
    BROADCAST = "broadcast"
    ROUND_ROBIN = "round_robin"
    LEAST_BUSY = "least_busy"


class ConversationState(StrEnum):
    ASSIGNED = "assigned"
    QUEUED = "queued"
    CLOSED = "closed"
    REJECTED = "rejected"  # refused at its start (queue full); never stored


class ClientKind(StrEnum):
    AGENT = "agent"
    WIDGET = "widget"


@dataclass(frozen=True, slots=True)
class AgentRef:
    """An agent as conversation frames name it: `{"id", "name"}`."""

    id: str
    name: str

    def to_wire(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True, slots=True)
class AgentState:
    """What the store knows of one agent; `connections` counts live and in-grace ones."""

    id: str
    name: str
    status: AgentStatus
    connections: int
    conversations: int
    last_assigned: float | None = None
    status_reason: StatusReason = StatusReason.AGENT

    @property
    def is_connected(self) -> bool:
        return self.connections > 0

    @property
    def is_available(self) -> bool:
        """Contract: available = status online and connected."""
        return self.status is AgentStatus.ONLINE and self.connections > 0


def to_wire_time(moment: datetime) -> str:
    """Contract: every time on the wire is ISO-8601 UTC with a `Z`, to the second."""
    utc = moment.astimezone(UTC).replace(microsecond=0)
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
