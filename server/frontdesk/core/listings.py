"""Items of the back end's list routes (contract v2: "routes a back end expects").

The conversation list's times come from the conversation record where it keeps them
(`started_at`, `queued_at`, `assigned_at`, epoch seconds) and its queue estimate from
`estimated_wait` (whole seconds): fields the honest-queue work adds to
`store.base.Conversation`. Until a record has one, its item says null.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from frontdesk.core.model import ConversationState, to_wire_time

STATES = {"open": ConversationState.ASSIGNED, "queued": ConversationState.QUEUED}
"""The list's `state` words and the conversation states they mean ("open" = assigned)."""

LIST_STATE = {state: word for word, state in STATES.items()}


def _time(record: object, name: str) -> str | None:
    value = getattr(record, name, None)  # hook: set by the queue's record once it has it
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromtimestamp(float(value), UTC)
    return to_wire_time(moment)


def conversation_item(record: Any, page: str | None) -> dict[str, Any]:
    """One item of GET /api/v1/accounts/{account}/conversations (null where it does not apply)."""
    queued = record.state is ConversationState.QUEUED
    wait = getattr(record, "estimated_wait", None)  # hook: the queue's estimate, whole seconds
    return {
        "conversation": record.id, "widget": record.widget, "visitor": record.visitor,
        "state": LIST_STATE[record.state],
        "agents": [a.to_wire() for a in record.agents],
        "position": record.position if queued else None,
        "estimated_wait": int(wait) if queued and wait is not None else None,
        "started_at": _time(record, "started_at"),
        "queued_at": _time(record, "queued_at") if queued else None,
        "assigned_at": None if queued else _time(record, "assigned_at"),
        "text": record.text, "page": page,
    }
