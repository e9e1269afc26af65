"""Records the store hands back, shared by its protocols (base.py, views.py)."""

from __future__ import annotations

from dataclasses import dataclass

from frontdesk.core.model import AgentRef, CloseReason, ConversationState


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    account: str
    widget: str
    visitor: str
    state: ConversationState
    agents: tuple[AgentRef, ...] = ()
    position: int | None = None  # 1-based place in the account's queue, when queued
    text: str | None = None
    estimated_wait: int | None = None  # when queued: the estimate its visitor was last told
    started_at: float | None = None  # epoch seconds
    queued_at: float | None = None  # when it (last) entered the queue, while queued
    assigned_at: float | None = None  # its latest assignment, while assigned
    close_reason: CloseReason | None = None  # once closed
