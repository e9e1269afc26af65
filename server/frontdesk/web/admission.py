"""How many hellos talk to the store at once, so that a reconnect storm is load, not an outage.

A thousand sockets reconnecting within a second would otherwise run a thousand welcomes at
once: each waits its turn for one of the store's pooled connections many times over, all of
them finish near the end, and the store's deadline (meant for a store that hangs) turns the
queue into 1013s. Admitted a few at a time, each welcome is quick, and the rest wait in line
for at most `ADMISSION_WAIT`, not counted against the store's deadline. Agents have their own
line: an agent must be counted again within the close grace or it looks gone.

While the store is known to be down (StoreHealth), nobody waits: the hello gets 1013 at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from frontdesk.core.errors import StoreUnavailable

ADMISSION_WAIT = 8.0  # within the 10 s a socket has for its hello
WIDGET_LANE = 32
AGENT_LANE = 16  # together under the store's pool of 64 connections


class Refused(StoreUnavailable):
    """The hello is not admitted: the store is down, or the line did not move in time (not
    itself a sign of an outage: no need to note it)."""


class Admission:
    def __init__(self, store_ok: Callable[[], bool], *, widgets: int = WIDGET_LANE,
                 agents: int = AGENT_LANE, wait: float = ADMISSION_WAIT) -> None:
        self._store_ok = store_ok
        self._lanes = {False: asyncio.Semaphore(widgets), True: asyncio.Semaphore(agents)}
        self._wait = wait

    @contextlib.asynccontextmanager
    async def admit(self, *, agent: bool) -> AsyncIterator[None]:
        if not self._store_ok():
            raise Refused("the store is unreachable")
        lane = self._lanes[agent]
        try:
            async with asyncio.timeout(self._wait):
                await lane.acquire()
        except TimeoutError:
            raise Refused("too many hellos waiting") from None
        try:
            if not self._store_ok():  # it went down while we waited
                raise Refused("the store is unreachable")
            yield
        finally:
            lane.release()


@contextlib.asynccontextmanager
async def store_step(admission: Admission, seconds: float, *, agent: bool | None = None,
                     ) -> AsyncIterator[None]:
    """A step of a hello that needs the store: admitted to its line (`agent`; None: no line)
    and within `seconds`, else StoreUnavailable (Refused when not admitted)."""
    async with contextlib.AsyncExitStack() as stack:
        if agent is not None:
            await stack.enter_async_context(admission.admit(agent=agent))
        try:
            async with asyncio.timeout(seconds):
                yield
        except TimeoutError:
            raise StoreUnavailable("the store did not answer in time") from None
