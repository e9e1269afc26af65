"""The Store contract, run against every store (memory and redis): same calls, same answers.

What only a shared store can show (several processes, node liveness, a Redis outage) is in
test_redis_store.py.
"""

from __future__ import annotations

import asyncio

import pytest

from frontdesk.core.errors import WrongAccount
from frontdesk.core.events import CloseWidget, Event, GraceStarted, Push
from frontdesk.core.model import AgentStatus, ConversationState, Routing
from frontdesk.core.settings import WidgetSettings
from frontdesk.store.base import CLOSED_RETENTION, QueueChange, Store
from tests.store.conftest import Harness

ACME = "acme"
QUEUED = ConversationState.QUEUED
ASSIGNED = ConversationState.ASSIGNED
CLOSED = ConversationState.CLOSED
NOW = 1_767_000_000.0


def widget_settings(account: str = ACME, routing: Routing = Routing.BROADCAST,
                    capacity: int = 0, **more: object) -> WidgetSettings:
    return WidgetSettings(account=account, routing=routing,
                          max_conversations_per_agent=capacity, **more)  # type: ignore[arg-type]


async def connect(store: Store, *agents: str, account: str = ACME) -> None:
    """Each agent seen, with one live connection named after it."""
    for agent in agents:
        await store.see_agent(account, agent, agent.title())
        await store.add_connection(account, agent, f"conn-{agent}")


async def start(store: Store, visitor: str, widget: str = "w1", account: str = ACME):
    result = await store.start_conversation(account, widget, f"c-{visitor}", visitor, None, NOW)
    assert result is not None
    return result.conversation


def agent_ids(conversation) -> list[str]:
    return [ref.id for ref in conversation.agents]


async def agent_state(store: Store, agent: str, account: str = ACME):
    team = await store.team(account)
    return next(a for a in team.agents if a.id == agent)


def status_event(subject: str, **payload: object) -> Push:
    return Push(ACME, {"type": "widget.status", "widget": subject, **payload}, widget=subject)


# --- widgets ------------------------------------------------------------------------------

async def test_widget_put_get_list_delete(store: Store) -> None:
    first = widget_settings(online_message="hi")
    assert await store.put_widget("w1", first) is True
    assert await store.get_widget("w1") == first
    second = widget_settings(routing=Routing.LEAST_BUSY, capacity=3)
    assert await store.put_widget("w1", second) is False
    assert await store.put_widget("w0", first) is True
    assert await store.get_widget("w1") == second
    assert await store.list_widgets(ACME) == {"w0": first, "w1": second}
    assert list(await store.list_widgets(ACME)) == ["w0", "w1"]
    assert await store.delete_widget("w1") == second
    assert await store.get_widget("w1") is None
    assert await store.delete_widget("w1") is None
    assert await store.list_widgets(ACME) == {"w0": first}
    assert await store.list_widgets("nobody") == {}
    assert await store.get_widget("never") is None


async def test_widget_of_another_account_is_refused_and_nothing_stored(store: Store) -> None:
    mine = widget_settings()
    await store.put_widget("w1", mine)
    version = (await store.team(ACME)).version
    with pytest.raises(WrongAccount):
        await store.put_widget("w1", widget_settings(account="other", online_message="x"))
    assert await store.get_widget("w1") == mine
    assert await store.list_widgets("other") == {}
    assert (await store.team("other")).version == 0
    assert (await store.team(ACME)).version == version


async def test_deleted_widget_id_can_be_taken_again(store: Store) -> None:
    await store.put_widget("w1", widget_settings())
    await store.delete_widget("w1")
    assert await store.put_widget("w1", widget_settings(account="other")) is True
    assert (await store.get_widget("w1")).account == "other"  # type: ignore[union-attr]
    assert await store.list_widgets(ACME) == {}


async def test_version_grows_with_every_change(store: Store) -> None:
    seen = [(await store.team(ACME)).version]

    async def changed() -> None:
        version = (await store.team(ACME)).version
        assert version > seen[-1]
        seen.append(version)

    await store.put_widget("w1", widget_settings())
    await changed()
    await store.see_agent(ACME, "ann", "Ann")
    await changed()
    await store.set_agent_status(ACME, "ann", AgentStatus.BUSY)
    await changed()
    await store.add_connection(ACME, "ann", "k1")
    await changed()
    await store.end_connection(ACME, "ann", "k1", NOW + 5)
    await changed()
    await store.sweep(ACME, NOW + 5)
    await changed()
    await store.delete_widget("w1")
    await changed()
    # nothing changed, nothing bumped
    await store.see_agent(ACME, "ann", "Ann")
    await store.set_agent_status(ACME, "ann", AgentStatus.BUSY)
    await store.end_connection(ACME, "ann", "unknown", None)
    assert await store.sweep(ACME, NOW + 10) is False
    assert (await store.team(ACME)).version == seen[-1]


