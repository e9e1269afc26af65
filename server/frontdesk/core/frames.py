"""Builders for every server frame: each payload shape is written once, here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from frontdesk.core.errors import ErrorCode
from frontdesk.core.model import AgentRef, AgentState, CloseReason, RevokeReason


def agent_status(agent: AgentState) -> dict[str, Any]:
    return {
        "type": "agent.status", "agent": agent.id, "name": agent.name,
        "status": agent.status.value, "status_reason": agent.status_reason.value,
        "connected": agent.is_connected, "available": agent.is_available,
    }


def agent_listing(agent: AgentState) -> dict[str, Any]:
    """One row of GET /api/v1/accounts/{account}/agents."""
    return {
        "id": agent.id, "name": agent.name, "status": agent.status.value,
        "status_reason": agent.status_reason.value, "connected": agent.is_connected, "available": agent.is_available,
        "conversations": agent.conversations,
    }


def seconds(value: float) -> float | int:
    """Whole seconds go out as integers (`"heartbeat": 10`, as FRONTDESK_HEARTBEAT was written)."""
    return int(value) if float(value).is_integer() else value


def agent_welcome(session: str, heartbeat: float, me: AgentState, team: Iterable[AgentState],
                  widgets: Iterable[dict[str, Any]],
                  conversations: Iterable[dict[str, Any]],
                  offline_messages: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
    """Contract fields (v2: `offline_messages`, the unread ones newest first), plus
    `conversations`: the agent's open ones, as joined payloads."""
    return {
        "type": "welcome", "session": session, "heartbeat": seconds(heartbeat),
        "agent": {"id": me.id, "name": me.name, "status": me.status.value,
                  "status_reason": me.status_reason.value},
        "team": [agent_status(a) for a in team], "widgets": list(widgets),
        "conversations": list(conversations), "offline_messages": list(offline_messages),
    }


def widget_welcome(session: str, heartbeat: float, visitor: str, widget_status: dict[str, Any],
                   conversation: dict[str, Any] | None, timezone: str = "UTC") -> dict[str, Any]:
    """Contract fields, plus `conversation`: the visitor's open one (joined or queued) or null,
    and `timezone`: the business's IANA zone (the page says "Back Monday at 9:00" with it)."""
    return {"type": "welcome", "session": session, "heartbeat": seconds(heartbeat), "visitor": visitor,
            "widget": widget_status, "conversation": conversation, "timezone": timezone}


def pong() -> dict[str, Any]:
    return {"type": "pong"}


def error(code: ErrorCode, message: str) -> dict[str, Any]:
    return {"type": "error", "code": code.value, "message": message}


def conversation_joined(conversation: str, widget: str, visitor: str,
                        agents: Iterable[AgentRef], text: str | None = None,
                        page: str | None = None) -> dict[str, Any]:
    """To its agents and its visitor, the same frame (v2: the first text and the page)."""
    return {"type": "conversation.joined", "conversation": conversation, "widget": widget,
            "visitor": visitor, "agents": [a.to_wire() for a in agents],
            "text": text, "page": page}


def conversation_queued(conversation: str, position: int,
                        estimated_wait: int | None) -> dict[str, Any]:
    """`estimated_wait`: whole seconds, or None (contract: An honest queue)."""
    return {"type": "conversation.queued", "conversation": conversation, "position": position,
            "estimated_wait": estimated_wait}


def conversation_closed(conversation: str,
                        reason: CloseReason = CloseReason.CLOSED) -> dict[str, Any]:
    return {"type": "conversation.closed", "conversation": conversation, "reason": reason.value}


def conversation_revoked(conversation: str, reason: RevokeReason) -> dict[str, Any]:
    """To the agents a conversation was taken from (contract: Agents: reassignment)."""
    return {"type": "conversation.revoked", "conversation": conversation, "reason": reason.value}


def conversation_rejected(widget: str, visitor: str, message: str) -> dict[str, Any]:
    """To the visitor whose start found the queue full (contract: An honest queue)."""
    return {"type": "conversation.rejected", "reason": "queue_full", "message": message,
            "widget": widget, "visitor": visitor}
