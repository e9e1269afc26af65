"""Issue 13 on the settings page, in Chromium: add a webhook (422 errors by field, the secret
shown once), see an event's delivery listed as delivered, press "Send again" and check the
receiver got the same Frontdesk-Event-Id twice. Screenshot: settings-webhooks.png."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from tests.browser.conftest import Frontdesk, running_frontdesk
from tests.browser.test_pages import set_demo_widget, wait_until


@pytest.fixture(scope="module")
def frontdesk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Frontdesk]:
    """The demo server, allowed to deliver to the loopback receiver below."""
    with running_frontdesk(tmp_path_factory, {"FRONTDESK_WEBHOOK_ALLOW_PRIVATE": "1"}) as server:
        yield server


class Receiver(http.server.ThreadingHTTPServer):
    """Records every POST (path, headers, body) and answers 200."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.got: list[tuple[str, dict[str, str], bytes]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/main"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:  # noqa: N802 (the http.server name)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.got.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def open_settings(page: Any, frontdesk: Frontdesk) -> Any:
    page.goto(f"{frontdesk.url}/settings.html?widget=demo")
    page.fill("#api-key", "browser-test-api-key")
    page.click("#key-form button[type=submit]")
    page.wait_for_selector('body[data-loaded="true"]', timeout=5000)
    page.wait_for_selector("#webhooks-panel:not([hidden])", timeout=5000)
    return page


def test_settings_page_lists_webhook_deliveries_and_sends_one_again(
    frontdesk: Frontdesk, new_page: Any, shoot: Any, receiver: Receiver,
) -> None:
    set_demo_widget(frontdesk)
    page = open_settings(new_page(), frontdesk)
    assert page.locator("#webhooks-empty").is_visible()

    # Wrong first: a URL that is not http(s) and an unknown event type, shown by field.
    page.fill("#webhook-url", "ftp://example.com/x")
    page.fill("#webhook-events", "widget.status nonsense.event")
    page.click("#webhook-add")
    page.wait_for_selector("#webhook-url[aria-invalid=true]", timeout=3000)
    assert "http" in page.locator("#webhook-url-error").inner_text()
    assert "nonsense.event" in page.locator("#webhook-events-error").inner_text()
    assert page.get_by_label("URL").get_attribute("aria-errormessage") == "webhook-url-error"

    # Right: the 201 shows the secret once; the list shows the webhook.
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("Events").fill("widget.status")
    page.click("#webhook-add")
    page.wait_for_selector("#webhook-secret:not([hidden])", timeout=3000)
    secret = page.locator("#webhook-secret-value").inner_text()
    assert len(secret) >= 16
    assert page.locator("#webhook-url").get_attribute("aria-invalid") is None
    status, hooks = frontdesk.api("GET", "/api/v1/accounts/demo/webhooks")
    assert status == 200 and [h["url"] for h in hooks] == [receiver.url], hooks
    hook = hooks[0]["id"]
    card = page.locator(f'li.webhook[data-webhook="{hook}"]')
    card.wait_for(timeout=3000)
    assert "No deliveries yet." in card.inner_text()

    try:
        # An event: the widget goes offline by hand.
        set_demo_widget(frontdesk, manual_status="offline")
        wait_until(lambda: len(receiver.got) >= 1, what="the first delivery")
        event_id = receiver.got[0][1]["frontdesk-event-id"]
        row = card.locator(f'tr[data-event="{event_id}"]')

        def delivered() -> bool:
            page.click("#webhooks-refresh")
            page.wait_for_timeout(200)  # the list is fetched again
            return row.count() == 1 and row.get_attribute("data-status") == "delivered"

        wait_until(delivered, what="the delivery listed as delivered")
        cells = row.locator("td").all_inner_texts()
        assert cells[:5] == [event_id, "widget.status", "delivered", "1", "200"], cells

        shoot(page, "settings-webhooks", full_page=True)

        # "Send again": 202, the receiver gets the same event id a second time.
        before = page.locator("#webhooks-panel").get_attribute("data-loaded")
        row.get_by_role("button", name=f"Send widget.status event {event_id} again").click()
        wait_until(lambda: len(receiver.got) >= 2, what="the second delivery")
        assert [r[1]["frontdesk-event-id"] for r in receiver.got[:2]] == [event_id, event_id]
        assert receiver.got[0][2] == receiver.got[1][2], "the same body, signed anew"
        page.wait_for_function(
            f"document.getElementById('webhooks-panel').dataset.loaded !== '{before}'", timeout=3000)
        assert "will be sent again" in page.locator("#webhooks-state").inner_text()
        wait_until(lambda: delivered() and row.locator("td").nth(3).inner_text() == "2",
                   what="the list showing two attempts")

        # Delete: the card goes.
        page.once("dialog", lambda dialog: dialog.accept())
        card.get_by_role("button", name=f"Delete the webhook to {receiver.url}").click()
        card.wait_for(state="detached", timeout=3000)
        assert frontdesk.api("GET", "/api/v1/accounts/demo/webhooks") == (200, [])
    finally:
        for item in frontdesk.api("GET", "/api/v1/accounts/demo/webhooks")[1]:
            frontdesk.api("DELETE", f"/api/v1/accounts/demo/webhooks/{item['id']}")
        set_demo_widget(frontdesk)
