"""`frontdesk serve` as a real process: configuration errors, --demo, and 1001 on shutdown."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pytest

from tests.support import client as fd
from tests.support.server import ServerProcess, agent_token, server_env


def _serve(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "frontdesk", "serve", "--port", "1", *args],
                          env=env, capture_output=True, text=True, timeout=30)


def test_missing_secrets_refuse_to_start_and_name_both():
    env = server_env()
    del env["FRONTDESK_SECRET"], env["FRONTDESK_API_KEY"]
    result = _serve(env)
    assert result.returncode != 0
    assert "FRONTDESK_SECRET" in result.stderr and "FRONTDESK_API_KEY" in result.stderr


@pytest.mark.parametrize("name,value", [
    ("FRONTDESK_HEARTBEAT", "0"), ("FRONTDESK_HEARTBEAT", "soon"),
    ("FRONTDESK_PRESENCE_TTL", "-1"), ("FRONTDESK_CLOSE_GRACE", "-0.5"),
    ("FRONTDESK_MAX_FRAME", "1023"), ("FRONTDESK_MAX_FRAME", "big"),
    ("FRONTDESK_REQUEST_TIMEOUT", "0"), ("FRONTDESK_MAX_HTTP_CONNECTIONS", "many"),
    ("FRONTDESK_EVENT_LOOP", "tokio"),
    ("FRONTDESK_WEBHOOK_ALLOW_PRIVATE", "yes"), ("FRONTDESK_WEBHOOK_ALLOW_PRIVATE", "2"),
])
def test_bad_values_are_named(name, value):
    result = _serve(server_env(**{name: value}))
    assert result.returncode != 0 and name in result.stderr


def test_every_bad_variable_is_named_and_demo_forgives_none():
    env = server_env(FRONTDESK_HEARTBEAT="5", FRONTDESK_PRESENCE_TTL="5",
                     FRONTDESK_MAX_FRAME="12")
    del env["FRONTDESK_SECRET"]
    result = _serve(env)
    assert result.returncode != 0
    for name in ("FRONTDESK_SECRET", "FRONTDESK_HEARTBEAT", "FRONTDESK_PRESENCE_TTL",
                 "FRONTDESK_MAX_FRAME"):
        assert name in result.stderr, name
    demo = _serve(env, "--demo")
    assert demo.returncode != 0 and "FRONTDESK_PRESENCE_TTL" in demo.stderr
    assert "FRONTDESK_SECRET" not in demo.stderr  # --demo makes that one up


def test_secrets_never_appear_in_errors():
    env = server_env(FRONTDESK_SECRET="s3cr3t-value-s3cr3t-value-s3cr3t", FRONTDESK_HEARTBEAT="x")
    result = _serve(env)
    assert "s3cr3t-value" not in result.stderr + result.stdout


async def test_demo_seeds_and_prints_links_and_fractions_are_accepted():
    env = server_env(FRONTDESK_HEARTBEAT="0.5", FRONTDESK_PRESENCE_TTL="1.5",
                     FRONTDESK_CLOSE_GRACE="0.25")
    del env["FRONTDESK_SECRET"], env["FRONTDESK_API_KEY"]
    proc = ServerProcess(env, "--demo")
    try:
        await proc.wait_ready()
        async with httpx.AsyncClient(base_url=proc.http) as anonymous:
            status = (await anonymous.get("/api/v1/widgets/demo/status")).json()
            assert status["widget"] == "demo"
            visitor, welcome = await fd.widget(proc.ws, "demo")
            assert welcome["heartbeat"] == 0.5
            await visitor.close()
    finally:
        output = proc.stop()
    for expected in ("FRONTDESK_SECRET=", "FRONTDESK_API_KEY=", "console.html#token=",
                     "visitor.html?widget=demo", "Kevin", "Samantha"):
        assert expected in output, expected


async def test_shutdown_closes_every_socket_with_1001():
    proc = ServerProcess(server_env())
    try:
        await proc.wait_ready()
        async with httpx.AsyncClient(base_url=proc.http, headers={
                "Authorization": "Bearer test-api-key-0123456789"}) as api:
            assert (await api.put("/api/v1/widgets/site", json={"account": "acme"})).status_code == 200
        agent, _ = await fd.agent(proc.ws, agent_token("acme", "kevin"))
        visitor, _ = await fd.widget(proc.ws, "site", fd.MSGPACK)
        started = time.monotonic()
        proc.terminate()
        assert await agent.closed_with() == 1001
        assert await visitor.closed_with() == 1001
        assert time.monotonic() - started < 5
    finally:
        proc.stop()
