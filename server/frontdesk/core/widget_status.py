"""A widget's effective status, and the one `widget.status` payload every route and frame sends.

Contract: The widget's effective status (steps 1 to 5) and the `widget.status` frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from frontdesk.core.model import Mode, Reason, WidgetStatus, to_wire_time
from frontdesk.core.schedule import is_open, next_boundary
from frontdesk.core.settings import WidgetSettings


@dataclass(frozen=True, slots=True)
class WidgetStatusView:
    """What a widget shows now, and when its schedule next changes that."""

    widget: str
    status: WidgetStatus
    reason: Reason
    message: str
    next_change: datetime | None

    def to_payload(self) -> dict[str, object]:
        """The `widget.status` frame; the HTTP status route drops only its `type`."""
        return {
            "type": "widget.status",
            "widget": self.widget,
            "status": self.status.value,
            "reason": self.reason.value,
            "message": self.message,
            "next_change": None if self.next_change is None else to_wire_time(self.next_change),
        }


def compute_widget_status(
    widget: str, settings: WidgetSettings, team_available: bool, now: datetime
) -> WidgetStatusView:
    """Contract steps 1-5; `team_available`: some agent of the account is available."""
    if settings.mode is Mode.MANUAL:
        base, reason, next_change = settings.manual_status, Reason.MANUAL, None
    else:
        base = WidgetStatus.ONLINE if is_open(settings, now) else WidgetStatus.OFFLINE
        reason, next_change = Reason.SCHEDULE, next_boundary(settings, now)
    status = base
    if base is WidgetStatus.ONLINE and settings.offline_when_team_away and not team_available:
        status, reason = WidgetStatus.OFFLINE, Reason.TEAM_AWAY
    message = settings.online_message if status is WidgetStatus.ONLINE else settings.offline_message
    return WidgetStatusView(widget, status, reason, message, next_change)
