"""The store contract of issue 15, against both stores: account settings, status reasons, the
honest queue (estimates, max_queue, expiry, close reasons), the review (auto-away,
reassignment) and the reassign route, and the index of due reviews."""

from __future__ import annotations

import asyncio

import pytest

from frontdesk.core.account_settings import AccountSettings
from frontdesk.core.model import AgentStatus, CloseReason, ConversationState, Routing, StatusReason
from frontdesk.store.base import Reassignment, Refusal, Store
from tests.store.conftest import Harness
from tests.store.test_store_contract import (
    ACME,
    ASSIGNED,
    NOW,
    QUEUED,
    agent_ids,
    agent_state,
    connect,
    widget_settings,
)

REJECTED = ConversationState.REJECTED


async def begin(store: Store, visitor: str, now: float = NOW, widget: str = "w1"):
    result = await store.start_conversation(ACME, widget, f"c-{visitor}", visitor, None, now)
    assert result is not None
    return result


# --- account settings and status reasons ---------------------------------------------------------
async def test_account_settings_default_and_replace(store: Store) -> None:
    assert await store.get_account_settings(ACME) == AccountSettings()
    await store.put_account_settings(ACME, AccountSettings(auto_away_after=1.5, reassign_after=60))
    assert await store.get_account_settings(ACME) == AccountSettings(1.5, 60)
    await store.put_account_settings(ACME, AccountSettings(reassign_after=2))
    assert await store.get_account_settings(ACME) == AccountSettings(0, 2)
    assert await store.get_account_settings("other") == AccountSettings()


async def test_status_reason_is_part_of_the_status(store: Store) -> None:
    await connect(store, "kevin")
    assert (await agent_state(store, "kevin")).status_reason is StatusReason.AGENT
    assert await store.set_agent_status(ACME, "kevin", AgentStatus.BUSY, StatusReason.API)
    kevin = await agent_state(store, "kevin")
    assert (kevin.status, kevin.status_reason) == (AgentStatus.BUSY, StatusReason.API)
    # Same status, another reason: a change (the agents list and the push show it).
    assert await store.set_agent_status(ACME, "kevin", AgentStatus.BUSY, StatusReason.AGENT)
    assert not await store.set_agent_status(ACME, "kevin", AgentStatus.BUSY, StatusReason.AGENT)


# --- the honest queue ------------------------------------------------------------------------------
async def test_max_queue_refuses_and_stores_nothing(store: Store) -> None:
    await store.put_widget("w1", widget_settings(max_queue=2, offline_message="Leave a note"))
    first, second = await begin(store, "v1"), await begin(store, "v2")
    assert (first.conversation.state, second.conversation.state) == (QUEUED, QUEUED)
    third = await begin(store, "v3")
    assert third.conversation.state is REJECTED and third.message == "Leave a note"
    assert await store.visitor_conversation(ACME, "w1", "v3") is None
    assert await store.get_conversation("c-v3") is None
    assert [c.id for c in await store.open_conversations(ACME)] == ["c-v1", "c-v2"]


async def test_estimate_follows_assignments_from_the_queue(store: Store) -> None:
    """Null without history; a single assignment's wait; then the mean gap times position."""
    await store.put_widget("w1", widget_settings(routing=Routing.ROUND_ROBIN, capacity=1))
    for i in range(5):
        result = await begin(store, f"v{i}", NOW + i)
        assert result.conversation.estimated_wait is None  # nobody was ever assigned from it
    await connect(store, "kevin")
    change = await store.assign_queued(ACME, NOW + 40)  # c-v0 waited 40 s
    assert [c.id for c in change.assigned] == ["c-v0"]
    assert [(c.position, c.estimated_wait) for c in change.moved] == [
        (1, 40), (2, 80), (3, 120), (4, 160)]  # one assignment: its wait (40 s) per place
    closed = await store.close_conversation("c-v0", NOW + 50)
    assert closed is not None
    assert [c.id for c in closed.queue.assigned] == ["c-v1"]
    assert [(c.position, c.estimated_wait) for c in closed.queue.moved] == [
        (1, 10), (2, 20), (3, 30)]  # two assignments 10 s apart
    assert (await store.get_conversation("c-v3")).estimated_wait == 20  # type: ignore[union-attr]


async def test_a_queued_frame_is_pushed_again_only_on_a_real_change(store: Store) -> None:
    await store.put_widget("w1", widget_settings(routing=Routing.ROUND_ROBIN, capacity=1))
    for i in range(3):
        await begin(store, f"v{i}", NOW)
    await connect(store, "kevin")
    await store.assign_queued(ACME, NOW + 30)
    # Nothing moved since: a review pushes nothing.
    review = await store.review_account(ACME, NOW + 31)
    assert review.queue.moved == ()
    # An hour later the history is stale: the estimate turns null, which is pushed.
    later = await store.review_account(ACME, NOW + 30 + 3600)
    assert [(c.id, c.estimated_wait) for c in later.queue.moved] == [
        ("c-v1", None), ("c-v2", None)]


