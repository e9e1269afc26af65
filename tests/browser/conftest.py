"""Browser-test fixtures: a real Frontdesk on a free port and headless Debian Chromium.

The server is `python -m frontdesk serve --demo` (account, widget `demo`, agents kevin and
samantha); Chromium is Debian's /usr/bin/chromium driven by the `playwright` package (no
browser download). Screenshots go to tests/browser/screenshots/.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = os.environ.get("FRONTDESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SECRET = "browser-test-secret-0123456789abcdef0123"
API_KEY = "browser-test-api-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Frontdesk:
    """A running Frontdesk process and the calls the tests make to it."""

    port: int
    process: subprocess.Popen[bytes]
    log: Path
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def api(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}{path}", data=data, method=method,
            headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                return error.code, json.loads(raw)
            except ValueError:
                return error.code, raw.decode(errors="replace")

    def put_widget(self, widget: str = "demo", **changes: Any) -> dict[str, Any]:
        status, current = self.api("GET", f"/api/v1/widgets/{widget}")
        assert status == 200, (status, current)
        status, stored = self.api("PUT", f"/api/v1/widgets/{widget}", {**current, **changes})
        assert status == 200, (status, stored)
        return stored  # type: ignore[no-any-return]

    def agents(self, account: str = "demo") -> list[dict[str, Any]]:
        status, body = self.api("GET", f"/api/v1/accounts/{account}/agents")
        assert status == 200, (status, body)
        return body  # type: ignore[no-any-return]

    def token(self, agent: str = "kevin", name: str = "Kevin", account: str = "demo") -> str:
        import jwt  # PyJWT: a dependency of the server

        claims = {"sub": agent, "account": account, "name": name, "exp": int(time.time()) + 3600}
        return str(jwt.encode(claims, SECRET, algorithm="HS256"))

    def console_url(self, agent: str = "kevin", name: str = "Kevin") -> str:
        return f"{self.url}/console.html#token={self.token(agent, name)}"


def _wait_healthy(server: Frontdesk, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"frontdesk exited with {server.process.returncode}:\n{server.log.read_text()}")
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"frontdesk did not answer /healthz in {timeout} s:\n{server.log.read_text()}")


@pytest.fixture(scope="module")
def frontdesk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Frontdesk]:
    """`python -m frontdesk serve --demo` on a free 127.0.0.1 port; killed by PID at the end."""
    with running_frontdesk(tmp_path_factory) as server:
        yield server


@contextlib.contextmanager
def running_frontdesk(tmp_path_factory: pytest.TempPathFactory,
                      extra_env: dict[str, str] | None = None,
                      argv: Callable[[int], list[str]] | None = None) -> Iterator[Frontdesk]:
    """The demo server with `extra_env` added to its environment (e.g. private webhooks);
    `argv(port)`: another Python command line to run instead (e.g. a server with history)."""
    port = free_port()
    args = argv(port) if argv is not None else [
        "-m", "frontdesk", "serve", "--host", "127.0.0.1", "--port", str(port), "--demo"]
    log = tmp_path_factory.mktemp("frontdesk") / "server.log"
    env = {
        **os.environ,
        "FRONTDESK_SECRET": SECRET,
        "FRONTDESK_API_KEY": API_KEY,
        "FRONTDESK_HEARTBEAT": "1",
        "FRONTDESK_PRESENCE_TTL": "3",
        "FRONTDESK_CLOSE_GRACE": "0.5",
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    env.pop("REDIS_URL", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    server = Frontdesk(port=port, process=process, log=log)
    try:
        _wait_healthy(server)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")  # not session: the sync API's loop must be gone before later asyncio tests
def chromium() -> Iterator[Any]:
    """Headless Debian Chromium through Playwright; skipped where either is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the `playwright` Python package is not installed (pip install playwright)")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set FRONTDESK_CHROMIUM)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(chromium: Any) -> Iterator[Any]:
    """Make pages, each in its own browser context (its own storage), closed after the test."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make(**options: Any) -> Any:
        context = chromium.new_context(viewport={"width": 1280, "height": 800}, **options)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"uncaught errors in the pages: {errors}"


@pytest.fixture(scope="session")
def shoot() -> Any:
    """Save a screenshot of a page as tests/browser/screenshots/NAME.png and print its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page: Any, name: str, full_page: bool = False) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        viewport = page.viewport_size
        if full_page:
            # A viewport as tall as the page, so that sticky bars sit where a reader expects.
            height = page.evaluate("document.documentElement.scrollHeight")
            page.set_viewport_size({"width": viewport["width"], "height": height})
        try:
            page.screenshot(path=str(path))
        finally:
            if full_page:
                page.set_viewport_size(viewport)
        print(f"screenshot: {path}")
        return path

    return save
