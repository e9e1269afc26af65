"""The pages in real headless Chromium against a real Frontdesk: console, visitor, settings.

Run: pytest -m browser tests/browser (needs `pip install playwright` and Debian's chromium).
Screenshots are saved to tests/browser/screenshots/.
"""

from __future__ import annotations

import http.server
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.browser

HOST = "#frontdesk-widget"
ONLINE_MESSAGE = "We're here! Ask us anything about bikes."
OFFLINE_MESSAGE = "We're away right now. Leave your email and we'll write back."

# Records desktop notifications and chimes, so a test can see that the console raised them.
SPY_ALERTS = """
window.__notifications = [];
window.__chimes = 0;
if (window.Notification) {
  const Real = window.Notification;
  const Spy = function (title, options) {
    window.__notifications.push({ title, body: options && options.body });
    return new Real(title, options);
  };
  Object.defineProperty(Spy, 'permission', { get: () => Real.permission });
  Spy.requestPermission = (...args) => Real.requestPermission(...args);
  window.Notification = Spy;
}
if (window.AudioContext) {
  const create = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function () { window.__chimes += 1; return create.call(this); };
}
"""

# Page timers throttled as in a background tab that has been hidden for minutes (Chromium's
# intensive throttling: one wake-up a minute). A Worker's timers are not affected.
THROTTLE_PAGE_TIMERS = """
(() => {
  const setTimeout0 = window.setTimeout.bind(window);
  const setInterval0 = window.setInterval.bind(window);
  window.setTimeout = (fn, ms, ...args) => setTimeout0(fn, Math.max(ms || 0, 60000), ...args);
  window.setInterval = (fn, ms, ...args) => setInterval0(fn, Math.max(ms || 0, 60000), ...args);
})();
"""


def set_demo_widget(frontdesk: Any, **changes: Any) -> dict[str, Any]:
    settings = {
        "mode": "manual",
        "manual_status": "online",
        "offline_when_team_away": False,
        "online_message": ONLINE_MESSAGE,
        "offline_message": OFFLINE_MESSAGE,
        "allowed_origins": [],
        "routing": "broadcast",
        "max_conversations_per_agent": 0,
        **changes,
    }
    return frontdesk.put_widget("demo", **settings)  # type: ignore[no-any-return]


def open_console(page: Any, frontdesk: Any, agent: str = "kevin", name: str = "Kevin") -> Any:
    page.goto(frontdesk.console_url(agent, name))
    page.wait_for_selector('body[data-connected="true"]', timeout=10000)
    assert "token=" not in page.url, "the token must leave the address bar"
    return page


def choose_status(page: Any, status: str) -> None:
    """Click the avatar at the bottom left, then Online or Busy."""
    page.click("#me-button")
    page.wait_for_selector("#status-menu:not([hidden])")
    page.click(f'#status-menu [data-status="{status}"]')
    page.wait_for_selector(f'body[data-agent-status="{status}"]', timeout=3000)


def open_visitor(page: Any, frontdesk: Any) -> Any:
    page.goto(f"{frontdesk.url}/visitor.html?widget=demo")
    page.wait_for_selector(f'{HOST}:is([data-status="online"], [data-status="offline"])', timeout=10000, state="attached")
    page.click(f"{HOST} .launcher")
    page.wait_for_selector(f"{HOST} .panel:not([hidden])")
    return page


def record_closes(page: Any) -> None:
    """Collect the console client's close codes in window.__closes."""
    page.evaluate("""() => {
      window.__closes = [];
      window.frontdeskConsole.client.on('close', (info) => window.__closes.push(info.code));
    }""")


def wait_until(check: Any, timeout: float = 5.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} not met within {timeout} s")


