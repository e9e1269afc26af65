"""What the operator is told: version, --help's variables, start and stop lines, JSON logs,
errors that show the value they got, and the FRONTDESK_SECRET minimum (contract: v2)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from frontdesk import __version__
from tests.support.server import ServerProcess, server_env


def _frontdesk(env: dict[str, str] | None, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "frontdesk", *args], env=env,
                          capture_output=True, text=True, timeout=30)


def test_version():
    result = _frontdesk(None, "--version")
    assert result.returncode == 0 and result.stdout.strip() == f"frontdesk {__version__}"


def test_help_lists_every_variable_with_its_default():
    out = _frontdesk(None, "serve", "--help").stdout
    for name, default in (("FRONTDESK_HEARTBEAT", "10"), ("FRONTDESK_PRESENCE_TTL", "30"),
                          ("FRONTDESK_CLOSE_GRACE", "2"), ("FRONTDESK_MAX_FRAME", "65536"),
                          ("FRONTDESK_REQUEST_TIMEOUT", "10"),
                          ("FRONTDESK_MAX_HTTP_CONNECTIONS", "4096"),
                          ("REDIS_URL", "unset"), ("FRONTDESK_SECRET", "required"),
                          ("FRONTDESK_WEBHOOK_ALLOW_PRIVATE", "0")):
        assert re.search(rf"^  {name} +\[{default}\] ", out, re.M), name
    for option in ("--log-level", "--log-format"):
        assert option in out, option


@pytest.mark.parametrize("secret,refused", [
    ("x" * 31, True), ("x" * 32, False),
    ("é" * 15, True),   # 15 characters, 30 UTF-8 bytes
    ("é" * 16, False),  # 16 characters, 32 UTF-8 bytes
])
def test_secret_shorter_than_32_utf8_bytes_is_refused(secret, refused):
    env = server_env(FRONTDESK_SECRET=secret)
    if not refused:  # a good secret: stop it at another bad value to avoid starting a server
        env["FRONTDESK_MAX_FRAME"] = "1"
    result = _frontdesk(env, "serve", "--port", "1")
    assert result.returncode == 2
    assert ("FRONTDESK_SECRET" in result.stderr) is refused
    assert secret not in result.stderr
    if refused:
        assert "secrets.token_urlsafe(32)" in result.stderr and "32 bytes" in result.stderr


def test_demo_forgives_no_short_secret():
    result = _frontdesk(server_env(FRONTDESK_SECRET="short"), "serve", "--demo", "--port", "1")
    assert result.returncode == 2 and "FRONTDESK_SECRET" in result.stderr


@pytest.mark.parametrize("env,expected", [
    ({"FRONTDESK_HEARTBEAT": "5", "FRONTDESK_PRESENCE_TTL": "5"},
     "must be longer than FRONTDESK_HEARTBEAT (got 5 <= 5)"),
    ({"FRONTDESK_HEARTBEAT": "10", "FRONTDESK_PRESENCE_TTL": "2.5"}, "(got 2.5 <= 10)"),
    ({"FRONTDESK_HEARTBEAT": "soon"}, "(got 'soon')"),
    ({"FRONTDESK_CLOSE_GRACE": "-1"}, "must not be negative (got -1)"),
    ({"FRONTDESK_MAX_FRAME": "12"}, "must be at least 1024 (got 12)"),
    ({"FRONTDESK_TRUSTED_PROXIES": "10.0.0.0/8,proxy.local"}, "'proxy.local' is not an IP"),
    ({"REDIS_URL": "http://user:hunter2@cache:6379"}, "(got 'http://user:***@cache:6379')"),
])
def test_errors_name_the_value_they_got(env, expected):
    result = _frontdesk(server_env(**env), "serve", "--port", "1")
    assert result.returncode == 2 and expected in result.stderr
    assert "hunter2" not in result.stderr


async def test_start_and_shutdown_lines_in_json():
    env = server_env(REDIS_URL="")
    proc = ServerProcess(env, "--log-format", "json")
    try:
        await proc.wait_ready()
    finally:
        output = proc.stop()
    entries = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    start = next(e for e in entries if e.get("event") == "start")
    assert start["version"] == __version__ and start["store"] == "memory"
    assert start["address"] == f"http://127.0.0.1:{proc.port}"
    assert start["pid"] == proc.proc.pid and start["level"] == "info"
    assert start["time"].endswith("Z") and str(proc.port) in start["message"]
    assert any(e.get("event") == "stop" and e["pid"] == proc.proc.pid for e in entries)
    assert env["FRONTDESK_SECRET"] not in output and env["FRONTDESK_API_KEY"] not in output


async def test_text_start_line_hides_the_redis_password_and_warning_level_silences_it():
    env = server_env()
    proc = ServerProcess(env)
    try:
        await proc.wait_ready()
    finally:
        output = proc.stop()
    assert f"frontdesk {__version__} serving on http://127.0.0.1:{proc.port}" in output
    assert f"pid {proc.proc.pid}" in output and "frontdesk stopped" in output
    quiet = ServerProcess(env, "--log-level", "warning")
    try:
        await quiet.wait_ready()
    finally:
        output = quiet.stop()
    assert "serving on" not in output


def test_store_description_never_shows_the_password():
    from frontdesk.config import store_description
    assert store_description(None) == "memory"
    assert store_description("redis://:pw@h:6379/0") == "redis://:***@h:6379/0"
    assert store_description("redis://u:pw@h/1") == "redis://u:***@h/1"
    assert store_description("redis://h:6379/0") == "redis://h:6379/0"