# --- agents -------------------------------------------------------------------------------

async def test_see_agent_is_true_once_and_keeps_the_latest_name(store: Store) -> None:
    assert (await store.team(ACME)).agents == ()
    assert await store.see_agent(ACME, "bob", "Bob") is True
    assert await store.see_agent(ACME, "bob", "Bob") is False
    assert await store.see_agent(ACME, "ann", "Ann") is True
    assert await store.see_agent(ACME, "bob", "Robert") is False
    team = await store.team(ACME)
    assert [(a.id, a.name, a.status, a.connections, a.conversations) for a in team.agents] == [
        ("ann", "Ann", AgentStatus.ONLINE, 0, 0), ("bob", "Robert", AgentStatus.ONLINE, 0, 0)]
    assert not team.is_anyone_available
    assert (await store.team("other")).agents == ()


async def test_agent_status_is_stored(store: Store) -> None:
    await store.see_agent(ACME, "ann", "Ann")
    assert await store.set_agent_status(ACME, "ann", AgentStatus.ONLINE) is False
    assert await store.set_agent_status(ACME, "ann", AgentStatus.BUSY) is True
    assert await store.set_agent_status(ACME, "ann", AgentStatus.BUSY) is False
    assert (await agent_state(store, "ann")).status is AgentStatus.BUSY
    # an agent never seen gets a record named by its id
    assert await store.set_agent_status(ACME, "zed", AgentStatus.BUSY) is True
    zed = await agent_state(store, "zed")
    assert (zed.name, zed.status) == ("zed", AgentStatus.BUSY)


# --- connections --------------------------------------------------------------------------

async def test_connections_are_counted(store: Store) -> None:
    await store.see_agent(ACME, "ann", "Ann")
    await store.add_connection(ACME, "ann", "k1")
    await store.add_connection(ACME, "ann", "k2")
    ann = await agent_state(store, "ann")
    assert (ann.connections, ann.is_connected, ann.is_available) == (2, True, True)
    await store.set_agent_status(ACME, "ann", AgentStatus.BUSY)
    assert not (await store.team(ACME)).is_anyone_available
    await store.end_connection(ACME, "ann", "k1", None)
    assert (await agent_state(store, "ann")).connections == 1
    await store.end_connection(ACME, "bob", "k2", None)  # not bob's: nothing happens
    assert (await agent_state(store, "ann")).connections == 1
    await store.end_connection(ACME, "ann", "k2", None)
    assert (await agent_state(store, "ann")).connections == 0
    # a connection of an agent never seen creates the agent, named by its id
    await store.add_connection(ACME, "cy", "k3")
    cy = await agent_state(store, "cy")
    assert (cy.name, cy.connections) == ("cy", 1)


async def test_grace_keeps_counting_until_swept(store: Store) -> None:
    await connect(store, "ann")
    await store.end_connection(ACME, "ann", "conn-ann", NOW + 2)
    assert (await agent_state(store, "ann")).is_available
    assert await store.accounts_in_grace() == [(ACME, NOW + 2)]
    assert await store.sweep(ACME, NOW + 1.9) is False
    assert (await agent_state(store, "ann")).connections == 1
    assert await store.sweep(ACME, NOW + 2) is True
    assert (await agent_state(store, "ann")).connections == 0
    assert await store.sweep(ACME, NOW + 3) is False
    assert await store.accounts_in_grace() == []
    assert await store.sweep("nobody", NOW) is False


