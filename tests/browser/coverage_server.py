"""A Frontdesk for the timeline screenshots: the in-process store with a made-up week.

`python tests/browser/coverage_server.py PORT` (FRONTDESK_SECRET and FRONTDESK_API_KEY from the
environment). Before serving, it records seven days of a scheduled widget `shop` (Europe/Berlin,
weekdays 09:00-17:30, Saturday 10:00-14:00, with team-away gaps and a day closed by hand) and
today's activity of agent Kevin, through the store's own history calls, so the pages draw
what a real week looks like. Widget `desk` (by hand, offline when the team is away) and a
gap alert after half a second serve the console's gap banner.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from frontdesk.config import load_settings
from frontdesk.core.settings import parse_settings
from frontdesk.node import Node
from frontdesk.runner import serve
from frontdesk.store.memory import MemoryStore
from frontdesk.web.app import create_app

ACCOUNT = "shop"
ZONE = ZoneInfo("Europe/Berlin")
SETTINGS = {
    "account": ACCOUNT, "mode": "scheduled", "timezone": "Europe/Berlin",
    "hours": {**{d: [["09:00", "17:30"]] for d in ("mon", "tue", "wed", "thu", "fri")},
              "sat": [["10:00", "14:00"]]},
    "offline_when_team_away": True,
}
# (local hour, status, reason) per weekday: the gaps a support lead would ask about
GAPS = {0: [(11.0, 0.75)], 1: [(13.5, 1.5), (16.0, 0.5)], 2: [], 3: [(9.0, 0.4)],
        4: [(12.0, 2.0)], 5: [(12.5, 0.5)], 6: []}
HORIZON = 0.0


def day_changes(day: datetime) -> list[tuple[datetime, str]]:
    """A local day's recorded changes: closed, open by schedule, gaps, closed again."""
    weekday = day.weekday()
    opens, closes = (10.0, 14.0) if weekday == 5 else (9.0, 17.5)
    at = lambda hour: day + timedelta(hours=hour)  # noqa: E731
    changes = [(at(0), "offline schedule")]
    if weekday == 6:
        return changes
    if weekday == 2:  # closed by hand all afternoon
        return [*changes, (at(opens), "online schedule"), (at(14), "offline manual"),
                (at(23.9), "offline schedule")]
    changes.append((at(opens), "online schedule"))
    for start, length in GAPS[weekday]:
        changes += [(at(start), "offline team_away"), (at(start + length), "online schedule")]
    changes.append((at(closes), "offline schedule"))
    return changes


async def seed_history(store: MemoryStore, now: datetime) -> None:
    today = now.astimezone(ZONE).replace(hour=0, minute=0, second=0, microsecond=0)
    for back in range(7, -1, -1):
        day = (today - timedelta(days=back)).replace(tzinfo=None).replace(tzinfo=ZONE)
        for moment, state in day_changes(day):
            if moment.astimezone(UTC) < now:
                await store.record_state(ACCOUNT, "widget:shop", moment.timestamp(), state,
                                         HORIZON)
    start = now - timedelta(hours=9)
    for hours, state in [(0, "online 1"), (2, "busy 1"), (2.5, "online 1"), (4, "online 0"),
                         (5, "online 1"), (7, "busy 1"), (7.75, "online 1")]:
        await store.record_state(ACCOUNT, "agent:kevin",
                                 (start + timedelta(hours=hours)).timestamp(), state, HORIZON)


def main() -> None:
    port = int(sys.argv[1])
    settings = load_settings(os.environ)
    store = MemoryStore()
    asyncio.run(seed_history(store, datetime.now(UTC)))

    async def start(node: Node) -> None:
        await node.widgets.put("shop", parse_settings(SETTINGS))
        await node.widgets.put("desk", parse_settings({"account": ACCOUNT,
                                                       "offline_when_team_away": True}))
        await node.presence.see_agent(ACCOUNT, "kevin", "Kevin")

        async def quick(account: str) -> float:
            return 0.5  # gap_alert_after: half a second, for the banner test

        node.gaps.threshold = quick

    app = create_app(settings, store=store, on_start=start)
    serve(app, settings, "127.0.0.1", port)


if __name__ == "__main__":
    main()