def test_busy_with_team_away_turns_the_visitor_banner_offline_within_a_second(
    frontdesk: Any, new_page: Any, shoot: Any,
) -> None:
    set_demo_widget(frontdesk, offline_when_team_away=True)
    console = open_console(new_page(), frontdesk)
    choose_status(console, "online")
    wait_until(lambda: [a["id"] for a in frontdesk.agents() if a["available"]] == ["kevin"],
               what="kevin the only available agent")

    visitor = open_visitor(new_page(), frontdesk)
    visitor.wait_for_selector(f'{HOST}[data-status="online"]', timeout=3000, state="attached")
    banner = visitor.locator(f"{HOST} .banner")
    assert banner.get_attribute("aria-live") == "polite"
    assert banner.locator(".state").inner_text() == "We are online"
    assert banner.locator(".message").inner_text() == ONLINE_MESSAGE
    shoot(visitor, "visitor-online")

    # Stamp the moment of the click and the moment the banner turns, on the same clock.
    visitor.evaluate("""() => {
      const host = document.getElementById('frontdesk-widget');
      window.__offlineAt = null;
      new MutationObserver(() => {
        if (host.dataset.status === 'offline' && window.__offlineAt === null) window.__offlineAt = Date.now();
      }).observe(host, { attributes: true });
    }""")
    console.click("#me-button")
    shoot(console, "console-status-menu")
    console.evaluate("""() => document.querySelector('#status-menu [data-status="busy"]')
      .addEventListener('click', () => { window.__busyAt = Date.now(); }, { capture: true })""")
    console.click('#status-menu [data-status="busy"]')
    visitor.wait_for_function("() => window.__offlineAt !== null", timeout=1000)
    elapsed = visitor.evaluate("window.__offlineAt") - console.evaluate("window.__busyAt")
    print(f"busy click -> offline banner: {elapsed} ms")
    assert 0 <= elapsed < 1000

    assert banner.locator(".state").inner_text() == "We are offline"
    assert banner.locator(".message").inner_text() == OFFLINE_MESSAGE
    # Offline: the start form gives way to the leave-a-message form.
    visitor.wait_for_selector(f'{HOST}[data-form="leave-message"]', state="attached", timeout=1000)
    assert visitor.locator(f"{HOST} form.leave input[type=email]").is_visible()
    console.wait_for_selector('body[data-agent-status="busy"]')
    console.wait_for_selector('.widget-card[data-widget="demo"][data-status="offline"]', timeout=2000)
    assert "no agent available" in console.locator('.widget-card[data-widget="demo"] .reason').inner_text()
    assert console.locator('.person[data-agent="kevin"]').get_attribute("data-presence") == "busy"
    shoot(visitor, "visitor-offline")
    shoot(console, "console-busy")

    # And back: online again turns the banner online again.
    choose_status(console, "online")
    visitor.wait_for_selector(f'{HOST}[data-status="online"]', timeout=1000, state="attached")


def test_a_visitor_starts_a_conversation_and_the_console_shows_it(
    frontdesk: Any, new_page: Any, shoot: Any,
) -> None:
    set_demo_widget(frontdesk)
    console = new_page(permissions=["notifications"])
    console.add_init_script(SPY_ALERTS)
    open_console(console, frontdesk)
    choose_status(console, "online")
    console.click("#alerts-button")  # a click: sound may play from now on
    wait_until(lambda: any(a["id"] == "kevin" and a["available"] for a in frontdesk.agents()),
               what="kevin available")

    visitor = open_visitor(new_page(), frontdesk)
    visitor.wait_for_selector(f'{HOST}[data-status="online"]', timeout=3000, state="attached")
    visitor_id = visitor.evaluate("document.getElementById('frontdesk-widget').frontdesk.visitor")
    visitor.fill(f"{HOST} textarea", "Hi! Do you have the Roadster in size M?")
    visitor.click(f"{HOST} form button[type=submit]")

    card = console.locator('.conversation[data-state="open"]').first
    card.wait_for(timeout=3000)
    assert visitor_id[:8] in card.inner_text()
    assert "Kevin" in card.locator(".agents").inner_text()
    assert "Roadster in size M" in card.locator(".message").inner_text()  # what the visitor asked
    assert "/visitor.html?widget=demo" in card.locator(".page").inner_text()  # and where
    visitor.wait_for_selector(f'{HOST}[data-conversation="assigned"]', timeout=3000, state="attached")
    assert "Kevin joined the conversation" in visitor.locator(f"{HOST} .joined").inner_text()
    wait_until(lambda: console.evaluate("window.__notifications.length") >= 1, what="a desktop notification")
    note = console.evaluate("window.__notifications[0]")
    assert note["title"] == "New conversation" and "Roadster in size M" in note["body"]
    assert "/visitor.html?widget=demo" in note["body"]  # the page the visitor is on
    assert console.evaluate("window.__chimes") >= 2, "the chime played"
    shoot(console, "console")
    shoot(visitor, "visitor")

    # The agent closes it; both sides see it closed.
    card.locator("button.close-conversation").click()
    visitor.wait_for_selector(f'{HOST}[data-conversation="closed"]', timeout=3000, state="attached")
    console.wait_for_selector('.conversation[data-state="closed"]', timeout=3000, state="attached")
    # ... and the closed card leaves the console without a reload.
    console.wait_for_selector(".conversation", state="detached", timeout=3000)
    assert "ended" in visitor.locator(f"{HOST} .body").inner_text()

    # The visitor id is kept in localStorage: a reload says hello as the same visitor.
    visitor.reload()
    visitor.wait_for_selector(f'{HOST}[data-status="online"]', timeout=5000, state="attached")
    visitor.wait_for_function("() => document.getElementById('frontdesk-widget').frontdesk?.state === 'open'")
    assert visitor.evaluate("document.getElementById('frontdesk-widget').frontdesk.visitor") == visitor_id


