"""The Redis store's widgets: settings in the account's hash, a global claim per widget id."""

from __future__ import annotations

import contextlib
import json
import logging

from frontdesk import codec
from frontdesk.core.errors import WrongAccount
from frontdesk.core.events import SettingsChanged
from frontdesk.core.model import AgentStatus
from frontdesk.core.settings import WidgetSettings, settings_to_json
from frontdesk.store import keys
from frontdesk.store.redis_connection import (
    _REDIS_ERRORS,
    RedisBase,
    _pairs,
    _settings_from_json,
    _text,
    _translated,
)
from frontdesk.store.views import AccountSnapshot

log = logging.getLogger(__name__)

MAX_REMEMBERED_OWNERS = 100_000  # widget ids whose account get_widget remembers (a few MB)


class RedisWidgets(RedisBase):
    """Widget settings (WidgetStore)."""

    # --- widgets ----------------------------------------------------------------------------
    @_translated
    async def put_widget(self, widget: str, settings: WidgetSettings) -> bool:
        account = settings.account
        claim = keys.widget_account(widget)
        owner = await self._redis.set(claim, account, nx=True, get=True)
        if owner is not None and _text(owner) != account:
            raise WrongAccount(widget)
        ak = keys.AccountKeys(account)
        document = json.dumps(settings_to_json(settings), separators=(",", ":"))
        try:
            new = await self._script(
                "put_widget", [ak.widgets, ak.routing, ak.meta],
                [widget, document,
                 f"{settings.routing.value} {settings.max_conversations_per_agent}"
                 f" {settings.max_queue} {settings.max_queue_wait!r}",
                 *self._settings_changed(account, widget)])
        except _REDIS_ERRORS:
            if owner is None:  # best effort: do not leave a claim without a widget behind
                with contextlib.suppress(*_REDIS_ERRORS):
                    await self._script("release_claim", [claim], [account])
            raise
        return bool(new)

    @_translated
    async def get_widget(self, widget: str) -> WidgetSettings | None:
        """One round trip when this process has read the widget before (the handshakes that
        the view, view.py, cannot answer), shared with the tick's other batched calls.

        The settings always come from the account's hash. The account remembered for the
        widget is only a shortcut past the claim: a widget is never moved to another account
        while it exists, and when the hash has no such widget (deleted, or deleted and made
        again under another account), the claim is read as without the shortcut.
        """
        owners = self._widget_owners
        known = owners.get(widget)
        if known is not None:
            (raw,) = await self._batched([("HGET", keys.AccountKeys(known).widgets, widget)])
            if raw is not None:
                return _settings_from_json(raw)
            owners.pop(widget, None)
        (owner,) = await self._batched([("GET", keys.widget_account(widget))])
        if owner is None:
            return None
        account = _text(owner)
        (raw,) = await self._batched([("HGET", keys.AccountKeys(account).widgets, widget)])
        if raw is None:
            return None
        if len(owners) >= MAX_REMEMBERED_OWNERS:
            owners.clear()  # a bound, not a cache policy: misses cost one GET each
        owners[widget] = account
        return _settings_from_json(raw)

    @_translated
    async def delete_widget(self, widget: str) -> WidgetSettings | None:
        self._widget_owners.pop(widget, None)
        claim = keys.widget_account(widget)
        owner = await self._redis.get(claim)
        if owner is None:
            return None
        account = _text(owner)
        ak = keys.AccountKeys(account)
        old = await self._script("delete_widget", [ak.widgets, ak.routing, ak.meta],
                                 [widget, *self._settings_changed(account, widget)])
        await self._script("release_claim", [claim], [account])
        return None if old is None else _settings_from_json(old)

    def _settings_changed(self, account: str, widget: str) -> list[str | bytes]:
        """The script arguments that publish SettingsChanged in the write's own step."""
        event = codec.pack_event(SettingsChanged(account, widget).to_dict())
        return [self._publish_command, keys.account_channel(account), event]

    @_translated
    async def account_snapshot(self, account: str,
                               known_version: int | None = None) -> AccountSnapshot | None:
        ak = keys.AccountKeys(account)
        reply = await self._script(
            "account_snapshot", [ak.meta, ak.widgets, ak.agents, ak.status, ak.connected],
            ["" if known_version is None else str(int(known_version))])
        version = int(reply[0])
        if len(reply) == 1:
            return None
        widgets, names, statuses, connected = reply[1], reply[2], _pairs(reply[3]), reply[4]
        counts = _pairs(connected)
        online = AgentStatus.ONLINE.value
        return AccountSnapshot(
            version,
            {_text(widgets[i]): _settings_from_json(widgets[i + 1])
             for i in range(0, len(widgets), 2)},
            {agent: statuses.get(agent, online) == online and int(counts.get(agent, 0)) > 0
             for agent in map(_text, names)})

    @_translated
    async def list_widgets(self, account: str) -> dict[str, WidgetSettings]:
        stored = await self._redis.hgetall(keys.AccountKeys(account).widgets)
        return {_text(w): _settings_from_json(raw) for w, raw in sorted(stored.items())}

