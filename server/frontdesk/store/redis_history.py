"""The Redis store's history (HistoryStore): one zset per subject, one for the moments.

A subject's zset holds "<ms> <state>" scored by epoch ms; history_record.lua appends a state
only when it differs from the one before, and trims to the horizon in the same step. The
moments zset holds "<ms> <moment> <conversation>", trimmed by time on each append. Keys are
in the account's slot (keys.AccountKeys.history, .moments).
"""

from __future__ import annotations

from redis.commands.core import AsyncScript

from frontdesk.store import keys
from frontdesk.store.base import Recorded
from frontdesk.store.redis_connection import RedisBase, _text, _translated, lua_source


def _ms(at: float) -> int:
    return round(at * 1000)


def _split(member: object) -> tuple[float, str]:
    text = _text(member)
    ms, _, rest = text.partition(" ")
    return int(ms) / 1000, rest


class RedisHistory(RedisBase):
    """Recorded changes and conversation moments (HistoryStore)."""

    _history_scripts: dict[str, AsyncScript] | None = None

    def _script_named(self, name: str) -> AsyncScript:
        """This concern's scripts, registered on first use (redis-py falls back to EVAL)."""
        if self._history_scripts is None:
            self._history_scripts = {}
        script = self._history_scripts.get(name)
        if script is None:
            script = self._history_scripts[name] = self._redis.register_script(lua_source(name))
        return script

    @_translated
    async def record_state(self, account: str, subject: str, at: float, state: str,
                           horizon: float) -> Recorded:
        key = keys.AccountKeys(account).history(subject)
        appended, previous_at, previous_state = await self._script_named("history_record")(
            keys=[key], args=[_ms(at), state, _ms(horizon)])
        return Recorded(bool(appended),
                        None if previous_at is None else int(previous_at) / 1000,
                        None if previous_state is None else _text(previous_state))

    @_translated
    async def state_history(self, account: str, subject: str, start: float,
                            end: float) -> tuple[list[float], list[str]]:
        key = keys.AccountKeys(account).history(subject)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrevrangebyscore(key, _ms(start), "-inf", start=0, num=1)
            pipe.zrangebyscore(key, f"({_ms(start)}", _ms(end))
            before, inside = await pipe.execute()
        times: list[float] = []
        states: list[str] = []
        for member in (*before, *inside):
            at, state = _split(member)
            times.append(at)
            states.append(state)
        return times, states

    @_translated
    async def forget_history(self, account: str, subject: str) -> None:
        await self._redis.delete(keys.AccountKeys(account).history(subject))

    @_translated
    async def record_moment(self, account: str, at: float, conversation: str, moment: str,
                            horizon: float) -> float | None:
        ak = keys.AccountKeys(account)
        wait = await self._script_named("history_moment")(
            keys=[ak.moments, ak.waiting], args=[_ms(at), moment, conversation, _ms(horizon)])
        return None if wait is None else int(wait) / 1000

    @_translated
    async def moments(self, account: str) -> list[tuple[float, str, str]]:
        result = []
        for member in await self._redis.zrange(keys.AccountKeys(account).moments, 0, -1):
            at, rest = _split(member)
            moment, _, conversation = rest.partition(" ")
            result.append((at, conversation, moment))
        return result
