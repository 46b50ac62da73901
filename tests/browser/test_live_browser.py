"""A payment pushed to the ledger API shows on an open dashboard (how fast: benchmarks.bench_live_latency,
docs/BENCHMARKS.md); a tab left open after sign-out leaves at once and shows nothing new."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, LIVE_SECRET_KEY, Accounts, LiveServer, open_invoice_of, screenshot
from tests.ledger_events import push_full_payment

pytestmark = [pytest.mark.browser, pytest.mark.dates]


def test_an_open_dashboard_shows_a_pushed_payment(browser, live_server: LiveServer,  # type: ignore[no-untyped-def]
                                                  accounts: Accounts) -> None:
    invoice = open_invoice_of(live_server.database_url, "Łódź")
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    accounts.sign_in(page, "viewer@lodz-logistyka.example")
    page.goto(f"{live_server.base_url}/?number={invoice.number}")
    row_status = page.locator(f"tr[data-invoice-id='{invoice.id}'] [data-status]")
    row_status.wait_for()
    assert row_status.get_attribute("data-status") != "paid"

    response = push_full_payment(live_server.base_url, LIVE_SECRET_KEY, invoice)
    assert response.status_code == 200 and response.json()["applied"] == 1, response.text
    page.locator(f"tr[data-invoice-id='{invoice.id}'] [data-status='paid']").wait_for()
    page.get_by_text(f"Invoice {invoice.number} is now paid").wait_for()
    screenshot(page, "live-payment-1280")
    context.close()


def test_a_tab_left_open_after_sign_out_leaves_and_shows_nothing_new(browser, live_server: LiveServer,  # type: ignore[no-untyped-def]
                                                                    accounts: Accounts) -> None:
    invoice = open_invoice_of(live_server.database_url, "東京")
    context = browser.new_context(viewport=DESKTOP)
    left_open = context.new_page()
    accounts.sign_in(left_open, "owner@tokyo-trading.example")
    left_open.goto(f"{live_server.base_url}/?number={invoice.number}")
    left_open.locator(f"tr[data-invoice-id='{invoice.id}'] [data-status]").wait_for()

    other = context.new_page()  # the same browser, another tab: signs out
    other.goto(f"{live_server.base_url}/settings")
    other.get_by_role("button", name="Sign out", exact=True).click()
    other.wait_for_url("**/login**")
    # Revocation reaches the open tab at once, not at its next 15-second check.
    left_open.wait_for_url("**/login?error=signed_out", timeout=5000)

    response = push_full_payment(live_server.base_url, LIVE_SECRET_KEY, invoice)
    assert response.status_code == 200 and response.json()["applied"] == 1, response.text
    left_open.wait_for_timeout(1500)
    assert left_open.get_by_text(f"Invoice {invoice.number} is now paid").count() == 0
    assert left_open.locator("[data-status='paid']").count() == 0
    context.close()
