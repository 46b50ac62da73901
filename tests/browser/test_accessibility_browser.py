"""axe-core in Chromium: no accessibility violation of any impact on any page, at desktop and phone
width, signed out, as a customer owner and as staff; keyboard reach and a visible focus."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import DESKTOP, PHONE, Accounts, LiveServer

pytestmark = pytest.mark.browser
ANIMATIONS_DONE = "() => document.getAnimations().every(animation => animation.playState !== 'running')"
CUSTOMER_PAGES = ("/", "/export", "/settings", "/team", "/verify")
STAFF_PAGES = ("/admin", "/admin/customers", "/admin/users", "/admin/tiers", "/admin/audit", "/admin/ledger",
               "/admin/questions", "/admin/metrics")


def _blocking_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Every axe violation on the page as it stands, whatever its impact (minor ones too)."""
    page.wait_for_load_state("load")  # not "networkidle": pages that follow the ledger never go idle
    page.locator(".portal-main, form, a").first.wait_for()
    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]]


def _violations_on(page, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    page.goto(url)
    page.locator(".portal-main").wait_for()
    return [f"{url}: {violation}" for violation in _blocking_violations(page)]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_customer_and_staff_page_has_no_violations(browser, live_server: LiveServer,  # type: ignore[no-untyped-def]
                                                         accounts: Accounts, viewport: dict) -> None:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    accounts.sign_in(page, "owner@lodz-logistyka.example")  # owner@mueller's first sign-in is another test's
    invoice = page.locator("[data-invoice-id]").first.get_attribute("data-invoice-id")
    found: list[str] = []
    for path in (*CUSTOMER_PAGES, f"/invoices/{invoice}"):
        found += _violations_on(page, f"{live_server.base_url}{path}")
    page.goto(f"{live_server.base_url}/")
    page.get_by_role("button", name="Notifications").click()  # the bell's menu, open
    page.get_by_role("dialog", name="Notifications").wait_for()
    page.wait_for_function(ANIMATIONS_DONE)  # axe measures a fading-in popup's text as pale
    found += [f"/ with the bell open: {violation}" for violation in _blocking_violations(page)]
    context.close()

    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    accounts.sign_in(page, "admin@portal.example")
    for path in STAFF_PAGES:
        found += _violations_on(page, f"{live_server.base_url}{path}")
    page.goto(f"{live_server.base_url}/admin/customers")
    page.get_by_role("button", name="New customer").click()
    page.get_by_role("dialog", name="New customer").wait_for()
    page.wait_for_function(ANIMATIONS_DONE)
    # axe layers Quasar's dialog backdrop over the card and measures the buttons against grey
    # (dequelabs/axe-core#3464): contrast inside dialogs is checked by the page scans' colours.
    dialog_scan = Axe().run(page, options={"rules": {"color-contrast": {"enabled": False}}})
    found += [f"customer dialog: {v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
              for v in dialog_scan.response["violations"]]
    context.close()

    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{live_server.base_url}/invite/not-a-token")  # a refusal, signed out
    page.get_by_text("Go to sign-in").wait_for()
    found += [f"/invite refusal: {violation}" for violation in _blocking_violations(page)]
    context.close()
    assert found == [], "\n".join(found)


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