async def test_queue_expiry_and_close_reasons(store: Store) -> None:
    await store.put_widget("w1", widget_settings(max_queue_wait=2.5))
    await begin(store, "v1", NOW)
    await begin(store, "v2", NOW + 1)
    review = await store.review_account(ACME, NOW + 1)
    assert review.expired == () and review.next_due == pytest.approx(NOW + 2.5)
    review = await store.review_account(ACME, NOW + 2.6)
    assert [c.id for c in review.expired] == ["c-v1"]
    assert review.expired[0].close_reason is CloseReason.EXPIRED
    assert [(c.id, c.position) for c in review.queue.moved] == [("c-v2", 1)]
    assert review.next_due == pytest.approx(NOW + 3.5)
    again = await store.review_account(ACME, NOW + 2.7)  # acts once
    assert again.expired == ()
    closed = await store.close_conversation("c-v2", NOW + 3)
    assert closed is not None and closed.conversation.close_reason is CloseReason.CLOSED
    await store.visitor_connected(ACME, "w1", "v3")
    await begin(store, "v3", NOW + 3)
    await store.visitor_disconnected(ACME, "w1", "v3")
    abandoned = await store.abandon_queued(ACME, "w1", "v3", NOW + 4)
    assert abandoned is not None and abandoned.conversation.close_reason is CloseReason.ABANDONED


# --- auto-away ---------------------------------------------------------------------------------------
async def test_auto_away_needs_every_live_connection_idle(store: Store) -> None:
    await store.put_account_settings(ACME, AccountSettings(auto_away_after=2))
    await store.see_agent(ACME, "kevin", "Kevin")
    await store.add_connection(ACME, "kevin", "tab1")
    await store.add_connection(ACME, "kevin", "tab2")
    await store.set_connection_idle(ACME, "kevin", "tab1", NOW)
    assert (await store.review_account(ACME, NOW + 10)).away == ()  # tab2 is active
    await store.set_connection_idle(ACME, "kevin", "tab2", NOW + 1)
    await store.set_connection_idle(ACME, "kevin", "tab2", NOW + 1.5)  # a repeat: no restart
    review = await store.review_account(ACME, NOW + 2)
    assert review.away == () and review.next_due == pytest.approx(NOW + 3)
    review = await store.review_account(ACME, NOW + 3)
    assert review.away == ("kevin",)
    kevin = await agent_state(store, "kevin")
    assert (kevin.status, kevin.status_reason) == (AgentStatus.BUSY, StatusReason.IDLE)
    assert (await store.review_account(ACME, NOW + 4)).away == ()  # once
    # Never back online by itself, even when a tab wakes up.
    await store.set_connection_idle(ACME, "kevin", "tab1", None)
    await store.review_account(ACME, NOW + 5)
    assert (await agent_state(store, "kevin")).status is AgentStatus.BUSY


async def test_no_auto_away_without_a_live_connection(store: Store) -> None:
    await store.put_account_settings(ACME, AccountSettings(auto_away_after=1))
    await connect(store, "kevin")
    await store.set_connection_idle(ACME, "kevin", "conn-kevin", NOW)
    await store.end_connection(ACME, "kevin", "conn-kevin", NOW + 60)  # in its grace
    review = await store.review_account(ACME, NOW + 5)
    assert review.away == () and review.next_due is None


# --- reassignment --------------------------------------------------------------------------------
async def test_reassignment_after_every_agent_was_unavailable_long_enough(store: Store) -> None:
    await store.put_account_settings(ACME, AccountSettings(reassign_after=10))
    await store.put_widget("w1", widget_settings(routing=Routing.ROUND_ROBIN))
    await connect(store, "anna", "ben")
    first = (await begin(store, "v1", NOW)).conversation
    assert agent_ids(first) == ["anna"]
    await store.set_agent_status(ACME, "anna", AgentStatus.BUSY)
    review = await store.review_account(ACME, NOW + 5)  # notes anna unavailable since NOW + 5
    assert review.reassigned == () and review.next_due == pytest.approx(NOW + 15)
    review = await store.review_account(ACME, NOW + 15)
    assert len(review.reassigned) == 1
    moved = review.reassigned[0]
    assert (moved.revoked, moved.added) == (("anna",), ("ben",))
    assert moved.conversation.state is ASSIGNED and agent_ids(moved.conversation) == ["ben"]
    assert (await agent_state(store, "anna")).conversations == 0
    assert (await agent_state(store, "ben")).conversations == 1
    assert (await store.review_account(ACME, NOW + 16)).reassigned == ()


