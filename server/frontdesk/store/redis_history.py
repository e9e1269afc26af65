"""The Redis store's history (HistoryStore): one zset per subject, one for the moments.

A subject's zset holds "<ms> <state>" scored by epoch ms; history_record.lua appends a state
only when it differs from the one before, and trims to the horizon in the same step. The
moments zset holds "<ms> <moment> <conversation>", trimmed by time on each append. Keys are
in the account's slot (keys.AccountKeys.history, .moments).
"""

from __future__ import annotations

from frontdesk.store import keys
from frontdesk.store.base import Recorded
from frontdesk.store.redis_connection import RedisBase, _text, _translated


def _ms(at: float) -> int:
    return round(at * 1000)


class RedisHistory(RedisBase):
    """Recorded changes and conversation moments (HistoryStore)."""

    @_translated
    async def record_state(self, account: str, subject: str, at: float, state: str,
                           horizon: float) -> Recorded:
        key = keys.AccountKeys(account).history(subject)
        appended, previous_at, previous_state = await self._script(
            "history_record", [key], [_ms(at), state, _ms(horizon)])
        return Recorded(bool(appended),
                        None if previous_at is None else int(previous_at) / 1000,
                        None if previous_state is None else _text(previous_state))

    @_translated
    async def state_history(self, account: str, subject: str, start: float,
                            end: float) -> tuple[list[float], list[str]]:
        key = keys.AccountKeys(account).history(subject)
        text = _text(await self._script("history_read", [key], [_ms(start), _ms(end), "1"]))
        times: list[float] = []
        states: list[str] = []
        if text:
            for line in text.split("\n"):
                ms, _, state = line.partition(" ")
                times.append(int(ms) / 1000)
                states.append(state)
        return times, states

    @_translated
    async def forget_history(self, account: str, subject: str) -> None:
        await self._redis.delete(keys.AccountKeys(account).history(subject))

    @_translated
    async def record_moment(self, account: str, at: float, conversation: str, moment: str,
                            horizon: float) -> float | None:
        ak = keys.AccountKeys(account)
        wait = await self._script(
            "history_moment", [ak.moments, ak.waiting],
            [_ms(at), moment, conversation, _ms(horizon)])
        return None if wait is None else int(wait) / 1000

    @_translated
    async def moments(self, account: str) -> list[tuple[float, str, str]]:
        key = keys.AccountKeys(account).moments
        text = _text(await self._script("history_read", [key], ["-inf", "+inf", "0"]))
        result = []
        if text:
            for line in text.split("\n"):
                ms, moment, conversation = line.split(" ", 2)
                result.append((int(ms) / 1000, conversation, moment))
        return result
