"""The in-process history (HistoryStore): per subject, times and states in time order.

Every method runs without awaiting, so each is atomic on the event loop. Times are kept to the
millisecond, as in Redis, so both stores answer the same reports.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort

from frontdesk.store.base import Recorded


def _ms(at: float) -> float:
    return round(at * 1000) / 1000


class MemoryHistory:
    def __init__(self) -> None:
        self._states: dict[tuple[str, str], tuple[list[float], list[str]]] = {}
        self._moments: dict[str, list[tuple[float, str, str]]] = {}
        self._waiting: dict[tuple[str, str], float] = {}  # queued, never assigned: start

    async def record_state(self, account: str, subject: str, at: float, state: str,
                           horizon: float) -> Recorded:
        at = _ms(at)
        times, states = self._states.setdefault((account, subject), ([], []))
        i = bisect_right(times, at)
        previous = (times[i - 1], states[i - 1]) if i else (None, None)
        if previous[1] == state:
            return Recorded(False, *previous)
        appended = True
        if i < len(times) and states[i] == state:  # the same state arrived late: move it
            del times[i], states[i]
            appended = False
        times.insert(i, at)
        states.insert(i, state)
        keep = max(bisect_left(times, horizon) - 1, 0)  # the latest before the horizon stays
        del times[:keep], states[:keep]
        return Recorded(appended, *previous)

    async def state_history(self, account: str, subject: str, start: float,
                            end: float) -> tuple[list[float], list[str]]:
        times, states = self._states.get((account, subject), ([], []))
        first = max(bisect_right(times, start) - 1, 0)
        last = bisect_right(times, end)
        return times[first:last], states[first:last]

    async def forget_history(self, account: str, subject: str) -> None:
        self._states.pop((account, subject), None)

    async def record_moment(self, account: str, at: float, conversation: str, moment: str,
                            horizon: float) -> float | None:
        at = _ms(at)
        kept = self._moments.setdefault(account, [])
        insort(kept, (at, conversation, moment))
        del kept[:bisect_left(kept, (horizon,))]
        key = (account, conversation)
        if moment == "started":
            return 0.0
        if moment == "started_queued":
            self._waiting[key] = at
        elif moment == "assigned":
            started = self._waiting.pop(key, None)
            return None if started is None else _ms(max(0.0, at - started))
        elif moment == "closed":
            self._waiting.pop(key, None)
        return None

    async def moments(self, account: str) -> list[tuple[float, str, str]]:
        return list(self._moments.get(account, ()))
