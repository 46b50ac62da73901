"""The dashboard and invoice detail in Chromium: filters in the URL, back button, phone layout."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import DESKTOP, PHONE, Accounts, LiveServer, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.dates]


PHONE_AGENT = ("Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) "
               "Chrome/130.0.0.0 Mobile Safari/537.36")
TABLE = "table[aria-label=Invoices]"
CARDS = "[role=list][aria-label=Invoices] [role=listitem]"


def _wait_for_query(page, fragment: str) -> None:  # type: ignore[no-untyped-def]
    """Filters change the URL with history.pushState (no page load to wait for)."""
    page.wait_for_function("fragment => location.search.includes(fragment)", arg=fragment)


def test_dashboard_filters_live_in_the_url_and_survive_back_and_reload(
    browser, live_server: LiveServer, accounts: Accounts  # type: ignore[no-untyped-def]
) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="de-DE")
    page = context.new_page()
    accounts.sign_in(page, "accountant@mueller.example")
    page.goto(f"{live_server.base_url}/")
    page.get_by_text("Open balance").wait_for()
    screenshot(page, "dashboard-1280")
    rows = page.locator("table tbody tr")
    assert rows.count() == 25
    assert page.get_by_text("1–25 of").is_visible()

    page.get_by_role("button", name="Filters").click()
    page.get_by_role("combobox", name="Status").click()
    page.get_by_role("option", name="Paid", exact=True).click()
    page.keyboard.press("Escape")
    _wait_for_query(page, "status=paid")
    page.wait_for_function("() => [...document.querySelectorAll('tbody [data-status]')].every(e => e.dataset.status === 'paid')")
    filtered_url = page.url

    page.get_by_label("Invoice number").fill("NO-SUCH-NUMBER")
    _wait_for_query(page, "number=NO-SUCH-NUMBER")
    page.get_by_text("No invoices match").wait_for()
    screenshot(page, "dashboard-empty-1280")

    page.go_back()  # popstate reloads the page at the earlier URL
    page.wait_for_function("url => location.href === url", arg=filtered_url)
    page.locator("tbody [data-status='paid']").first.wait_for()
    page.reload()
    page.locator("tbody [data-status='paid']").first.wait_for()
    assert page.locator("tbody [data-status]:not([data-status='paid'])").count() == 0
    context.close()


def test_invoice_detail_at_desktop_and_phone(browser, live_server: LiveServer, accounts: Accounts) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, locale="en-US")
    page = context.new_page()
    accounts.sign_in(page, "viewer@mueller.example")
    page.goto(f"{live_server.base_url}/?status=partially_paid")
    screenshot(page, "dashboard-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator("[role=listitem]").first.click()
    page.wait_for_url(re.compile(r"/invoices/\d+$"))
    page.get_by_text("Line items").wait_for()
    page.get_by_text("Payments").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "invoice-390")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "invoice-1280")
    context.close()


def test_the_list_is_built_in_the_layout_the_browser_shows(browser, live_server: LiveServer,  # type: ignore[no-untyped-def]
                                                          accounts: Accounts) -> None:
    # A phone gets cards from its first response on: no table built to be hidden.
    phone = browser.new_context(viewport=PHONE, locale="en-US", user_agent=PHONE_AGENT, is_mobile=True,
                                has_touch=True)
    page = phone.new_page()
    accounts.sign_in(page, "viewer@mueller.example")
    page.goto(f"{live_server.base_url}/")
    page.locator(CARDS).first.wait_for()
    assert page.locator(CARDS).count() == 25 and page.locator(TABLE).count() == 0
    page.wait_for_timeout(1000)  # the browser's own report agrees: nothing is rebuilt
    assert page.locator(TABLE).count() == 0
    phone.close()

    # A desktop browser in a narrow window: the table its user agent suggests, then the cards its
    # width shows; widened, the table again. What is built always follows what is seen.
    desktop = browser.new_context(viewport=PHONE, locale="en-US")
    page = desktop.new_page()
    accounts.sign_in(page, "viewer@mueller.example")
    page.goto(f"{live_server.base_url}/?size=10")
    page.locator(CARDS).first.wait_for()
    page.locator(TABLE).wait_for(state="detached")
    assert page.locator(CARDS).count() == 10
    page.set_viewport_size(DESKTOP)
    page.locator(f"{TABLE} tbody tr").first.wait_for()
    page.locator(CARDS).first.wait_for(state="detached")
    assert page.locator(f"{TABLE} tbody tr").count() == 10
    assert page.url.endswith("/?size=10")  # the view stayed what it was
    desktop.close()
