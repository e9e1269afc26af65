"""The store side of the hello's fast path, on every store: the account snapshot the view
(view.py) is built from, the SettingsChanged notice published with each settings write, and
the visitor's arrival in one call."""

from __future__ import annotations

from frontdesk.core.events import SettingsChanged
from frontdesk.core.model import AgentStatus, ConversationState
from tests.store.conftest import Harness
from tests.store.test_store_contract import ACME, NOW, connect, widget_settings


async def test_the_snapshot_holds_settings_and_availability_and_answers_none_when_unchanged(
        harness: Harness) -> None:
    store = harness.store
    empty = await store.account_snapshot(ACME)
    assert empty is not None and empty.widgets == {} and empty.available == {}
    assert await store.account_snapshot(ACME, empty.version) is None
    settings = widget_settings(online_message="hello")
    await store.put_widget("w1", settings)
    first = await store.account_snapshot(ACME, empty.version)
    assert first is not None and first.version > empty.version
    assert first.widgets == {"w1": settings} and first.available == {}
    assert await store.account_snapshot(ACME, first.version) is None  # nothing moved
    await connect(store, "ann", "bob")
    both = await store.account_snapshot(ACME, first.version)
    assert both is not None and both.available == {"ann": True, "bob": True}
    await store.set_agent_status(ACME, "bob", AgentStatus.BUSY)
    busy = await store.account_snapshot(ACME, both.version)
    assert busy is not None and busy.available == {"ann": True, "bob": False}
    await store.end_connection(ACME, "ann", "conn-ann", None)
    gone = await store.account_snapshot(ACME, busy.version)
    assert gone is not None and gone.available == {"ann": False, "bob": False}
    await store.delete_widget("w1")
    deleted = await store.account_snapshot(ACME, gone.version)
    assert deleted is not None and deleted.widgets == {}
    other = await store.account_snapshot("beta")  # accounts are apart
    assert other is not None and other.widgets == {} and other.available == {}


async def test_every_settings_write_is_announced_in_its_own_step(harness: Harness) -> None:
    store = harness.store
    await store.put_widget("w1", widget_settings())
    await store.put_widget("w1", widget_settings(online_message="again"))
    await store.delete_widget("w1")
    assert await store.delete_widget("w1") is None  # nothing deleted: nothing announced
    assert await harness.settle() == [SettingsChanged(ACME, "w1")] * 3


async def test_a_visitors_arrival_counts_the_socket_and_reads_its_conversation(
        harness: Harness) -> None:
    store = harness.store
    await store.put_widget("w1", widget_settings())
    assert await store.visitor_arrival(ACME, "w1", "v1") is None
    started = await store.start_conversation(ACME, "w1", "c1", "v1", "hi", NOW)
    assert started is not None and started.conversation.state is ConversationState.QUEUED
    found = await store.visitor_arrival(ACME, "w1", "v1")
    assert found is not None and found.id == "c1" and found.position == 1
    # two sockets counted: the visitor is gone only after both left
    assert await store.visitor_disconnected(ACME, "w1", "v1") is False
    assert await store.visitor_disconnected(ACME, "w1", "v1") is True
