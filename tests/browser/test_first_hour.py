"""A newcomer's first hour, in real Chromium against a real Frontdesk (issue 16): the phone
layout, WCAG AA contrast computed in the page, the console's sign-out, mute, closed cards and
signed-out view, the settings page's fixed account, and the index page at /."""

from __future__ import annotations

import time
from typing import Any

import pytest
from tests.browser.test_pages import HOST, choose_status, open_console, set_demo_widget, wait_until

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}

# WCAG 2.x contrast of an element's text against the first opaque background behind it.
CONTRAST = """(el) => {
  const parse = (c) => { const m = c.match(/[\\d.]+/g).map(Number); return { rgb: m.slice(0, 3), a: m.length > 3 ? m[3] : 1 }; };
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  let node = el, bg = null;
  while (node && node.nodeType === 1) {
    const c = parse(getComputedStyle(node).backgroundColor);
    if (c.a > 0.99) { bg = c.rgb; break; }
    node = node.parentNode instanceof ShadowRoot ? node.parentNode.host : node.parentElement;
  }
  bg = bg || [255, 255, 255];
  const fg = parse(getComputedStyle(el).color).rgb;
  const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
  return Math.round(((hi + 0.05) / (lo + 0.05)) * 100) / 100;
}"""


def _contrast(locator: Any) -> float:
    return float(locator.evaluate(CONTRAST))


def test_phone_width_layout(frontdesk: Any, new_page: Any, shoot: Any) -> None:
    set_demo_widget(frontdesk)
    page = new_page()
    page.set_viewport_size(PHONE)
    page.goto(f"{frontdesk.url}/visitor.html?widget=demo")
    page.wait_for_selector(f'{HOST}[data-status="online"]', state="attached", timeout=10000)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "the page overflows"
    box = page.locator(f"{HOST} .launcher").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert box["y"] + box["height"] <= PHONE["height"], "the bubble is off screen"
    shoot(page, "visitor-phone")
    page.click(f"{HOST} .launcher")
    panel = page.locator(f"{HOST} .panel")
    panel.wait_for()
    time.sleep(0.3)
    box = panel.bounding_box()
    assert box == {"x": 0, "y": 0, "width": PHONE["width"], "height": PHONE["height"]}, box
    shoot(page, "visitor-phone-open")
    page.click(f"{HOST} .x")
    assert page.locator(f"{HOST} .launcher").is_visible()


def test_contrast_of_the_named_elements_meets_wcag_aa(frontdesk: Any, new_page: Any) -> None:
    set_demo_widget(frontdesk, manual_status="offline")
    visitor = new_page()
    visitor.goto(f"{frontdesk.url}/visitor.html?widget=demo")
    visitor.wait_for_selector(f'{HOST}[data-status="offline"]', state="attached", timeout=10000)
    visitor.click(f"{HOST} .launcher")
    ratios = {"widget footer": _contrast(visitor.locator(f"{HOST} .foot")),
              "widget banner message": _contrast(visitor.locator(f"{HOST} .banner .message")),
              "widget form label": _contrast(visitor.locator(f"{HOST} form.leave label").first)}
    console = open_console(new_page(), frontdesk)
    console.wait_for_selector('.widget-card[data-status="offline"] .pill.offline')
    ratios["Offline pill"] = _contrast(console.locator(".widget-card .pill.offline"))
    ratios["widget card meta"] = _contrast(console.locator(".widget-card .meta").first)
    set_demo_widget(frontdesk, manual_status="online")
    console.wait_for_selector('.widget-card[data-status="online"] .pill.online')
    ratios["Online pill"] = _contrast(console.locator(".widget-card .pill.online"))
    print("contrast:", ratios)
    assert all(r >= 4.5 for r in ratios.values()), ratios


def test_console_without_a_token_shows_only_the_sign_in(frontdesk: Any, new_page: Any, shoot: Any) -> None:
    page = new_page()
    page.goto(f"{frontdesk.url}/console.html")
    page.wait_for_selector("#signin:not([hidden])")
    for section in page.locator("section.needs-session").all():
        assert not section.is_visible()
    assert not page.locator("#signout-button").is_visible()
    shoot(page, "console-signed-out")


