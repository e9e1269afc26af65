"""The coverage timelines in real Chromium: the settings page's week and the console's day.

The server (tests/browser/coverage_server.py) holds a made-up week of history; the pages draw
it from the report routes. Screenshots: tests/browser/screenshots/coverage-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.browser.conftest import API_KEY, ROOT, Frontdesk, running_frontdesk

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Frontdesk]:
    script = str(Path(__file__).with_name("coverage_server.py"))
    with running_frontdesk(tmp_path_factory, {"PYTHONPATH": str(ROOT)},
                           argv=lambda port: [script, str(port)]) as server:
        yield server


def test_settings_page_shows_the_last_seven_days(week: Frontdesk, new_page: Any,
                                                 shoot: Any) -> None:
    page = new_page()
    page.goto(f"{week.url}/settings.html?widget=shop")
    page.fill("#api-key", API_KEY)
    page.click("#key-form button[type=submit]")
    page.wait_for_selector('body[data-coverage="shown"]', timeout=8000)
    panel = page.locator("#coverage")
    assert panel.is_visible()
    assert page.locator("#coverage svg.timeline g.day").count() == 7
    legend = page.locator("#coverage .legend").inner_text()
    for words in ("Online", "Offline while open: team away", "Offline: outside opening hours",
                  "Offline: set by hand", "Opening hours"):
        assert words in legend, legend
    totals = page.locator("#coverage .totals").inner_text()
    assert "Offline while open (team away)" in totals and " h" in totals, totals
    # every stretch says what it is in words, and gaps have their own pattern
    gap = page.locator('#coverage rect[data-category="team_away"]').first
    assert "team away" in gap.locator("title").text_content()
    assert page.locator("#coverage pattern#wc-team_away path").count() == 1
    assert "Europe/Berlin" in page.locator('#coverage [data-part="zone"]').inner_text()
    panel.scroll_into_view_if_needed()
    shoot(page, "coverage-settings", full_page=True)
    page.locator("#coverage").screenshot(path=str(Path(__file__).parent / "screenshots"
                                                  / "coverage-timeline.png"))


def test_console_shows_the_agents_own_day(week: Frontdesk, new_page: Any, shoot: Any) -> None:
    page = new_page()
    token = week.token("kevin", "Kevin", account="shop")
    page.goto(f"{week.url}/console.html#token={token}")
    page.wait_for_selector('body[data-day="shown"]', timeout=8000)
    day = page.locator("#my-day")
    assert day.is_visible()
    legend = day.locator(".legend").inner_text()
    for words in ("Online and connected (available)", "Busy, connected", "Online, not connected"):
        assert words in legend, legend
    totals = day.locator(".totals").inner_text()
    for words in ("Available", "Online", "Busy", "Connected"):
        assert words in totals, totals
    assert day.locator('rect[data-category="busy"]').count() >= 1
    shoot(page, "coverage-console", full_page=True)


def test_console_shows_a_gap_while_visitors_are_turned_away(week: Frontdesk,
                                                            new_page: Any) -> None:
    page = new_page()
    token = week.token("kevin", "Kevin", account="shop")
    page.goto(f"{week.url}/console.html#token={token}")
    page.wait_for_selector('body[data-connected="true"]', timeout=8000)
    page.click("#me-button")
    page.click('#status-menu [data-status="busy"]')  # nobody left: desk is offline while open
    banner = page.wait_for_selector('#gap-alerts [data-widget="desk"]', timeout=5000)
    assert "offline while open" in banner.inner_text()
    page.click("#me-button")
    page.click('#status-menu [data-status="online"]')
    page.wait_for_selector('#gap-alerts [data-widget="desk"]', state="detached", timeout=5000)
