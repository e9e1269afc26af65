"""The store contract for offline messages and conversation pages, against both stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from frontdesk.core.offline_messages import OfflineMessage
from frontdesk.core.rate_limit import Limit
from frontdesk.store.messages import MAX_KEPT_MESSAGES
from tests.store.conftest import Harness

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def message(i: int, *, account: str = "acme", at: datetime | None = None,
            visitor: str | None = "v1") -> OfflineMessage:
    return OfflineMessage(id=f"m{i:04d}", account=account, widget="site", visitor=visitor,
                          email=f"v{i}@example.com", text=f"hello {i} ünïcode",
                          created=at or T0 + timedelta(seconds=i))


async def test_messages_are_listed_newest_first_and_marked_read(harness: Harness) -> None:
    store = harness.store
    for i in (1, 3, 2):
        assert await store.add_offline_message(message(i), [], T0.timestamp()) == 0
    await store.add_offline_message(message(9, account="other"), [], T0.timestamp())
    unread = await store.offline_messages("acme", include_read=False)
    assert [m.id for m in unread] == ["m0003", "m0002", "m0001"]
    assert unread[0] == message(3)  # every field comes back, the time to the microsecond
    assert await store.mark_offline_message_read("acme", "m0002") is True
    assert await store.mark_offline_message_read("acme", "m0002") is False
    assert await store.mark_offline_message_read("acme", "nope") is None
    assert await store.mark_offline_message_read("other", "m0001") is None  # per account
    assert [m.id for m in await store.offline_messages("acme", include_read=False)] == [
        "m0003", "m0001"]
    every = await store.offline_messages("acme", include_read=True)
    assert [(m.id, m.read) for m in every] == [("m0003", False), ("m0002", True), ("m0001", False)]
    assert await store.offline_messages("never-seen", include_read=True) == []


async def test_same_second_ties_go_by_id_descending(harness: Harness) -> None:
    for i in (1, 2, 3):
        await harness.store.add_offline_message(message(i, at=T0), [], T0.timestamp())
    listed = await harness.store.offline_messages("acme", include_read=True)
    assert [m.id for m in listed] == ["m0003", "m0002", "m0001"]


async def test_rate_limits_slide_and_count_every_bucket(harness: Harness) -> None:
    store = harness.store
    now = T0.timestamp()
    rule = Limit(3, 60.0)
    per_address = Limit(4, 60.0)
    for i in range(3):
        wait = await store.add_offline_message(
            message(i), [("v:site:v1", rule), ("a:site:1.2.3.4", per_address)], now + i)
        assert wait == 0
    # The visitor's bucket is full until its oldest hit (at now) leaves the window.
    assert await store.add_offline_message(
        message(10), [("v:site:v1", rule), ("a:site:1.2.3.4", per_address)], now + 10) == 50
    # Another visitor from the same address: one more fits, then the address is full.
    assert await store.add_offline_message(
        message(11), [("v:site:v2", rule), ("a:site:1.2.3.4", per_address)], now + 11) == 0
    assert await store.add_offline_message(
        message(12), [("v:site:v3", rule), ("a:site:1.2.3.4", per_address)], now + 12) == 48
    # Refused ones stored nothing and counted nothing.
    assert len(await store.offline_messages("acme", include_read=True)) == 4
    # After the window the visitor may write again.
    assert await store.add_offline_message(
        message(13), [("v:site:v1", rule)], now + 60.5) == 0


async def test_rate_limits_are_shared_by_processes(harness: Harness) -> None:
    if not harness.is_redis:
        return
    other = await harness.another()
    rule = [("v:site:v1", Limit(1, 60.0))]
    assert await harness.store.add_offline_message(message(1), rule, T0.timestamp()) == 0
    assert await other.add_offline_message(message(2), rule, T0.timestamp() + 1) == 59


async def test_the_oldest_messages_go_beyond_the_cap(harness: Harness) -> None:
    store = harness.store
    for i in range(MAX_KEPT_MESSAGES + 2):
        await store.add_offline_message(message(i), [], T0.timestamp())
    kept = await store.offline_messages("acme", include_read=True)
    assert len(kept) == MAX_KEPT_MESSAGES and kept[-1].id == "m0002"
    assert await store.mark_offline_message_read("acme", "m0000") is None


async def test_pages_are_kept_first_come_and_forgotten(harness: Harness) -> None:
    store = harness.store
    await store.remember_page("acme", "c1", "https://acme.example/pricing?x=1")
    await store.remember_page("acme", "c1", "https://acme.example/later")  # the first stays
    await store.remember_page("acme", "c2", "https://acme.example/ü")
    assert await store.conversation_pages("acme", ["c1", "c2", "c3"]) == {
        "c1": "https://acme.example/pricing?x=1", "c2": "https://acme.example/ü"}
    assert await store.conversation_pages("other", ["c1"]) == {}
    await store.forget_pages("acme", ["c1"])
    assert await store.conversation_pages("acme", ["c1", "c2"]) == {"c2": "https://acme.example/ü"}
    assert await store.conversation_pages("acme", []) == {}
