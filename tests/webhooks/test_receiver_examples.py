"""The README's receivers (examples/) verify real deliveries and refuse forged ones."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.server import free_port, make_settings, running_server

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SECRET = "receiver-example-secret"


def _receiver(command: list[str], port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "FRONTDESK_WEBHOOK_SECRET": SECRET}
    return subprocess.Popen([*command, str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


@pytest.mark.parametrize("command", [
    [sys.executable, str(EXAMPLES / "webhook_receiver.py")],
    pytest.param(["node", str(EXAMPLES / "webhook_receiver.mjs")],
                 marks=pytest.mark.skipif(shutil.which("node") is None, reason="no node")),
], ids=["python", "node"])
async def test_the_example_receiver_verifies_and_refuses(command):
    port = free_port()
    receiver = _receiver(command, port)
    try:
        async with running_server(make_settings(webhook_allow_private=True)) as server, \
                server.api() as api:
            url = f"http://127.0.0.1:{port}/hooks"
            good = (await api.post("/api/v1/accounts/acme/webhooks", json={
                "url": url, "events": ["widget.status"], "secret": SECRET})).json()
            forged = (await api.post("/api/v1/accounts/acme/webhooks", json={
                "url": url, "events": ["widget.status"], "secret": "not-the-secret"})).json()
            await asyncio.sleep(0.3)  # the receiver is listening by now
            await api.put("/api/v1/widgets/site", json={"account": "acme"})
            logs = {}
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                for hook in (good, forged):
                    path = f"/api/v1/accounts/acme/webhooks/{hook['id']}/deliveries"
                    logs[hook["id"]] = (await api.get(path)).json()
                if all(log and log[0]["status"] != "pending" for log in logs.values()):
                    break
                await asyncio.sleep(0.1)
    finally:
        receiver.terminate()
        output, _ = receiver.communicate(timeout=5)
    assert logs[good["id"]][0]["status"] == "delivered", logs
    assert (logs[forged["id"]][0]["status"], logs[forged["id"]][0]["last_code"]) == ("failed", 401)
    assert output.count("verified widget.status seq=") == 1, output