async def test_reassignment_with_nobody_queues_it_by_its_start(store: Store) -> None:
    await store.put_account_settings(ACME, AccountSettings(reassign_after=1))
    await store.put_widget("w1", widget_settings(routing=Routing.ROUND_ROBIN, capacity=1,
                                                 max_queue=1))
    await connect(store, "anna")
    await begin(store, "early", NOW)  # anna's
    await begin(store, "late", NOW + 1)  # queued (anna is full)
    await store.set_agent_status(ACME, "anna", AgentStatus.BUSY)
    await store.review_account(ACME, NOW + 2)
    review = await store.review_account(ACME, NOW + 3)
    assert [r.conversation.state for r in review.reassigned] == [QUEUED]
    # max_queue does not apply to it, and it goes ahead of the one that started later.
    queued = [c for c in await store.open_conversations(ACME) if c.state is QUEUED]
    assert [(c.id, c.position) for c in queued] == [("c-early", 1), ("c-late", 2)]
    pushed = {c.id: c.position for r in review.reassigned for c in r.queue.moved}
    pushed.update({c.id: c.position for c in review.queue.moved})
    assert pushed == {"c-early": 1, "c-late": 2}


async def test_the_reassign_route(store: Store) -> None:
    await store.put_widget("w1", widget_settings(routing=Routing.BROADCAST, capacity=1))
    await connect(store, "anna", "ben", "cleo")
    conversation = (await begin(store, "v1", NOW)).conversation
    assert agent_ids(conversation) == ["anna", "ben", "cleo"]
    assert await store.reassign_conversation("nope", None, NOW) is None
    assert await store.reassign_conversation(conversation.id, "ghost", NOW) is Refusal.UNAVAILABLE
    await store.set_agent_status(ACME, "cleo", AgentStatus.BUSY)
    assert await store.reassign_conversation(conversation.id, "cleo", NOW) is Refusal.UNAVAILABLE
    kept = await store.reassign_conversation(conversation.id, "ben", NOW + 1)
    assert isinstance(kept, Reassignment)
    assert (kept.revoked, kept.added) == (("anna", "cleo"), ())
    assert agent_ids(kept.conversation) == ["ben"]
    await store.see_agent(ACME, "dora", "Dora")
    await store.add_connection(ACME, "dora", "conn-dora")
    second = (await begin(store, "v2", NOW + 2)).conversation  # anna, dora (ben is full)
    assert agent_ids(second) == ["anna", "dora"]
    over = await store.reassign_conversation(second.id, "ben", NOW + 3)  # even over capacity
    assert isinstance(over, Reassignment) and over.added == ("ben",)
    assert (await agent_state(store, "ben")).conversations == 2
    await store.close_conversation(second.id, NOW + 4)
    assert await store.reassign_conversation(second.id, None, NOW + 5) is Refusal.CLOSED


# --- the due index ---------------------------------------------------------------------------------
async def test_due_index_keeps_the_earliest_deadline(store: Store) -> None:
    assert await store.due_score("a1") is None
    await store.schedule_review("a1", NOW + 10)
    await store.schedule_review("a1", NOW + 20)
    assert await store.due_score("a1") == NOW + 10
    assert await store.due_accounts(NOW + 9) == []
    assert await store.due_accounts(NOW + 10) == ["a1"]
    await store.settle_review("a1", NOW + 10, NOW + 30)  # unchanged since read: replaced
    assert await store.due_score("a1") == NOW + 30
    await store.schedule_review("a1", NOW + 25)  # someone scheduled meanwhile ...
    await store.settle_review("a1", NOW + 30, NOW + 40)  # ... so the earlier is kept
    assert await store.due_score("a1") == NOW + 25
    await store.settle_review("a1", NOW + 25, None)
    assert await store.due_score("a1") is None


@pytest.mark.redis
async def test_two_processes_reviewing_at_once_reassign_once(harness: Harness) -> None:
    if not harness.is_redis:
        pytest.skip("only the redis store has other processes")
    store = harness.store
    await store.put_account_settings(ACME, AccountSettings(reassign_after=1))
    await store.put_widget("w1", widget_settings(routing=Routing.ROUND_ROBIN, capacity=30))
    await connect(store, "anna")
    for i in range(20):
        await begin(store, f"v{i}", NOW)
    await connect(store, "ben", "cleo")
    await store.set_agent_status(ACME, "anna", AgentStatus.BUSY)
    await store.review_account(ACME, NOW + 1)
    others = [await harness.another() for _ in range(3)]
    reviews = await asyncio.gather(*(s.review_account(ACME, NOW + 2) for s in [store, *others]))
    moved = [r.conversation.id for review in reviews for r in review.reassigned]
    assert sorted(moved) == sorted(f"c-v{i}" for i in range(20))  # each exactly once
    team = {a.id: a.conversations for a in (await store.team(ACME)).agents}
    assert team == {"anna": 0, "ben": 10, "cleo": 10}


async def test_an_aging_estimate_brings_the_account_back(store: Store) -> None:
    """The estimate changes when the oldest recent assignment leaves the hour: a review then."""
    await store.put_widget("w1", widget_settings(routing=Routing.ROUND_ROBIN, capacity=1))
    for i in range(3):
        await begin(store, f"v{i}", NOW)
    await connect(store, "kevin")
    await store.assign_queued(ACME, NOW + 30)
    review = await store.review_account(ACME, NOW + 31)
    assert review.next_due == pytest.approx(NOW + 30 + 3600)