def test_after_a_reload_the_console_and_the_visitor_still_show_the_open_conversation(
    frontdesk: Any, new_page: Any, shoot: Any,
) -> None:
    """The welcomes carry the open conversations: both pages come back as they were, silently."""
    set_demo_widget(frontdesk)
    console = new_page(permissions=["notifications"])
    console.add_init_script(SPY_ALERTS)  # runs again on the reload: counts start from zero there
    open_console(console, frontdesk)
    choose_status(console, "online")
    console.click("#alerts-button")
    wait_until(lambda: any(a["id"] == "kevin" and a["available"] for a in frontdesk.agents()),
               what="kevin available")

    visitor = open_visitor(new_page(), frontdesk)
    visitor.wait_for_selector(f'{HOST}[data-status="online"]', timeout=3000, state="attached")
    visitor.fill(f"{HOST} textarea", "Can I book a repair for Saturday?")
    visitor.click(f"{HOST} form button[type=submit]")
    visitor.wait_for_selector(f'{HOST}[data-conversation="assigned"]', timeout=3000, state="attached")
    widget = "document.getElementById('frontdesk-widget').frontdesk"
    visitor_id = visitor.evaluate(f"{widget}.visitor")
    conversation = visitor.evaluate(f"{widget}.conversation.id")
    card = f'.conversation[data-conversation="{conversation}"]'
    console.wait_for_selector(card, timeout=3000)
    wait_until(lambda: console.evaluate("window.__notifications.length") == 1, what="one notification")

    try:
        console.reload()
        visitor.reload()

        console.wait_for_selector('body[data-connected="true"]', timeout=5000)
        console.wait_for_selector(f'{card}[data-state="open"]', timeout=3000)
        visitor.wait_for_selector(f'{HOST}[data-conversation="assigned"]', timeout=5000, state="attached")
        visitor.click(f"{HOST} .launcher")

        # The console: the one card, with the visitor and Kevin, and no second announcement.
        assert console.locator(".conversation").count() == 1
        restored = console.locator(card)
        assert visitor_id[:8] in restored.inner_text()
        assert "Kevin" in restored.locator(".agents").inner_text()
        assert "Started" in restored.inner_text(), "the start time survives the reload"
        assert "new" not in (restored.get_attribute("class") or "").split()
        assert console.evaluate("window.frontdeskConsole.client.conversations.size") == 1
        assert console.evaluate("[window.__notifications.length, window.__chimes]") == [0, 0]

        # The visitor: Kevin joined, the message, and no start button while it is open.
        assert visitor.evaluate(f"{widget}.visitor") == visitor_id
        assert visitor.evaluate(f"{widget}.conversation.id") == conversation
        assert "Kevin joined the conversation" in visitor.locator(f"{HOST} .joined").inner_text()
        assert visitor.locator(f"{HOST} .bubble").inner_text() == "Can I book a repair for Saturday?"
        assert visitor.locator(f"{HOST} form button[type=submit]").count() == 0
        shoot(console, "console-after-reload")
        shoot(visitor, "visitor-after-reload")
    finally:
        frontdesk.api("POST", f"/api/v1/conversations/{conversation}/close")


