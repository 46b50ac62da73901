"""A staff session in Chromium: the console home, a new customer with its owner's invitation link,
the audit trail finding that change and verifying the chain, ledger health and the metric charts;
desktop and phone screenshots of each."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import DESKTOP, PHONE, Accounts, LiveServer, screenshot

pytestmark = pytest.mark.browser


def test_an_administrator_works_through_the_console(browser, live_server: LiveServer,  # type: ignore[no-untyped-def]
                                                    accounts: Accounts) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    accounts.sign_in(page, "admin@portal.example")
    page.wait_for_url(re.compile(r"/admin$"))
    page.get_by_role("heading", name="Staff console").wait_for()
    page.get_by_text("Active customers").wait_for()
    screenshot(page, "staff-console-1280")

    page.get_by_role("link", name="Customers").first.click()
    page.get_by_role("heading", name="Customers").wait_for()
    page.get_by_role("button", name="New customer").click()
    page.get_by_label("Customer number (as in the ledger)").fill("C-BROWSER-1")
    page.get_by_label("Company name").fill("Zürich Browser Test AG")
    page.get_by_label("Country (ISO, e.g. DE)").fill("CH")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Customer C-BROWSER-1 saved.").wait_for()
    page.get_by_role("button", name="Edit Zürich Browser Test AG").click()
    page.get_by_text("Invite the owner").click()
    page.get_by_label("Owner's e-mail").fill("owner@zuerich-browser.example")
    page.get_by_role("button", name="Create invitation link").click()
    link = page.get_by_label("Invitation link").input_value()
    assert "/invite/" in link
    screenshot(page, "staff-customers-invite-1280")
    page.keyboard.press("Escape")
    page.get_by_label("Invitation link").wait_for(state="hidden")
    page.get_by_label("Search by name or number").fill("no such company")  # debounced, then the list follows
    page.get_by_text("No customer matches this search.").wait_for()
    page.get_by_label("Search by name or number").fill("zürich browser")
    page.get_by_role("cell", name="C-BROWSER-1").wait_for()
    page.get_by_role("button", name="Edit Zürich Browser Test AG").click()  # disable, then enable again
    page.get_by_role("button", name="Disable customer").click()
    page.get_by_role("button", name="Disable", exact=True).click()
    page.get_by_text("Zürich Browser Test AG disabled").wait_for()
    page.get_by_role("button", name="Edit Zürich Browser Test AG").click()
    page.get_by_role("button", name="Enable customer").click()
    page.get_by_text("Zürich Browser Test AG enabled.").wait_for()

    page.get_by_role("link", name="Users").first.click()
    page.get_by_label("Search by e-mail, name or company").fill("zuerich-browser")
    page.get_by_role("cell", name="owner@zuerich-browser.example", exact=True).wait_for()
    page.get_by_role("cell", name="admin@portal.example", exact=True).wait_for(state="detached")

    page.get_by_role("link", name="Tiers").first.click()
    page.get_by_role("button", name="New tier").click()
    page.get_by_role("heading", name="New tier").wait_for()
    page.get_by_role("button", name="Cancel").click()
    page.get_by_role("heading", name="New tier").wait_for(state="hidden")

    invited = browser.new_context(viewport=PHONE)  # the owner opens the link on their phone
    owner_page = invited.new_page()
    owner_page.goto(link)
    owner_page.get_by_text("owner@zuerich-browser.example").wait_for()
    screenshot(owner_page, "staff-invited-owner-390")
    invited.close()

    page.goto(f"{live_server.base_url}/admin/audit?action=admin.customer_create")
    page.get_by_role("cell", name="admin.customer_create").first.wait_for()
    page.get_by_role("button", name="Verify chain").click()
    page.get_by_text(re.compile(r"The trail is intact: [\d,]+ rows verified")).wait_for()
    screenshot(page, "staff-audit-1280")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    csv_text = download_info.value.path().read_text(encoding="utf-8-sig")
    assert csv_text.startswith("seq,occurred_at_utc") and "admin.customer_create" in csv_text

    page.goto(f"{live_server.base_url}/admin/ledger")
    page.get_by_role("heading", name="Sources").wait_for()
    screenshot(page, "staff-ledger-1280")

    page.goto(f"{live_server.base_url}/admin/metrics")
    page.get_by_role("heading", name="Time to invoice retrieval").wait_for()
    page.wait_for_function("() => document.querySelectorAll('canvas').length >= 4")
    screenshot(page, "staff-metrics-1280")
    page.get_by_role("button", name="Weeks").click()  # the filter is only read when "Show" is clicked
    page.get_by_label("From").fill("2026-10-01")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"/admin/metrics\?period=week&from=2026-10-01$"))
    page.get_by_role("heading", name="Time to invoice retrieval").wait_for()

    page.set_viewport_size(PHONE)
    page.reload()
    page.wait_for_function("() => document.querySelectorAll('canvas').length >= 4")
    screenshot(page, "staff-metrics-390")
    page.goto(f"{live_server.base_url}/admin/users")
    page.get_by_role("heading", name="Users").wait_for()
    screenshot(page, "staff-users-390")
    page.goto(f"{live_server.base_url}/admin")
    page.get_by_text("Active customers").wait_for()
    screenshot(page, "staff-console-390")
    context.close()
