"""Use case: an account's settings (contract: Account settings), read and replaced.

A change takes effect live: the account is reviewed at once, so new auto-away and
reassignment delays apply to deadlines already running.
"""

from __future__ import annotations

from frontdesk.core.account_settings import AccountSettings
from frontdesk.reviews import Reviews
from frontdesk.store.base import AccountStore


class Accounts:
    def __init__(self, accounts: AccountStore, reviews: Reviews) -> None:
        self._store = accounts
        self._reviews = reviews

    async def settings(self, account: str) -> AccountSettings:
        """The stored settings; the defaults for an account never seen."""
        return await self._store.get_account_settings(account)

    async def put(self, account: str, settings: AccountSettings) -> None:
        await self._store.put_account_settings(account, settings)
        self._reviews.poke(account)
