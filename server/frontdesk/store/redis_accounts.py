"""The Redis store's account settings (AccountStore): one hash per account, field per setting.

A hash, not a JSON string, so that the scripts (auto-away, reassignment) read a field with
one HGET. Every PUT writes every field with one HSET, so the document is replaced whole.
"""

from __future__ import annotations

from dataclasses import replace

from redis.typing import EncodableT, FieldT

from frontdesk.core.account_settings import (
    DEFAULT_ACCOUNT_SETTINGS,
    FIELDS,
    AccountSettings,
)
from frontdesk.store import keys
from frontdesk.store.redis_connection import RedisBase, _text, _translated


class RedisAccounts(RedisBase):
    """Account settings (AccountStore)."""

    @_translated
    async def get_account_settings(self, account: str) -> AccountSettings:
        stored = await self._redis.hgetall(keys.AccountKeys(account).settings)
        values: dict[str, float] = {}
        for raw_name, raw_value in stored.items():
            name = _text(raw_name)
            if name in FIELDS:
                values[name] = float(_text(raw_value))
        return replace(DEFAULT_ACCOUNT_SETTINGS, **values)

    @_translated
    async def put_account_settings(self, account: str, settings: AccountSettings) -> None:
        mapping: dict[FieldT, EncodableT] = {
            name: repr(float(getattr(settings, name))) for name in FIELDS}
        await self._redis.hset(keys.AccountKeys(account).settings, mapping=mapping)