async def test_accounts_in_grace_gives_each_accounts_earliest_end(store: Store) -> None:
    await store.add_connection(ACME, "ann", "k1")
    await store.add_connection(ACME, "ann", "k2")
    await store.add_connection("beta", "bob", "k3")
    await store.end_connection(ACME, "ann", "k1", NOW + 5)
    await store.end_connection(ACME, "ann", "k2", NOW + 3)
    await store.end_connection("beta", "bob", "k3", NOW + 4)
    assert sorted(await store.accounts_in_grace()) == [(ACME, NOW + 3), ("beta", NOW + 4)]
    assert await store.sweep(ACME, NOW + 3) is True
    assert sorted(await store.accounts_in_grace()) == [(ACME, NOW + 5), ("beta", NOW + 4)]
    await store.end_connection(ACME, "ann", "k1", None)  # ended for good inside its grace
    assert await store.accounts_in_grace() == [("beta", NOW + 4)]
    assert (await agent_state(store, "ann")).connections == 0


async def test_new_connection_inside_the_grace_keeps_the_agent_connected(store: Store) -> None:
    await connect(store, "ann")
    await store.end_connection(ACME, "ann", "conn-ann", NOW + 2)
    await store.add_connection(ACME, "ann", "conn-ann-2")
    assert (await agent_state(store, "ann")).connections == 2
    assert await store.sweep(ACME, NOW + 2) is True
    assert (await agent_state(store, "ann")).is_available


async def test_sweep_reports_each_removal_once(harness: Harness) -> None:
    store = harness.store
    await connect(store, "ann", "bob")
    await store.end_connection(ACME, "ann", "conn-ann", NOW + 1)
    await store.end_connection(ACME, "bob", "conn-bob", NOW + 1)
    sweepers = [store] * 4 if not harness.is_redis else [store, *[await harness.another()
                                                                   for _ in range(3)]]
    results = await asyncio.gather(*(s.sweep(ACME, NOW + 1) for s in sweepers))
    assert sorted(results) == [False, False, False, True]


async def test_retire_node_drops_live_connections(store: Store) -> None:
    await connect(store, "ann", "bob")
    await connect(store, "cy", account="beta")
    assert await store.retire_node() == [ACME, "beta"]
    assert not (await store.team(ACME)).is_anyone_available
    assert (await agent_state(store, "cy", "beta")).connections == 0
    assert await store.retire_node() == []


# --- publishing ---------------------------------------------------------------------------

async def test_published_events_reach_the_handler(harness: Harness) -> None:
    events: list[Event] = [
        Push(ACME, {"type": "agent.status", "agent": "ann", "connected": True},
             all_agents=True, agents=("ann",), visitor=("w1", "v1"), at=NOW),
        CloseWidget(ACME, "w1", 4404),
        GraceStarted(ACME, NOW + 0.5),
    ]
    for event in events:
        await harness.store.publish(event)
    assert await harness.settle() == events


async def test_publish_if_changed(harness: Harness) -> None:
    store = harness.store
    online = status_event("w1", status="online")
    offline = status_event("w1", status="offline")
    assert list(await store.publish_if_changed(ACME, (1, NOW), [("widget:w1", online)])) == ["widget:w1"]
    # the same payload from a newer snapshot: nothing new to say
    assert list(await store.publish_if_changed(ACME, (2, NOW), [("widget:w1", online)])) == []
    # a different payload from an older (or the same) snapshot: stale, dropped
    assert list(await store.publish_if_changed(ACME, (1, NOW + 9), [("widget:w1", offline)])) == []
    assert list(await store.publish_if_changed(ACME, (2, NOW), [("widget:w1", offline)])) == []
    # same version, later computation: newer
    assert list(await store.publish_if_changed(ACME, (2, NOW + 1), [("widget:w1", offline)])) == ["widget:w1"]
    # several subjects in one step; each compared on its own
    other = status_event("w2", status="online")
    assert list(await store.publish_if_changed(
        ACME, (3, NOW), [("widget:w1", offline), ("widget:w2", other)])) == ["widget:w2"]
    # subjects are per account
    assert list(await store.publish_if_changed("beta", (1, NOW), [("widget:w1", offline)])) == ["widget:w1"]
    await store.forget_subject(ACME, "widget:w1")
    assert list(await store.publish_if_changed(ACME, (1, NOW), [("widget:w1", offline)])) == ["widget:w1"]
    assert list(await store.publish_if_changed(ACME, (9, NOW), [])) == []
    assert await harness.settle() == [online, offline, other, offline, offline]