def test_settings_page_saves_and_shows_field_errors(frontdesk: Any, new_page: Any, shoot: Any) -> None:
    set_demo_widget(frontdesk)
    page = new_page()
    page.goto(f"{frontdesk.url}/settings.html?widget=demo")
    page.fill("#api-key", "browser-test-api-key")
    page.click("#key-form button[type=submit]")
    page.wait_for_selector('body[data-loaded="true"]', timeout=5000)
    assert page.input_value("#timezone") == "UTC"
    assert page.input_value("#online_message") == ONLINE_MESSAGE
    assert page.locator("#timezones option").count() > 300, "the IANA names to search in"

    # Wrong: an unknown zone and a Monday interval that ends before it starts.
    page.click('label:has(input[name="mode"][value="scheduled"])')
    page.fill("#timezone", "Mars/Olympus_Mons")
    page.click('button[aria-label="Add hours on Monday"]')
    page.fill('.day[data-day="mon"] input[data-part="0"]', "18:00")
    page.fill('.day[data-day="mon"] input[data-part="1"]', "09:00")
    page.click("#save")
    page.wait_for_selector("#error-summary:not([hidden])", timeout=3000)
    assert page.locator('[data-error-for="timezone"]').inner_text().strip()
    assert page.locator('[data-error-for="hours.mon"]').inner_text().strip()
    assert page.get_attribute("#timezone", "aria-invalid") == "true"
    assert page.get_attribute('.day[data-day="mon"] input[data-part="0"]', "aria-invalid") == "true"
    page.locator("#timezone").scroll_into_view_if_needed()
    shoot(page, "settings-errors", full_page=True)
    status, stored = frontdesk.api("GET", "/api/v1/widgets/demo")
    assert stored["mode"] == "manual", "nothing is stored from a 422"

    # Right: saved, shown, and live: a visitor page open meanwhile follows the new schedule.
    visitor = open_visitor(new_page(), frontdesk)
    visitor.wait_for_selector(f'{HOST}[data-status="online"]', timeout=3000, state="attached")
    today_in_berlin = datetime.now(ZoneInfo("Europe/Berlin")).date().isoformat()
    page.fill("#timezone", "Europe/Berlin")
    page.fill('.day[data-day="mon"] input[data-part="0"]', "09:00")
    page.fill('.day[data-day="mon"] input[data-part="1"]', "17:30")
    page.click("#copy-monday")
    page.fill("#closed-date-input", "2026-12-25")
    page.click("#add-closed-date")
    page.fill("#closed-date-input", today_in_berlin)  # closed today: offline whatever the hour
    page.click("#add-closed-date")
    page.check("#offline_when_team_away")
    page.fill("#allowed_origins", "https://northwind.example\nhttps://www.northwind.example")
    page.select_option("#routing", "round_robin")
    page.fill("#max_conversations_per_agent", "3")
    page.click("#save")
    page.wait_for_function("() => document.getElementById('save-state').textContent.startsWith('Saved')", timeout=3000)
    assert page.locator("#error-summary").is_hidden()
    assert page.locator('[data-error-for="timezone"]').inner_text() == ""
    status, stored = frontdesk.api("GET", "/api/v1/widgets/demo")
    assert status == 200
    assert stored["timezone"] == "Europe/Berlin"
    assert stored["mode"] == "scheduled"
    assert stored["hours"]["mon"] == [["09:00", "17:30"]]
    assert stored["hours"]["fri"] == [["09:00", "17:30"]]
    assert stored["closed_dates"] == sorted({"2026-12-25", today_in_berlin})  # the page sorts
    visitor.wait_for_selector(f'{HOST}[data-status="offline"]', timeout=1000, state="attached")
    assert visitor.locator(f"{HOST} .banner .message").inner_text() == stored["offline_message"]
    assert stored["offline_when_team_away"] is True
    assert stored["allowed_origins"] == ["https://northwind.example", "https://www.northwind.example"]
    assert stored["routing"] == "round_robin"
    assert stored["max_conversations_per_agent"] == 3
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "settings", full_page=True)
    set_demo_widget(frontdesk)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def other_site(tmp_path: Path) -> Iterator[Any]:
    """Another origin (its own port) that serves a page; the test writes the page."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_widget_embeds_on_another_site_with_one_script_tag(
    frontdesk: Any, new_page: Any, shoot: Any, other_site: Any,
) -> None:
    set_demo_widget(frontdesk)
    root, origin = other_site
    (root / "shop.html").write_text(
        "<!doctype html><meta charset=utf-8><title>Another shop</title>"
        "<body style='font-family:sans-serif;padding:2rem'><h1>Another shop</h1>"
        f'<script src="{frontdesk.url}/widget.js" data-widget="demo" async></script></body>'
    )
    # Module scripts are fetched in CORS mode: from another site, widget.js can import
    # frontdesk.js only if the server lets any origin read it.
    request = urllib.request.Request(f"{frontdesk.url}/frontdesk.js", headers={"Origin": origin})
    with urllib.request.urlopen(request, timeout=5) as response:
        allowed = response.headers.get("Access-Control-Allow-Origin")
    assert allowed in ("*", origin), (
        "the server must send Access-Control-Allow-Origin: * with /frontdesk.js (and widget.js) "
        f"so that another site can load the widget; it sent {allowed!r}"
    )
    page = new_page()
    page.goto(f"{origin}/shop.html")
    page.wait_for_selector(f'{HOST}[data-status="online"]', timeout=10000, state="attached")
    page.click(f"{HOST} .launcher")
    assert page.locator(f"{HOST} .banner .message").inner_text() == ONLINE_MESSAGE
    shoot(page, "embedded-widget")


def test_console_heartbeat_survives_throttled_page_timers(frontdesk: Any, new_page: Any) -> None:
    """A hidden tab's timers fire once a minute; the heartbeat ticks in a Worker instead."""
    set_demo_widget(frontdesk)
    page = new_page()
    page.add_init_script(THROTTLE_PAGE_TIMERS)
    open_console(page, frontdesk, "samantha", "Samantha")
    assert page.evaluate("window.frontdeskConsole.client.timers.kind") == "worker"
    record_closes(page)
    time.sleep(6.5)  # more than twice the presence TTL (3 s)
    assert page.evaluate("window.__closes") == []
    samantha = next(a for a in frontdesk.agents() if a["id"] == "samantha")
    assert samantha["connected"] is True


