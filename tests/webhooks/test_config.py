"""FRONTDESK_WEBHOOK_ALLOW_PRIVATE and FRONTDESK_WEBHOOK_LEASE (contract: precise rules)."""

from __future__ import annotations

import pytest

from frontdesk.config import ConfigError, load_settings

BASE = {"FRONTDESK_SECRET": "s" * 32, "FRONTDESK_API_KEY": "k"}


@pytest.mark.parametrize("value,allowed", [(None, False), ("", False), ("0", False),
                                           ("1", True)])
def test_allow_private_values(value, allowed):
    env = dict(BASE) if value is None else {**BASE, "FRONTDESK_WEBHOOK_ALLOW_PRIVATE": value}
    assert load_settings(env).webhook_allow_private is allowed


@pytest.mark.parametrize("name,value", [
    ("FRONTDESK_WEBHOOK_ALLOW_PRIVATE", "true"), ("FRONTDESK_WEBHOOK_ALLOW_PRIVATE", " 1"),
    ("FRONTDESK_WEBHOOK_ALLOW_PRIVATE", "yes"), ("FRONTDESK_WEBHOOK_LEASE", "5"),
    ("FRONTDESK_WEBHOOK_LEASE", "soon"),
])
def test_bad_values_are_named(name, value):
    with pytest.raises(ConfigError) as caught:
        load_settings({**BASE, name: value})
    assert set(caught.value.problems) == {name}


def test_lease():
    assert load_settings(BASE).webhook_lease == 30.0
    assert load_settings({**BASE, "FRONTDESK_WEBHOOK_LEASE": "12.5"}).webhook_lease == 12.5
