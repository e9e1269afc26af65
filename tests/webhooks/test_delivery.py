"""The delivery engine against a real receiver on loopback (in-process store)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from frontdesk.core.webhook_model import DeliveryStatus, Webhook
from frontdesk.store.memory_webhooks import MemoryWebhooks
from frontdesk.webhook_delivery import Deliverer, DeliveryLimits
from tests.support.receiver import Receiver, running_receiver

FRAME = {"type": "widget.status", "widget": "w1", "status": "online", "reason": "manual",
         "message": "Hi", "next_change": None}


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with running_receiver() as running:
        yield running


async def start(store: MemoryWebhooks, *, allow_private: bool = True,
                jitter: float = 0.0, registry: CollectorRegistry | None = None) -> Deliverer:
    deliverer = Deliverer(store, registry or CollectorRegistry(), clock=time.time,
                          allow_private=allow_private, jitter=lambda: jitter,
                          limits=DeliveryLimits(poll=0.05))
    await deliverer.start()
    return deliverer


async def register(store: MemoryWebhooks, receiver: Receiver, name: str = "main",
                   events: tuple[str, ...] = ("*",)) -> Webhook:
    hook = Webhook(f"wh_{name}", "acme", receiver.url(name), events, f"secret-{name}", time.time())
    await store.add_webhook(hook)
    return hook


async def log_of(store: MemoryWebhooks, hook: Webhook, until: DeliveryStatus,
                 timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while True:
        log = await store.deliveries("acme", hook.id, None, 100)
        if log and log[0].status is until:
            return log[0]
        assert time.monotonic() < deadline, f"still {log}"
        await asyncio.sleep(0.02)


async def test_each_event_arrives_once_signed_with_the_contracts_headers(receiver):
    store = MemoryWebhooks()
    hook = await register(store, receiver)
    widgets_only = await register(store, receiver, "widgets", ("widget.status",))
    deliverer = await start(store)
    try:
        at = time.time()
        deliverer.accept("acme", FRAME, at)
        deliverer.accept("acme", {"type": "agent.status", "agent": "a1"}, at)
        got = await receiver.wait_for(2)
        [widget_event] = await receiver.wait_for(1, "widgets")
        await asyncio.sleep(0.3)
    finally:
        await deliverer.stop()
    assert len(receiver.got()) == 2 and len(receiver.got("widgets")) == 1
    first = got[0]
    assert first.headers["content-type"] == "application/json"
    assert first.headers["frontdesk-event-id"] == first.json["id"]
    assert first.is_signed_with(hook.secret) and not first.is_signed_with("wrong")
    assert widget_event.is_signed_with(widgets_only.secret)
    assert first.json == {"id": first.json["id"], "seq": 1, "type": "widget.status",
                          "account": "acme", "occurred_at": first.json["occurred_at"],
                          "data": FRAME}
    assert got[1].json["seq"] == 2 and got[1].json["data"] == {"type": "agent.status",
                                                               "agent": "a1"}
    assert widget_event.body == first.body  # one id, one seq, the same bytes for every webhook
    assert (await log_of(store, hook, DeliveryStatus.DELIVERED)).attempts == 1


@pytest.mark.parametrize("jitter", [0.0, 0.2])
async def test_failing_three_times_then_succeeding_delivers_on_the_fourth_attempt(receiver,
                                                                                   jitter):
    store = MemoryWebhooks()
    hook = await register(store, receiver)
    receiver.plan("main", fail_times=3, fail_status=503)
    deliverer = await start(store, jitter=jitter)
    try:
        deliverer.accept("acme", FRAME, time.time())
        got = await receiver.wait_for(4, timeout=15)
        delivered = await log_of(store, hook, DeliveryStatus.DELIVERED)
    finally:
        await deliverer.stop()
    assert [r.answered for r in got] == [503, 503, 503, 200]
    assert len({r.json["id"] for r in got}) == 1
    assert len({r.headers["frontdesk-event-id"] for r in got}) == 1
    gaps = [b.at - a.at for a, b in zip(got, got[1:], strict=False)]
    for gap, expected in zip(gaps, (1.0, 2.0, 4.0), strict=True):
        assert expected * (1 + jitter) - 0.02 <= gap <= expected * (1 + jitter) + 0.3, gaps
    assert (delivered.attempts, delivered.last_code) == (4, 200)


@pytest.mark.parametrize("status", [400, 410])
async def test_another_4xx_fails_at_once(receiver, status):
    store = MemoryWebhooks()
    hook = await register(store, receiver)
    receiver.plan("main", status=status)
    deliverer = await start(store)
    try:
        deliverer.accept("acme", FRAME, time.time())
        failed = await log_of(store, hook, DeliveryStatus.FAILED)
        await asyncio.sleep(1.5)  # no retry comes
    finally:
        await deliverer.stop()
    assert len(receiver.got()) == 1
    assert (failed.attempts, failed.last_code, failed.next_attempt) == (1, status, None)


async def test_a_redirect_is_not_followed_but_retried(receiver):
    store = MemoryWebhooks()
    hook = await register(store, receiver)
    receiver.plan("main", fail_times=1, fail_status=302)
    deliverer = await start(store)
    try:
        deliverer.accept("acme", FRAME, time.time())
        await receiver.wait_for(2, timeout=5)
        delivered = await log_of(store, hook, DeliveryStatus.DELIVERED)
    finally:
        await deliverer.stop()
    assert {r.path for r in receiver.requests} == {"/hooks/main"}
    assert delivered.attempts == 2


async def test_a_hanging_receiver_delays_nobody_else(receiver):
    store = MemoryWebhooks()
    slow = await register(store, receiver, "slow")
    await register(store, receiver, "fast")
    receiver.plan("slow", hang=7.0)  # longer than the 5 s an attempt may take
    deliverer = await start(store)
    try:
        sent = time.time()
        for n in range(12):
            deliverer.accept("acme", {**FRAME, "n": n}, sent)
        fast = await receiver.wait_for(12, "fast", timeout=3)
        assert max(r.at for r in fast) - sent < 1.0
        pending = await log_of(store, slow, DeliveryStatus.PENDING)
        timed_out = None
        deadline = time.monotonic() + 8
        while timed_out is None and time.monotonic() < deadline:
            log = await store.deliveries("acme", slow.id, None, 100)
            timed_out = next((d for d in log if d.attempts == 1), None)
            await asyncio.sleep(0.1)
    finally:
        await deliverer.stop()
    assert pending is not None and timed_out is not None
    assert timed_out.last_code is None and "5 s" in (timed_out.last_error or "")
    assert timed_out.status is DeliveryStatus.PENDING
    assert time.time() - sent < 6.5  # the attempt gave up at 5 s, not when the receiver did


async def test_a_private_target_is_not_attempted_and_fails_at_once(receiver):
    store = MemoryWebhooks()
    hook = await register(store, receiver)
    registry = CollectorRegistry()
    deliverer = await start(store, allow_private=False, registry=registry)
    try:
        deliverer.accept("acme", FRAME, time.time())
        failed = await log_of(store, hook, DeliveryStatus.FAILED)
    finally:
        await deliverer.stop()
    assert receiver.requests == []
    assert (failed.attempts, failed.last_code) == (0, None)
    metrics = generate_latest(registry).decode()
    assert 'frontdesk_webhook_attempts_total{outcome="blocked"} 1.0' in metrics


async def test_redeliver_makes_one_more_attempt_with_the_same_id(receiver):
    store = MemoryWebhooks()
    hook = await register(store, receiver)
    receiver.plan("main", fail_times=1, fail_status=400)
    deliverer = await start(store)
    try:
        deliverer.accept("acme", FRAME, time.time())
        failed = await log_of(store, hook, DeliveryStatus.FAILED)
        await asyncio.sleep(1.1)  # a new second, so a new t
        await store.redeliver("acme", hook.id, failed.event, time.time())
        deliverer.wake_at(time.time())
        got = await receiver.wait_for(2)
        delivered = await log_of(store, hook, DeliveryStatus.DELIVERED)
    finally:
        await deliverer.stop()
    assert got[0].json["id"] == got[1].json["id"] == failed.event
    assert got[0].headers["frontdesk-signature"] != got[1].headers["frontdesk-signature"]
    assert got[1].is_signed_with(hook.secret)
    assert (delivered.attempts, delivered.last_code) == (2, 200)


async def test_a_name_that_turns_private_between_check_and_connect_is_not_reached(receiver):
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])  # public at the check, then rebound

    async def rebinding(host: str) -> list[str]:
        return next(answers, ["127.0.0.1"])

    store = MemoryWebhooks()
    hook = Webhook("wh_r", "acme", f"http://rebind.example:{receiver.port}/hooks/main", ("*",),
                   "s", time.time())
    await store.add_webhook(hook)
    deliverer = Deliverer(store, CollectorRegistry(), clock=time.time, allow_private=False,
                          resolver=rebinding, limits=DeliveryLimits(poll=0.05))
    await deliverer.start()
    try:
        deliverer.accept("acme", FRAME, time.time())
        deadline = time.monotonic() + 5
        while not (log := await store.deliveries("acme", hook.id, None, 1)) or not log[0].attempts:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
    finally:
        await deliverer.stop()
    assert receiver.requests == []
    assert log[0].status is DeliveryStatus.PENDING and log[0].last_code is None
