"""FRONTDESK_HISTORY_DAYS: a positive whole number, default 35; anything else stops `serve`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from frontdesk.config import ConfigError, load_settings
from tests.support.server import server_env

BASE = {"FRONTDESK_SECRET": "s" * 40, "FRONTDESK_API_KEY": "k"}


@pytest.mark.parametrize(("raw", "days"), [(None, 35), ("", 35), ("1", 1), ("7", 7), (" 90 ", 90)])
def test_good_values(raw: str | None, days: int) -> None:
    env = dict(BASE) if raw is None else {**BASE, "FRONTDESK_HISTORY_DAYS": raw}
    assert load_settings(env).history_days == days


@pytest.mark.parametrize("raw", ["0", "-3", "1.5", "seven", "²", "1e3", "35d"])
def test_bad_values_are_named(raw: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({**BASE, "FRONTDESK_HISTORY_DAYS": raw}, demo=True)
    assert "FRONTDESK_HISTORY_DAYS" in caught.value.problems


def test_serve_exits_non_zero_naming_it() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "frontdesk", "serve", "--port", "1"],
        env=server_env(FRONTDESK_HISTORY_DAYS="0.5"), capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "FRONTDESK_HISTORY_DAYS" in result.stderr