def test_without_the_worker_throttled_timers_would_let_the_console_fall_silent(
    frontdesk: Any, new_page: Any,
) -> None:
    """The control for the test above: the same throttling, no Worker, and the server gives up."""
    page = new_page()
    page.add_init_script("delete window.Worker;" + THROTTLE_PAGE_TIMERS)
    open_console(page, frontdesk, "samantha", "Samantha")
    assert page.evaluate("window.frontdeskConsole.client.timers.kind") == "page"
    record_closes(page)
    # Polled from here: Playwright's own in-page polling would run on the throttled timers.
    closes = wait_until(lambda: page.evaluate("window.__closes"), timeout=9.0, what="a close")
    assert closes[0] == 4000


def test_console_with_a_bad_token_asks_to_sign_in_and_does_not_retry(frontdesk: Any, new_page: Any) -> None:
    page = new_page()
    page.goto(f"{frontdesk.url}/console.html#token=not.a.token")
    page.wait_for_selector("#signin:not([hidden])", timeout=5000)
    assert "not valid or has expired" in page.locator("#connection").inner_text()
    time.sleep(1.0)
    client = page.evaluate("({state: frontdeskConsole.client.state, connects: frontdeskConsole.client.connects})")
    assert client == {"state": "closed", "connects": 1}
    assert page.evaluate("sessionStorage.getItem('frontdesk.agentToken')") is None
