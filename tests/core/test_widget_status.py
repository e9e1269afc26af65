"""The widget's effective status: the contract's five steps and the `widget.status` payload."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from frontdesk.core.model import Mode, Reason, WidgetStatus
from frontdesk.core.schedule import next_boundary
from frontdesk.core.settings import WidgetSettings, parse_settings
from frontdesk.core.widget_status import WidgetStatusView, compute_widget_status

ONLINE, OFFLINE = WidgetStatus.ONLINE, WidgetStatus.OFFLINE

# Europe/Berlin, Monday to Friday 09:00-17:30; 2026-01-05 is a Monday in winter (UTC+1).
OFFICE = parse_settings(
    {
        "account": "acme",
        "mode": "scheduled",
        "timezone": "Europe/Berlin",
        "hours": {day: [["09:00", "17:30"]] for day in ("mon", "tue", "wed", "thu", "fri")},
        "online_message": "We're here",
        "offline_message": "We're out",
    }
)
OPEN_TIME = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
CLOSED_TIME = datetime(2026, 1, 5, 20, 0, tzinfo=UTC)


def manual(status: WidgetStatus, team_away_toggle: bool) -> WidgetSettings:
    return WidgetSettings(
        account="acme",
        manual_status=status,
        offline_when_team_away=team_away_toggle,
        online_message="on",
        offline_message="off",
    )


@pytest.mark.parametrize(
    ("status", "toggle", "team_available", "shown", "reason"),
    [
        (ONLINE, False, True, ONLINE, Reason.MANUAL),
        (ONLINE, False, False, ONLINE, Reason.MANUAL),
        (ONLINE, True, True, ONLINE, Reason.MANUAL),
        (ONLINE, True, False, OFFLINE, Reason.TEAM_AWAY),
        (OFFLINE, False, True, OFFLINE, Reason.MANUAL),
        (OFFLINE, False, False, OFFLINE, Reason.MANUAL),
        (OFFLINE, True, True, OFFLINE, Reason.MANUAL),
        (OFFLINE, True, False, OFFLINE, Reason.MANUAL),  # base decided it, not the team
    ],
)
def test_manual_mode(
    status: WidgetStatus,
    toggle: bool,
    team_available: bool,
    shown: WidgetStatus,
    reason: Reason,
) -> None:
    view = compute_widget_status("site", manual(status, toggle), team_available, OPEN_TIME)
    assert view == WidgetStatusView(
        widget="site",
        status=shown,
        reason=reason,
        message="on" if shown is ONLINE else "off",
        next_change=None,
    )


@pytest.mark.parametrize(
    ("now", "toggle", "team_available", "shown", "reason"),
    [
        (OPEN_TIME, False, True, ONLINE, Reason.SCHEDULE),
        (OPEN_TIME, False, False, ONLINE, Reason.SCHEDULE),
        (OPEN_TIME, True, True, ONLINE, Reason.SCHEDULE),
        (OPEN_TIME, True, False, OFFLINE, Reason.TEAM_AWAY),
        (CLOSED_TIME, False, True, OFFLINE, Reason.SCHEDULE),
        (CLOSED_TIME, True, True, OFFLINE, Reason.SCHEDULE),
        (CLOSED_TIME, True, False, OFFLINE, Reason.SCHEDULE),
    ],
)
def test_scheduled_mode(
    now: datetime, toggle: bool, team_available: bool, shown: WidgetStatus, reason: Reason
) -> None:
    widget = replace(OFFICE, offline_when_team_away=toggle)
    view = compute_widget_status("site", widget, team_available, now)
    assert view.status is shown
    assert view.reason is reason
    assert view.message == ("We're here" if shown is ONLINE else "We're out")
    # The next schedule boundary, whether or not the team is there.
    assert view.next_change == next_boundary(widget, now)


def test_next_change_in_scheduled_mode() -> None:
    assert compute_widget_status("site", OFFICE, True, OPEN_TIME).next_change == datetime(
        2026, 1, 5, 16, 30, tzinfo=UTC
    )
    assert compute_widget_status("site", OFFICE, True, CLOSED_TIME).next_change == datetime(
        2026, 1, 6, 8, 0, tzinfo=UTC
    )


def test_manual_mode_ignores_the_hours() -> None:
    widget = replace(OFFICE, mode=Mode.MANUAL, manual_status=OFFLINE)
    view = compute_widget_status("site", widget, True, OPEN_TIME)
    assert (view.status, view.reason, view.next_change) == (OFFLINE, Reason.MANUAL, None)


def test_a_schedule_that_never_flips_has_no_next_change() -> None:
    always = parse_settings(
        {
            "account": "acme",
            "mode": "scheduled",
            "hours": {
                day: [["00:00", "24:00"]]
                for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            },
        }
    )
    never = parse_settings({"account": "acme", "mode": "scheduled"})
    assert compute_widget_status("w", always, True, OPEN_TIME).next_change is None
    assert compute_widget_status("w", always, True, OPEN_TIME).status is ONLINE
    assert compute_widget_status("w", never, True, OPEN_TIME).next_change is None
    assert compute_widget_status("w", never, True, OPEN_TIME).status is OFFLINE


def test_a_closed_date_is_offline_by_schedule() -> None:
    widget = replace(OFFICE, closed_dates=(OPEN_TIME.date(),))
    view = compute_widget_status("site", widget, True, OPEN_TIME)
    assert (view.status, view.reason) == (OFFLINE, Reason.SCHEDULE)
    assert view.next_change == datetime(2026, 1, 6, 8, 0, tzinfo=UTC)


def test_default_messages_follow_the_status() -> None:
    widget = WidgetSettings(account="acme")
    online = compute_widget_status("w", widget, True, OPEN_TIME)
    offline = compute_widget_status("w", replace(widget, manual_status=OFFLINE), True, OPEN_TIME)
    assert online.message == widget.online_message
    assert offline.message == widget.offline_message


def test_payload_is_the_widget_status_frame() -> None:
    view = compute_widget_status("site", OFFICE, True, OPEN_TIME)
    payload = view.to_payload()
    assert payload == {
        "type": "widget.status",
        "widget": "site",
        "status": "online",
        "reason": "schedule",
        "message": "We're here",
        "next_change": "2026-01-05T16:30:00Z",
    }
    assert all(type(payload[key]) is str for key in payload)  # plain str, not enum members
    assert json.loads(json.dumps(payload)) == payload


def test_payload_without_next_change() -> None:
    view = compute_widget_status("site", manual(ONLINE, True), False, OPEN_TIME)
    assert view.to_payload() == {
        "type": "widget.status",
        "widget": "site",
        "status": "offline",
        "reason": "team_away",
        "message": "off",
        "next_change": None,
    }


def test_views_are_values() -> None:
    one = compute_widget_status("site", OFFICE, True, OPEN_TIME)
    two = compute_widget_status("site", OFFICE, True, OPEN_TIME.replace(minute=5))
    assert one == two and hash(one) == hash(two)  # nothing visible changed: nothing to push
    reworded = replace(OFFICE, online_message="Hi")
    assert one != compute_widget_status("site", reworded, True, OPEN_TIME)  # the message counts
