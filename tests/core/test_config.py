"""Settings from the environment (config.py): defaults, each bad variable named at once."""

from __future__ import annotations

import pytest

from frontdesk.config import ConfigError, Settings, load_settings, store_description

SECRET = "k" * 32
GOOD = {"FRONTDESK_SECRET": SECRET, "FRONTDESK_API_KEY": "api-key"}


def test_defaults() -> None:
    settings = load_settings(GOOD)
    assert settings == Settings(secret=SECRET, api_key="api-key", redis_url=None, heartbeat=10.0,
                                presence_ttl=30.0, close_grace=2.0, max_frame=65536)


def test_every_variable_is_read() -> None:
    settings = load_settings({**GOOD, "REDIS_URL": "redis://127.0.0.1:6379/0",
                              "FRONTDESK_HEARTBEAT": "2.5", "FRONTDESK_PRESENCE_TTL": "9",
                              "FRONTDESK_CLOSE_GRACE": "0", "FRONTDESK_MAX_FRAME": "1024"})
    assert (settings.redis_url, settings.heartbeat, settings.presence_ttl,
            settings.close_grace, settings.max_frame) == (
        "redis://127.0.0.1:6379/0", 2.5, 9.0, 0.0, 1024)


def test_empty_values_take_the_defaults() -> None:
    settings = load_settings({**GOOD, "REDIS_URL": "", "FRONTDESK_HEARTBEAT": ""})
    assert settings.redis_url is None and settings.heartbeat == 10.0


@pytest.mark.parametrize(("env", "names"), [
    ({}, {"FRONTDESK_SECRET", "FRONTDESK_API_KEY"}),
    ({**GOOD, "FRONTDESK_SECRET": "short"}, {"FRONTDESK_SECRET"}),
    ({**GOOD, "FRONTDESK_SECRET": "é" * 15}, {"FRONTDESK_SECRET"}),  # 30 bytes of UTF-8
    ({**GOOD, "REDIS_URL": "http://x"}, {"REDIS_URL"}),
    ({**GOOD, "FRONTDESK_HEARTBEAT": "soon"}, {"FRONTDESK_HEARTBEAT"}),
    ({**GOOD, "FRONTDESK_HEARTBEAT": "0"}, {"FRONTDESK_HEARTBEAT"}),
    ({**GOOD, "FRONTDESK_HEARTBEAT": "nan"}, {"FRONTDESK_HEARTBEAT"}),
    ({**GOOD, "FRONTDESK_PRESENCE_TTL": "inf"}, {"FRONTDESK_PRESENCE_TTL"}),
    ({**GOOD, "FRONTDESK_CLOSE_GRACE": "-1"}, {"FRONTDESK_CLOSE_GRACE"}),
    ({**GOOD, "FRONTDESK_HEARTBEAT": "30", "FRONTDESK_PRESENCE_TTL": "30"},
     {"FRONTDESK_HEARTBEAT", "FRONTDESK_PRESENCE_TTL"}),
    ({**GOOD, "FRONTDESK_MAX_FRAME": "1023"}, {"FRONTDESK_MAX_FRAME"}),
    ({**GOOD, "FRONTDESK_MAX_FRAME": "1e6"}, {"FRONTDESK_MAX_FRAME"}),
    ({"FRONTDESK_HEARTBEAT": "x", "FRONTDESK_MAX_FRAME": "y"},
     {"FRONTDESK_SECRET", "FRONTDESK_API_KEY", "FRONTDESK_HEARTBEAT", "FRONTDESK_MAX_FRAME"}),
])
def test_each_problem_is_named_at_once(env: dict[str, str], names: set[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    assert set(caught.value.problems) == names
    for name in names:
        assert name in str(caught.value)


def test_a_refused_secret_is_never_quoted() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({**GOOD, "FRONTDESK_SECRET": "hunter2-short"})
    assert "hunter2" not in str(caught.value)


def test_demo_forgives_only_missing_secrets() -> None:
    settings = load_settings({}, demo=True)
    made_up, names = settings.with_generated_secrets()
    assert made_up.secret and made_up.api_key
    assert names == ["FRONTDESK_SECRET", "FRONTDESK_API_KEY"]
    with pytest.raises(ConfigError):
        load_settings({"FRONTDESK_HEARTBEAT": "0"}, demo=True)


@pytest.mark.parametrize(("url", "shown"), [
    (None, "memory"), ("redis://h:6379/0", "redis://h:6379/0"),
    ("redis://:pw@h:6379/0", "redis://:***@h:6379/0"),
    ("rediss://user:pw@h/1?x=1", "rediss://user:***@h/1?x=1"),
])
def test_store_description_hides_the_password(url: str | None, shown: str) -> None:
    assert store_description(url) == shown
