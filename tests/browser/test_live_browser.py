"""A payment pushed to the ledger API shows on an open dashboard within two seconds."""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import DESKTOP, LIVE_SECRET_KEY, Accounts, LiveServer, open_invoice_of, screenshot
from tests.ledger_events import push_full_payment

pytestmark = [pytest.mark.browser, pytest.mark.dates]


def test_an_open_dashboard_shows_a_pushed_payment_within_two_seconds(browser, live_server: LiveServer,  # type: ignore[no-untyped-def]
                                                                     accounts: Accounts) -> None:
    invoice = open_invoice_of(live_server.database_url, "Łódź")
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    accounts.sign_in(page, "viewer@lodz-logistyka.example")
    page.goto(f"{live_server.base_url}/?number={invoice.number}")
    row_status = page.locator(f"tr[data-invoice-id='{invoice.id}'] [data-status]")
    row_status.wait_for()
    assert row_status.get_attribute("data-status") != "paid"

    started = time.monotonic()
    response = push_full_payment(live_server.base_url, LIVE_SECRET_KEY, invoice)
    assert response.status_code == 200 and response.json()["applied"] == 1, response.text
    page.locator(f"tr[data-invoice-id='{invoice.id}'] [data-status='paid']").wait_for(timeout=2000)
    page.get_by_text(f"Invoice {invoice.number} is now paid").wait_for(timeout=2000)
    elapsed = time.monotonic() - started
    assert elapsed < 2.0, f"took {elapsed:.2f} s"
    screenshot(page, "live-payment-1280")
    context.close()