def test_console_sign_out_and_mute(frontdesk: Any, new_page: Any) -> None:
    set_demo_widget(frontdesk)
    page = new_page(permissions=["notifications"])
    page.add_init_script("""window.__chimes = 0;
      const create = AudioContext.prototype.createOscillator;
      AudioContext.prototype.createOscillator = function () { window.__chimes += 1; return create.call(this); };""")
    open_console(page, frontdesk, "samantha", "Samantha")
    choose_status(page, "online")
    assert page.locator("section.needs-session").first.is_visible()
    page.click("#mute-button")
    assert page.get_attribute("#mute-button", "aria-pressed") == "true"
    page.click("#alerts-button")  # would chime, but muted
    status, started = frontdesk.api("POST", "/api/v1/widgets/demo/conversations",
                                    {"visitor": "muted-visitor", "text": "quiet please"})
    assert status == 201, started
    page.wait_for_selector(f'.conversation[data-conversation="{started["conversation"]}"]', timeout=3000)
    time.sleep(0.3)
    assert page.evaluate("window.__chimes") == 0, "muted: no chime"
    frontdesk.api("POST", f"/api/v1/conversations/{started['conversation']}/close")
    page.wait_for_selector(f'.conversation[data-conversation="{started["conversation"]}"]',
                           state="detached", timeout=3000)
    page.click("#signout-button")
    page.wait_for_selector("#signin:not([hidden])", timeout=3000)
    assert page.evaluate("sessionStorage.getItem('frontdesk.agentToken')") is None
    assert not page.locator("section.needs-session").first.is_visible()
    wait_until(lambda: not any(a["id"] == "samantha" and a["connected"] for a in frontdesk.agents()),
               timeout=5, what="samantha disconnected after signing out")
    page.reload()
    page.wait_for_selector("#signin:not([hidden])")  # still signed out after a reload
    assert page.get_attribute("#mute-button", "aria-pressed") == "true"  # mute is remembered


def test_settings_page_fixes_the_account_of_an_existing_widget(frontdesk: Any, new_page: Any) -> None:
    page = new_page()
    page.goto(f"{frontdesk.url}/settings.html?widget=demo")
    page.fill("#api-key", "browser-test-api-key")
    page.click("#key-form button[type=submit]")
    page.wait_for_selector("body[data-loaded=true]")
    assert page.locator("#account").input_value() == "demo"
    assert page.get_attribute("#account", "readonly") is not None
    page.goto(f"{frontdesk.url}/settings.html?widget=brand-new")
    page.wait_for_selector("#settings:not([hidden])")
    assert page.get_attribute("#account", "readonly") is None  # a new widget names its account


def test_index_page(frontdesk: Any, new_page: Any, shoot: Any) -> None:
    page = new_page()
    response = page.goto(f"{frontdesk.url}/")
    assert response.status == 200 and "text/html" in response.headers["content-type"]
    links = page.locator("a").evaluate_all("(as) => as.map((a) => a.getAttribute('href'))")
    for href in ("console.html", "visitor.html?widget=demo", "settings.html?widget=demo"):
        assert href in links
    shoot(page, "index")


def test_offline_visitor_leaves_a_message_and_the_console_marks_it_read(
    frontdesk: Any, new_page: Any, shoot: Any,
) -> None:
    set_demo_widget(frontdesk, manual_status="offline")
    console = open_console(new_page(), frontdesk)
    visitor = new_page()
    visitor.goto(f"{frontdesk.url}/visitor.html?widget=demo")
    visitor.wait_for_selector(f'{HOST}[data-form="leave-message"]', state="attached", timeout=10000)
    visitor.click(f"{HOST} .launcher")
    visitor.wait_for_timeout(300)  # the panel's opening animation
    # Checked in the page first: nothing is sent while the fields are wrong.
    visitor.fill(f"{HOST} #frontdesk-email", "not an email")
    visitor.click(f"{HOST} form.leave button[type=submit]")
    assert "email" in visitor.locator(f"{HOST} #frontdesk-email-error").inner_text()
    assert "write a message" in visitor.locator(f"{HOST} #frontdesk-message-error").inner_text()
    assert visitor.get_attribute(f"{HOST} #frontdesk-email", "aria-invalid") == "true"
    shoot(visitor, "visitor-leave-message-errors")
    visitor.fill(f"{HOST} #frontdesk-email", "ada@example.com")
    visitor.fill(f"{HOST} #frontdesk-message", "Do you deliver to Oslo?")
    visitor.click(f"{HOST} form.leave button[type=submit]")
    visitor.wait_for_selector(f'{HOST}[data-message="sent"]', state="attached", timeout=3000)
    assert "ada@example.com" in visitor.locator(f"{HOST} .sent").inner_text()
    shoot(visitor, "visitor-leave-message-sent")

    card = console.locator(".offline-message").first
    card.wait_for(timeout=3000)
    assert "ada@example.com" in card.inner_text() and "Do you deliver to Oslo?" in card.inner_text()
    assert console.locator("#message-count").inner_text() == "1 unread"
    shoot(console, "console-offline-messages")
    status, unread = frontdesk.api("GET", "/api/v1/accounts/demo/offline-messages")
    assert status == 200 and [m["email"] for m in unread] == ["ada@example.com"]
    card.locator("button.mark-read").click()
    console.wait_for_selector(".offline-message", state="detached", timeout=3000)
    assert frontdesk.api("GET", "/api/v1/accounts/demo/offline-messages")[1] == []
    # A console opened later shows no unread message either.
    later = open_console(new_page(), frontdesk, "samantha", "Samantha")
    assert later.locator(".offline-message").count() == 0
    assert later.locator("#no-offline-messages").is_visible()


