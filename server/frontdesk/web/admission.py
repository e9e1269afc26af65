"""How many hellos talk to the store at once, so that a reconnect storm is load, not an outage.

A thousand sockets reconnecting within a second would otherwise run a thousand welcomes at
once: each waits its turn for one of the store's pooled connections many times over, all of
them finish near the end, and the store's deadline (meant for a store that hangs) turns the
queue into 1013s. Admitted a few at a time, each welcome is quick, and the rest wait in line
for at most `ADMISSION_WAIT`, not counted against the store's deadline. Agents have their own
line: an agent must be counted again within the close grace or it looks gone.

While the store is known to be down (StoreHealth), nobody waits: the hello gets 1013 at once.

A hello's store step is the most common thing a connection does: a free lane is taken
without waiting (no future, no task switch), and the step's deadline is an entry
of one shared timer (web/wheel.py), with no context-manager stack around it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from types import TracebackType

from frontdesk.core.errors import StoreUnavailable
from frontdesk.web.wheel import Wheel

ADMISSION_WAIT = 8.0  # within the 10 s a socket has for its hello
WIDGET_LANE = 32
AGENT_LANE = 16  # together under the store's pool of 64 connections


class Refused(StoreUnavailable):
    """The hello is not admitted: the store is down, or the line did not move in time (not
    itself a sign of an outage: no need to note it)."""


class Lane:
    """A counting semaphore whose free case costs one comparison."""

    __slots__ = ("free", "waiters")

    def __init__(self, size: int) -> None:
        self.free = size
        self.waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self, wait: float) -> None:
        if self.free > 0 and not self.waiters:
            self.free -= 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        try:
            async with asyncio.timeout(wait):
                await waiter  # release() handed its place to us
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed over just as we gave up: pass it on
            elif waiter in self.waiters:
                self.waiters.remove(waiter)
            raise

    def release(self) -> None:
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.free += 1


class Admission:
    def __init__(self, store_ok: Callable[[], bool], *, widgets: int = WIDGET_LANE,
                 agents: int = AGENT_LANE, wait: float = ADMISSION_WAIT) -> None:
        self._store_ok = store_ok
        self._lanes = {False: Lane(widgets), True: Lane(agents)}
        self._wait = wait
        self._deadlines: Wheel | None = None

    @property
    def deadlines(self) -> Wheel:
        """store_step's deadlines, on the running loop's timer."""
        loop = asyncio.get_running_loop()
        wheel = self._deadlines
        if wheel is None or wheel.loop is not loop:
            wheel = self._deadlines = Wheel(loop)
        return wheel

    async def enter(self, agent: bool) -> None:
        """Take a place in the line (`agent`'s), or raise Refused."""
        if not self._store_ok():
            raise Refused("the store is unreachable")
        lane = self._lanes[agent]
        try:
            await lane.acquire(self._wait)
        except TimeoutError:
            raise Refused("too many hellos waiting") from None
        if not self._store_ok():  # it went down while we waited
            lane.release()
            raise Refused("the store is unreachable")

    def leave(self, agent: bool) -> None:
        self._lanes[agent].release()


class store_step:  # noqa: N801 - used as `async with store_step(...)`, like a function
    """A step of a hello that needs the store: admitted to its line (`agent`; None: no line)
    and within `seconds`, else StoreUnavailable (Refused when not admitted).

    The deadline is an entry of the admission's Wheel (web/wheel.py), not a loop timer of
    its own: when it comes, the step's task is cancelled, and the cancellation becomes
    StoreUnavailable here (unless the task was also cancelled by someone else)."""

    __slots__ = ("admission", "seconds", "agent", "task", "wheel", "key", "cancelling",
                 "expired")

    def __init__(self, admission: Admission, seconds: float, *, agent: bool | None = None,
                 ) -> None:
        self.admission = admission
        self.seconds = seconds
        self.agent = agent
        self.key = 0
        self.expired = False

    async def __aenter__(self) -> None:
        if self.agent is not None:
            await self.admission.enter(self.agent)
        task = asyncio.current_task()
        assert task is not None
        self.task = task
        self.cancelling = task.cancelling()
        wheel = self.wheel = self.admission.deadlines
        self.key = wheel.add(self, wheel.time() + self.seconds)

    def on_due(self) -> None:
        self.key = 0
        self.expired = True
        self.task.cancel()

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self.key:
            self.wheel.discard(self, self.key)
        if self.agent is not None:
            self.admission.leave(self.agent)
        timed_out = kind is not None and issubclass(kind, TimeoutError)
        if self.expired and kind is not None and issubclass(kind, asyncio.CancelledError):
            timed_out = self.task.uncancel() <= self.cancelling  # else: cancelled for good
        if timed_out:
            raise StoreUnavailable("the store did not answer in time") from None
