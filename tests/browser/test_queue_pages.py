"""Issue 15 on the pages, in Chromium: the console's idle banner after auto-away, the visitor's
queue line with its estimate, and a refusal that turns to the leave-a-message form.
Screenshots: console-idle-banner.png, visitor-queue-estimate.png, visitor-queue-full.png."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.test_pages import HOST, open_console, open_visitor, set_demo_widget, wait_until

HIDE_TAB = """() => {
  Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
  document.dispatchEvent(new Event('visibilitychange'));
}"""
SHOW_TAB = """() => {
  Object.defineProperty(document, 'visibilityState', {value: 'visible', configurable: true});
  document.dispatchEvent(new Event('visibilitychange'));
}"""


def account_settings(frontdesk: Any, **settings: Any) -> None:
    status, body = frontdesk.api("PUT", "/api/v1/accounts/demo/settings", settings)
    assert status == 200, (status, body)


def test_console_idle_banner_and_one_click_back(frontdesk: Any, new_page: Any, shoot: Any) -> None:
    set_demo_widget(frontdesk)
    account_settings(frontdesk, auto_away_after=1)
    try:
        console = open_console(new_page(), frontdesk)
        wait_until(lambda: any(a["id"] == "kevin" and a["available"] for a in frontdesk.agents()),
                   what="kevin available")
        console.evaluate(HIDE_TAB)  # a hidden tab is idle at once (watchActivity)
        console.wait_for_selector("#idle-banner:not([hidden])", timeout=4000)
        text = console.locator("#idle-text").inner_text()
        assert re.fullmatch(r"You were set to Busy at \d\d:\d\d after (less than a minute|\d+ minutes?) idle\.", text), text
        kevin = next(a for a in frontdesk.agents() if a["id"] == "kevin")
        assert (kevin["status"], kevin["status_reason"]) == ("busy", "idle")
        assert console.evaluate("document.body.dataset.agentStatus") == "busy"
        console.evaluate(SHOW_TAB)
        shoot(console, "console-idle-banner")
        console.click("#idle-return")  # a click is input too: the page is active again
        console.wait_for_selector('body[data-agent-status="online"]', timeout=3000)
        assert console.locator("#idle-banner").is_hidden()
        kevin = next(a for a in frontdesk.agents() if a["id"] == "kevin")
        assert (kevin["status"], kevin["status_reason"]) == ("online", "agent")
    finally:
        account_settings(frontdesk)


def test_visitor_sees_place_and_estimate_then_a_full_queue(
    frontdesk: Any, new_page: Any, shoot: Any,
) -> None:
    set_demo_widget(frontdesk, routing="round_robin", max_conversations_per_agent=1)
    wait_until(lambda: not any(a["available"] for a in frontdesk.agents()), what="nobody available")
    for visitor in ("ahead-1", "ahead-2", "ahead-3"):  # nobody is connected: they wait
        status, body = frontdesk.api("POST", "/api/v1/widgets/demo/conversations",
                                     {"visitor": visitor})
        assert status == 201 and body["state"] == "queued", body
    visitor = open_visitor(new_page(), frontdesk)
    visitor.fill(f"{HOST} textarea", "Is the Roadster in stock?")
    visitor.click(f"{HOST} form button[type=submit]")
    visitor.wait_for_selector(f'{HOST}[data-conversation="queued"]', timeout=3000, state="attached")
    assert visitor.locator(f"{HOST} .queue-line").inner_text() == "You are 4th"  # no estimate yet
    # An agent comes: the head is assigned from the queue, and the estimate appears.
    console = open_console(new_page(), frontdesk)
    line = visitor.locator(f"{HOST} .queue-line")
    wait_until(lambda: line.inner_text().startswith("You are 3rd, "), what="the estimate")
    assert re.fullmatch(r"You are 3rd, (less than a minute|about \d+ min)", line.inner_text())
    shoot(visitor, "visitor-queue-estimate")
    console.close()

    # A full queue refuses the next start and offers the leave-a-message form.
    set_demo_widget(frontdesk, routing="round_robin", max_conversations_per_agent=1, max_queue=1)
    other = open_visitor(new_page(), frontdesk)
    other.fill(f"{HOST} textarea", "Hello?")
    other.click(f"{HOST} form button[type=submit]")
    other.wait_for_selector(f'{HOST}[data-conversation="rejected"]', timeout=3000, state="attached")
    other.wait_for_selector(f'{HOST}[data-form="leave-message"]', timeout=3000, state="attached")
    body = other.locator(f"{HOST} .body").inner_text()
    assert "All our agents are busy right now." in body
    assert "Leave your email" in body  # the widget's offline message
    shoot(other, "visitor-queue-full")
    for ahead in ("ahead-2", "ahead-3"):
        frontdesk.api("POST", f"/api/v1/conversations/{ahead}/close")
    set_demo_widget(frontdesk, max_queue=0)


def test_settings_page_queue_limits_and_account_fields(frontdesk: Any, new_page: Any,
                                                       shoot: Any) -> None:
    set_demo_widget(frontdesk, max_queue=0, max_queue_wait=0)
    page = new_page()
    page.goto(f"{frontdesk.url}/settings.html?widget=demo")
    page.fill("#api-key", "browser-test-api-key")
    page.click("#key-form button[type=submit]")
    page.wait_for_selector('body[data-loaded="true"]', timeout=10000)
    page.wait_for_selector('#account-form[data-loaded="true"]', timeout=10000)
    assert page.input_value("#max_queue") == "0" and page.input_value("#max_queue_wait") == "0"
    # Widget fields: a bad limit is named next to its field; a good one is stored.
    page.fill("#max_queue", "2.5")
    page.click("#save")
    page.wait_for_selector("#error-summary:not([hidden])", timeout=10000)
    assert page.locator('[data-error-for="max_queue"]').inner_text().strip()
    page.fill("#max_queue", "5")
    page.fill("#max_queue_wait", "90.5")
    page.click("#save")
    wait_until(lambda: frontdesk.api("GET", "/api/v1/widgets/demo")[1]["max_queue"] == 5,
               timeout=10, what="the widget saved")
    assert frontdesk.api("GET", "/api/v1/widgets/demo")[1]["max_queue_wait"] == 90.5
    # Account fields: their own form, their own 422 by field.
    page.fill("#auto_away_after", "-1")
    page.click("#account-save")
    page.wait_for_selector('#auto_away_after[aria-invalid="true"]', timeout=10000)
    assert page.locator("#auto_away_after-error").inner_text().strip()
    page.locator("#account-form").scroll_into_view_if_needed()
    shoot(page, "settings-account-errors")
    page.fill("#auto_away_after", "300")
    page.fill("#reassign_after", "120")
    page.click("#account-save")
    wait_until(lambda: {k: v for k, v in frontdesk.api("GET", "/api/v1/accounts/demo/settings")[1].items()
                        if k in ("auto_away_after", "reassign_after")} == {
        "auto_away_after": 300, "reassign_after": 120}, timeout=10, what="the account saved")
    page.wait_for_selector("#auto_away_after:not([aria-invalid])", timeout=10000)
    assert "Saved" in page.locator("#account-state").inner_text()
    account_settings(frontdesk)
    set_demo_widget(frontdesk, max_queue=0, max_queue_wait=0)
