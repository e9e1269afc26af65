"""Frames that need the store, handled in order by one task per session, while the session
goes on reading: pings are answered and the socket stays alive however long the store takes.
Each command is answered by its deadline (set when it arrived) or gets what failed it."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

Run = Callable[[Any], Awaitable[None]]
Answer = Callable[[BaseException], None]


class Worker:
    """One session's commands waiting for the store, and the task that drains them (there
    only while there is work)."""

    __slots__ = ("backlog", "task")

    def __init__(self) -> None:
        self.backlog: deque[tuple[float, Any]] = deque()
        self.task: asyncio.Task[None] | None = None

    def add(self, due: float, command: Any, run: Run, answer: Answer) -> None:
        """Queue `command`, to be run by loop time `due`; `answer` gets whatever fails it."""
        self.backlog.append((due, command))
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(self._drain(run, answer))

    async def _drain(self, run: Run, answer: Answer) -> None:
        try:
            while self.backlog:
                due, command = self.backlog.popleft()
                try:
                    async with asyncio.timeout_at(due):
                        await run(command)
                except Exception as exc:  # the session decides what each failure means
                    answer(exc)
        finally:
            self.task = None

    async def finish(self) -> None:
        """Wait for the commands already received (each bounded by its deadline)."""
        if self.task is not None:
            await asyncio.wait([self.task])

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
