"""The webhook concern of the store contract, against both stores (memory and a real
redis-server), through the whole Store as the node holds it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from frontdesk.core.events import Push
from frontdesk.core.webhook_model import Delivery, DeliveryStatus, Webhook
from frontdesk.core.webhook_rules import LOG_RETENTION, event_body, event_body_parts
from frontdesk.store.base import Store
from frontdesk.store.webhooks import WebhookStore
from tests.store.conftest import Harness

T0 = 1_796_058_000.0


@pytest.fixture
def hooks(store: Store) -> WebhookStore:
    return store


def hook(id_: str, events: tuple[str, ...] = ("*",), account: str = "acme") -> Webhook:
    return Webhook(id_, account, f"https://{id_}.example/in", events, f"secret-{id_}", T0)


async def accept(store: WebhookStore, event: str, kind: str = "widget.status",
                 account: str = "acme", at: float = T0, now: float | None = None,
                 seq: int | None = None) -> int | None:
    frame = {"type": kind, "n": event}
    head, tail = event_body_parts(event, kind, account, at, frame)
    return await store.accept_event(account, event, kind, head, tail, at, now or at, seq)


async def test_registrations(hooks: WebhookStore):
    await hooks.add_webhook(hook("wh_a"))
    await hooks.add_webhook(replace(hook("wh_b", ("agent.status",)), created=T0 + 1))
    await hooks.add_webhook(hook("wh_c", account="other"))
    assert [w.id for w in await hooks.list_webhooks("acme")] == ["wh_a", "wh_b"]
    assert await hooks.get_webhook("acme", "wh_b") == replace(hook("wh_b", ("agent.status",)),
                                                              created=T0 + 1)
    assert await hooks.get_webhook("acme", "wh_c") is None  # nothing crosses accounts
    assert await hooks.delete_webhook("acme", "wh_a")
    assert not await hooks.delete_webhook("acme", "wh_a")
    assert [w.id for w in await hooks.list_webhooks("acme")] == ["wh_b"]
    assert await hooks.list_webhooks("never") == []


async def test_events_go_to_the_webhooks_that_want_them_with_one_seq(hooks: WebhookStore):
    assert await accept(hooks, "evt_0") is None  # no webhook: nothing counted
    await hooks.add_webhook(hook("wh_all"))
    await hooks.add_webhook(hook("wh_agents", ("agent.status",)))
    assert await accept(hooks, "evt_1", "widget.status") == 1
    assert await accept(hooks, "evt_2", "agent.status") == 2
    assert await accept(hooks, "evt_3", "widget.status") == 3
    claims = await hooks.claim_due(T0, 10, 30)
    got = sorted((c.webhook.id, c.delivery.event, c.delivery.seq) for c in claims)
    assert got == [("wh_agents", "evt_2", 2), ("wh_all", "evt_1", 1), ("wh_all", "evt_2", 2),
                   ("wh_all", "evt_3", 3)]
    for claim in claims:  # the same body for every webhook, seq filled in
        assert claim.body == event_body(claim.delivery.event, claim.delivery.seq,
                                        claim.delivery.type, "acme", T0,
                                        {"type": claim.delivery.type, "n": claim.delivery.event})
    log = await hooks.deliveries("acme", "wh_all", None, 100)
    assert [d.event for d in log] == ["evt_3", "evt_2", "evt_1"]  # newest first
    assert all(d.status is DeliveryStatus.PENDING and d.attempts == 0 for d in log)


async def test_a_claim_is_leased_and_comes_back_when_the_lease_ends(hooks: WebhookStore):
    await hooks.add_webhook(hook("wh_a"))
    await accept(hooks, "evt_1")
    assert len(await hooks.claim_due(T0, 10, 30)) == 1
    assert await hooks.claim_due(T0 + 29, 10, 30) == []  # leased
    again = await hooks.claim_due(T0 + 30, 10, 30)  # the claimer died: due again
    assert [c.delivery.event for c in again] == ["evt_1"]


async def test_limit_and_skip(hooks: WebhookStore):
    await hooks.add_webhook(hook("wh_a"))
    await hooks.add_webhook(hook("wh_b"))
    for n in range(5):
        await accept(hooks, f"evt_{n}")
    assert [c.webhook.id for c in await hooks.claim_due(T0, 10, 30, skip={"wh_a"})] == ["wh_b"] * 5
    assert len(await hooks.claim_due(T0, 3, 30)) == 3
    assert len(await hooks.claim_due(T0, 3, 30)) == 2
    assert await hooks.claim_due(T0, 3, 30) == []


async def test_finishing_an_attempt(hooks: WebhookStore):
    await hooks.add_webhook(hook("wh_a"))
    await accept(hooks, "evt_1")
    [claim] = await hooks.claim_due(T0, 10, 30)
    retry = replace(claim.delivery, attempts=1, last_code=503, last_error="answered 503",
                    next_attempt=T0 + 1)
    assert await hooks.finish_attempt("acme", "wh_a", claim.delivery, retry, T0)
    assert not await hooks.finish_attempt("acme", "wh_a", claim.delivery, retry, T0)  # stale
    assert await hooks.claim_due(T0 + 0.9, 10, 30) == []
    [again] = await hooks.claim_due(T0 + 1, 10, 30)
    assert again.delivery == retry
    done = replace(retry, attempts=2, status=DeliveryStatus.DELIVERED, last_code=200,
                   last_error=None, next_attempt=None)
    assert await hooks.finish_attempt("acme", "wh_a", again.delivery, done, T0 + 1)
    assert await hooks.claim_due(T0 + 100, 10, 30) == []
    assert await hooks.deliveries("acme", "wh_a", DeliveryStatus.DELIVERED, 100) == [done]
    assert await hooks.deliveries("acme", "wh_a", DeliveryStatus.PENDING, 100) == []


async def test_redeliver_marks_and_schedules_now(hooks: WebhookStore):
    await hooks.add_webhook(hook("wh_a"))
    await accept(hooks, "evt_1")
    [claim] = await hooks.claim_due(T0, 10, 30)
    failed = replace(claim.delivery, attempts=1, status=DeliveryStatus.FAILED, last_code=400,
                     next_attempt=None)
    await hooks.finish_attempt("acme", "wh_a", claim.delivery, failed, T0)
    assert await hooks.redeliver("acme", "wh_a", "evt_nope", T0 + 5) is None
    assert await hooks.redeliver("acme", "wh_b", "evt_1", T0 + 5) is None
    marked = await hooks.redeliver("acme", "wh_a", "evt_1", T0 + 5)
    assert marked == replace(failed, manual=True)
    [again] = await hooks.claim_due(T0 + 5, 10, 30)
    assert again.delivery == marked


async def test_deleted_webhooks_get_nothing_more(hooks: WebhookStore):
    await hooks.add_webhook(hook("wh_a"))
    await accept(hooks, "evt_1")
    assert await hooks.delete_webhook("acme", "wh_a")
    assert await hooks.claim_due(T0, 10, 30) == []
    assert await accept(hooks, "evt_2") is None
    assert await hooks.deliveries("acme", "wh_a", None, 100) == []


async def test_the_log_keeps_seven_days_and_at_most_the_limit(hooks: WebhookStore):
    await hooks.add_webhook(hook("wh_a"))
    for n in range(5):
        await accept(hooks, f"evt_{n}", at=T0 + n)
    assert [d.event for d in await hooks.deliveries("acme", "wh_a", None, 2)] == ["evt_4", "evt_3"]
    await accept(hooks, "evt_late", at=T0 + LOG_RETENTION + 2.5)
    kept = [d.event for d in await hooks.deliveries("acme", "wh_a", None, 100)]
    assert kept == ["evt_late", "evt_4", "evt_3"]


async def test_a_second_store_sees_the_same_state(hooks: WebhookStore, harness: Harness):
    if not harness.is_redis:
        pytest.skip("one process only")
    other = await harness.another()
    await hooks.add_webhook(hook("wh_a"))
    await accept(hooks, "evt_1")
    await accept(hooks, "evt_2")
    first = await hooks.claim_due(T0, 1, 30)
    second = await other.claim_due(T0, 10, 30)
    assert {c.delivery.event for c in first} | {c.delivery.event for c in second} == {
        "evt_1", "evt_2"}
    assert len(first) == len(second) == 1  # never the same delivery twice within a lease


def test_record_matches_pending_delivery():
    head, tail = Delivery.new_record_parts("evt_1", "widget.status", T0, T0)
    assert Delivery.from_record(head + "1" + tail).status is DeliveryStatus.PENDING


async def test_the_bus_numbers_status_pushes_on_the_event_counter(store: Store):
    await store.add_webhook(hook("wh_a"))
    w1 = Push("acme", {"type": "widget.status", "widget": "w1"}, all_agents=True)
    a1 = Push("acme", {"type": "agent.status", "agent": "a1"}, all_agents=True)
    won = await store.publish_if_changed("acme", (1, T0), [("widget:w1", w1), ("agent:a1", a1)])
    assert won == {"widget:w1": 1, "agent:a1": 2}  # numbered in publishing order
    assert await accept(store, "evt_w1", seq=won["widget:w1"]) == 1
    assert await accept(store, "evt_c", "conversation.closed") == 3  # the same counter
    assert await accept(store, "evt_a1", "agent.status", seq=won["agent:a1"]) == 2
    [claim] = [c for c in await store.claim_due(T0, 10, 30) if c.delivery.event == "evt_a1"]
    assert claim.delivery.seq == 2 and b'"seq":2,' in claim.body
