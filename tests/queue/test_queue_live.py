"""An honest queue through a real server and sockets, both stores: the estimate follows a
scripted assignment rhythm, a full queue refuses, a wait past the limit expires."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.support import client as fd
from tests.support.server import RunningServer, agent_token

RHYTHM = 1.0  # seconds between assignments from the queue
VISITORS = 7
SLACK = 0.2  # seconds: the test's own sleeps and reads on a loaded machine


async def put_widget(office: httpx.AsyncClient, **settings: object) -> None:
    response = await office.put("/api/v1/widgets/site", json={"account": "acme", **settings})
    assert response.status_code == 200, response.text


async def test_estimates_follow_a_scripted_rhythm(live: RunningServer,
                                                  office: httpx.AsyncClient) -> None:
    """Kevin (capacity 1) closes a conversation every RHYTHM s; each close assigns the head.

    Every estimate a visitor is shown after the rhythm is known is compared with the wait it
    then really had: within 10 %, give or take SLACK for this test's own timing (its closes
    come from `asyncio.sleep`, which a loaded machine delays: 126 ms once in a full CI run).
    """
    await put_widget(office, routing="round_robin", max_conversations_per_agent=1)
    visitors = []
    for i in range(VISITORS):
        visitor, _ = await fd.widget(live.ws, "site", visitor=f"v{i}", beat=0.3)
        await visitor.send({"type": "conversation.start"})
        queued = await visitor.recv_type("conversation.queued")
        assert queued["estimated_wait"] is None  # no assignment from the queue yet
        visitors.append(visitor)
    kevin, welcome = await fd.agent(live.ws, agent_token("acme", "kevin"), beat=0.3)
    shown: dict[int, list[tuple[float, int]]] = {i: [] for i in range(VISITORS)}
    assigned_at: dict[int, float] = {}

    async def follow(i: int) -> None:
        while True:
            frame = await visitors[i].recv(timeout=30)
            now = time.monotonic()
            if frame["type"] == "conversation.queued" and frame["estimated_wait"] is not None:
                shown[i].append((now, frame["estimated_wait"]))
            elif frame["type"] == "conversation.joined":
                assigned_at[i] = now
                return

    followers = [asyncio.create_task(follow(i)) for i in range(1, VISITORS)]
    if welcome["conversations"]:  # assigned while it said hello
        current = welcome["conversations"][0]["conversation"]
    else:
        current = (await kevin.recv_type("conversation.joined"))["conversation"]
    for _ in range(VISITORS - 1):
        await asyncio.sleep(RHYTHM)
        await kevin.send({"type": "conversation.close", "conversation": current})
        current = (await kevin.recv_type("conversation.joined"))["conversation"]
    await asyncio.gather(*followers)
    errors: list[float] = []
    misses: list[float] = []  # how far each estimate falls outside 10 % + SLACK (<= 0: inside)
    learned = assigned_at[1]  # two assignments from the queue: the rhythm is in the history
    for i in range(2, VISITORS):
        for at, estimate in shown[i]:
            if at < learned:
                continue
            actual = assigned_at[i] - at
            errors.append(abs(estimate - actual) / actual)
            misses.append(abs(estimate - actual) - 0.10 * actual - SLACK)
    assert errors, shown
    print(f"estimate error on a {RHYTHM} s rhythm: mean {100 * sum(errors) / len(errors):.1f} %,"
          f" max {100 * max(errors):.1f} % over {len(errors)} estimates")
    assert max(misses) <= 0, (errors, shown, assigned_at)
    for side in (*visitors, kevin):
        await side.close()


async def test_a_full_queue_refuses(live: RunningServer, office: httpx.AsyncClient) -> None:
    await put_widget(office, max_queue=1, offline_message="Leave us a message")
    first = await office.post("/api/v1/widgets/site/conversations", json={"visitor": "v1"})
    assert first.json()["state"] == "queued" and first.json()["estimated_wait"] is None
    tab1, _ = await fd.widget(live.ws, "site", visitor="v2", beat=0.3)
    tab2, _ = await fd.widget(live.ws, "site", visitor="v2", beat=0.3)
    refused = await office.post("/api/v1/widgets/site/conversations", json={"visitor": "v2"})
    assert refused.status_code == 201
    assert refused.json() == {"conversation": None, "state": "rejected", "reason": "queue_full",
                              "message": "Leave us a message"}
    for tab in (tab1, tab2):  # every socket of that visitor on that widget
        frame = await tab.recv_type("conversation.rejected")
        assert frame == {"type": "conversation.rejected", "reason": "queue_full",
                         "message": "Leave us a message", "widget": "site", "visitor": "v2"}
    await tab1.send({"type": "conversation.start"})  # the socket start is refused the same way
    assert (await tab2.recv_type("conversation.rejected"))["visitor"] == "v2"
    for tab in (tab1, tab2):
        await tab.close()


async def test_a_wait_past_the_limit_expires(live: RunningServer,
                                             office: httpx.AsyncClient) -> None:
    await put_widget(office, max_queue_wait=1.5)
    visitor, _ = await fd.widget(live.ws, "site", visitor="v1", beat=0.3)
    await visitor.send({"type": "conversation.start"})
    queued = await visitor.recv_type("conversation.queued")
    started = time.monotonic()
    closed = await visitor.recv_type("conversation.closed", timeout=4)
    took = time.monotonic() - started
    assert closed == {"type": "conversation.closed", "conversation": queued["conversation"],
                      "reason": "expired"}
    assert 1.4 <= took <= 2.6, took
    listing = await office.get("/api/v1/accounts/acme/agents")
    assert listing.status_code == 200
    await visitor.close()
