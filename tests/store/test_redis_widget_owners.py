"""The Redis store's get_widget remembers each widget's account: never a stale answer."""

from __future__ import annotations

import pytest

from tests.store.conftest import Harness
from tests.store.test_store_contract import ACME, widget_settings

pytestmark = pytest.mark.redis


async def test_a_widget_made_again_under_another_account_is_read_anew(
        redis_harness: Harness) -> None:
    """get_widget remembers a widget's account (one round trip per hello); another process
    deleting the widget and making it again elsewhere must not leave it reading the old one."""
    harness = redis_harness
    assert await harness.store.put_widget("w1", widget_settings(ACME, online_message="old"))
    for _ in range(2):  # read, then read with the account remembered
        settings = await harness.store.get_widget("w1")
        assert settings is not None and settings.online_message == "old"
    other = await harness.another()
    assert await other.delete_widget("w1") is not None
    assert await other.put_widget("w1", widget_settings("globex", online_message="new"))
    moved = await harness.store.get_widget("w1")
    assert moved is not None and moved.account == "globex" and moved.online_message == "new"
    assert await other.delete_widget("w1") is not None
    assert await harness.store.get_widget("w1") is None
    assert await other.put_widget("w1", widget_settings(ACME, online_message="back"))
    back = await harness.store.get_widget("w1")
    assert back is not None and back.account == ACME and back.online_message == "back"
