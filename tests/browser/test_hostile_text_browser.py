"""Hostile text where customers, staff and the ledger write, then every page opened in Chromium.

The text carries what would turn a value into code somewhere on the way to the browser: quotes that
end an attribute, NiceGUI's `:prop` (evaluated as JavaScript) and `@event` syntax, `<script>` and an
`onerror` image, a `javascript:` URL, a Vue `{{ }}` interpolation and a right-to-left override. Each
payload sets `window.__pwned`; no page may set it, log a console error or grow wider than the window.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from data import Customer, Invoice, Tier, User, Vendor
from tests.browser.chromium import Accounts
from tests.browser.conftest import (
    DESKTOP,
    LIVE_SECRET_KEY,
    PHONE,
    LiveServer,
    demo_portal,
    screenshot,
)
from tests.ledger_events import push_events

pytestmark = [pytest.mark.browser]

HOSTILE = ("x' \" :title=\"window.__pwned=1\" :class=\"window.__pwned=1\" @click=\"window.__pwned=1\" "
           "<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=1\"> javascript:window.__pwned=1 "
           "{{ window.__pwned = 1 }} ${window.__pwned=1} \u202eevil\u202c ")
# A valid address (atext allows ' { } = and /): it passes email-validator, so only the page can hold it.
HOSTILE_EMAIL = "x'{{window.__pwned=1}}/" + "a" * 38 + "@evil.example"
OWNER = "owner@mueller.example"
ADMIN = "admin@portal.example"


def hostile(length: int) -> str:
    """HOSTILE repeated to exactly `length` characters."""
    return (HOSTILE * (length // len(HOSTILE) + 1))[:length]


def _plant_rows(database_url: str) -> tuple[str, str]:
    """Hostile names where staff and owners type them; the customer's ref and a vendor code."""
    engine = sa.create_engine(database_url)
    try:
        with Session(engine) as db:
            customer = db.exec(select(Customer).order_by(col(Customer.id))).first()
            assert customer is not None and customer.tier_id is not None
            customer.name = hostile(200)
            customer.address = hostile(1000)
            tier = db.get(Tier, customer.tier_id)
            assert tier is not None
            tier.name = hostile(64)
            for vendor in db.exec(select(Vendor)).all():
                vendor.name = hostile(200)
                vendor.payment_instructions = hostile(2000)
            for user in db.exec(select(User)).all():
                user.display_name = hostile(200)
            owner = db.exec(select(User).where(col(User.email) == OWNER)).one()
            db.add(User(email=HOSTILE_EMAIL, display_name=hostile(200), password_hash=owner.password_hash,
                        role=owner.role, customer_id=customer.id, created_at=owner.created_at,
                        password_changed_at=owner.created_at, failed_logins=0, is_active=True))
            vendor_code = db.exec(select(Vendor.code)).first()
            db.commit()
            return customer.ref, str(vendor_code)
    finally:
        engine.dispose()