async def test_publish_if_changed_has_one_winner_among_processes(harness: Harness) -> None:
    stores = [harness.store] * 5
    if harness.is_redis:
        stores = [harness.store, *[await harness.another() for _ in range(4)]]
    event = status_event("w1", status="online")
    sent = await asyncio.gather(*(s.publish_if_changed(ACME, (7, NOW), [("widget:w1", event)])
                                  for s in stores))
    assert sorted(list(s) for s in sent) == [[], [], [], [], ["widget:w1"]]
    assert await harness.settle() == [event]


# --- conversations ------------------------------------------------------------------------

async def test_broadcast_adds_every_available_agent(store: Store) -> None:
    await store.put_widget("w1", widget_settings())
    await connect(store, "cy", "ann", "bob")
    await store.see_agent(ACME, "dan", "Dan")  # never connected
    await store.set_agent_status(ACME, "bob", AgentStatus.BUSY)
    result = await store.start_conversation(ACME, "w1", "c1", "v1", "hello", NOW)
    assert result is not None and not result.existing
    conversation = result.conversation
    assert (conversation.id, conversation.account, conversation.widget, conversation.visitor,
            conversation.state, conversation.text, conversation.position) == (
        "c1", ACME, "w1", "v1", ASSIGNED, "hello", None)
    assert [(r.id, r.name) for r in conversation.agents] == [("ann", "Ann"), ("cy", "Cy")]
    assert [(a.id, a.conversations) for a in (await store.team(ACME)).agents] == [
        ("ann", 1), ("bob", 0), ("cy", 1), ("dan", 0)]
    assert await store.get_conversation("c1") == conversation


async def test_round_robin_follows_the_cursor_in_id_order(store: Store) -> None:
    await store.put_widget("w1", widget_settings(routing=Routing.ROUND_ROBIN))
    await connect(store, "bob", "ann", "cy", "Zed", "_x", "a-1")
    order = [agent_ids(await start(store, f"v{i}")) for i in range(8)]
    # Python's (byte) order of ids: "Zed" < "_x" < "a-1" < "ann" < "bob" < "cy"
    assert order == [["Zed"], ["_x"], ["a-1"], ["ann"], ["bob"], ["cy"], ["Zed"], ["_x"]]
    # an unavailable agent is skipped; the cursor still moves past it
    await store.set_agent_status(ACME, "a-1", AgentStatus.BUSY)
    assert agent_ids(await start(store, "v8")) == ["ann"]


async def test_round_robin_cursor_is_per_account_not_per_widget(store: Store) -> None:
    await store.put_widget("w1", widget_settings(routing=Routing.ROUND_ROBIN))
    await store.put_widget("w2", widget_settings(routing=Routing.ROUND_ROBIN))
    await store.put_widget("w3", widget_settings())  # broadcast does not move the cursor
    await connect(store, "ann", "bob", "cy")
    assert agent_ids(await start(store, "v1", "w1")) == ["ann"]
    assert agent_ids(await start(store, "v2", "w3")) == ["ann", "bob", "cy"]
    assert agent_ids(await start(store, "v3", "w2")) == ["bob"]
    assert agent_ids(await start(store, "v4", "w1")) == ["cy"]


async def test_least_busy_breaks_ties_by_longest_ago_then_id(store: Store) -> None:
    await store.put_widget("w1", widget_settings(routing=Routing.LEAST_BUSY))
    await store.put_widget("rr", widget_settings(routing=Routing.ROUND_ROBIN))
    await connect(store, "cy", "bob", "ann")
    # all at 0 and never assigned: the lowest id
    assert agent_ids(await start(store, "v1")) == ["ann"]
    await store.close_conversation("c-v1", NOW)
    # all at 0 again, but ann was assigned once: never assigned counts as longest ago
    assert agent_ids(await start(store, "v2")) == ["bob"]
    assert agent_ids(await start(store, "v3")) == ["cy"]  # ann 0 and cy 0: cy never assigned
    assert agent_ids(await start(store, "v4")) == ["ann"]  # fewest
    # all at 1: the one assigned longest ago
    assert agent_ids(await start(store, "v5")) == ["bob"]
    await store.close_conversation("c-v2", NOW)  # all at 1 again: ann v4, bob v5, cy v3
    assert agent_ids(await start(store, "v6")) == ["cy"]
    # round robin's assignments count as "assigned" too: ann 2 (v7), bob 1, cy 2
    assert agent_ids(await start(store, "v7", "rr")) == ["ann"]
    assert agent_ids(await start(store, "v8")) == ["bob"]  # fewest
    assert agent_ids(await start(store, "v9")) == ["cy"]  # all 2: cy v6, ann v7, bob v8
    assert agent_ids(await start(store, "v10")) == ["ann"]  # ann v7 before bob v8
    await connect(store, "zoe")
    assert agent_ids(await start(store, "v11")) == ["zoe"]


