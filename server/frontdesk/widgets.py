"""Use case: compute and publish what the account's sockets see (widget and agent status).

Every visible change goes through `refresh_account`: read one snapshot of the team, compute
each agent's and each widget's payload, and let the store publish only the ones that
changed (an atomic compare per subject), so a change noticed by several processes is
pushed once (the feed publishes them). Each widget's schedule boundary arms a local timer on
this process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from frontdesk.core import frames
from frontdesk.core.errors import CloseCode, Invalid, WrongAccount
from frontdesk.core.events import CloseWidget, Push
from frontdesk.core.merge_patch import merge_patch
from frontdesk.core.settings import WidgetSettings, parse_settings, settings_to_json
from frontdesk.core.widget_status import WidgetStatusView, compute_widget_status
from frontdesk.feed import Feed
from frontdesk.hub import Hub
from frontdesk.runtime import Runtime
from frontdesk.store.base import PresenceStore, Team, WidgetStore
from frontdesk.view import MISSING, AccountViews

log = logging.getLogger("frontdesk.widgets")

TIMER_SLACK = 0.002  # fire just after the boundary, never just before it


def widget_subject(widget: str) -> str:
    return f"widget:{widget}"


def agent_subject(agent: str) -> str:
    return f"agent:{agent}"


class Widgets:
    def __init__(self, runtime: Runtime, widgets: WidgetStore, agents: PresenceStore,
                 feed: Feed, hub: Hub, view: AccountViews | None = None) -> None:
        self._runtime = runtime
        self._view = view  # settings and team of the accounts this process hears (view.py)
        self._clock = runtime.clock
        self._widgets = widgets
        self._agents = agents
        self._feed = feed
        self._hub = hub
        self._timers: dict[tuple[str, str], tuple[datetime, asyncio.TimerHandle]] = {}
        self._refresh_listeners: list[Callable[[str], None]] = []

    # --- settings (the back-office API) ------------------------------------------------------
    async def put(self, widget: str, settings: WidgetSettings) -> bool:
        """Store the settings and push the status they cause; True when the widget is new."""
        try:
            created = await self._widgets.put_widget(widget, settings)
        except WrongAccount:
            raise Invalid({"account": "this widget belongs to another account"},
                          "the widget belongs to another account") from None
        self._forget_view(settings.account)
        await self.refresh_account(settings.account)
        return created

    async def delete(self, widget: str) -> WidgetSettings | None:
        old = await self._widgets.delete_widget(widget)
        if old is None:
            return None
        self._forget_view(old.account)
        self.disarm(old.account, widget)
        await self._feed.forget(old.account, widget_subject(widget))
        await self._feed.publish(CloseWidget(old.account, widget, int(CloseCode.UNKNOWN_WIDGET)))
        return old

    async def get(self, widget: str, *, fresh: bool = False) -> WidgetSettings | None:
        """The widget's stored settings, None if unknown: from this process's view of its
        account when that is current (the handshake's Origin check), else (and always when
        `fresh`: the back office's routes, which answer 503 while the store does not) from
        the store."""
        if self._view is not None and not fresh:
            found = await self._view.settings(widget)
            if found is not MISSING:
                return found
        return await self._widgets.get_widget(widget)

    def _forget_view(self, account: str) -> None:
        """A PUT or DELETE here: the view forgets the account now, not when the store's
        event comes back, so this process's next hello reads the new settings."""
        if self._view is not None:
            self._view.drop(account)

    async def patch(self, widget: str, patch: dict[str, Any]) -> WidgetSettings | None:
        """Merge `patch` (RFC 7396) into the stored settings and store the result like a PUT
        (validated whole; `null` resets a field to its default). None for an unknown widget.
        Two patches at once may both read the same settings: the later write wins."""
        current = await self._widgets.get_widget(widget)
        if current is None:
            return None
        settings = parse_settings(merge_patch(settings_to_json(current), patch))
        await self.put(widget, settings)
        return settings

    async def listing(self, account: str) -> list[dict[str, Any]]:
        """The account's widgets by id, each `{widget, settings, status}` where `status` is the
        status route's body (the payload without `type`)."""
        team = await self._agents.team(account)
        widgets = await self._widgets.list_widgets(account)
        now = self._clock()
        items = []
        for widget in sorted(widgets):
            status = compute_widget_status(widget, widgets[widget], team.is_anyone_available,
                                           now).to_payload()
            del status["type"]
            items.append({"widget": widget, "settings": settings_to_json(widgets[widget]),
                          "status": status})
        return items

    async def status(self, widget: str, settings: WidgetSettings | None = None, *,
                     fresh: bool = False) -> WidgetStatusView | None:
        """The widget's status now (the public status route, the welcome); `settings` when
        the caller has just read them. From the view of the account when it is current,
        else (and always when `fresh`) from the store."""
        if settings is None:
            settings = await self.get(widget, fresh=fresh)
        if settings is None:
            return None
        if self._view is not None and not fresh:
            entry = await self._view.entry(settings.account)
            if entry is not None:
                return self._view.status(entry, widget, settings, self._clock())
        team = await self._agents.team(settings.account)
        return compute_widget_status(widget, settings, team.is_anyone_available, self._clock())

    async def statuses(self, account: str, team: Team) -> list[dict[str, Any]]:
        """Every widget.status payload of the account (the agent welcome)."""
        now = self._clock()
        widgets = await self._widgets.list_widgets(account)
        return [compute_widget_status(w, s, team.is_anyone_available, now).to_payload()
                for w, s in widgets.items()]

    # --- pushing changes -----------------------------------------------------------------------
    async def refresh_account(self, account: str, cause_at: float | None = None) -> int:
        """Publish every agent.status and widget.status of the account that changed."""
        team = await self._agents.team(account)
        widgets = await self._widgets.list_widgets(account)
        now = self._clock()
        at = cause_at if cause_at is not None else now.timestamp()
        items: list[tuple[str, Push]] = [
            (agent_subject(a.id), Push(account, frames.agent_status(a), all_agents=True, at=at))
            for a in team.agents
        ]
        for widget, settings in widgets.items():
            view = compute_widget_status(widget, settings, team.is_anyone_available, now)
            items.append((widget_subject(widget),
                          Push(account, view.to_payload(), widget=widget, all_agents=True, at=at)))
            self.arm(account, widget, view.next_change)
        sent = await self._feed.publish_changed(account, (team.version, now.timestamp()), items)
        for listener in self._refresh_listeners:
            listener(account)
        return sent

    def follow_refreshes(self, listener: Callable[[str], None]) -> None:
        """Call `listener(account)` after each refresh: every presence, status or settings
        change of the account passes here (the reviews of issue 15 follow them)."""
        self._refresh_listeners.append(listener)

    async def resync_local(self, account: str) -> None:
        """After an outage: give this process's sockets what they missed while the bus was down.

        Events published in the gap are lost, and the store's compare-and-set already holds
        their payloads, so a refresh would publish nothing. Instead, the feed compares the
        current payloads with what this process last delivered and delivers the differences.
        """
        payloads = await self.current_payloads(account)
        self._feed.resync_locally(account, payloads)
        # A widget that is gone (Redis came back without its data) closes its sockets here,
        # as a deletion would have: nobody else will tell them.
        existing = {p.get("widget") for p in payloads if p.get("type") == "widget.status"}
        for widget in self._hub.widgets_of(account):
            if widget not in existing:
                self._hub.close_widget(account, widget, int(CloseCode.UNKNOWN_WIDGET))

    async def current_payloads(self, account: str, team: Team | None = None,
                               ) -> list[dict[str, Any]]:
        """Every agent.status and widget.status payload of the account now."""
        if team is None:
            team = await self._agents.team(account)
        payloads = [frames.agent_status(a) for a in team.agents]
        return payloads + await self.statuses(account, team)

    # --- schedule timers ------------------------------------------------------------------------
    def arm(self, account: str, widget: str, boundary: datetime | None) -> None:
        """One timer per widget, for the exact instant its schedule flips (not a poll)."""
        key = (account, widget)
        current = self._timers.get(key)
        if current is not None:
            if current[0] == boundary:
                return
            current[1].cancel()
            del self._timers[key]
        if boundary is None:
            return
        delay = max(0.0, (boundary - self._clock()).total_seconds()) + TIMER_SLACK
        handle = asyncio.get_running_loop().call_later(delay, self._boundary_reached, key)
        self._timers[key] = (boundary, handle)

    def arm_from_payload(self, account: str, payload: dict[str, Any]) -> None:
        """Another process computed a status: follow its next_change too, if we hold sockets."""
        widget, next_change = payload.get("widget"), payload.get("next_change")
        if not isinstance(widget, str) or account not in self._hub.accounts():
            return
        boundary = None
        if isinstance(next_change, str):
            boundary = datetime.fromisoformat(next_change.replace("Z", "+00:00"))
        self.arm(account, widget, boundary)

    def disarm(self, account: str, widget: str) -> None:
        current = self._timers.pop((account, widget), None)
        if current is not None:
            current[1].cancel()

    def disarm_all(self) -> None:
        for _, handle in self._timers.values():
            handle.cancel()
        self._timers.clear()

    def _boundary_reached(self, key: tuple[str, str]) -> None:
        self._timers.pop(key, None)
        self._runtime.tasks.spawn(self.refresh_account(key[0]), f"schedule {key[1]}")