def _ledger_events(customer_ref: str, vendor_code: str) -> list[dict]:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    instant = now.isoformat().replace("+00:00", "Z")
    invoice_id = hostile(128).strip()
    invoice = {
        "external_id": invoice_id, "number": hostile(64).strip(), "customer_ref": customer_ref,
        "vendor_code": vendor_code, "issue_date": (now - timedelta(days=3)).date().isoformat(),
        "due_date": (now + timedelta(days=27)).date().isoformat(), "currency": "EUR",
        "terms": hostile(500), "notes": hostile(2000), "version": 1,
        "lines": [{"description": hostile(1000), "quantity": "1", "unit": hostile(16), "unit_price": "100.00",
                   "tax_rate": "19"}] * 3,
    }
    payment = {"external_id": hostile(128).strip() + "p", "invoice_external_id": invoice_id, "amount": "10.00",
               "currency": "EUR", "method": "card", "received_at": instant, "reference": hostile(200)}
    return [
        {"event_id": "hostile-1 " + hostile(100).strip(), "type": "invoice.issued", "occurred_at": instant,
         "invoice": invoice},
        {"event_id": "hostile-2 " + hostile(100).strip(), "type": "payment.succeeded", "occurred_at": instant,
         "payment": payment},
        # Quarantined: the admin sees its id, type and payload on the ledger page.
        {"event_id": "hostile-3 " + hostile(100).strip(), "type": "invoice.issued", "occurred_at": instant,
         "invoice": dict(invoice, customer_ref=hostile(100).strip())},
        {"event_id": "hostile-4 " + hostile(100).strip(), "type": hostile(60), "occurred_at": instant,
         hostile(30): hostile(3000)},
    ]


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A portal of its own (its data would confuse the shared one's tests) with hostile text planted."""
    with demo_portal(tmp_path_factory.mktemp("hostile"), "hostile", customers=1, invoices=8,
                     prepare=_plant_rows) as (server, (customer_ref, vendor_code)):
        answer = push_events(server.base_url, LIVE_SECRET_KEY, _ledger_events(customer_ref, vendor_code))
        assert answer.status_code == 200, answer.text
        assert answer.json()["applied"] == 2 and answer.json()["quarantined"] == 2, answer.json()
        yield server


def _hostile_invoice_id(database_url: str) -> int:
    engine = sa.create_engine(database_url)
    try:
        with Session(engine) as db:
            return int(db.exec(select(Invoice.id).where(col(Invoice.number).startswith("x' \""))).one())
    finally:
        engine.dispose()


def _assert_inert(page, path: str) -> None:  # type: ignore[no-untyped-def]
    """No payload ran, and the page is no wider than the window (long text wraps or scrolls inside)."""
    page.wait_for_timeout(300)  # let Vue render whatever arrived over the websocket
    assert page.evaluate("window.__pwned") is None, f"script ran on {path}"
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{path} is {width[0]} px wide in a {width[1]} px window"


def _visit(page, base_url: str, paths: list[str], name: str) -> None:  # type: ignore[no-untyped-def]
    for viewport, label in ((DESKTOP, "1280"), (PHONE, "390")):
        page.set_viewport_size(viewport)
        for index, path in enumerate(paths):
            page.goto(base_url + path)
            page.locator("header").first.wait_for()
            _assert_inert(page, path)
            screenshot(page, f"hostile-{name}-{index}-{label}")


def test_hostile_text_stays_text_on_every_customer_page(browser, hostile_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    accounts = Accounts(hostile_server.base_url)
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    page = context.new_page()
    accounts.sign_in(page, OWNER)
    invoice_id = _hostile_invoice_id(hostile_server.database_url)

    # The customer writes too: a 5,000-character question through the form.
    page.goto(f"{hostile_server.base_url}/invoices/{invoice_id}")
    page.get_by_role("button", name="Ask about this invoice").click()
    page.get_by_label("Your question").fill(hostile(5000))
    page.get_by_role("button", name="Send question").click()
    page.get_by_text("Your question was sent").wait_for()
    _assert_inert(page, "the question dialog")

    _visit(page, hostile_server.base_url, ["/", f"/invoices/{invoice_id}", "/?number=x", "/settings", "/team",
                                           "/export", "/verify"], "customer")
    page.get_by_role("button", name="Notifications").first.click()
    _assert_inert(page, "the notifications menu")
    context.close()


def test_hostile_text_stays_text_on_every_staff_page(browser, hostile_server: LiveServer) -> None:  # type: ignore[no-untyped-def]
    accounts = Accounts(hostile_server.base_url)
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    page = context.new_page()
    accounts.sign_in(page, ADMIN)
    _visit(page, hostile_server.base_url, ["/admin", "/admin/customers", "/admin/users", "/admin/users?q=evil",
                                           "/admin/tiers", "/admin/audit", "/admin/ledger", "/admin/metrics",
                                           "/admin/questions"], "staff")
    page.set_viewport_size(DESKTOP)
    page.goto(f"{hostile_server.base_url}/admin/customers")
    page.get_by_role("button", name="Edit").first.click()
    page.get_by_role("dialog").wait_for()
    _assert_inert(page, "the customer dialog")
    page.goto(f"{hostile_server.base_url}/admin/tiers")
    page.get_by_role("button", name="Edit").first.click()
    page.get_by_role("dialog").wait_for()
    _assert_inert(page, "the tier dialog")
    context.close()