async def test_capacity_counts_conversations_over_all_widgets(store: Store) -> None:
    await store.put_widget("w1", widget_settings(routing=Routing.ROUND_ROBIN, capacity=2))
    await store.put_widget("w2", widget_settings())  # broadcast, no limit
    await connect(store, "ann", "bob")
    assert agent_ids(await start(store, "v1", "w2")) == ["ann", "bob"]  # 1 each
    assert agent_ids(await start(store, "v2", "w1")) == ["ann"]  # ann 2
    assert agent_ids(await start(store, "v3", "w1")) == ["bob"]  # bob 2
    queued = await start(store, "v4", "w1")
    assert (queued.state, queued.position, queued.agents) == (QUEUED, 1, ())
    # the unlimited widget cannot take it either: nothing overtakes the queue
    assert (await start(store, "v5", "w2")).position == 2
    assert [a.conversations for a in (await store.team(ACME)).agents] == [2, 2]


async def test_queue_is_fifo_with_positions(store: Store) -> None:
    await store.put_widget("w1", widget_settings(routing=Routing.ROUND_ROBIN))
    for i in range(3):
        conversation = await start(store, f"v{i}")
        assert (conversation.state, conversation.position) == (QUEUED, i + 1)
    assert await store.assign_queued(ACME, NOW) == QueueChange()
    assert [(c.id, c.position) for c in await store.open_conversations(ACME)] == [
        ("c-v0", 1), ("c-v1", 2), ("c-v2", 3)]
    await connect(store, "ann", "bob")
    change = await store.assign_queued(ACME, NOW)
    assert [(c.id, agent_ids(c), c.state) for c in change.assigned] == [
        ("c-v0", ["ann"], ASSIGNED), ("c-v1", ["bob"], ASSIGNED), ("c-v2", ["ann"], ASSIGNED)]
    assert change.moved == ()
    assert [c.state for c in await store.open_conversations(ACME)] == [ASSIGNED] * 3
    assert (await store.assign_queued(ACME, NOW)).assigned == ()
    assert (await store.assign_queued("nobody", NOW)).assigned == ()


async def test_nothing_overtakes_the_queue(store: Store) -> None:
    await store.put_widget("w1", widget_settings(routing=Routing.ROUND_ROBIN, capacity=1))
    await connect(store, "ann")
    assert agent_ids(await start(store, "v0")) == ["ann"]
    assert (await start(store, "v1")).position == 1
    await connect(store, "bob")  # could take one, but the queue is served first, in order
    second = await start(store, "v2")
    assert (second.state, second.position) == (QUEUED, 2)
    change = await store.assign_queued(ACME, NOW)
    assert [(c.id, agent_ids(c)) for c in change.assigned] == [("c-v1", ["bob"])]
    assert [(c.id, c.position) for c in change.moved] == [("c-v2", 1)]
    assert (await store.get_conversation("c-v2")).position == 1  # type: ignore[union-attr]


async def test_busy_agents_keep_theirs_and_get_none(store: Store) -> None:
    await store.put_widget("w1", widget_settings(routing=Routing.LEAST_BUSY))
    await connect(store, "ann")
    first = await start(store, "v0")
    await store.set_agent_status(ACME, "ann", AgentStatus.BUSY)
    queued = await start(store, "v1")
    assert queued.state is QUEUED
    assert (await store.get_conversation(first.id)).state is ASSIGNED  # type: ignore[union-attr]
    assert (await store.assign_queued(ACME, NOW)).assigned == ()
    await store.set_agent_status(ACME, "ann", AgentStatus.ONLINE)
    assert [c.id for c in (await store.assign_queued(ACME, NOW)).assigned] == ["c-v1"]


async def test_disconnected_agents_get_none(store: Store) -> None:
    await store.put_widget("w1", widget_settings())
    await connect(store, "ann")
    await store.end_connection(ACME, "ann", "conn-ann", None)
    assert (await start(store, "v0")).state is QUEUED


