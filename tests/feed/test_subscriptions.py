"""Account subscriptions follow the hub: watch on the first socket, unwatch a while after the
last, and a reload (close and reopen within the linger) costs nothing."""

from __future__ import annotations

import asyncio

from frontdesk.codec import Encoding
from frontdesk.hub import Hub
from frontdesk.subscriptions import AccountSubscriptions

LINGER = 0.2


class RecordingBus:
    """The two BusStore calls subscriptions make, recorded; `watch` takes a while."""

    def __init__(self, delay: float = 0.02) -> None:
        self.calls: list[tuple[str, str]] = []
        self.delay = delay

    async def watch(self, account: str) -> None:
        await asyncio.sleep(self.delay)
        self.calls.append(("watch", account))

    async def unwatch(self, account: str) -> None:
        self.calls.append(("unwatch", account))


class Sock:
    encoding = Encoding.JSON

    def push(self, data: bytes) -> None: ...

    def close_now(self, code: int, reason: str = "") -> None: ...


def wired() -> tuple[Hub, AccountSubscriptions, RecordingBus]:
    bus = RecordingBus()
    subs = AccountSubscriptions(bus, linger=LINGER)  # type: ignore[arg-type]
    hub = Hub()
    hub.follow_accounts(subs.hold, subs.release)
    return hub, subs, bus


async def test_first_socket_watches_and_ready_waits_for_it() -> None:
    hub, subs, bus = wired()
    a, b = Sock(), Sock()
    hub.add_widget(a, "acme", "site", "v1")
    hub.add_agent(b, "acme", "kevin")
    assert bus.calls == []  # asked, not yet confirmed
    await subs.ready("acme")
    assert bus.calls == [("watch", "acme")]  # one watch for two sockets
    assert subs.watched() == {"acme"}


async def test_last_socket_unwatches_after_the_linger_only() -> None:
    hub, subs, bus = wired()
    a, b = Sock(), Sock()
    hub.add_widget(a, "acme", "site", "v1")
    hub.add_widget(b, "acme", "site", "v2")
    await subs.ready("acme")
    hub.remove_widget(a, "acme", "site", "v1")
    hub.remove_widget(a, "acme", "site", "v1")  # a second remove of the same socket: nothing
    await asyncio.sleep(LINGER * 1.5)
    assert bus.calls == [("watch", "acme")]  # b is still there
    hub.remove_widget(b, "acme", "site", "v2")
    await asyncio.sleep(LINGER * 0.5)
    assert bus.calls == [("watch", "acme")]
    await asyncio.sleep(LINGER)
    assert bus.calls == [("watch", "acme"), ("unwatch", "acme")]
    assert subs.watched() == set()


async def test_reloads_within_the_linger_cost_no_subscription() -> None:
    hub, subs, bus = wired()
    sock = Sock()
    hub.add_agent(sock, "acme", "kevin")
    await subs.ready("acme")
    for _ in range(50):  # a storm of reloads
        hub.remove_agent(sock, "acme", "kevin")
        await asyncio.sleep(0.001)
        sock = Sock()
        hub.add_agent(sock, "acme", "kevin")
    await asyncio.sleep(LINGER * 1.5)
    assert bus.calls == [("watch", "acme")]


async def test_coming_back_after_an_unwatch_watches_again_in_order() -> None:
    hub, subs, bus = wired()
    sock = Sock()
    hub.add_agent(sock, "acme", "kevin")
    await subs.ready("acme")
    hub.remove_agent(sock, "acme", "kevin")
    await asyncio.sleep(LINGER * 1.2)
    hub.add_agent(sock, "acme", "kevin")
    await subs.ready("acme")
    assert bus.calls == [("watch", "acme"), ("unwatch", "acme"), ("watch", "acme")]
    subs.stop()
