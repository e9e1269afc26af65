"""Items of the back end's list routes (contract v2: "routes a back end expects")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from frontdesk.core.model import ConversationState, to_wire_time

if TYPE_CHECKING:  # the record's shape only; core imports nothing of the store at run time
    from frontdesk.store.base import Conversation

STATES = {"open": ConversationState.ASSIGNED, "queued": ConversationState.QUEUED}
"""The list's `state` words and the conversation states they mean ("open" = assigned)."""

LIST_STATE = {state: word for word, state in STATES.items()}


def _time(epoch: float | None) -> str | None:
    return None if epoch is None else to_wire_time(datetime.fromtimestamp(epoch, UTC))


def conversation_item(record: Conversation, page: str | None) -> dict[str, Any]:
    """One item of GET /api/v1/accounts/{account}/conversations (null where it does not apply:
    `position`, `estimated_wait` and `queued_at` for open ones, `assigned_at` for queued ones)."""
    queued = record.state is ConversationState.QUEUED
    return {
        "conversation": record.id, "widget": record.widget, "visitor": record.visitor,
        "state": LIST_STATE[record.state],
        "agents": [a.to_wire() for a in record.agents],
        "position": record.position if queued else None,
        "estimated_wait": record.estimated_wait if queued else None,
        "started_at": _time(record.started_at),
        "queued_at": _time(record.queued_at) if queued else None,
        "assigned_at": None if queued else _time(record.assigned_at),
        "text": record.text, "page": page,
    }