async def test_close_frees_capacity_and_drains_the_queue(store: Store) -> None:
    await store.put_widget("w1", widget_settings(routing=Routing.ROUND_ROBIN, capacity=1))
    await connect(store, "ann")
    await start(store, "v0")
    for i in (1, 2, 3):
        assert (await start(store, f"v{i}")).position == i
    result = await store.close_conversation("c-v0", NOW)
    assert result is not None and result.was_open
    assert (result.conversation.state, agent_ids(result.conversation)) == (CLOSED, ["ann"])
    assert [(c.id, agent_ids(c)) for c in result.queue.assigned] == [("c-v1", ["ann"])]
    assert [(c.id, c.position, c.state) for c in result.queue.moved] == [
        ("c-v2", 1, QUEUED), ("c-v3", 2, QUEUED)]
    # closing a queued one moves only those behind it
    result = await store.close_conversation("c-v2", NOW)
    assert result is not None and result.queue.assigned == ()
    assert [(c.id, c.position) for c in result.queue.moved] == [("c-v3", 1)]
    assert (await agent_state(store, "ann")).conversations == 1


async def test_close_of_last_in_queue_moves_nobody(store: Store) -> None:
    await store.put_widget("w1", widget_settings())
    await start(store, "v0")
    await start(store, "v1")
    result = await store.close_conversation("c-v1", NOW)
    assert result is not None and result.queue.moved == () and result.queue.assigned == ()
    assert [(c.id, c.position) for c in await store.open_conversations(ACME)] == [("c-v0", 1)]


async def test_a_visitor_gets_their_open_conversation_back(store: Store) -> None:
    await store.put_widget("w1", widget_settings())
    await store.put_widget("w2", widget_settings())
    await start(store, "other")
    first = await store.start_conversation(ACME, "w1", "c1", "v1", "hi", NOW)
    again = await store.start_conversation(ACME, "w1", "c2", "v1", "hello?", NOW)
    assert first is not None and again is not None
    assert again.existing and again.conversation == first.conversation
    assert (again.conversation.id, again.conversation.position, again.conversation.text) == (
        "c1", 2, "hi")
    elsewhere = await store.start_conversation(ACME, "w2", "c3", "v1", None, NOW)
    assert elsewhere is not None and not elsewhere.existing
    assert await store.get_conversation("c2") is None  # the unused id is not a conversation
    await store.close_conversation("c1", NOW)
    fresh = await store.start_conversation(ACME, "w1", "c4", "v1", None, NOW)
    assert fresh is not None and not fresh.existing and fresh.conversation.id == "c4"


async def test_visitor_conversation_is_the_open_one_on_that_widget(store: Store) -> None:
    await store.put_widget("w1", widget_settings())
    await store.put_widget("w2", widget_settings())
    assert await store.visitor_conversation(ACME, "w1", "v1") is None
    queued = await start(store, "v1")
    found = await store.visitor_conversation(ACME, "w1", "v1")
    assert found == queued and found is not None and found.position == 1
    assert await store.visitor_conversation(ACME, "w2", "v1") is None
    assert await store.visitor_conversation("rival", "w1", "v1") is None
    await connect(store, "kevin")
    await store.assign_queued(ACME, NOW)
    assigned = await store.visitor_conversation(ACME, "w1", "v1")
    assert assigned is not None and agent_ids(assigned) == ["kevin"]
    await store.close_conversation(queued.id, NOW)
    assert await store.visitor_conversation(ACME, "w1", "v1") is None


async def test_close_twice_and_unknown_ids(store: Store) -> None:
    await store.put_widget("w1", widget_settings())
    await store.put_widget("theirs", widget_settings(account="other"))
    await connect(store, "ann")
    await start(store, "v0")
    assert (await store.close_conversation("c-v0", NOW)).was_open  # type: ignore[union-attr]
    again = await store.close_conversation("c-v0", NOW)
    assert again is not None and not again.was_open
    assert again.conversation.state is CLOSED and again.queue.assigned == ()
    assert (await store.get_conversation("c-v0")).state is CLOSED  # type: ignore[union-attr]
    assert await store.close_conversation("nope", NOW) is None
    assert await store.get_conversation("nope") is None
    assert await store.start_conversation(ACME, "gone", "c9", "v9", None, NOW) is None
    assert await store.start_conversation(ACME, "theirs", "c9", "v9", None, NOW) is None
    assert await store.get_conversation("c9") is None
    assert (await agent_state(store, "ann")).conversations == 0
    assert await store.open_conversations(ACME) == []


