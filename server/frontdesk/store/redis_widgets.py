"""The Redis store's widgets: settings in the account's hash, a global claim per widget id."""

from __future__ import annotations

import contextlib
import json
import logging

from frontdesk.core.errors import WrongAccount
from frontdesk.core.settings import WidgetSettings, settings_to_json
from frontdesk.store import keys
from frontdesk.store.redis_connection import (
    _REDIS_ERRORS,
    RedisBase,
    _settings_from_json,
    _text,
    _translated,
)

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
                 f" {settings.max_queue} {settings.max_queue_wait!r}"])
        except _REDIS_ERRORS:
            if owner is None:  # best effort: do not leave a claim without a widget behind
                with contextlib.suppress(*_REDIS_ERRORS):
                    await self._script("release_claim", [claim], [account])
            raise
        return bool(new)

    @_translated
    async def get_widget(self, widget: str) -> WidgetSettings | None:
        """One round trip when this process has read the widget before (every hello reads it).

        The settings always come from the account's hash. The account remembered for the
        widget is only a shortcut past the claim: a widget is never moved to another account
        while it exists, and when the hash has no such widget (deleted, or deleted and made
        again under another account), the claim is read as without the shortcut.
        """
        owners = self._widget_owners
        known = owners.get(widget)
        if known is not None:
            raw = await self._redis.hget(keys.AccountKeys(known).widgets, widget)
            if raw is not None:
                return _settings_from_json(raw)
            owners.pop(widget, None)
        owner = await self._redis.get(keys.widget_account(widget))
        if owner is None:
            return None
        account = _text(owner)
        raw = await self._redis.hget(keys.AccountKeys(account).widgets, widget)
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
        old = await self._script("delete_widget", [ak.widgets, ak.routing, ak.meta], [widget])
        await self._script("release_claim", [claim], [account])
        return None if old is None else _settings_from_json(old)

    @_translated
    async def list_widgets(self, account: str) -> dict[str, WidgetSettings]:
        stored = await self._redis.hgetall(keys.AccountKeys(account).widgets)
        return {_text(w): _settings_from_json(raw) for w, raw in sorted(stored.items())}