@pytest.mark.parametrize("zone,berlin_named", [("Europe/Berlin", False),
                                               ("America/New_York", True)])
def test_the_banner_says_when_the_widget_is_back_in_the_visitors_time(
    frontdesk: Any, new_page: Any, shoot: Any, zone: str, berlin_named: bool,
) -> None:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    berlin = datetime.now(ZoneInfo("Europe/Berlin"))
    opens = berlin + timedelta(days=3)  # open only that day, from 09:00 Berlin time
    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[opens.weekday()]
    set_demo_widget(frontdesk, mode="scheduled", timezone="Europe/Berlin",
                    hours={day: [["09:00", "17:30"]]}, closed_dates=[])
    page = new_page(timezone_id=zone, locale="en-GB")
    page.goto(f"{frontdesk.url}/visitor.html?widget=demo")
    page.wait_for_selector(f'{HOST}[data-status="offline"]', state="attached", timeout=10000)
    page.click(f"{HOST} .launcher")
    line = page.locator(f"{HOST} .banner .when")
    wait_until(lambda: line.inner_text() != "", what="the 'back at' line")
    page.wait_for_timeout(300)  # the panel's opening animation, before the screenshot
    text = line.inner_text()
    weekday = opens.strftime("%A")  # 09:00 Berlin is the same day in New York (03:00)
    print(zone, "->", text)
    assert text.startswith(f"Back {weekday} at "), text
    if berlin_named:
        assert "3:00" in text.split("(")[0] and "(09:00 Berlin time)" in text.replace("(9:00", "(09:00")
    else:
        assert "9:00" in text and "Berlin" not in text
    shoot(page, f"visitor-back-at-{zone.replace('/', '-')}")
    set_demo_widget(frontdesk, mode="manual", hours={})


def test_settings_page_picks_another_widget_of_the_account(frontdesk: Any, new_page: Any) -> None:
    status, _ = frontdesk.api("PUT", "/api/v1/widgets/demo-help", {"account": "demo",
                                                                  "manual_status": "offline"})
    assert status == 200
    page = new_page()
    page.goto(f"{frontdesk.url}/settings.html?widget=demo")
    page.evaluate("sessionStorage.setItem('frontdesk.apiKey', 'browser-test-api-key')")
    page.reload()
    page.wait_for_selector("#picker-row:not([hidden])", timeout=5000)
    options = page.locator("#widget-picker option").all_inner_texts()
    assert options == ["demo (online)", "demo-help (offline)"] or options[1] == "demo-help (offline)"
    page.select_option("#widget-picker", "demo-help")
    page.wait_for_url("**/settings.html?widget=demo-help")
    page.wait_for_selector("body[data-loaded=true]")
    assert page.locator("#widget-name").inner_text() == "demo-help"
    frontdesk.api("DELETE", "/api/v1/widgets/demo-help")


def test_settings_page_right_now_is_live(frontdesk: Any, new_page: Any) -> None:
    set_demo_widget(frontdesk, manual_status="online")
    page = new_page()
    page.goto(f"{frontdesk.url}/settings.html?widget=demo")
    page.evaluate("sessionStorage.setItem('frontdesk.apiKey', 'browser-test-api-key')")
    page.reload()
    page.wait_for_selector("body[data-live=true]", timeout=5000)
    page.wait_for_selector('#live-status[data-status="online"]')
    started = time.monotonic()
    set_demo_widget(frontdesk, manual_status="offline")
    page.wait_for_selector('#live-status[data-status="offline"]', timeout=2000)  # the poll is 10 s
    print(f"settings page 'Right now' followed the change in {time.monotonic() - started:.2f} s")
    set_demo_widget(frontdesk, manual_status="online")
    page.wait_for_selector('#live-status[data-status="online"]', timeout=2000)