async def test_open_conversations_in_start_order(store: Store) -> None:
    await store.put_widget("w1", widget_settings(routing=Routing.ROUND_ROBIN, capacity=1))
    await connect(store, "ann")
    await start(store, "v0")
    await start(store, "v1")
    await start(store, "v2")
    listed = await store.open_conversations(ACME)
    assert [(c.id, c.state, c.position) for c in listed] == [
        ("c-v0", ASSIGNED, None), ("c-v1", QUEUED, 1), ("c-v2", QUEUED, 2)]
    assert await store.open_conversations("nobody") == []


async def test_queued_conversation_of_a_deleted_widget_goes_to_everyone(store: Store) -> None:
    await store.put_widget("w1", widget_settings(routing=Routing.ROUND_ROBIN))
    await start(store, "v0")
    await store.delete_widget("w1")
    await connect(store, "ann", "bob")
    change = await store.assign_queued(ACME, NOW)
    assert [agent_ids(c) for c in change.assigned] == [["ann", "bob"]]


async def test_text_round_trips(store: Store) -> None:
    await store.put_widget("w1", widget_settings())
    text = 'Grüße, "quotes" / slashes \\ and emoji 🙂 and {"json": [1]}'
    result = await store.start_conversation(ACME, "w1", "c1", "v1", text, NOW)
    assert result is not None and result.conversation.text == text
    assert (await store.get_conversation("c1")).text == text  # type: ignore[union-attr]
    none = await store.start_conversation(ACME, "w1", "c2", "v2", None, NOW)
    assert none is not None and none.conversation.text is None
    empty = await store.start_conversation(ACME, "w1", "c3", "v3", "", NOW)
    assert empty is not None and empty.conversation.text == ""


async def test_visitor_sockets_are_counted(store: Store) -> None:
    await store.visitor_connected(ACME, "w1", "v1")
    await store.visitor_connected(ACME, "w1", "v1")
    await store.visitor_connected(ACME, "w2", "v1")
    assert await store.visitor_disconnected(ACME, "w1", "v1") is False
    assert await store.visitor_disconnected(ACME, "w1", "v1") is True
    assert await store.visitor_disconnected(ACME, "w2", "v1") is True
    assert await store.visitor_disconnected(ACME, "w3", "v1") is True  # never counted


async def test_abandon_queued_closes_only_a_gone_visitors_queued_one(store: Store) -> None:
    await store.put_widget("w1", widget_settings(routing=Routing.ROUND_ROBIN, capacity=1))
    await connect(store, "ann")
    for visitor in ("v0", "v1", "v2", "v3"):
        await store.visitor_connected(ACME, "w1", visitor)
        await start(store, visitor)
    assert await store.abandon_queued(ACME, "w1", "v1", NOW) is None  # still there
    await store.visitor_disconnected(ACME, "w1", "v0")
    assert await store.abandon_queued(ACME, "w1", "v0", NOW) is None  # assigned, not queued
    assert await store.abandon_queued(ACME, "w1", "nobody", NOW) is None
    await store.visitor_disconnected(ACME, "w1", "v2")
    result = await store.abandon_queued(ACME, "w1", "v2", NOW)
    assert result is not None and result.was_open
    assert (result.conversation.id, result.conversation.state) == ("c-v2", CLOSED)
    assert [(c.id, c.position) for c in result.queue.moved] == [("c-v3", 2)]
    assert await store.abandon_queued(ACME, "w1", "v2", NOW) is None  # closed already
    assert [(c.id, c.position) for c in await store.open_conversations(ACME)] == [
        ("c-v0", None), ("c-v1", 1), ("c-v3", 2)]


async def test_closed_conversations_are_forgotten_after_the_retention(store: Store) -> None:
    await store.put_widget("w1", widget_settings())
    await connect(store, "kevin")
    old = await start(store, "v1")
    recent = await start(store, "v2")
    await store.close_conversation(old.id, NOW)
    assert (await store.close_conversation(old.id, NOW + 60)) is not None  # again: still known
    later = NOW + CLOSED_RETENTION + 1
    await store.close_conversation(recent.id, later)  # each close forgets the long-closed
    assert await store.get_conversation(old.id) is None
    assert await store.close_conversation(old.id, later) is None
    kept = await store.get_conversation(recent.id)
    assert kept is not None and kept.state is CLOSED

