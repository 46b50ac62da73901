"""axe-core in Chromium: no serious or critical accessibility violations on the main screens."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import DESKTOP, PHONE, Accounts, LiveServer

pytestmark = pytest.mark.browser
BLOCKING = {"serious", "critical"}


def _blocking_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    page.wait_for_load_state("networkidle")
    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in BLOCKING]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_login_dashboard_and_detail_have_no_serious_violations(browser, live_server: LiveServer,  # type: ignore[no-untyped-def]
                                                              accounts: Accounts, viewport: dict) -> None:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{live_server.base_url}/login")
    page.get_by_label("E-mail").wait_for()
    assert _blocking_violations(page) == []

    accounts.sign_in(page, "owner@lodz-logistyka.example")
    page.goto(f"{live_server.base_url}/")
    page.get_by_text("Open balance").wait_for()
    assert _blocking_violations(page) == []

    page.locator("[data-invoice-id] a:visible, a[data-invoice-id]:visible").first.click()
    page.get_by_text("Line items").wait_for()
    assert _blocking_violations(page) == []
    context.close()


def test_keyboard_reaches_an_invoice_and_focus_is_visible(browser, live_server: LiveServer,  # type: ignore[no-untyped-def]
                                                          accounts: Accounts) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    accounts.sign_in(page, "accountant@lodz-logistyka.example")
    page.goto(f"{live_server.base_url}/")
    page.get_by_text("Open balance").wait_for()
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName === 'A' && document.activeElement.closest('tbody') !== null"):
            break
    else:
        raise AssertionError("Tab never reached an invoice link")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    page.get_by_text("Line items").wait_for()
    context.close()


def test_the_first_tab_offers_a_skip_link_to_the_content(browser, live_server: LiveServer,  # type: ignore[no-untyped-def]
                                                         accounts: Accounts) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    accounts.sign_in(page, "viewer@lodz-logistyka.example")
    page.goto(f"{live_server.base_url}/")
    page.get_by_text("Open balance").wait_for()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("link => link === document.activeElement") and skip.is_visible()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.classList.contains('portal-main')")
    page.keyboard.press("Tab")  # the next stop is inside the content, past header and menu
    assert page.evaluate("document.querySelector('.portal-main').contains(document.activeElement)")
    assert page.locator("main").count() == 1  # Quasar's page; the content column is no second <main>
    context.close()
