"""Use case: the history of availability (contract: Coverage), and the reports read from it.

Recording. The history subscribes to the feed, which tells it, on the process that published
it, each `widget.status` and `agent.status` push won in the compare-and-set: so each change is
recorded once across processes. The store appends a state only when it differs from the one
before (a message-only change is not a change here). Conversations tell it their moments
(started, queued, assigned, closed, rejected) from the process that performed the step.

Writes go through one queue and one writer task, in order. A write that fails because the
store is unreachable is retried, with backoff, until the store answers again: the history has
no hole for an outage the process lived through (the change keeps its own time). Time when no
process ran at all is counted in the state recorded last (nothing saw it change); the next
process to start records what changed at the moment it notices.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from frontdesk.core import frames
from frontdesk.core.coverage import (
    AgentActivity,
    WidgetState,
    agent_activity,
    parse_range,
    widget_coverage,
)
from frontdesk.core.errors import StoreUnavailable
from frontdesk.core.events import CloseWidget, Push
from frontdesk.core.model import Reason, WidgetStatus
from frontdesk.core.queue_stats import ConversationMoment, Moment, queue_stats
from frontdesk.core.widget_status import compute_widget_status
from frontdesk.feed import Change, Feed
from frontdesk.runtime import Runtime
from frontdesk.store.base import HistoryStore, PresenceStore, Recorded, WidgetStore
from frontdesk.widgets import agent_subject, widget_subject

log = logging.getLogger("frontdesk.history")

MAX_PENDING = 100_000  # writes waiting for the store; beyond, the oldest are dropped (logged)
DRAIN_WAIT = 1.0  # a report waits this long at most for this process's writes to land
GAP = f"{WidgetStatus.OFFLINE.value} {Reason.TEAM_AWAY.value}"  # offline while open


GapListener = Callable[[str, str, float, str, Recorded], None]
"""(account, widget, recorded at, state, what recording did)"""


@dataclass(frozen=True, slots=True)
class StateWrite:
    account: str
    subject: str
    at: float
    state: str


@dataclass(frozen=True, slots=True)
class MomentWrite:
    account: str
    at: float
    conversation: str
    moment: Moment


@dataclass(frozen=True, slots=True)
class Forget:
    account: str
    subject: str


Write = StateWrite | MomentWrite | Forget


def widget_state_text(payload: dict[str, Any]) -> str:
    return f"{payload['status']} {payload['reason']}"


def agent_state_text(payload: dict[str, Any]) -> str:
    return f"{payload['status']} {1 if payload['connected'] else 0}"


_MOMENTS = {moment.value: moment for moment in Moment}
_widget_states: dict[str, WidgetState] = {}
_agent_states: dict[str, AgentActivity] = {}


def widget_state(text: str) -> WidgetState:
    """The state a record holds (cached: a report decodes thousands of a handful of texts)."""
    state = _widget_states.get(text)
    if state is None:
        status, reason = text.split(" ")
        state = _widget_states[text] = WidgetState(WidgetStatus(status), Reason(reason))
    return state


def agent_state(text: str) -> AgentActivity:
    state = _agent_states.get(text)
    if state is None:
        status, connected = text.split(" ")
        state = _agent_states[text] = AgentActivity.from_payload(
            {"status": status, "connected": connected == "1"})
    return state


class History:
    def __init__(self, runtime: Runtime, history: HistoryStore, widgets: WidgetStore,
                 agents: PresenceStore, feed: Feed) -> None:
        self._runtime = runtime
        self._clock = runtime.clock
        self._store = history
        self._widgets = widgets
        self._agents = agents
        self._metrics = runtime.metrics
        self._pending: deque[Write] = deque()
        self._wake: asyncio.Event | None = None
        self._idle: asyncio.Event | None = None  # set while nothing waits to be written
        self._gap_listeners: list[GapListener] = []
        feed.subscribe(self._on_change)

    # --- recording ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start the writer (the node calls it once the loop runs)."""
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        if not self._pending:
            self._idle.set()
        self._runtime.tasks.spawn(self._write_forever(), "history writer")

    def follow_gaps(self, listener: GapListener) -> None:
        """Call `listener(account, widget, recorded_at, state, recorded)` after each widget
        state this process recorded (the gap alert)."""
        self._gap_listeners.append(listener)

    def _on_change(self, change: Change) -> None:
        """Feed subscriber: runs inline on the push path, so it only queues."""
        match change:
            case Push(payload={"type": "widget.status"} as payload):
                self._queue(StateWrite(change.account, widget_subject(payload["widget"]),
                                       change.at or self._runtime.now(),
                                       widget_state_text(payload)))
            case Push(payload={"type": "agent.status"} as payload):
                self._queue(StateWrite(change.account, agent_subject(payload["agent"]),
                                       change.at or self._runtime.now(),
                                       agent_state_text(payload)))
            case CloseWidget():
                self._queue(Forget(change.account, widget_subject(change.widget)))
            case _:
                pass

    def note(self, account: str, conversation: str | None, moment: Moment, at: float) -> None:
        """A conversation's moment, told by the process that performed the step."""
        self._queue(MomentWrite(account, at,
                                conversation or f"rejected-{secrets.token_hex(8)}", moment))

    def _queue(self, write: Write) -> None:
        if len(self._pending) >= MAX_PENDING:
            self._pending.popleft()
            self._metrics.history_dropped.inc()
            log.error("history: more than %d writes waiting for the store; dropped the oldest",
                      MAX_PENDING)
        self._pending.append(write)
        if self._wake is not None and self._idle is not None:
            self._idle.clear()
            self._wake.set()

    async def _write_forever(self) -> None:
        """Write queued records in order; while the store is down, retry the same one."""
        assert self._wake is not None and self._idle is not None
        attempt = 0
        while True:
            if not self._pending:
                self._idle.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            write = self._pending[0]
            try:
                await self._write(write)
            except StoreUnavailable as exc:
                self._runtime.health.note_down(exc)
                attempt += 1
                await asyncio.sleep(min(2.0, 0.05 * 2 ** min(attempt, 6)))
                continue
            except Exception:
                log.exception("history: could not record %s; skipped", write)
            attempt = 0
            if self._pending and self._pending[0] is write:
                self._pending.popleft()

    async def _write(self, write: Write) -> None:
        horizon = self._runtime.now() - self._runtime.settings.history_days * 86400.0
        match write:
            case StateWrite():
                recorded = await self._store.record_state(
                    write.account, write.subject, write.at, write.state, horizon)
                kind = write.subject.split(":")[0]
                if recorded.appended:
                    self._metrics.history_records.labels(kind).inc()
                    self._measure(write, recorded)
                else:
                    self._metrics.history_unchanged.labels(kind).inc()
            case MomentWrite():
                wait = await self._store.record_moment(
                    write.account, write.at, write.conversation, write.moment.value, horizon)
                self._metrics.history_records.labels("conversation").inc()
                if wait is not None:
                    self._metrics.time_to_assign.observe(wait)
            case Forget():
                await self._store.forget_history(write.account, write.subject)

    def _measure(self, write: StateWrite, recorded: Recorded) -> None:
        """A recorded widget change ends the interval before it: count a gap that ended."""
        if not write.subject.startswith("widget:"):
            return
        if recorded.previous_state == GAP and recorded.previous_at is not None:
            self._metrics.offline_while_open.inc(max(0.0, write.at - recorded.previous_at))
        widget = write.subject.split(":", 1)[1]
        for listener in self._gap_listeners:
            try:
                listener(write.account, widget, write.at, write.state, recorded)
            except Exception:
                log.exception("history: gap listener failed")

    async def flush(self, timeout: float = 2.0) -> None:
        """At shutdown (the writer is stopped): write what is still queued, while the store
        answers and time allows (the node's last changes, its connections ending, included)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._pending and loop.time() < deadline:
            try:
                await asyncio.wait_for(self._write(self._pending[0]), deadline - loop.time())
            except (StoreUnavailable, TimeoutError):
                log.warning("history: %d changes not recorded at shutdown", len(self._pending))
                return
            self._pending.popleft()

    async def drained(self, timeout: float = DRAIN_WAIT) -> None:
        """Wait (a little) for this process's queued writes, so a report sees them."""
        if self._idle is None or self._idle.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout)

    # --- reports -----------------------------------------------------------------------------
    def _now(self) -> datetime:
        return self._clock()

    async def widget_coverage(self, widget: str, raw_from: str | None,
                              raw_to: str | None) -> dict[str, Any] | None:
        """GET /api/v1/widgets/{widget}/coverage; None for an unknown widget."""
        settings = await self._widgets.get_widget(widget)
        if settings is None:
            return None
        span = parse_range(raw_from, raw_to, self._now())
        await self.drained()
        subject = widget_subject(widget)
        times, texts = await self._store.state_history(
            settings.account, subject, span.start, span.end)
        if not times:
            team = await self._agents.team(settings.account)
            now = self._now()
            view = compute_widget_status(widget, settings, team.is_anyone_available, now)
            await self._seed(settings.account, subject, widget_state_text(view.to_payload()))
        return widget_coverage(widget, times, [widget_state(t) for t in texts], span)

    async def agent_activity(self, account: str, agent: str, raw_from: str | None,
                             raw_to: str | None) -> dict[str, Any] | None:
        """GET /api/v1/accounts/{account}/agents/{agent}/activity; None for an agent the
        account never saw."""
        team = await self._agents.team(account)
        me = next((a for a in team.agents if a.id == agent), None)
        if me is None:
            return None
        span = parse_range(raw_from, raw_to, self._now())
        await self.drained()
        subject = agent_subject(agent)
        times, texts = await self._store.state_history(account, subject, span.start, span.end)
        if not times:
            await self._seed(account, subject, agent_state_text(frames.agent_status(me)))
        return agent_activity(agent, times, [agent_state(t) for t in texts], span)

    async def _seed(self, account: str, subject: str, state: str) -> None:
        """A subject with no record at all (it existed before the history did): its current
        state, from now on, so that the next report has a first seen."""
        now = self._runtime.now()
        before, _ = await self._store.state_history(account, subject, now, now)
        if not before:
            horizon = now - self._runtime.settings.history_days * 86400.0
            await self._store.record_state(account, subject, now, state, horizon)

    async def queue_stats(self, account: str, raw_from: str | None,
                          raw_to: str | None) -> dict[str, Any]:
        """GET /api/v1/accounts/{account}/queue/stats (an account never seen: all zero)."""
        span = parse_range(raw_from, raw_to, self._now())
        await self.drained()
        words = _MOMENTS
        moments = [ConversationMoment(at, conversation, words[moment])
                   for at, conversation, moment in await self._store.moments(account)]
        return queue_stats(moments, span)
