"""The history concern of the Store contract, against both stores (memory and redis)."""

from __future__ import annotations

import asyncio

import pytest

from frontdesk.store.base import Recorded, Store
from tests.store.conftest import Harness

A = "acme"
W = "widget:w1"
T = 1_767_000_000.0
DAY = 86400.0
HORIZON = T - 35 * DAY


async def record(store: Store, at: float, state: str, subject: str = W,
                 horizon: float = HORIZON) -> Recorded:
    return await store.record_state(A, subject, at, state, horizon)


async def test_a_state_is_recorded_once_per_change(store: Store) -> None:
    assert await record(store, T, "online manual") == Recorded(True)
    assert await record(store, T + 1, "online manual") == Recorded(False, T, "online manual")
    assert await record(store, T + 2, "offline team_away") == Recorded(True, T, "online manual")
    assert await record(store, T + 3, "online manual") == Recorded(True, T + 2,
                                                                   "offline team_away")
    times, states = await store.state_history(A, W, T - 10, T + 10)
    assert times == [T, T + 2, T + 3]
    assert states == ["online manual", "offline team_away", "online manual"]


async def test_times_keep_milliseconds(store: Store) -> None:
    await record(store, T + 0.1234, "online manual")
    times, _ = await store.state_history(A, W, T, T + 1)
    assert times == [pytest.approx(T + 0.123, abs=1e-6)]


async def test_a_range_starts_with_the_state_at_its_start(store: Store) -> None:
    for i, state in enumerate(["a", "b", "c", "d"]):
        await record(store, T + i * 10, state)
    assert await store.state_history(A, W, T + 15, T + 25) == ([T + 10, T + 20], ["b", "c"])
    assert await store.state_history(A, W, T + 20, T + 40) == ([T + 20, T + 30], ["c", "d"])
    assert await store.state_history(A, W, T - 50, T - 1) == ([], [])
    assert await store.state_history(A, W, T - 50, T) == ([T], ["a"])
    assert await store.state_history(A, "widget:other", T, T + 50) == ([], [])
    assert await store.state_history("other", W, T, T + 50) == ([], [])


async def test_the_same_state_arriving_late_moves_the_record_earlier(store: Store) -> None:
    # two processes' records of one change arriving out of order: one record, the earliest
    await record(store, T, "a")
    assert (await record(store, T + 20, "b")).appended is True
    assert (await record(store, T + 10, "b")) == Recorded(False, T, "a")
    assert await store.state_history(A, W, T, T + 30) == ([T, T + 10], ["a", "b"])


async def test_a_late_record_lands_in_time_order(store: Store) -> None:
    await record(store, T, "a")
    await record(store, T + 20, "c")
    assert (await record(store, T + 10, "b")).previous_state == "a"
    assert (await record(store, T + 15, "b")).appended is False
    assert await store.state_history(A, W, T, T + 30) == ([T, T + 10, T + 20], ["a", "b", "c"])


async def test_trimming_keeps_the_state_at_the_horizon(store: Store) -> None:
    for i in range(10):
        await record(store, T + i * DAY, "on" if i % 2 else "off", horizon=0)
    # 10 days on, keeping what came after day 7 and a second: days 8, 9 and 10 stay, and
    # day 7's record says what the state was when the kept days began
    await record(store, T + 10 * DAY, "off", horizon=T + 7 * DAY + 1)
    times, states = await store.state_history(A, W, 0, T + 20 * DAY)
    assert times == [T + d * DAY for d in (7, 8, 9, 10)]
    assert states == ["on", "off", "on", "off"]


async def test_a_subject_that_never_changes_keeps_its_one_record(store: Store) -> None:
    await record(store, T, "on", horizon=0)
    await record(store, T + 100 * DAY, "on", horizon=T + 60 * DAY)  # same state: not added
    await record(store, T + 100 * DAY, "off", horizon=T + 65 * DAY)
    assert await store.state_history(A, W, T + 90 * DAY, T + 101 * DAY) == (
        [T, T + 100 * DAY], ["on", "off"])


async def test_forget_history(store: Store) -> None:
    await record(store, T, "on")
    await record(store, T, "x", subject="agent:kevin")
    await store.forget_history(A, W)
    assert await store.state_history(A, W, 0, T + 1) == ([], [])
    assert await store.state_history(A, "agent:kevin", 0, T + 1) == ([T], ["x"])


async def test_moments_in_time_order_and_trimmed(store: Store) -> None:
    await store.record_moment(A, T + 2, "c1", "assigned", HORIZON)
    await store.record_moment(A, T, "c1", "started_queued", HORIZON)
    await store.record_moment(A, T + 1, "c2", "started", HORIZON)
    await store.record_moment("other", T, "c9", "started", HORIZON)
    assert await store.moments(A) == [(T, "c1", "started_queued"), (T + 1, "c2", "started"),
                                      (T + 2, "c1", "assigned")]
    await store.record_moment(A, T + 40 * DAY, "c3", "closed", T + 1.5)
    assert await store.moments(A) == [(T + 2, "c1", "assigned"), (T + 40 * DAY, "c3", "closed")]
    assert await store.moments("nobody") == []


@pytest.mark.redis
async def test_two_processes_record_one_change_once(harness: Harness) -> None:
    if not harness.is_redis:
        pytest.skip("several processes share only the redis store")
    other = await harness.another()
    results = await asyncio.gather(*(
        s.record_state(A, W, T + i * 0.001, "offline team_away", HORIZON)
        for i, s in enumerate([harness.store, other] * 5)))
    assert sum(r.appended for r in results) == 1
    assert (await other.state_history(A, W, 0, T + 1))[1] == ["offline team_away"]



async def test_each_wait_is_measured_once_at_the_first_assignment(store: Store) -> None:
    async def moment(at: float, conversation: str, what: str) -> float | None:
        return await store.record_moment(A, at, conversation, what, HORIZON)

    assert await moment(T, "now", "started") == 0
    assert await moment(T, "q", "started_queued") is None
    assert await moment(T + 12.5, "q", "assigned") == pytest.approx(12.5)
    assert await moment(T + 20, "q", "queued") is None  # taken back and queued again
    assert await moment(T + 30, "q", "assigned") is None  # not a first assignment
    assert await moment(T + 1, "gone", "started_queued") is None
    assert await moment(T + 2, "gone", "closed") is None
    assert await moment(T + 3, "gone", "assigned") is None
    assert await moment(T + 4, "r-1", "rejected") is None
    assert len(await store.moments(A)) == 9
