"""The in-process store's account settings (AccountStore)."""

from __future__ import annotations

from frontdesk.core.account_settings import DEFAULT_ACCOUNT_SETTINGS, AccountSettings
from frontdesk.store.memory_state import MemoryState


class MemoryAccounts(MemoryState):
    def _settings_of(self, account: str) -> AccountSettings:
        return self._account_settings.get(account, DEFAULT_ACCOUNT_SETTINGS)

    async def get_account_settings(self, account: str) -> AccountSettings:
        return self._settings_of(account)

    async def put_account_settings(self, account: str, settings: AccountSettings) -> None:
        self._account_settings[account] = settings
