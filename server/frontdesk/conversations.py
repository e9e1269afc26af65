"""Use case: start, route, queue and close conversations (contract: Routing).

The decision and its record are one store step (`start_conversation`, `assign_queued`,
`close_conversation`); this module only turns what the store did into frames, and hands
them to the feed: the process that performed the step is the one that publishes them.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from typing import Any

from frontdesk.core import frames
from frontdesk.core.errors import ErrorCode, FrameError
from frontdesk.core.events import Push
from frontdesk.core.listings import conversation_item
from frontdesk.core.model import CloseReason, ConversationState, RevokeReason
from frontdesk.core.queue_stats import Moment
from frontdesk.feed import Feed
from frontdesk.runtime import Runtime
from frontdesk.store.base import (
    CloseResult,
    Conversation,
    ConversationStore,
    QueueChange,
    Reassignment,
    Refusal,
    StartResult,
    UpkeepStore,
)
from frontdesk.store.messages import ConversationPageStore

MomentListener = Callable[[str, str | None, Moment, float], None]
"""(account, conversation, moment, at): told once per step, by the process that performed it
(the history records them for the queue statistics)."""


def new_conversation_id() -> str:
    return secrets.token_urlsafe(16)  # 22 characters of [A-Za-z0-9_-], 128 random bits


class Conversations:
    def __init__(self, runtime: Runtime, conversations: ConversationStore,
                 upkeep: UpkeepStore, feed: Feed, pages: ConversationPageStore,
                 moments: MomentListener | None = None) -> None:
        self._runtime = runtime
        self._moments = moments
        self._clock = runtime.clock
        self._store = conversations
        self._upkeep = upkeep
        self._feed = feed
        self._pages = pages  # the page each conversation started on (joined frames show it)
        self._queued_listeners: list[Callable[[str], None]] = []

    def follow_queueing(self, listener: Callable[[str], None]) -> None:
        """Call `listener(account)` when a conversation was queued (its expiry deadline)."""
        self._queued_listeners.append(listener)
        self._departures: dict[tuple[str, str, str], asyncio.TimerHandle] = {}

    def watch_departure(self, account: str, widget: str, visitor: str) -> None:
        """The visitor's last socket closed: after the presence TTL, abandon its queued chat."""
        key = (account, widget, visitor)
        old = self._departures.pop(key, None)
        if old is not None:
            old.cancel()
        self._departures[key] = asyncio.get_running_loop().call_later(
            self._runtime.settings.presence_ttl, self._departed, key)

    def _departed(self, key: tuple[str, str, str]) -> None:
        self._departures.pop(key, None)
        self._runtime.tasks.spawn(self.abandon_if_gone(*key), f"departure {key[2]}")

    async def visitor_arrived(self, account: str, widget: str, visitor: str) -> None:
        """Count one more socket of the visitor (any process)."""
        await self._store.visitor_connected(account, widget, visitor)

    async def visitor_welcomed(self, account: str, widget: str,
                               visitor: str) -> dict[str, Any] | None:
        """`visitor_arrived`, then `of_visitor`, in one store call (a widget's welcome)."""
        conversation = await self._store.visitor_arrival(account, widget, visitor)
        if conversation is None:
            return None
        return state_payload(conversation, await self._page_of(conversation))

    async def visitor_left(self, account: str, widget: str, visitor: str) -> None:
        """One socket of the visitor fewer; the last one anywhere starts the departure watch."""
        if await self._store.visitor_disconnected(account, widget, visitor):
            self.watch_departure(account, widget, visitor)

    def stop_watching(self) -> None:
        for handle in self._departures.values():
            handle.cancel()
        self._departures.clear()

    async def start(self, account: str, widget: str, visitor: str,
                    text: str | None, page: str | None = None) -> StartResult | None:
        """`page`: the URL the visitor's widget is on (its hello), shown to the agents."""
        now = self._clock().timestamp()
        result = await self._store.start_conversation(
            account, widget, new_conversation_id(), visitor, text, now)
        if result is None:
            return None
        conversation = result.conversation
        if conversation.state is ConversationState.REJECTED:
            self._tell(account, None, Moment.REJECTED, now)
            await self._feed.publish(Push(
                account, frames.conversation_rejected(widget, visitor, result.message or ""),
                visitor=(widget, visitor), at=now))
            return result
        if page and not result.existing:
            await self._pages.remember_page(account, conversation.id, page)
        if not result.existing:
            queued = conversation.state is ConversationState.QUEUED
            self._tell(account, conversation.id,
                       Moment.STARTED_QUEUED if queued else Moment.STARTED, now)
        await self._announce(conversation, to_agents=not result.existing)
        if conversation.state is ConversationState.QUEUED and not result.existing:
            for listener in self._queued_listeners:
                listener(account)
        return result

    async def reassign(self, conversation: str, to: str | None) -> Reassignment | Refusal | None:
        """The reassign route: to `to`, or by routing without its current agents."""
        result = await self._upkeep.reassign_conversation(conversation, to,
                                                          self._clock().timestamp())
        if isinstance(result, Reassignment):
            await self.announce_reassignment(result, RevokeReason.REASSIGNED)
            for listener in self._queued_listeners:
                listener(result.conversation.account)
        return result

    async def announce_reassignment(self, result: Reassignment, reason: RevokeReason) -> None:
        """revoked to the agents it left; joined to the new agents and the visitor (or the
        visitor's queued frame, among the queue's pushes)."""
        conversation = result.conversation
        at = self._clock().timestamp()
        if result.added:
            self._tell(conversation.account, conversation.id, Moment.ASSIGNED, at)
        elif result.revoked and conversation.state is ConversationState.QUEUED:
            self._tell(conversation.account, conversation.id, Moment.QUEUED, at)
        if result.revoked:
            await self._feed.publish(Push(
                conversation.account, frames.conversation_revoked(conversation.id, reason),
                agents=result.revoked, at=at))
        if conversation.state is ConversationState.ASSIGNED and (result.added or result.revoked):
            payload = state_payload(conversation, await self._page_of(conversation))
            if payload is not None:
                await self._feed.publish(Push(
                    conversation.account, payload, agents=result.added,
                    visitor=(conversation.widget, conversation.visitor), at=at))
        await self.announce_queue(conversation.account, result.queue)

    async def announce_expired(self, conversation: Conversation) -> None:
        """Queued too long (contract: max_queue_wait): closed, with reason expired."""
        await self._pages.forget_pages(conversation.account, [conversation.id])
        self._tell(conversation.account, conversation.id, Moment.CLOSED)
        await self._feed.publish(Push(
            conversation.account,
            frames.conversation_closed(conversation.id, CloseReason.EXPIRED),
            visitor=(conversation.widget, conversation.visitor), at=self._clock().timestamp()))

    def _tell(self, account: str, conversation: str | None, moment: Moment,
              at: float | None = None) -> None:
        if self._moments is not None:
            self._moments(account, conversation, moment,
                          self._clock().timestamp() if at is None else at)

    async def _page_of(self, conversation: Conversation) -> str | None:
        found = await self._pages.conversation_pages(conversation.account, [conversation.id])
        return found.get(conversation.id)

    async def listing(self, account: str,
                      state: ConversationState | None) -> list[dict[str, Any]]:
        """GET .../conversations: open (assigned) and queued ones, or those of one state."""
        records = [c for c in await self._store.open_conversations(account)
                   if state is None or c.state is state]
        pages = await self._pages.conversation_pages(account, [c.id for c in records])
        return [conversation_item(c, pages.get(c.id)) for c in records]

    async def close(self, conversation: str, by_account: str | None = None) -> CloseResult | None:
        """Close it; `by_account` is the closing agent's account (None: the back office)."""
        store = self._store
        if by_account is not None:
            record = await store.get_conversation(conversation)
            if record is None:
                raise FrameError(ErrorCode.BAD_FIELD, "unknown conversation")
            if record.account != by_account:
                raise FrameError(ErrorCode.FORBIDDEN, "the conversation belongs to another account")
        result = await store.close_conversation(conversation, self._clock().timestamp())
        if result is None:
            if by_account is not None:
                raise FrameError(ErrorCode.BAD_FIELD, "unknown conversation")
            return None
        await self._announce_close(result)
        return result

    async def abandon_if_gone(self, account: str, widget: str, visitor: str) -> None:
        """A queued visitor gone for the presence TTL leaves the queue (see README)."""
        result = await self._store.abandon_queued(account, widget, visitor,
                                                  self._clock().timestamp())
        if result is not None:
            await self._announce_close(result)

    async def _announce_close(self, result: CloseResult) -> None:
        if result.was_open:
            closed = result.conversation
            await self._pages.forget_pages(closed.account, [closed.id])
            self._tell(closed.account, closed.id, Moment.CLOSED)
            await self._feed.publish(Push(
                closed.account,
                frames.conversation_closed(closed.id, closed.close_reason or CloseReason.CLOSED),
                agents=tuple(a.id for a in closed.agents), visitor=(closed.widget, closed.visitor),
                at=self._clock().timestamp()))
            await self.announce_queue(closed.account, result.queue)

    async def assign_queued(self, account: str) -> None:
        change = await self._store.assign_queued(account, self._clock().timestamp())
        await self.announce_queue(account, change)

    async def announce_queue(self, account: str, change: QueueChange) -> None:
        """joined for those assigned from the queue; queued (position, estimate) for those
        whose frame must go out again."""
        for conversation in change.assigned:
            self._tell(account, conversation.id, Moment.ASSIGNED)
            await self._announce(conversation, to_agents=True)
        for conversation in change.moved:
            await self._announce(conversation, to_agents=False)

    async def _announce(self, conversation: Conversation, *, to_agents: bool) -> None:
        """joined to its agents and visitor, or queued (with position) to the visitor."""
        payload = state_payload(conversation, await self._page_of(conversation))
        if payload is None:
            return
        agents = tuple(a.id for a in conversation.agents) if to_agents else ()
        await self._feed.publish(Push(
            conversation.account, payload, agents=agents,
            visitor=(conversation.widget, conversation.visitor), at=self._clock().timestamp()))

    async def of_agent(self, account: str, agent: str) -> list[dict[str, Any]]:
        """The agent's open conversations as `conversation.joined` payloads (its welcome)."""
        mine = [c for c in await self._store.open_conversations(account)
                if c.state is ConversationState.ASSIGNED and any(a.id == agent for a in c.agents)]
        pages = await self._pages.conversation_pages(account, [c.id for c in mine]) if mine else {}
        return [frames.conversation_joined(c.id, c.widget, c.visitor, c.agents, c.text,
                                           pages.get(c.id)) for c in mine]

    async def of_visitor(self, account: str, widget: str, visitor: str) -> dict[str, Any] | None:
        """The visitor's open conversation as joined or queued payload (its welcome)."""
        conversation = await self._store.visitor_conversation(account, widget, visitor)
        if conversation is None:
            return None
        return state_payload(conversation, await self._page_of(conversation))


def state_payload(conversation: Conversation, page: str | None = None) -> dict[str, Any] | None:
    """Where a conversation stands, as the frame its visitor gets: joined or queued."""
    if conversation.state is ConversationState.ASSIGNED:
        return frames.conversation_joined(conversation.id, conversation.widget,
                                          conversation.visitor, conversation.agents,
                                          conversation.text, page)
    if conversation.state is ConversationState.QUEUED and conversation.position is not None:
        return frames.conversation_queued(conversation.id, conversation.position,
                                          conversation.estimated_wait)
    return None
