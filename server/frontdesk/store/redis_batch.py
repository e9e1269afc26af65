"""The per-connection calls of one loop tick, sent to Redis as one pipeline (one round trip).

A reconnect storm makes hundreds of hellos a second, and each counts its visitor's socket
and reads its conversation (and each close counts it off again). Sent one by one, that is a
round trip per call, each with its own pooled connection and its own reply to wait for.
Here a call queues its commands and waits for its future; the first call of a tick schedules
one flush after the tick's ready callbacks, so every call made meanwhile shares one
non-transactional pipeline, and each caller gets its own replies (or the failure of the
first of its commands that failed). At most MAX_IN_FLIGHT pipelines are on their way at
once: under load the next one waits for a reply and carries more calls.

Each call keeps its deadlines: the pipeline runs within CALL_DEADLINE, and a caller that
stops waiting (its own deadline) just drops out of the answer. Used by redis_conversations
on one Redis; on a cluster the calls go one by one (their keys live on different nodes).

The pipeline is driven by hand on a pooled connection: the commands packed by the
connection itself (redis-py's `pack_commands`) into one write, the replies read under the
one deadline. redis-py's pipeline object (a command stack, response callbacks, and a socket
timeout per reply) cost more than the round trip saved (about 30 µs per call at 30 calls a
pipeline, against 17). A pooled connection that turns out dead before any reply is read is
replaced once, as redis-py's retry would.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

MAX_IN_FLIGHT = 4


@dataclass(slots=True)
class _Call:
    commands: Sequence[tuple[Any, ...]]
    future: asyncio.Future[list[Any]]


class Batch:
    def __init__(self, pool: Any, deadline: float) -> None:
        self._pool = pool  # redis-py's asyncio connection pool
        self._deadline = deadline
        self._pending: list[_Call] = []
        self._scheduled = False
        self._in_flight = 0
        self.pipelines = 0  # pipelines sent (tests, benchmarks)
        self.calls = 0  # calls they carried

    async def run(self, commands: Sequence[tuple[Any, ...]]) -> list[Any]:
        """Send these commands with the tick's others; their replies, in order. Raises the
        first failed command's error (a Redis error, or TimeoutError past the deadline)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[Any]] = loop.create_future()
        self._pending.append(_Call(commands, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        self._scheduled = False
        if not self._pending or self._in_flight >= MAX_IN_FLIGHT:
            return  # a pipeline on its way flushes these when it is answered
        calls, self._pending = self._pending, []
        self._in_flight += 1
        task = asyncio.get_running_loop().create_task(self._send(calls),
                                                      name="frontdesk redis batch")
        task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._in_flight -= 1
        if self._pending and not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    async def _send(self, calls: list[_Call]) -> None:
        calls = [call for call in calls if not call.future.done()]  # gave up meanwhile
        if not calls:
            return
        self.pipelines += 1
        self.calls += len(calls)
        commands = [command for call in calls for command in call.commands]
        try:
            async with asyncio.timeout(self._deadline):
                replies = await self._exchange(commands)
        except BaseException as exc:  # the whole pipeline failed (or this task was cancelled)
            for call in calls:
                if not call.future.done():
                    call.future.set_exception(_fresh(exc))
            if isinstance(exc, asyncio.CancelledError):
                raise
            return
        at = 0
        for call in calls:
            mine = replies[at:at + len(call.commands)]
            at += len(call.commands)
            if call.future.done():
                continue
            failed = next((r for r in mine if isinstance(r, Exception)), None)
            if failed is not None:
                call.future.set_exception(failed)
            else:
                call.future.set_result(mine)

    async def _exchange(self, commands: Sequence[tuple[Any, ...]]) -> list[Any]:
        """Send the commands on one pooled connection, packed by redis-py into one write, and
        read their replies (an error reply is kept in its place, as an exception)."""
        for attempt in range(2):
            replies: list[Any] = []
            connection = await self._pool.get_connection()
            try:
                await connection.send_packed_command(connection.pack_commands(commands))
                for _ in range(len(commands)):
                    try:  # no timeout per reply: the whole exchange has one deadline
                        replies.append(await connection.read_response(timeout=math.inf))
                    except ResponseError as exc:
                        replies.append(exc)
                return replies
            except (RedisConnectionError, RedisTimeoutError, OSError):
                await connection.disconnect()
                if attempt or replies:  # a second failure, or some were applied: report it
                    raise
            except BaseException:  # cancelled mid-reply: the connection cannot be reused
                await connection.disconnect()
                raise
            finally:
                await self._pool.release(connection)
        raise AssertionError("unreachable")


def _fresh(exc: BaseException) -> BaseException:
    """One failure for many waiters: each gets its own exception of the same kind (a
    cancelled flush reads as the pipeline's deadline to the callers)."""
    if isinstance(exc, asyncio.CancelledError):
        return TimeoutError("the batched call was cancelled")
    try:
        return type(exc)(*exc.args)
    except Exception:
        return exc
