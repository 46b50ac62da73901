"""A payment pushed to the ledger API shows on an open dashboard within two seconds."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import httpx
import pytest
import sqlalchemy as sa

from data import Customer, Invoice, InvoiceStatus
from services.ledger.signature import sign
from services.money import to_decimal
from services.settings import Settings, ledger_webhook_secret
from tests.browser.conftest import DESKTOP, LIVE_SECRET_KEY, Accounts, LiveServer, screenshot

pytestmark = pytest.mark.browser


def test_an_open_dashboard_shows_a_pushed_payment_within_two_seconds(browser, live_server: LiveServer,  # type: ignore[no-untyped-def]
                                                                     accounts: Accounts) -> None:
    engine = sa.create_engine(live_server.database_url)
    with engine.connect() as connection:
        invoice = connection.execute(
            sa.select(Invoice.id, Invoice.external_id, Invoice.number, Invoice.currency, Invoice.total_minor,
                      Invoice.amount_paid_minor)
            .join(Customer, Customer.id == Invoice.customer_id)
            .where(Customer.name.like("Łódź%"), Invoice.status.in_([InvoiceStatus.ISSUED.value,
                                                                      InvoiceStatus.OVERDUE.value]))
            .order_by(Invoice.issue_date.desc()).limit(1)).one()
    engine.dispose()
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    accounts.sign_in(page, "viewer@lodz-logistyka.example")
    page.goto(f"{live_server.base_url}/?number={invoice.number}")
    row_status = page.locator(f"tr[data-invoice-id='{invoice.id}'] [data-status]")
    row_status.wait_for()
    assert row_status.get_attribute("data-status") != "paid"

    due = to_decimal(invoice.total_minor - invoice.amount_paid_minor, invoice.currency)
    body = json.dumps({"events": [{
        "event_id": f"browser-{time.time_ns()}", "type": "payment.succeeded", "occurred_at": "2026-11-26T12:00:00Z",
        "payment": {"external_id": f"browser-pay-{time.time_ns()}", "invoice_external_id": invoice.external_id,
                    "amount": str(Decimal(due)), "currency": invoice.currency, "method": "card",
                    "received_at": "2026-11-26T12:00:00Z"}}]}).encode()
    secret = ledger_webhook_secret(Settings(_env_file=None), LIVE_SECRET_KEY)
    started = time.monotonic()
    response = httpx.post(f"{live_server.base_url}/api/ledger/events", content=body,
                          headers={"portal-signature": sign(secret, body, int(time.time())),
                                   "content-type": "application/json"})
    assert response.status_code == 200 and response.json()["applied"] == 1, response.text
    page.locator(f"tr[data-invoice-id='{invoice.id}'] [data-status='paid']").wait_for(timeout=2000)
    page.get_by_text(f"Invoice {invoice.number} is now paid").wait_for(timeout=2000)
    elapsed = time.monotonic() - started
    assert elapsed < 2.0, f"took {elapsed:.2f} s"
    screenshot(page, "live-payment-1280")
    context.close()
