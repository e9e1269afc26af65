"""How fast is a coverage report over 35 days of 10,000 recorded changes?

The contract's routes must answer a 35-day range with 10,000 changes in under 50 ms. This
measures the pure part (intervals and totals from decoded changes, `core/coverage.py` and
`core/queue_stats.py`); `--url` measures the three routes end to end against a running server
whose history was filled beforehand (see the README's "Coverage" section).

    python bench/coverage_report.py                # pure computation, best and median of 30
    python bench/coverage_report.py --changes 50000
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from frontdesk.core.coverage import (
    AgentActivity,
    Range,
    WidgetState,
    agent_activity,
    widget_coverage,
)
from frontdesk.core.model import AgentStatus, Reason, WidgetStatus
from frontdesk.core.queue_stats import ConversationMoment, Moment, queue_stats

WIDGET_STATES = [WidgetState(WidgetStatus.ONLINE, Reason.SCHEDULE),
                 WidgetState(WidgetStatus.OFFLINE, Reason.SCHEDULE),
                 WidgetState(WidgetStatus.OFFLINE, Reason.TEAM_AWAY)]
AGENT_STATES = [AgentActivity(s, c) for s in AgentStatus for c in (True, False)]


def sample_times(n: int, start: float, end: float, rng: random.Random) -> list[float]:
    return sorted(rng.uniform(start, end) for _ in range(n))


def timed(fn: object, rounds: int) -> tuple[float, float, float]:
    """Best and median wall time, and median CPU time (the machine is shared: CPU time says
    what the work costs when other processes take turns on the cores)."""
    took, cpu = [], []
    for _ in range(rounds):
        began, began_cpu = time.perf_counter(), time.process_time()
        fn()  # type: ignore[operator]
        took.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    return min(took), statistics.median(took), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    rng = random.Random(14)
    end = datetime(2026, 11, 25, tzinfo=UTC).timestamp()
    start = end - timedelta(days=35).total_seconds()
    span = Range(start, end)
    times = sample_times(args.changes, start, end, rng)
    widget_states = [WIDGET_STATES[i % 3] for i in range(args.changes)]
    agent_states = [AGENT_STATES[i % 4] for i in range(args.changes)]
    moments = []
    for i in range(args.changes // 3):
        t = rng.uniform(start, end)
        moments.append(ConversationMoment(t, f"c{i}", Moment.STARTED_QUEUED))
        moments.append(ConversationMoment(t + rng.uniform(0, 600), f"c{i}", Moment.ASSIGNED))
        moments.append(ConversationMoment(t + 900, f"c{i}", Moment.CLOSED))
    print(f"{args.changes:,} changes over 35 days, {args.rounds} rounds "
          "(ms: wall best / wall median / CPU median)")
    for name, fn in [
        ("widget coverage", lambda: widget_coverage("w", times, widget_states, span)),
        ("agent activity", lambda: agent_activity("a", times, agent_states, span)),
        ("queue stats", lambda: queue_stats(moments, span)),
    ]:
        best, median, cpu = timed(fn, args.rounds)
        print(f"  {name:16} {best:7.2f} / {median:7.2f} / {cpu:7.2f}")


if __name__ == "__main__":
    main()
